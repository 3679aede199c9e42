"""The overview's figures against the ledger and the orders, summed another way here."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select

from tests.builders import give, take
from walaa.adapters.db import tables as t
from walaa.analytics.overview import overview_for
from walaa.demo import PLAN, PROGRAM
from walaa.domain.earning import OrderLine
from walaa.domain.program import Channel
from walaa.service.commands import RecordOrder
from walaa.service.handlers import earning, memberships
from walaa.service.handlers.in_force import in_force
from walaa.service.handlers.jobs import Worker, run_pass
from walaa.service.handlers.program import apply_program

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 9, 0, tzinfo=UTC)


def order(app, clock, store, order_id, customer, paid, when, channel=Channel.ONLINE) -> int:
    clock.current = when
    command = RecordOrder(
        store.id, customer, order_id, when, "USD",
        (OrderLine(f"{order_id}-1", Decimal(paid)),), channel,
    )  # fmt: skip
    return earning.record_order(app.uow(), clock, command).points


def in_force_now(app, store):
    with app.uow() as uow:
        return in_force(uow, store.id)


def a_month_of_business(app, clock, store) -> None:
    """Six customers: amal a paid member since 1 February; badr and chadi buy without a
    membership; dana bought in December only; erin's points expire; fadi spends 300."""
    apply_program(app.uow(), clock, store.id, PROGRAM.read_text(encoding="utf-8"))
    memberships.save_plan(app.uow(), clock, store.id, PLAN)
    order(app, clock, store, "d-1", "dana", "30.00", at(12, 10, 2025))
    clock.current = at(2, 1)
    memberships.join(app.uow(), clock, store.id, "amal", PLAN.id, "pay-1")
    clock.current = at(2, 2)
    give(app, clock, store.id, "fadi", 1000)
    clock.current = at(2, 3)
    take(app, clock, store.id, "fadi", 300)
    clock.current = at(2, 5)
    give(app, clock, store.id, "erin", 500, expires_at=at(2, 20))
    order(app, clock, store, "a-1", "amal", "100.00", at(2, 10))
    order(app, clock, store, "b-1", "badr", "80.00", at(2, 12))
    order(app, clock, store, "b-2", "badr", "40.00", at(2, 15), Channel.IN_STORE)
    order(app, clock, store, "a-2", "amal", "50.00", at(2, 20), Channel.APP)
    clock.current = at(2, 21)
    run_pass(Worker(app.uow, app.jobs, app.idempotency), clock.now(), stores=[store.id])
    order(app, clock, store, "c-1", "chadi", "60.00", at(2, 25))
    clock.current = NOW


def store_account(app, store, account, start, end) -> int:
    """What reached a store account between two moments, summed by the database."""
    p, x = t.postings, t.ledger_transactions
    query = (
        select(func.coalesce(func.sum(p.c.amount), 0))
        .select_from(p.join(x, x.c.id == p.c.transaction_id))
        .where(
            p.c.store_id == store.id,
            p.c.customer_id.is_(None),
            p.c.account == account,
            x.c.occurred_at >= start,
            x.c.occurred_at < end,
        )
    )
    with app.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def held_by_customers(app, store) -> int:
    """Each customer's balances from their postings (not the cached row), a debt as 0."""
    p = t.postings
    query = (
        select(p.c.customer_id, p.c.account, func.sum(p.c.amount))
        .where(p.c.store_id == store.id, p.c.customer_id.is_not(None))
        .group_by(p.c.customer_id, p.c.account)
    )
    with app.engine.connect() as conn:
        rows = conn.execute(query).all()
    return sum(max(int(n), 0) if account == "available" else int(n) for _, account, n in rows)


def test_the_overview_adds_up_to_the_ledger_and_the_orders(app, clock, store):
    a_month_of_business(app, clock, store)
    with app.engine.connect() as conn:
        figures = overview_for(conn, store, NOW, days=30, program=in_force_now(app, store))
    start = figures.start
    assert (figures.members, figures.active_members) == (6, 5)  # dana last came in December
    assert figures.redeemed == 300 == store_account(app, store, "redeemed", start, NOW)
    assert figures.expired == 500 == store_account(app, store, "expired", start, NOW)
    issued = -store_account(app, store, "issued", start, NOW)
    assert figures.issued == issued >= 1500
    assert figures.redemption_rate == Decimal(300) / issued
    assert figures.outstanding == held_by_customers(app, store) > 0
    assert figures.liability is not None
    assert figures.liability.amount == (Decimal(figures.outstanding) / 100).quantize(
        Decimal("0.01")
    )

    members, others = figures.buying["members"], figures.buying["non_members"]
    assert (members["all"].orders, members["all"].repeat_rate) == (2, 1)
    assert members["all"].average_order == Decimal("75.00")
    assert (members["online"].orders, members["app"].orders, members["in_store"].orders) == (
        1,
        1,
        0,
    )
    assert (others["all"].orders, others["all"].buyers, others["all"].repeat_rate) == (
        3,
        2,
        Decimal("0.5"),
    )
    assert others["all"].average_order == Decimal("60.00")
    assert (others["online"].orders, others["online"].repeat_rate) == (2, 0)
    assert others["in_store"].average_order == Decimal("40.00")
    assert members["in_store"].repeat_rate is None and members["in_store"].average_order is None


def test_the_monthly_charts_cut_months_in_the_stores_time_zone(app, clock, store):
    a_month_of_business(app, clock, store)
    with app.engine.connect() as conn:
        months = overview_for(conn, store, NOW, days=30, program=in_force_now(app, store)).months
    assert len(months) == 12 and months[-1].start.month == 3 and months[0].start.month == 4
    by_month = {(m.start.year, m.start.month): m for m in months}
    february, december = by_month[2026, 2], by_month[2025, 12]
    assert (february.member_orders, february.other_orders) == (2, 3)
    assert (december.member_orders, december.other_orders) == (0, 1)
    start, end = february.start, by_month[2026, 3].start  # midnight in Riyadh: 21:00 UTC
    assert start.utcoffset().total_seconds() == 3 * 3600
    assert february.issued == -store_account(app, store, "issued", start, end)
    assert (february.redeemed, february.expired) == (300, 500)
    assert sum(m.issued for m in months) == -store_account(
        app, store, "issued", months[0].start, NOW
    )
