"""Customer profiles and the read side of a customer's points: summary and history."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    String,
    Table,
    case,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.customers import Profile, phone_digits
from walaa.domain.entry_explanations import LotChange
from walaa.domain.ledger import Kind
from walaa.service.ports import Balances, CustomerHit, CustomerRecord, Expiring, LedgerLine


class SqlCustomerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def search(self, store_id: str, query: str, limit: int) -> list[CustomerHit]:
        c = t.customers
        text = query.strip()
        stmt = select(
            c.c.id, c.c.name, c.c.email, c.c.phone, c.c.available, c.c.pending, c.c.closed_at
        ).where(c.c.store_id == store_id)
        if not text:
            stmt = stmt.order_by(c.c.created_at.desc(), c.c.id)
        else:
            folded = text.lower()
            found = [
                c.c.id.startswith(text, autoescape=True),
                func.lower(c.c.email).contains(folded, autoescape=True),
                func.lower(c.c.name).contains(folded, autoescape=True),
            ]
            digits = phone_digits(text)
            if digits is not None:
                found.append(c.c.phone.contains(digits, autoescape=True))
            # An erased customer keeps only a pseudonym: found by it exactly, by nothing else.
            fuzzy = or_(*found) & c.c.erased_at.is_(None)
            stmt = stmt.where((c.c.id == text) | fuzzy).order_by(
                case((c.c.id == text, 0), else_=1), c.c.id
            )
        rows = self.conn.execute(stmt.limit(limit))
        return [
            CustomerHit(
                row.id,
                row.name,
                row.email,
                row.phone,
                row.available,
                row.pending,
                row.closed_at is not None,
            )
            for row in rows
        ]

    def upsert(self, store_id: str, customer_id: str, profile: Profile, now: datetime) -> None:
        values = {
            "email": profile.email,
            "name": profile.name,
            "birthday": profile.birthday,
            "locale": profile.locale,
            "tags": list(profile.tags),
            "alert_threshold": profile.alert_threshold,
            "phone": profile.phone,
            "updated_at": now,
        }
        stmt = insert_for(self.conn.dialect, t.customers).values(
            store_id=store_id,
            id=customer_id,
            available=0,
            pending=0,
            held=0,
            created_at=now,
            **values,
        )
        self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["store_id", "id"], set_=values)
        )

    def get(self, store_id: str, customer_id: str) -> CustomerRecord | None:
        c, x = t.customers, t.ledger_transactions
        mine = (x.c.store_id == store_id, x.c.customer_id == customer_id)
        earns = select(x.c.id).where(*mine, x.c.kind == "earn")
        # Net of refunds and cancellations: what reversals took back does not count as earned.
        earned = (
            select(
                func.coalesce(
                    func.sum(case((x.c.kind == "earn", x.c.amount), else_=-x.c.amount)), 0
                )
            )
            .where(*mine, (x.c.kind == "earn") | x.c.reverses_id.in_(earns))
            .scalar_subquery()
        )
        gross = (
            select(func.coalesce(func.sum(x.c.amount), 0))
            .where(*mine, x.c.kind == "earn")
            .scalar_subquery()
        )
        row = self.conn.execute(
            select(c, earned.label("earned"), gross.label("gross")).where(
                c.c.store_id == store_id, c.c.id == customer_id
            )
        ).first()
        if row is None:
            return None
        balances = Balances(row.available, row.pending, row.held, row.closed_at is not None)
        return CustomerRecord(
            row.id,
            _profile(row),
            balances,
            int(row.earned),
            row.created_at,
            int(row.gross),
            row.closed_at,
            row.closed_reason,
            row.last_activity_at,
        )

    def close(self, store_id: str, customer_id: str, reason: str, now: datetime) -> None:
        c = t.customers
        self.conn.execute(
            update(c)
            .where(c.c.store_id == store_id, c.c.id == customer_id, c.c.closed_at.is_(None))
            .values(closed_at=now, closed_reason=reason)
        )

    def erase(self, store_id: str, customer_id: str, pseudonym: str, now: datetime) -> None:
        """Re-key the customer's rows in every table to ``pseudonym``, then drop the old row.

        The new customer row comes first and the old one goes last, so every foreign key holds
        at each statement on both databases. Tables are found from the schema, so one added
        later is covered without touching this.
        """
        c = t.customers
        old = self.conn.execute(
            select(c).where(c.c.store_id == store_id, c.c.id == customer_id)
        ).one()
        kept = {name: old._mapping[name] for name in _KEPT_ON_ERASURE}
        self.conn.execute(
            insert(c).values(store_id=store_id, id=pseudonym, erased_at=now, updated_at=now, **kept)
        )
        for table in _customer_tables():
            self.conn.execute(
                update(table)
                .where(table.c.store_id == store_id, table.c.customer_id == customer_id)
                .values(customer_id=pseudonym)
            )
        _rekey_segments(self.conn, store_id, customer_id, pseudonym)
        for table in _customer_tables():
            _rekey_documents(self.conn, table, store_id, customer_id, pseudonym)
        # Stored answers of Idempotency-Keys are copies of responses that named the customer.
        r = t.idempotency_records
        named = func.coalesce(r.c.response_body, "").contains(
            json.dumps(customer_id), autoescape=True
        )
        self.conn.execute(delete(r).where(r.c.store_id == store_id, named))
        self.conn.execute(delete(c).where(c.c.store_id == store_id, c.c.id == customer_id))

    def profile(self, store_id: str, customer_id: str) -> Profile | None:
        c = t.customers
        row = self.conn.execute(
            select(c).where(c.c.store_id == store_id, c.c.id == customer_id)
        ).first()
        return _profile(row) if row else None

    def expiring(self, store_id: str, customer_id: str, until: datetime) -> Expiring:
        """Points expiring by ``until``, and the first expiry date however far away it is."""
        lots = t.lots
        soon = lots.c.expires_at <= until
        row = self.conn.execute(
            select(
                func.coalesce(func.sum(case((soon, lots.c.remaining), else_=0)), 0),
                func.min(lots.c.expires_at, type_=t.UtcDateTime()),
            ).where(
                lots.c.store_id == store_id,
                lots.c.customer_id == customer_id,
                lots.c.remaining > 0,
                lots.c.expires_at.is_not(None),
            )
        ).one()
        return Expiring(int(row[0]), row[1])

    def ledger(
        self, store_id: str, customer_id: str, before: int | None, limit: int
    ) -> list[LedgerLine]:
        x, p, h = t.ledger_transactions, t.postings, t.holds
        # A hold entry is named by the hold it opened; captures and releases carry it.
        opened = (
            select(func.min(h.c.id))
            .where(h.c.store_id == store_id, h.c.transaction_id == x.c.id)
            .scalar_subquery()
        )

        def change(account: str) -> Any:
            return func.coalesce(
                func.sum(case((p.c.account == account, p.c.amount), else_=0)), 0
            ).label(account)

        stmt = (
            select(
                x.c.id,
                x.c.kind,
                x.c.amount,
                change("available"),
                change("pending"),
                change("held"),
                x.c.occurred_at,
                x.c.reason,
                x.c.reference,
                x.c.reverses_id,
                x.c.details,
                func.coalesce(x.c.hold_id, opened).label("hold_id"),
            )
            .join(
                p,
                (p.c.store_id == x.c.store_id)
                & (p.c.transaction_id == x.c.id)
                & (p.c.customer_id == customer_id),
                isouter=True,
            )
            .where(x.c.store_id == store_id, x.c.customer_id == customer_id)
            .group_by(x.c.store_id, x.c.id)
            .order_by(x.c.id.desc())
            .limit(limit)
        )
        if before is not None:
            stmt = stmt.where(x.c.id < before)
        rows = list(self.conn.execute(stmt))
        lots = self._lots_moved(store_id, [r.id for r in rows])
        return [
            LedgerLine(
                r.id,
                Kind(r.kind),
                r.amount,
                int(r.available),
                int(r.pending),
                int(r.held),
                r.occurred_at,
                r.reason,
                r.reference,
                r.reverses_id,
                r.details,
                r.hold_id,
                tuple(lots.get(r.id, ())),
            )
            for r in rows
        ]

    def _lots_moved(self, store_id: str, txn_ids: list[int]) -> dict[int, list[LotChange]]:
        """Per transaction, the lots it moved, with when and by what each lot was earned:
        one query for a whole page, however many entries it holds."""
        if not txn_ids:
            return {}
        m, lots, earned = t.lot_movements, t.lots, t.ledger_transactions.alias("earned")
        stmt = (
            select(
                m.c.transaction_id,
                lots.c.id,
                earned.c.occurred_at,
                earned.c.reference,
                func.sum(m.c.delta).label("delta"),
            )
            .join(lots, (lots.c.id == m.c.lot_id) & (lots.c.store_id == store_id))
            .join(
                earned,
                (earned.c.store_id == lots.c.store_id) & (earned.c.id == lots.c.transaction_id),
            )
            .where(m.c.store_id == store_id, m.c.transaction_id.in_(txn_ids))
            .group_by(m.c.transaction_id, lots.c.id, earned.c.occurred_at, earned.c.reference)
            .order_by(m.c.transaction_id, lots.c.id)
        )
        out: dict[int, list[LotChange]] = {}
        for row in self.conn.execute(stmt):
            if row.delta:
                change = LotChange(row.id, row.occurred_at, int(row.delta), row.reference)
                out.setdefault(row.transaction_id, []).append(change)
        return out


#: What an erased customer's row keeps: balances and dates the books need, nothing personal.
_KEPT_ON_ERASURE = (
    "available",
    "pending",
    "held",
    "created_at",
    "closed_at",
    "closed_reason",
    "locale",
)


def _customer_tables() -> list[Table]:
    """Every table but customers that holds rows of one customer of a store."""
    return [
        table
        for table in t.metadata.sorted_tables
        if table is not t.customers and {"store_id", "customer_id"} <= set(table.c.keys())
    ]


def _rekey_segments(conn: Connection, store_id: str, old: str, new: str) -> None:
    """Keys Walaa writes name the customer as one ``:``-separated segment
    (``expire:{customer}:{moment}``): rename that segment, and only a whole one, so an id
    such as "1" never rewrites "order:123"."""
    for table, column in (
        (t.ledger_transactions, t.ledger_transactions.c.idempotency_key),
        (t.notices, t.notices.c.key),
    ):
        segment_old, segment_new = f":{old}:", f":{new}:"
        padded = ":" + column + ":"
        renamed = func.substr(
            func.replace(padded, segment_old, segment_new),
            2,
            func.length(func.replace(padded, segment_old, segment_new)) - 2,
        )
        conn.execute(
            update(table)
            .where(
                table.c.store_id == store_id,
                table.c.customer_id == new,
                padded.contains(segment_old, autoescape=True),
            )
            .values({column.name: cast(renamed, String)})
        )


def _rekey_documents(conn: Connection, table: Table, store_id: str, old: str, new: str) -> None:
    """Requests and details stored as JSON (an order's request names its customer): every
    string equal to the old id becomes the pseudonym. Read and written row by row, since JSON
    functions differ between the databases; one customer's rows are few."""
    documents = [column for column in table.columns if isinstance(column.type, JSON)]
    keys = list(table.primary_key.columns)
    if not documents or not keys:
        return
    where = (table.c.store_id == store_id, table.c.customer_id == new)
    for row in conn.execute(select(*keys, *documents).where(*where)).all():
        values = {}
        for column in documents:
            value = row._mapping[column.name]
            renamed = _renamed(value, old, new)
            if renamed != value:
                values[column.name] = renamed
        if values:
            match = [key == row._mapping[key.name] for key in keys]
            conn.execute(update(table).where(*where, *match).values(values))


def _renamed(value: Any, old: str, new: str) -> Any:
    if value == old:
        return new
    if isinstance(value, dict):
        return {key: _renamed(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_renamed(item, old, new) for item in value]
    return value


def _profile(row: Any) -> Profile:
    return Profile(
        row.email,
        row.name,
        row.birthday,
        row.locale or "en",
        tuple(row.tags or ()),
        row.alert_threshold,
        row.phone,
    )
