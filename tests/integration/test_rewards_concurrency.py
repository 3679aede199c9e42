"""Codes and stock under concurrent requests, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from tests.builders import audit, balances, give
from tests.integration.test_concurrency import run_together
from walaa.domain.rewards import CodeNotUsable, NotRedeemable, Reward, RewardKind
from walaa.service.handlers import rewards as r


def ten_off(**fields: object) -> Reward:
    values: dict[str, object] = {
        "id": "ten-off",
        "kind": RewardKind.FIXED_DISCOUNT,
        "cost": 100,
        "names": {"en": "10 off"},
        "value": Decimal("10"),
    }
    values.update(fields)
    return Reward(**values)  # type: ignore[arg-type]


def test_twenty_concurrent_uses_of_a_single_use_code_let_exactly_one_through(app, clock, store):
    r.save_reward(app.uow(), clock, store.id, ten_off())
    give(app, clock, store.id, "amal", 100)
    code = r.redeem(app.uow(), clock, store.id, "amal", "ten-off", "k").redemption.code
    results = run_together(20, lambda i: r.use_code(app.uow(), clock, store.id, code, f"order-{i}"))
    used = [x for x in results if isinstance(x, r.CodeCheck)]
    refused = [x for x in results if isinstance(x, CodeNotUsable)]
    assert len(used) == 1 and len(refused) == 19, results
    check = r.validate_code(app.uow(), clock, store.id, code)
    assert check.redemption.status == "used" and check.redemption.uses_left == 0


def test_concurrent_redemptions_never_oversell_stock(app, clock, store):
    r.save_reward(app.uow(), clock, store.id, ten_off(stock=5))
    for i in range(30):
        give(app, clock, store.id, f"c{i}", 100)
    results = run_together(
        30, lambda i: r.redeem(app.uow(), clock, store.id, f"c{i}", "ten-off", f"k{i}")
    )
    won = [x for x in results if isinstance(x, r.Redeemed)]
    lost = [x for x in results if isinstance(x, NotRedeemable)]
    assert len(won) == 5 and len(lost) == 25, [x for x in results if isinstance(x, Exception)]
    assert r.get_reward(app.uow(), store.id, "ten-off").stock_left == 0
    assert sum(balances(app, store.id, f"c{i}").available for i in range(30)) == 2500
    assert audit(app, store.id).ok
