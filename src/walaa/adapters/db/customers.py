"""Customer profiles and the read side of a customer's points: summary and history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.customers import Profile
from walaa.domain.ledger import Kind
from walaa.service.ports import Balances, CustomerRecord, Expiring, LedgerLine


class SqlCustomerRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def upsert(self, store_id: str, customer_id: str, profile: Profile, now: datetime) -> None:
        values = {
            "email": profile.email,
            "name": profile.name,
            "birthday": profile.birthday,
            "locale": profile.locale,
            "tags": list(profile.tags),
            "alert_threshold": profile.alert_threshold,
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
        row = self.conn.execute(
            select(c, earned.label("earned")).where(c.c.store_id == store_id, c.c.id == customer_id)
        ).first()
        if row is None:
            return None
        balances = Balances(row.available, row.pending, row.held)
        return CustomerRecord(row.id, _profile(row), balances, int(row.earned), row.created_at)

    def profile(self, store_id: str, customer_id: str) -> Profile | None:
        c = t.customers
        row = self.conn.execute(
            select(c).where(c.c.store_id == store_id, c.c.id == customer_id)
        ).first()
        return _profile(row) if row else None

    def expiring(self, store_id: str, customer_id: str, until: datetime) -> Expiring:
        lots = t.lots
        row = self.conn.execute(
            select(
                func.coalesce(func.sum(lots.c.remaining), 0),
                func.min(lots.c.expires_at, type_=t.UtcDateTime()),
            ).where(
                lots.c.store_id == store_id,
                lots.c.customer_id == customer_id,
                lots.c.remaining > 0,
                lots.c.expires_at <= until,
            )
        ).one()
        return Expiring(int(row[0]), row[1])

    def ledger(
        self, store_id: str, customer_id: str, before: int | None, limit: int
    ) -> list[LedgerLine]:
        x, p = t.ledger_transactions, t.postings

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
            )
            .join(
                p, (p.c.transaction_id == x.c.id) & (p.c.customer_id == customer_id), isouter=True
            )
            .where(x.c.store_id == store_id, x.c.customer_id == customer_id)
            .group_by(x.c.id)
            .order_by(x.c.id.desc())
            .limit(limit)
        )
        if before is not None:
            stmt = stmt.where(x.c.id < before)
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
            )
            for r in self.conn.execute(stmt)
        ]


def _profile(row: Any) -> Profile:
    return Profile(
        row.email,
        row.name,
        row.birthday,
        row.locale or "en",
        tuple(row.tags or ()),
        row.alert_threshold,
    )
