"""Notices: what to tell a customer, recorded once per key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.deferred import insert_row
from walaa.adapters.db.engine import insert_for


class SqlNoticeRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        store_id: str,
        customer_id: str,
        kind: str,
        key: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        wait: bool = False,
    ) -> bool:
        stmt = (
            insert_for(self.conn.dialect, t.notices)
            .values(
                store_id=store_id,
                customer_id=customer_id,
                kind=kind,
                key=key,
                payload=payload,
                created_at=now,
            )
            .on_conflict_do_nothing()
        )
        if wait:
            row = {
                "store_id": store_id,
                "customer_id": customer_id,
                "kind": kind,
                "key": key,
                "payload": payload,
                "created_at": now,
            }
            insert_row(self.conn, t.notices, row, on_conflict="nothing")
            return True
        return self.conn.execute(stmt.returning(t.notices.c.id)).first() is not None

    def for_customer(self, store_id: str, customer_id: str) -> list[dict[str, Any]]:
        n = t.notices
        rows = self.conn.execute(
            select(n.c.id, n.c.kind, n.c.payload, n.c.created_at, n.c.delivered_at)
            .where(n.c.store_id == store_id, n.c.customer_id == customer_id)
            .order_by(n.c.id.desc())
            .limit(200)
        )
        return [dict(row._mapping) for row in rows]

    def keys_of(self, store_id: str, customer_id: str, kind: str) -> list[str]:
        n = t.notices
        return list(
            self.conn.execute(
                select(n.c.key).where(
                    n.c.store_id == store_id, n.c.customer_id == customer_id, n.c.kind == kind
                )
            ).scalars()
        )
