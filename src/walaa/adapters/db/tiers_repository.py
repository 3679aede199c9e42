"""Customers' tiers: the status row, the qualifying history and the tier events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from walaa.adapters.db import tables as t
from walaa.domain.tiers import QualifyingEvent, TierDecision, TierStatus

E4 = Decimal(10_000)


class SqlTiersRepository:
    def __init__(self, conn: Connection, store_id: str) -> None:
        self.conn = conn
        self.store_id = store_id

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)

    def status(self, customer_id: str) -> TierStatus | None:
        c = t.customer_tiers
        row = self.conn.execute(
            select(c).where(c.c.store_id == self.store_id, c.c.customer_id == customer_id)
        ).first()
        if row is None:
            return None
        return TierStatus(
            level_id=row.level_id,
            since=row.since,
            pinned=row.pinned,
            pin_reason=row.pin_reason,
            pinned_until=row.pinned_until,
            grace_until=row.grace_until,
            reviewed_at=row.reviewed_at,
        )

    def save_status(self, customer_id: str, status: TierStatus, next_review_at: datetime) -> None:
        values = {
            "level_id": status.level_id,
            "since": status.since,
            "pinned": status.pinned,
            "pin_reason": status.pin_reason,
            "pinned_until": status.pinned_until,
            "grace_until": status.grace_until,
            "reviewed_at": status.reviewed_at,
            "next_review_at": next_review_at,
        }
        stmt = self._insert(t.customer_tiers).values(
            store_id=self.store_id, customer_id=customer_id, **values
        )
        self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["store_id", "customer_id"], set_=values)
        )

    def add_history(self, customer_id: str, event: QualifyingEvent, source_key: str) -> bool:
        """Count an order, refund or action once (by its source key)."""
        stmt = (
            self._insert(t.tier_history)
            .values(
                store_id=self.store_id,
                customer_id=customer_id,
                at=event.at,
                spend_e4=int(event.spend * E4),
                points=event.points,
                orders=event.orders,
                source_key=source_key,
            )
            .on_conflict_do_nothing()
            .returning(t.tier_history.c.id)
        )
        return self.conn.execute(stmt).first() is not None

    def history(self, customer_id: str, since: datetime | None) -> list[QualifyingEvent]:
        h = t.tier_history
        stmt = select(h.c.at, h.c.spend_e4, h.c.points, h.c.orders).where(
            h.c.store_id == self.store_id, h.c.customer_id == customer_id
        )
        if since is not None:
            stmt = stmt.where(h.c.at >= since)
        return [
            QualifyingEvent(r.at, Decimal(r.spend_e4) / E4, int(r.points), int(r.orders))
            for r in self.conn.execute(stmt.order_by(h.c.at))
        ]

    def add_event(self, customer_id: str, decision: TierDecision, at: datetime) -> None:
        self.conn.execute(
            t.tier_events.insert().values(
                store_id=self.store_id,
                customer_id=customer_id,
                from_level=decision.from_level,
                to_level=decision.to_level,
                change=decision.change.value,
                reason=decision.reason.value,
                measure="" if decision.measure is None else str(decision.measure),
                at=at,
            )
        )

    def events(self, customer_id: str) -> list[dict[str, Any]]:
        e = t.tier_events
        rows = self.conn.execute(
            select(e.c.from_level, e.c.to_level, e.c.change, e.c.reason, e.c.measure, e.c.at)
            .where(e.c.store_id == self.store_id, e.c.customer_id == customer_id)
            .order_by(e.c.id.desc())
            .limit(100)
        )
        return [dict(r._mapping) for r in rows]

    def due(self, now: datetime, limit: int) -> list[str]:
        c = t.customer_tiers
        rows = self.conn.execute(
            select(c.c.customer_id)
            .where(c.c.store_id == self.store_id, c.c.next_review_at <= now)
            .order_by(c.c.next_review_at)
            .limit(limit)
        )
        return [r.customer_id for r in rows]
