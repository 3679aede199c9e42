"""Customer profiles and the read side of a customer's points: summary and history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.customers import Profile
from walaa.domain.entry_explanations import LotChange
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
        balances = Balances(row.available, row.pending, row.held)
        return CustomerRecord(
            row.id, _profile(row), balances, int(row.earned), row.created_at, int(row.gross)
        )

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
                p, (p.c.transaction_id == x.c.id) & (p.c.customer_id == customer_id), isouter=True
            )
            .where(x.c.store_id == store_id, x.c.customer_id == customer_id)
            .group_by(x.c.id)
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
            .join(earned, earned.c.id == lots.c.transaction_id)
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


def _profile(row: Any) -> Profile:
    return Profile(
        row.email,
        row.name,
        row.birthday,
        row.locale or "en",
        tuple(row.tags or ()),
        row.alert_threshold,
    )
