"""Codes and stock under concurrent requests, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from tests.builders import audit, balances, give
from tests.integration.test_concurrency import run_together
from walaa.domain.rewards import (
    CodeNotUsable,
    NotRedeemable,
    Reward,
    RewardKind,
    RewardLimitPerOrder,
)
from walaa.service.handlers import rewards as r
from walaa.service.ports import RedemptionRecord


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


def test_a_use_racing_the_cancel_of_a_partly_used_code_gives_every_point_back_once(
    app, clock, store
):
    """Each round: a 3-use code of 900 points, used once; then one more use and a cancel race.

    Whichever wins, every point of the code is either paid for an order or given back, never
    both and never twice: the cancel returns exactly the uses still unused after the race (300
    each), and a use that lost finds the code cancelled.
    """
    r.save_reward(app.uow(), clock, store.id, ten_off(cost=900, code_uses=3))
    rounds = 8
    give(app, clock, store.id, "amal", 900 * rounds)
    paid, outcomes = 0, []
    for n in range(rounds):
        redeemed = r.redeem(app.uow(), clock, store.id, "amal", "ten-off", f"race-{n}")
        code, redemption_id = redeemed.redemption.code, redeemed.redemption.id
        r.use_code(app.uow(), clock, store.id, code, f"first-{n}")
        before = balances(app, store.id, "amal").available

        def race(i: int, code: str = code, redemption_id: str = redemption_id, n: int = n):
            if i == 0:
                return r.use_code(app.uow(), clock, store.id, code, f"second-{n}")
            return r.cancel_redemption(app.uow(), clock, store.id, "amal", redemption_id)

        used, cancelled = run_together(2, race)
        assert isinstance(cancelled, RedemptionRecord), cancelled
        assert isinstance(used, r.CodeCheck | CodeNotUsable), used
        uses = 2 if isinstance(used, r.CodeCheck) else 1
        outcomes.append(uses)
        paid += 300 * uses
        returned = balances(app, store.id, "amal").available - before
        assert returned == 900 - 300 * uses, (n, uses, returned)
        check = r.validate_code(app.uow(), clock, store.id, code)
        assert check.redemption.status == "cancelled"
        assert check.redemption.uses_left == 3 - uses
    assert balances(app, store.id, "amal").available == 900 * rounds - paid
    assert audit(app, store.id).ok


def test_codes_of_a_reward_limited_per_order_racing_onto_one_order_let_one_through(
    app, clock, store
):
    r.save_reward(app.uow(), clock, store.id, ten_off(per_order=1))
    give(app, clock, store.id, "amal", 1000)
    codes = [
        r.redeem(app.uow(), clock, store.id, "amal", "ten-off", f"k{i}").redemption.code
        for i in range(10)
    ]
    results = run_together(
        10, lambda i: r.use_code(app.uow(), clock, store.id, codes[i], "one-order")
    )
    used = [x for x in results if isinstance(x, r.CodeCheck)]
    refused = [x for x in results if isinstance(x, RewardLimitPerOrder)]
    assert len(used) == 1 and len(refused) == 9, results
    still = [r.validate_code(app.uow(), clock, store.id, code).usable for code in codes]
    assert still.count(False) == 1
    assert audit(app, store.id).ok
