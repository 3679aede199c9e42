"""Causes, the giving ledger (money owed to causes, in minor units) and customers' choices.

The giving ledger only appends: a refund adds a negative line rather than changing the gift,
so a report over any period is a plain sum and always equals the lines it covers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.giving import Cause
from walaa.service.ports import GiftRecord, GiftTotal


def _cause(row: Any) -> Cause:
    return Cause(
        id=row.id,
        names=dict(row.names),
        descriptions=dict(row.descriptions),
        link=row.link,
        logo_url=row.logo_url,
        default=row.is_default,
        active=row.active,
    )


def _gift(row: Any) -> GiftRecord:
    return GiftRecord(
        key=row.key,
        cause_id=row.cause_id,
        kind=row.kind,
        customer_id=row.customer_id,
        amount=row.amount,
        currency=row.currency,
        at=row.at,
        order_id=row.order_id,
        order_at=row.order_at,
        points=row.points,
        transaction_id=row.transaction_id,
        details=dict(row.details),
    )


class SqlGivingRepository:
    def __init__(self, conn: Connection, store_id: str) -> None:
        self.conn = conn
        self.store_id = store_id

    # --- causes ----------------------------------------------------------------------------

    def save_cause(self, cause: Cause, now: datetime) -> None:
        """Add or change a cause; a new default takes the place of the old one."""
        c = t.causes
        if cause.default:
            self.conn.execute(
                update(c)
                .where(c.c.store_id == self.store_id, c.c.is_default, c.c.id != cause.id)
                .values(is_default=False, updated_at=now)
            )
        values = {
            "names": dict(cause.names),
            "descriptions": dict(cause.descriptions),
            "link": cause.link,
            "logo_url": cause.logo_url,
            "is_default": cause.default,
            "active": cause.active,
            "updated_at": now,
        }
        stmt = insert_for(self.conn.dialect, c).values(
            store_id=self.store_id, id=cause.id, created_at=now, **values
        )
        self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["store_id", "id"], set_=values)
        )

    def get_cause(self, cause_id: str) -> Cause | None:
        c = t.causes
        row = self.conn.execute(
            select(c).where(c.c.store_id == self.store_id, c.c.id == cause_id)
        ).first()
        return _cause(row) if row else None

    def list_causes(self) -> list[Cause]:
        c = t.causes
        rows = self.conn.execute(select(c).where(c.c.store_id == self.store_id).order_by(c.c.id))
        return [_cause(row) for row in rows]

    def default_cause(self) -> Cause | None:
        c = t.causes
        row = self.conn.execute(
            select(c).where(c.c.store_id == self.store_id, c.c.is_default)
        ).first()
        return _cause(row) if row else None

    # --- customers' choices ----------------------------------------------------------------

    def choose(self, customer_id: str, cause_id: str, now: datetime) -> None:
        values = {"cause_id": cause_id, "chosen_at": now}
        stmt = insert_for(self.conn.dialect, t.cause_choices).values(
            store_id=self.store_id, customer_id=customer_id, **values
        )
        self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["store_id", "customer_id"], set_=values)
        )

    def choice(self, customer_id: str) -> str | None:
        ch = t.cause_choices
        return self.conn.execute(
            select(ch.c.cause_id).where(
                ch.c.store_id == self.store_id, ch.c.customer_id == customer_id
            )
        ).scalar()

    # --- the giving ledger -----------------------------------------------------------------

    def get_gift(self, key: str) -> GiftRecord | None:
        g = t.gifts
        row = self.conn.execute(
            select(g).where(g.c.store_id == self.store_id, g.c.key == key)
        ).first()
        return _gift(row) if row else None

    def add_gift(self, record: GiftRecord, now: datetime) -> None:
        self.conn.execute(
            t.gifts.insert().values(
                store_id=self.store_id,
                key=record.key,
                cause_id=record.cause_id,
                kind=record.kind,
                customer_id=record.customer_id,
                order_id=record.order_id,
                amount=record.amount,
                currency=record.currency,
                points=record.points,
                transaction_id=record.transaction_id,
                order_at=record.order_at,
                at=record.at,
                details=record.details or {},
                created_at=now,
            )
        )

    def gifts_of_order(self, order_id: str) -> list[GiftRecord]:
        """An order's gift and its take-backs, in the order they were written."""
        g = t.gifts
        rows = self.conn.execute(
            select(g)
            .where(g.c.store_id == self.store_id, g.c.order_id == order_id)
            .order_by(g.c.created_at, g.c.key)
        )
        return [_gift(row) for row in rows]

    def given_between(self, customer_id: str, start: datetime, end: datetime) -> int:
        g = t.gifts
        total = self.conn.execute(
            select(func.coalesce(func.sum(g.c.amount), 0)).where(
                g.c.store_id == self.store_id,
                g.c.customer_id == customer_id,
                g.c.order_at >= start,
                g.c.order_at < end,
            )
        ).scalar()
        return int(total or 0)

    def totals(
        self, start: datetime, end: datetime, cause_id: str | None = None
    ) -> list[GiftTotal]:
        g = t.gifts
        where = [g.c.store_id == self.store_id, g.c.at >= start, g.c.at < end]
        if cause_id is not None:
            where.append(g.c.cause_id == cause_id)
        rows = self.conn.execute(
            select(g.c.cause_id, g.c.kind, func.sum(g.c.amount), func.count())
            .where(*where)
            .group_by(g.c.cause_id, g.c.kind)
            .order_by(g.c.cause_id, g.c.kind)
        )
        return [GiftTotal(row[0], row[1], int(row[2]), int(row[3])) for row in rows]
