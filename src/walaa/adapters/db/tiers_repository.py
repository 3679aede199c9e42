"""Customers' tiers: the status row, the qualifying history and its counters, tier events.

One repository object lives for one unit of work (`SqlUnitOfWork.tiers` hands out the same one
inside a `with` block), so it remembers the status rows it read or wrote: the order path reads a
customer's status once, for the rules and for counting the order, and every write of the row
goes through `save_status` / `save_reviews`, which keep the memory right.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update

from walaa.adapters.db import tables as t
from walaa.adapters.db import tier_counters as counters
from walaa.adapters.db.engine import insert_for
from walaa.domain.tiers import QualifyingEvent, QualifyingWindow, TierDecision, TierStatus

E4 = counters.E4


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
        # customer -> their status row as this unit of work last read or wrote it
        self._statuses: dict[str, TierStatus | None] = {}

    def status(self, customer_id: str) -> TierStatus | None:
        """The customer's status row, read at most once per unit of work."""
        if customer_id not in self._statuses:
            c = t.customer_tiers
            row = self.conn.execute(
                select(c).where(c.c.store_id == self.store_id, c.c.customer_id == customer_id)
            ).first()
            self._statuses[customer_id] = None if row is None else _status(row)
        return self._statuses[customer_id]

    def measures(
        self, customer_id: str, measure: str, windows: Sequence[QualifyingWindow]
    ) -> tuple[TierStatus | None, list[Decimal]]:
        """The customer's status and `measure` summed over each window (possibly below zero),
        in ONE statement: the windows' whole months from the counters, their edges from the
        history, and the status row too unless this unit of work has it already."""
        known = customer_id in self._statuses
        stmt, params = counters.window_read(
            self.store_id, customer_id, measure, windows, status=not known
        )
        found = [Decimal(0)] * len(windows)
        rows = self.conn.execute(stmt, params).all()
        for row in rows:
            if row.k is not None:
                found[row.k] = counters.measure_of(measure, row.total, row.scale)
        if not known:
            first = rows[0]  # always one row at least: the status is outer-joined to one
            self._statuses[customer_id] = None if first.level_id is None else _status(first)
        return self._statuses[customer_id], found

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
        self._statuses[customer_id] = status

    def add_history(
        self, customer_id: str, event: QualifyingEvent, source_key: str, *, wait: bool = False
    ) -> bool:
        """Count an order, refund or action once (by its source key): its history row, and
        its amounts added to the counters of its month (`tier_counters.count`, which says what
        ``wait`` does)."""
        return counters.count(self.conn, self.store_id, customer_id, event, source_key, wait=wait)

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
        """Each customer's measure in their own window, in ONE grouped query over the counters
        and the history of each window's edges (`tier_counters.window_sums`).

        Spend comes back with the scale `history()` + a Python sum would give (the most
        decimals of any row counted), so the measure a tier event records is the same text.
        """
        if not bounds:
            return {}
        found = counters.window_sums(self.conn, self.store_id, measure, bounds)
        return {
            customer_id: counters.measure_of(measure, total, scale)
            for customer_id, (total, scale) in found.items()
        }

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
        self._statuses.update((customer_id, status) for customer_id, status, _ in rows)

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
