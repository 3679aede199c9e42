"""Customers' tiers: the status row, the qualifying history and the tier events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, text, update

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.tiers import QualifyingEvent, TierDecision, TierStatus

E4 = Decimal(10_000)


def _status(row: Row[Any]) -> TierStatus:
    return TierStatus(
        level_id=row.level_id,
        since=row.since,
        pinned=row.pinned,
        pin_reason=row.pin_reason,
        pinned_until=row.pinned_until,
        pin_floor=row.pin_floor,
        grace_until=row.grace_until,
        reviewed_at=row.reviewed_at,
    )


class SqlTiersRepository:
    def __init__(self, conn: Connection, store_id: str) -> None:
        self.conn = conn
        self.store_id = store_id

    def status(self, customer_id: str) -> TierStatus | None:
        c = t.customer_tiers
        row = self.conn.execute(
            select(c).where(c.c.store_id == self.store_id, c.c.customer_id == customer_id)
        ).first()
        return None if row is None else _status(row)

    def save_status(self, customer_id: str, status: TierStatus, next_review_at: datetime) -> None:
        values = {
            "level_id": status.level_id,
            "since": status.since,
            "pinned": status.pinned,
            "pin_reason": status.pin_reason,
            "pinned_until": status.pinned_until,
            "pin_floor": status.pin_floor,
            "grace_until": status.grace_until,
            "reviewed_at": status.reviewed_at,
            "next_review_at": next_review_at,
        }
        stmt = insert_for(self.conn.dialect, t.customer_tiers).values(
            store_id=self.store_id, customer_id=customer_id, **values
        )
        self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["store_id", "customer_id"], set_=values)
        )

    def add_history(self, customer_id: str, event: QualifyingEvent, source_key: str) -> bool:
        """Count an order, refund or action once (by its source key)."""
        stmt = (
            insert_for(self.conn.dialect, t.tier_history)
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

    # -- the batch review --------------------------------------------------------------------

    def claim_due(self, now: datetime, limit: int) -> list[tuple[str, TierStatus]]:
        """Due customers, oldest review first, locked with their customer row (the lock every
        order and `review()` takes); rows another transaction holds are skipped, so two
        workers never review the same customer. SQLite has one writer: no locking clause."""
        c, k = t.customer_tiers, t.customers
        stmt = (
            select(c)
            .join(k, (k.c.store_id == c.c.store_id) & (k.c.id == c.c.customer_id))
            .where(c.c.store_id == self.store_id, c.c.next_review_at <= now)
            .order_by(c.c.next_review_at)
            .limit(limit)
        )
        if self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True, of=[c, k])
        return [
            (
                row.customer_id,
                _status(row),
            )
            for row in self.conn.execute(stmt)
        ]

    def window_sums(
        self, measure: str, bounds: Sequence[tuple[str, datetime, datetime]]
    ) -> dict[str, Decimal]:
        """Each customer's measure in their own window, in ONE grouped query over the history
        (the windows are a parameter: unnest() of arrays on PostgreSQL, json_each on SQLite).

        Spend comes back with the scale `history()` + a Python sum would give (the most
        decimals of any row counted), so the measure a tier event records is the same text.
        """
        if not bounds:
            return {}
        column = _MEASURE_COLUMN[measure]
        scale = _SCALE if column == "spend_e4" else "0"
        params: dict[str, Any] = {"store": self.store_id}
        if self.conn.dialect.name == "postgresql":
            source = _PG_BOUNDS
            params["ids"] = [b[0] for b in bounds]
            params["starts"] = [b[1].astimezone(UTC) for b in bounds]
            params["ends"] = [b[2].astimezone(UTC) for b in bounds]
        else:
            source = _SQLITE_BOUNDS
            params["bounds"] = json.dumps(
                [[b[0], _sqlite_time(b[1]), _sqlite_time(b[2])] for b in bounds]
            )
        sql = _WINDOW_SUMS.format(source=source, column=column, scale=scale)
        sums: dict[str, Decimal] = {}
        for customer_id, total, digits in self.conn.execute(text(sql), params):
            value = Decimal(int(total))
            if column == "spend_e4":
                value = (value / E4).quantize(_QUANTA[int(digits)])
            sums[customer_id] = value
        return sums

    def save_reviews(self, rows: Sequence[tuple[str, TierStatus, datetime]]) -> None:
        """One UPDATE run for every row (executemany): status and next review date."""
        if not rows:
            return
        c = t.customer_tiers
        stmt = (
            update(c)
            .where(c.c.store_id == bindparam("b_store"), c.c.customer_id == bindparam("b_id"))
            .values(
                level_id=bindparam("b_level"),
                since=bindparam("b_since"),
                pinned=bindparam("b_pinned"),
                pin_reason=bindparam("b_reason"),
                pinned_until=bindparam("b_until"),
                pin_floor=bindparam("b_floor"),
                grace_until=bindparam("b_grace"),
                reviewed_at=bindparam("b_reviewed"),
                next_review_at=bindparam("b_next"),
            )
        )
        self.conn.execute(
            stmt,
            [
                {
                    "b_store": self.store_id,
                    "b_id": customer_id,
                    "b_level": s.level_id,
                    "b_since": s.since,
                    "b_pinned": s.pinned,
                    "b_reason": s.pin_reason,
                    "b_until": s.pinned_until,
                    "b_floor": s.pin_floor,
                    "b_grace": s.grace_until,
                    "b_reviewed": s.reviewed_at,
                    "b_next": upcoming,
                }
                for customer_id, s, upcoming in rows
            ],
        )

    def add_events(self, rows: Sequence[tuple[str, TierDecision, datetime]]) -> None:
        """One multi-row INSERT of tier events, in the order given."""
        if not rows:
            return
        self.conn.execute(
            t.tier_events.insert(),
            [
                {
                    "store_id": self.store_id,
                    "customer_id": customer_id,
                    "from_level": d.from_level,
                    "to_level": d.to_level,
                    "change": d.change.value,
                    "reason": d.reason.value,
                    "measure": "" if d.measure is None else str(d.measure),
                    "at": at,
                }
                for customer_id, d, at in rows
            ],
        )


_MEASURE_COLUMN = {"spend": "spend_e4", "points": "points", "orders": "orders"}

# How many decimals a row's spend has once divided by 10^4 (Decimal keeps exact scales).
_SCALE = """CASE WHEN h.spend_e4 % 10000 = 0 THEN 0 WHEN h.spend_e4 % 1000 = 0 THEN 1
    WHEN h.spend_e4 % 100 = 0 THEN 2 WHEN h.spend_e4 % 10 = 0 THEN 3 ELSE 4 END"""
_QUANTA = [Decimal(1).scaleb(-digits) for digits in range(5)]

_PG_BOUNDS = """unnest(CAST(:ids AS text[]), CAST(:starts AS timestamptz[]),
    CAST(:ends AS timestamptz[])) AS b(customer_id, starts, ends)"""
_SQLITE_BOUNDS = """(SELECT json_extract(value, '$[0]') AS customer_id,
    json_extract(value, '$[1]') AS starts, json_extract(value, '$[2]') AS ends
    FROM json_each(:bounds)) AS b"""
_WINDOW_SUMS = """SELECT b.customer_id, SUM(h.{column}) AS total, MAX({scale}) AS digits
FROM {source}
JOIN tier_history AS h ON h.store_id = :store AND h.customer_id = b.customer_id
    AND h.at >= b.starts AND h.at < b.ends
GROUP BY b.customer_id"""


def _sqlite_time(moment: datetime) -> str:
    """A UTC time as SQLAlchemy stores it in SQLite, so text comparison orders it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
