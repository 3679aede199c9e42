"""Orders of one customer arriving at once, on real threads: a badge each would complete is
granted once, and a repeating badge exactly as often as the spend together reaches it."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from tests.builders import audit
from tests.integration.test_concurrency import run_together
from walaa.adapters.db import tables as t
from walaa.demo import PROGRAM
from walaa.domain.earning import OrderLine
from walaa.service.commands import RecordOrder
from walaa.service.handlers import earning
from walaa.service.handlers.program import apply_program

ACHIEVEMENTS = """
achievements:
  - id: big-spender
    name: {en: Big spender, ar: متسوق كبير}
    description: {en: Spend 500 USD, ar: أنفق 500 دولار}
    counts: spend
    target: 500
    points: 100
  - id: every-500
    name: {en: Every 500, ar: كل 500}
    description: {en: Every 500 USD spent, ar: كل 500 دولار}
    counts: spend
    target: 500
    repeat: true
    points: 10
"""


def place_together(app, clock, store, n: int, paid: str) -> None:
    program = PROGRAM.read_text(encoding="utf-8")
    apply_program(app.uow(), clock, store.id, program + ACHIEVEMENTS)
    line = OrderLine("l1", Decimal(paid), 1, categories=frozenset({"mask"}))

    def place(i: int) -> earning.OrderResult:
        command = RecordOrder(store.id, "amal", f"o-{i}", clock.now(), "USD", (line,))
        return earning.record_order(app.uow(), clock, command)

    results = run_together(n, place)
    failed = [r for r in results if not isinstance(r, earning.OrderResult)]
    assert not failed, failed


def granted(app, store_id: str) -> list[tuple[str, int, int | None]]:
    g = t.achievement_grants
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(g.c.achievement_id, g.c.times, g.c.points)
            .where(g.c.store_id == store_id)
            .order_by(g.c.achievement_id, g.c.times)
        )
        return [tuple(row) for row in rows]


def badge_points(app, store_id: str) -> list[int]:
    x = t.ledger_transactions
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(x.c.idempotency_key).where(
                x.c.store_id == store_id, x.c.idempotency_key.like("achievement:%")
            )
        )
        return sorted(row.idempotency_key for row in rows)


def test_two_orders_at_once_that_each_complete_a_badge_grant_it_once(app, clock, store):
    place_together(app, clock, store, 2, "600.00")
    grants = granted(app, store.id)
    assert [g for g in grants if g[0] == "big-spender"] == [("big-spender", 1, 100)]
    # 1,200 together: the repeating badge twice, once per 500
    assert [g[1] for g in grants if g[0] == "every-500"] == [1, 2]
    keys = badge_points(app, store.id)
    assert keys == [
        "achievement:big-spender:amal:1",
        "achievement:every-500:amal:1",
        "achievement:every-500:amal:2",
    ]
    assert audit(app, store.id).ok


def test_many_orders_at_once_reach_a_repeating_badge_exactly_as_often_as_they_add_up(
    app, clock, store
):
    place_together(app, clock, store, 8, "300.00")  # 2,400 in all
    grants = granted(app, store.id)
    assert [g[1] for g in grants if g[0] == "every-500"] == [1, 2, 3, 4]
    assert [g[1] for g in grants if g[0] == "big-spender"] == [1]
    assert audit(app, store.id).ok
