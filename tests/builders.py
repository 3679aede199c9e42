"""Small helpers that read like the business: give points, spend them, read the books."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.audit import StoreAudit, audit_store
from walaa.bootstrap import App, FixedClock
from walaa.service.commands import Earn, Spend
from walaa.service.handlers import ledger as h
from walaa.service.handlers.ledger import Receipt
from walaa.service.ports import Balances

_keys = itertools.count(1)


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}"


def give(
    app: App, clock: FixedClock, store_id: str, customer: str, points: int, **kw: Any
) -> Receipt:
    return h.earn(app.uow(), clock, Earn(store_id, customer, key("earn"), points, **kw))


def take(app: App, clock: FixedClock, store_id: str, customer: str, points: int) -> Receipt:
    return h.spend(app.uow(), clock, Spend(store_id, customer, key("spend"), points))


def balances(app: App, store_id: str, customer: str) -> Balances:
    c = t.customers
    with app.engine.connect() as conn:
        row = conn.execute(
            select(c.c.available, c.c.pending, c.c.held).where(
                c.c.store_id == store_id, c.c.id == customer
            )
        ).one()
    return Balances(*row)


def audit(app: App, store_id: str) -> StoreAudit:
    with app.engine.connect() as conn:
        return audit_store(conn, store_id)


def transaction_count(app: App, store_id: str) -> int:
    x = t.ledger_transactions
    with app.engine.connect() as conn:
        return len(conn.execute(select(x.c.id).where(x.c.store_id == store_id)).all())


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    """Every statement the engine sends through a cursor while the block runs, as text."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)
