"""Customers' progress toward achievements and the badges they earned.

The order and event paths call these under the customer's lock and keep to one read and at
most two writes per order: all of a customer's progress rows in one SELECT, the changed ones in
one upsert, the grants (when any) in one INSERT.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.service.achievement_ports import GrantRecord, ProgressRecord


def _grant(row: Any) -> GrantRecord:
    return GrantRecord(
        customer_id=row.customer_id,
        achievement_id=row.achievement_id,
        times=row.times,
        source=row.source,
        at=row.at,
        points=row.points,
        transaction_id=row.transaction_id,
        redemption_id=row.redemption_id,
        names=dict(row.names),
        created_at=row.created_at,
    )


class SqlAchievementsRepository:
    def __init__(self, conn: Connection, store_id: str) -> None:
        self.conn = conn
        self.store_id = store_id

    def progress_of(self, customer_id: str) -> dict[str, ProgressRecord]:
        p = t.achievement_progress
        rows = self.conn.execute(
            select(p.c.achievement_id, p.c.signature, p.c.state, p.c.times).where(
                p.c.store_id == self.store_id, p.c.customer_id == customer_id
            )
        )
        return {
            row.achievement_id: ProgressRecord(
                row.achievement_id, row.signature, dict(row.state), row.times
            )
            for row in rows
        }

    def save_progress(self, customer_id: str, records: list[ProgressRecord], now: datetime) -> None:
        if not records:
            return
        p = t.achievement_progress
        stmt = insert_for(self.conn.dialect, p)
        stmt = stmt.on_conflict_do_update(
            index_elements=["store_id", "customer_id", "achievement_id"],
            set_={
                "signature": stmt.excluded.signature,
                "state": stmt.excluded.state,
                "times": stmt.excluded.times,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        self.conn.execute(
            stmt,
            [
                {
                    "store_id": self.store_id,
                    "customer_id": customer_id,
                    "achievement_id": r.achievement_id,
                    "signature": r.signature,
                    "state": r.state,
                    "times": r.times,
                    "updated_at": now,
                }
                for r in records
            ],
        )

    def add_grants(self, records: list[GrantRecord]) -> None:
        if not records:
            return
        self.conn.execute(
            t.achievement_grants.insert(),
            [
                {
                    "store_id": self.store_id,
                    "customer_id": r.customer_id,
                    "achievement_id": r.achievement_id,
                    "times": r.times,
                    "source": r.source,
                    "at": r.at,
                    "points": r.points,
                    "transaction_id": r.transaction_id,
                    "redemption_id": r.redemption_id,
                    "names": r.names,
                    "created_at": r.created_at,
                }
                for r in records
            ],
        )

    def grants_of(self, customer_id: str) -> list[GrantRecord]:
        g = t.achievement_grants
        rows = self.conn.execute(
            select(g)
            .where(g.c.store_id == self.store_id, g.c.customer_id == customer_id)
            .order_by(g.c.at, g.c.achievement_id, g.c.times)
        )
        return [_grant(row) for row in rows]
