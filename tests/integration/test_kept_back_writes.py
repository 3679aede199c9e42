"""Writes kept back and sent as one statement (adapters/db/deferred.py), on both databases.

On PostgreSQL a unit of work keeps writes that need no answer back and sends each run of them
as one statement; on SQLite every write runs at once. Either way the answers must be the same:
reads see every earlier write, two changes of one row both count, a rolled-back savepoint takes
its kept-back writes with it, and an order assumed new that was recorded before is answered as
a replay.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from tests.builders import audit, balances, counting
from walaa.adapters.db import tables as t
from walaa.adapters.db.deferred import write
from walaa.bootstrap import FixedClock
from walaa.domain.earning import OrderLine
from walaa.domain.errors import AccountClosed, IdempotencyConflict
from walaa.service.commands import RecordEvent, RecordOrder
from walaa.service.handlers import earning as e
from walaa.service.handlers.closing import close_account
from walaa.service.handlers.orders_batch import record_orders
from walaa.service.handlers.program import apply_program
from walaa.service.handlers.stores import create_store

PROGRAM = """
points_name: {en: Points, ar: نقاط}
currency: USD
timezone: UTC
earn_rate: {points: 1, per: 1}
point_value: {points: 100, worth: 1}
rules:
  - id: spend
    name: {en: Points on spend, ar: نقاط على المشتريات}
    effect: {type: per_amount}
  - id: signup
    name: {en: Welcome bonus, ar: مكافأة الترحيب}
    on: signup
    effect: {type: fixed, points: 50}
    limits:
      - {type: per_customer, period: lifetime, times: 1}
"""
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def shop(app, clock):
    clock.current = MONDAY
    store = create_store(app.uow(), clock, "Dewy Skincare", "USD", "UTC")
    apply_program(app.uow(), clock, store.id, PROGRAM)
    return store


def paid(shop, order_id: str, customer: str = "amal", amount: str = "40.00") -> RecordOrder:
    lines = (OrderLine("l1", Decimal(amount), 1),)
    return RecordOrder(shop.id, customer, order_id, MONDAY, "USD", lines)


def customer_row(app, store_id: str, customer: str) -> Any:
    with app.engine.connect() as conn:
        c = t.customers
        return conn.execute(
            select(c.c.pending, c.c.available).where(c.c.store_id == store_id, c.c.id == customer)
        ).one()


def test_a_paid_order_writes_its_rows_in_one_statement_on_postgresql(app, clock, shop):
    e.record_order(app.uow(), clock, paid(shop, "o-0"))  # amal is known
    with counting(app.engine) as sent:
        result = e.record_order(app.uow(), clock, paid(shop, "o-1"))
    assert result.points == 40 and not result.replayed
    writes = [s for s in sent if s.split()[0].upper() in ("INSERT", "UPDATE", "WITH")]
    chained = [s for s in writes if s.lstrip().upper().startswith("WITH")]
    if app.engine.dialect.name == "postgresql":
        # the ledger transaction, its postings and lot, the balances and the order together
        assert chained, sent
        assert all(word in chained[0] for word in ("ledger_transactions", "postings", "lots"))
    else:
        assert not chained  # SQLite writes each at once
    assert balances(app, shop.id, "amal").available == 80
    assert audit(app, shop.id).ok


def test_the_transaction_id_is_the_one_the_lock_drew_and_ids_keep_rising(app, clock, shop):
    first = e.record_order(app.uow(), clock, paid(shop, "o-1"))
    second = e.record_order(app.uow(), clock, paid(shop, "o-2"))
    third = e.record_order(app.uow(), clock, paid(shop, "o-3", customer="badr"))
    assert first.transaction_id is not None
    assert first.transaction_id < second.transaction_id < third.transaction_id
    with app.engine.connect() as conn:
        x = t.ledger_transactions
        stored = conn.execute(
            select(x.c.id).where(x.c.store_id == shop.id, x.c.reference == "o-2")
        ).scalar_one()
        orders = conn.execute(
            select(t.orders.c.earn_transaction_id).where(
                t.orders.c.store_id == shop.id, t.orders.c.id == "o-2"
            )
        ).scalar_one()
    assert stored == orders == second.transaction_id


def test_a_read_sees_every_write_kept_back_before_it(app, shop):
    e.record_order(app.uow(), clock_at(MONDAY), paid(shop, "o-0"))
    c = t.customers
    mine = (c.c.store_id == shop.id, c.c.id == "amal")
    with app.uow() as uow:
        write(uow.conn, update(c).where(*mine).values(held=c.c.held + 7), row=("customers", "amal"))
        seen = uow.conn.execute(select(c.c.held).where(*mine)).scalar_one()
        uow.commit()
    assert seen == 7


def test_two_changes_of_one_row_both_count(app, shop):
    e.record_order(app.uow(), clock_at(MONDAY), paid(shop, "o-0"))
    c = t.customers
    mine = (c.c.store_id == shop.id, c.c.id == "amal")
    with counting(app.engine) as sent, app.uow() as uow:
        for _ in range(3):
            change = update(c).where(*mine).values(held=c.c.held + 5)
            write(uow.conn, change, row=("customers", "amal"))
        uow.commit()
    with app.engine.connect() as conn:
        assert conn.execute(select(c.c.held).where(*mine)).scalar_one() == 15
    assert sum("UPDATE" in s.upper() for s in sent) == 3


def test_kept_back_writes_of_a_rolled_back_unit_of_work_are_never_sent(app, shop):
    c = t.customers
    e.record_order(app.uow(), clock_at(MONDAY), paid(shop, "o-0"))
    with app.uow() as uow:
        write(uow.conn, update(c).where(c.c.store_id == shop.id).values(held=99))
        # no commit: the block ends, the unit of work rolls back
    with app.engine.connect() as conn:
        held = conn.execute(select(func.max(c.c.held)).where(c.c.store_id == shop.id))
        assert held.scalar_one() == 0


def test_an_order_sent_twice_is_a_replay_though_the_first_attempt_assumed_it_new(app, clock, shop):
    first = e.record_order(app.uow(), clock, paid(shop, "o-1"))
    again = e.record_order(app.uow(), clock, paid(shop, "o-1"))
    assert again.replayed and again.points == first.points
    assert again.transaction_id == first.transaction_id
    with pytest.raises(IdempotencyConflict):
        e.record_order(app.uow(), clock, paid(shop, "o-1", amount="41.00"))
    assert balances(app, shop.id, "amal").available == 40
    assert audit(app, shop.id).ok


def test_an_order_placed_then_paid_is_awarded_once(app, clock, shop):
    placed = replace(paid(shop, "o-1"), status="placed")
    assert e.record_order(app.uow(), clock, placed).points == 0
    result = e.record_order(app.uow(), clock, paid(shop, "o-1"))
    assert result.status == "paid" and result.points == 40 and not result.replayed
    assert customer_row(app, shop.id, "amal").available == 40


def test_a_replay_on_a_closed_account_is_still_a_replay(app, clock, shop):
    first = e.record_order(app.uow(), clock, paid(shop, "o-1"))
    close_account(app.uow(), clock, shop.id, "amal", "asked to leave")
    again = e.record_order(app.uow(), clock, paid(shop, "o-1"))
    assert again.replayed and again.transaction_id == first.transaction_id
    with pytest.raises(AccountClosed):
        e.record_order(app.uow(), clock, paid(shop, "o-2"))


def test_an_action_sent_twice_is_a_replay(app, clock, shop):
    signup = RecordEvent(shop.id, "amal", "e-1", "signup", MONDAY)
    first = e.record_event(app.uow(), clock, signup)
    again = e.record_event(app.uow(), clock, signup)
    assert first.points == 50 and not first.replayed
    assert again.replayed and again.transaction_id == first.transaction_id
    assert customer_row(app, shop.id, "amal").available == 50


def test_a_batch_order_refused_rolls_back_its_kept_back_writes_alone(app, clock, shop):
    e.record_order(app.uow(), clock, paid(shop, "o-1"))
    conflicting = paid(shop, "o-1", amount="99.00")  # same id, other content
    outcomes = record_orders(
        app.batch_uow(), clock, [paid(shop, "o-2"), conflicting, paid(shop, "o-3")]
    )
    assert [type(o).__name__ for o in outcomes] == [
        "OrderResult",
        "IdempotencyConflict",
        "OrderResult",
    ]
    assert customer_row(app, shop.id, "amal").available == 120
    assert audit(app, shop.id).ok


def clock_at(moment: datetime) -> FixedClock:
    return FixedClock(moment)
