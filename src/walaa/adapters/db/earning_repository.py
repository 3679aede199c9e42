"""Program versions, orders, refunds, customer events and rule uses, for one store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, literal, select, update

from walaa.adapters.db import settings_stamps
from walaa.adapters.db import tables as t
from walaa.adapters.db.deferred import insert_row, insert_rows
from walaa.domain.earning import RuleUsage, RuleUse, UsageQuery, UsageSnapshot
from walaa.service.ports import (
    EventRecord,
    OrderRecord,
    OrderTies,
    ProgramSource,
    RefundRecord,
)


class SqlEarningRepository:
    def __init__(self, conn: Connection, store_id: str) -> None:
        self.conn = conn
        self.store_id = store_id

    # -- program versions -------------------------------------------------------------------

    def latest_program(self) -> ProgramSource | None:
        found = self.program_versions(1)
        return found[0] if found else None

    def program_versions(self, limit: int) -> list[ProgramSource]:
        p = t.program_versions
        rows = self.conn.execute(
            select(p.c.version, p.c.source, p.c.created_at, p.c.author, p.c.note)
            .where(p.c.store_id == self.store_id)
            .order_by(p.c.version.desc())
            .limit(limit)
        )
        return [ProgramSource(*row) for row in rows]

    def program_version(self, version: int) -> ProgramSource | None:
        p = t.program_versions
        row = self.conn.execute(
            select(p.c.version, p.c.source, p.c.created_at, p.c.author, p.c.note).where(
                p.c.store_id == self.store_id, p.c.version == version
            )
        ).first()
        return ProgramSource(*row) if row else None

    def add_program(
        self,
        version: int,
        source: str,
        now: datetime,
        *,
        author: str | None = None,
        note: str | None = None,
    ) -> None:
        self.conn.execute(
            t.program_versions.insert().values(
                store_id=self.store_id,
                version=version,
                source=source,
                created_at=now,
                author=author,
                note=note,
            )
        )
        settings_stamps.bump(self.conn, self.store_id)

    def settings_stamp(self) -> int:
        return settings_stamps.read(self.conn, self.store_id)

    # -- orders and refunds -----------------------------------------------------------------

    def get_order(self, order_id: str) -> OrderRecord | None:
        found = self.placed_order(order_id)
        return found[0] if found else None

    def placed_order(self, order_id: str) -> tuple[OrderRecord, dict[str, Any]] | None:
        o = t.orders
        row = self.conn.execute(
            select(o).where(o.c.store_id == self.store_id, o.c.id == order_id)
        ).first()
        if row is None:
            return None
        return _order_record(row), dict(row.request)

    def add_order(self, record: OrderRecord, request: dict[str, Any], **facts: Any) -> None:
        """Kept back with the order's other writes (adapters/db/deferred.py); an order id
        recorded before raises `WriteConflict`."""
        insert_row(
            self.conn,
            t.orders,
            {
                "store_id": self.store_id,
                "id": record.id,
                "customer_id": record.customer_id,
                "status": record.status,
                "channel": facts["channel"],
                "currency": facts["currency"],
                "placed_at": record.placed_at,
                "request": request,
                "request_hash": record.request_hash,
                "points": record.points,
                "program_version": record.program_version,
                "basis": record.basis,
                "earn_transaction_id": record.earn_transaction_id,
                "created_at": facts["now"],
            },
        )

    def refunds_and_ties(
        self, refund_id: str, order_id: str
    ) -> tuple[RefundRecord | None, list[RefundRecord], OrderTies]:
        """One statement: the refunds (``refund_id``'s and the order's), LEFT JOINed to a
        single row so that an order without refunds still answers an EXISTS per table a refund
        of it may have to settle."""
        r = t.refunds

        def any_of(table: Any) -> Any:
            where = (table.c.store_id == self.store_id, table.c.order_id == order_id)
            return select(table.c.store_id).where(*where).exists()

        mine = (r.c.store_id == self.store_id) & (
            (r.c.id == refund_id) | (r.c.order_id == order_id)
        )
        one = select(literal(1).label("one")).subquery()
        rows = self.conn.execute(
            select(any_of(t.checkout_payments), any_of(t.code_uses), any_of(t.gifts), r)
            .select_from(one.outerjoin(r, mine))
            .order_by(r.c.seq)
        ).all()
        ties = OrderTies(bool(rows[0][0]), bool(rows[0][1]), bool(rows[0][2]))
        refunds = [_refund_record(row) for row in rows if row.id is not None]
        found = next((row for row in refunds if row.id == refund_id), None)
        earlier = [row for row in refunds if row.order_id == order_id and row.id != refund_id]
        return found, earlier, ties

    def order_request(self, order_id: str) -> dict[str, Any]:
        o = t.orders
        request = self.conn.execute(
            select(o.c.request).where(o.c.store_id == self.store_id, o.c.id == order_id)
        ).scalar_one()
        return dict(request)

    def update_order(self, order_id: str, **values: Any) -> None:
        o = t.orders
        self.conn.execute(
            update(o).where(o.c.store_id == self.store_id, o.c.id == order_id).values(**values)
        )

    def _refunds(self, *where: Any) -> list[RefundRecord]:
        r = t.refunds
        rows = self.conn.execute(
            select(r).where(r.c.store_id == self.store_id, *where).order_by(r.c.seq)
        )
        return [_refund_record(row) for row in rows]

    def refunds_of(self, order_id: str) -> list[RefundRecord]:
        return self._refunds(t.refunds.c.order_id == order_id)

    def get_refund(self, refund_id: str) -> RefundRecord | None:
        found = self._refunds(t.refunds.c.id == refund_id)
        return found[0] if found else None

    def add_refund(self, record: RefundRecord, now: datetime) -> None:
        self.conn.execute(
            t.refunds.insert().values(
                store_id=self.store_id,
                id=record.id,
                order_id=record.order_id,
                seq=record.seq,
                request=record.request,
                request_hash=record.request_hash,
                points=record.points,
                transaction_id=record.transaction_id,
                points_returned=record.points_returned,
                points_forgiven=record.points_forgiven,
                created_at=now,
            )
        )

    # -- customer events --------------------------------------------------------------------

    def get_event(self, event_id: str) -> EventRecord | None:
        e = t.customer_events
        row = self.conn.execute(
            select(e).where(e.c.store_id == self.store_id, e.c.id == event_id)
        ).first()
        if row is None:
            return None
        return EventRecord(
            row.id,
            row.customer_id,
            row.type,
            row.request_hash,
            row.points,
            row.transaction_id,
            row.program_version,
        )

    def add_event(
        self, record: EventRecord, occurred_at: datetime, request: dict[str, Any], now: datetime
    ) -> None:
        """Kept back with the action's other writes; an event id recorded before raises
        `WriteConflict`."""
        insert_row(
            self.conn,
            t.customer_events,
            {
                "store_id": self.store_id,
                "id": record.id,
                "customer_id": record.customer_id,
                "type": record.type,
                "occurred_at": occurred_at,
                "request": request,
                "request_hash": record.request_hash,
                "program_version": record.program_version,
                "points": record.points,
                "transaction_id": record.transaction_id,
                "created_at": now,
            },
        )

    # -- rule uses: what limits count --------------------------------------------------------

    def usage(self, customer_id: str, query: UsageQuery) -> UsageSnapshot:
        """Everything the program's limits ask of the customer's past uses, in ONE statement:
        a scalar subquery per count, sum and "rewarded before" check (a program with three
        limits would otherwise cost an order three round trips)."""
        params: dict[str, Any] = {"store": self.store_id, "customer": customer_id}
        windows = []
        for i, window in enumerate(query.windows):
            windows.append((window.starts is not None, window.ends is not None))
            params.update({f"r{i}": window.rule_id, f"s{i}": window.starts, f"e{i}": window.ends})
        for i, check in enumerate(query.subjects):
            params.update({f"sr{i}": check.rule_id, f"sv{i}": check.value})
        if query.action_day is not None:
            params["day_from"], params["day_until"] = query.action_day
        shape = (tuple(windows), len(query.subjects), query.action_day is not None)
        asked = windows or query.subjects or query.action_day is not None
        answers = iter(self.conn.execute(_usage_statement(shape), params).one() if asked else ())
        rules = {
            (window.rule_id, window.period): RuleUsage(int(next(answers)), int(next(answers)))
            for window in query.windows
        }
        rewarded: dict[str, set[str]] = {}
        for check in query.subjects:
            if next(answers):
                rewarded.setdefault(check.rule_id, set()).add(check.value)
        today_points = int(next(answers)) if query.action_day is not None else 0
        return UsageSnapshot(
            rules=rules,
            rewarded={rule: frozenset(values) for rule, values in rewarded.items()},
            action_points_today=today_points,
        )

    def add_uses(
        self,
        customer_id: str,
        uses: Sequence[RuleUse],
        *,
        is_action: bool,
        source: str,
        program_version: int,
        used_at: datetime,
    ) -> None:
        rows = [
            {
                "store_id": self.store_id,
                "customer_id": customer_id,
                "rule_id": use.rule_id,
                "points": use.points,
                "subject": use.subject,
                "is_action": is_action,
                "source": source,
                "program_version": program_version,
                "used_at": used_at,
            }
            for use in uses
        ]
        insert_rows(self.conn, t.rule_uses, rows)


@lru_cache(maxsize=256)
def _usage_statement(shape: tuple[tuple[tuple[bool, bool], ...], int, bool]) -> Any:
    """`SqlEarningRepository.usage`'s statement for one shape of question (which windows have
    a start and an end, how many subjects, whether the day's action points), built once with
    the values as parameters: an order sends new parameters, not a new statement."""
    windows, subjects, action_day = shape
    u = t.rule_uses
    mine = (u.c.store_id == bindparam("store"), u.c.customer_id == bindparam("customer"))
    at = t.UtcDateTime()
    asked: list[Any] = []
    for i, (starts, ends) in enumerate(windows):
        where = [*mine, u.c.rule_id == bindparam(f"r{i}")]
        if starts:
            where.append(u.c.used_at >= bindparam(f"s{i}", type_=at))
        if ends:
            where.append(u.c.used_at < bindparam(f"e{i}", type_=at))
        asked.append(select(func.count()).where(*where).scalar_subquery())
        asked.append(select(func.coalesce(func.sum(u.c.points), 0)).where(*where).scalar_subquery())
    for i in range(subjects):
        hit = select(u.c.id).where(
            *mine, u.c.rule_id == bindparam(f"sr{i}"), u.c.subject == bindparam(f"sv{i}")
        )
        asked.append(hit.exists())
    if action_day:
        today = select(func.coalesce(func.sum(u.c.points), 0)).where(
            *mine,
            u.c.is_action.is_(True),
            u.c.used_at >= bindparam("day_from", type_=at),
            u.c.used_at < bindparam("day_until", type_=at),
        )
        asked.append(today.scalar_subquery())
    return select(*asked)


def _order_record(row: Any) -> OrderRecord:
    return OrderRecord(
        row.id,
        row.customer_id,
        row.status,
        row.placed_at,
        row.request_hash,
        row.program_version,
        row.basis,
        row.points,
        row.earn_transaction_id,
    )


def _refund_record(row: Any) -> RefundRecord:
    return RefundRecord(
        row.id,
        row.order_id,
        row.seq,
        row.request,
        row.request_hash,
        row.points,
        row.transaction_id,
        row.points_returned,
        row.points_forgiven,
    )
