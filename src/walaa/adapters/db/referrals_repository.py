"""Referral codes, referrals, the claim each friend's first accepted referral holds, and the
signals a store sent about its customers; every query is of one store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, func, select, update

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.service.referral_ports import AdvocateTotals, ReferralCode, ReferralRecord

_COLUMNS = tuple(ReferralRecord.__slots__)


def _record(row: Any) -> ReferralRecord:
    values = {name: getattr(row, name) for name in _COLUMNS}
    values["rules"] = list(values["rules"] or [])
    return ReferralRecord(**values)


def _code(row: Any) -> ReferralCode:
    return ReferralCode(row.code, row.customer_id, row.created_at, row.retired_at)


class SqlReferralsRepository:
    def __init__(self, conn: Connection, store_id: str) -> None:
        self.conn = conn
        self.store_id = store_id

    # --- codes -----------------------------------------------------------------------------

    def current_code(self, customer_id: str) -> ReferralCode | None:
        c = t.referral_codes
        row = self.conn.execute(
            select(c)
            .where(c.c.store_id == self.store_id, c.c.customer_id == customer_id)
            .where(c.c.retired_at.is_(None))
            .order_by(c.c.created_at.desc())
        ).first()
        return _code(row) if row else None

    def code_owner(self, compact: str) -> ReferralCode | None:
        c = t.referral_codes
        row = self.conn.execute(
            select(c).where(c.c.store_id == self.store_id, c.c.compact == compact)
        ).first()
        return _code(row) if row else None

    def add_code(self, customer_id: str, code: str, compact: str, now: datetime) -> bool:
        stmt = insert_for(self.conn.dialect, t.referral_codes).values(
            store_id=self.store_id,
            compact=compact,
            code=code,
            customer_id=customer_id,
            created_at=now,
        )
        done = self.conn.execute(
            stmt.on_conflict_do_nothing(index_elements=["store_id", "compact"])
        )
        return bool(done.rowcount)

    def retire_codes(self, customer_id: str, now: datetime) -> None:
        c = t.referral_codes
        self.conn.execute(
            update(c)
            .where(c.c.store_id == self.store_id, c.c.customer_id == customer_id)
            .where(c.c.retired_at.is_(None))
            .values(retired_at=now)
        )

    # --- referrals -------------------------------------------------------------------------

    def _one(self, *where: Any, lock: bool = False) -> ReferralRecord | None:
        r = t.referrals
        stmt = select(r).where(r.c.store_id == self.store_id, *where)
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).first()
        return _record(row) if row else None

    def get(self, referral_id: str, *, lock: bool = False) -> ReferralRecord | None:
        return self._one(t.referrals.c.id == referral_id, lock=lock)

    def get_pair(self, friend_id: str, advocate_id: str) -> ReferralRecord | None:
        r = t.referrals
        return self._one(r.c.friend_id == friend_id, r.c.advocate_id == advocate_id)

    def claimed(self, friend_id: str) -> ReferralRecord | None:
        k = t.referral_claims
        found = self.conn.execute(
            select(k.c.referral_id).where(k.c.store_id == self.store_id, k.c.friend_id == friend_id)
        ).scalar()
        return self.get(found) if found else None

    def claim(self, friend_id: str, referral_id: str) -> None:
        self.conn.execute(
            t.referral_claims.insert().values(
                store_id=self.store_id, friend_id=friend_id, referral_id=referral_id
            )
        )

    def release(self, friend_id: str, referral_id: str) -> None:
        k = t.referral_claims
        self.conn.execute(
            k.delete().where(
                k.c.store_id == self.store_id,
                k.c.friend_id == friend_id,
                k.c.referral_id == referral_id,
            )
        )

    def add(self, record: ReferralRecord) -> None:
        values = {name: getattr(record, name) for name in _COLUMNS}
        self.conn.execute(t.referrals.insert().values(store_id=self.store_id, **values))

    def update(self, referral_id: str, **values: Any) -> None:
        r = t.referrals
        self.conn.execute(
            update(r).where(r.c.store_id == self.store_id, r.c.id == referral_id).values(**values)
        )

    def of_order(self, order_id: str) -> list[ReferralRecord]:
        r = t.referrals
        rows = self.conn.execute(
            select(r).where(r.c.store_id == self.store_id, r.c.order_id == order_id)
        )
        return [_record(row) for row in rows]

    def had_paid_order(self, customer_id: str, *, other_than: str | None = None) -> bool:
        o = t.orders
        stmt = select(o.c.id).where(
            o.c.store_id == self.store_id, o.c.customer_id == customer_id, o.c.status != "placed"
        )
        if other_than is not None:
            stmt = stmt.where(o.c.id != other_than)
        return self.conn.execute(stmt.limit(1)).first() is not None

    def friend_welcomed(self, friend_id: str) -> bool:
        r = t.referrals
        stmt = select(r.c.id).where(
            r.c.store_id == self.store_id, r.c.friend_id == friend_id, r.c.friend_rewarded
        )
        return self.conn.execute(stmt.limit(1)).first() is not None

    def count_since(self, column: str, value: str, since: datetime) -> int:
        r = t.referrals
        found = self.conn.execute(
            select(func.count()).where(
                r.c.store_id == self.store_id, r.c[column] == value, r.c.created_at >= since
            )
        ).scalar()
        return int(found or 0)

    def rewarded_since(self, advocate_id: str, since: datetime | None) -> int:
        r = t.referrals
        where = [
            r.c.store_id == self.store_id,
            r.c.advocate_id == advocate_id,
            r.c.advocate_reward.in_(("granted", "taken_back")),
        ]
        if since is not None:
            where.append(r.c.order_placed_at >= since)
        return int(self.conn.execute(select(func.count()).where(*where)).scalar() or 0)

    def listed(
        self, status: str | None, limit: int, after: str | None = None
    ) -> list[ReferralRecord]:
        r = t.referrals
        stmt = select(r).where(r.c.store_id == self.store_id)
        if status is not None:
            stmt = stmt.where(r.c.status == status)
        if after is not None:
            stmt = stmt.where(r.c.id > after)
        rows = self.conn.execute(stmt.order_by(r.c.id).limit(limit))
        return [_record(row) for row in rows]

    def _older(
        self, status: str, column: Any, before: datetime, limit: int
    ) -> list[ReferralRecord]:
        r = t.referrals
        rows = self.conn.execute(
            select(r)
            .where(r.c.store_id == self.store_id, r.c.status == status, column < before)
            .order_by(column, r.c.id)
            .limit(limit)
        )
        return [_record(row) for row in rows]

    def held_before(self, before: datetime, limit: int) -> list[ReferralRecord]:
        return self._older("held", t.referrals.c.created_at, before, limit)

    def signed_up_before(self, before: datetime, limit: int) -> list[ReferralRecord]:
        return self._older("signed_up", t.referrals.c.signed_up_at, before, limit)

    # --- customers' signals ----------------------------------------------------------------

    def add_signals(
        self, customer_id: str, signals: Sequence[tuple[str, str]], now: datetime
    ) -> None:
        if not signals:
            return
        rows = [
            {
                "store_id": self.store_id,
                "customer_id": customer_id,
                "kind": kind,
                "value": value,
                "created_at": now,
            }
            for kind, value in dict.fromkeys(signals)
        ]
        stmt = insert_for(self.conn.dialect, t.customer_signals).values(rows)
        self.conn.execute(stmt.on_conflict_do_nothing())

    def signals_of(self, customer_id: str) -> list[tuple[str, str]]:
        s = t.customer_signals
        rows = self.conn.execute(
            select(s.c.kind, s.c.value).where(
                s.c.store_id == self.store_id, s.c.customer_id == customer_id
            )
        )
        return [(row.kind, row.value) for row in rows]

    # --- reports ---------------------------------------------------------------------------

    def advocate_totals(self, advocate_id: str | None = None) -> list[AdvocateTotals]:
        r = t.referrals

        def counting(condition: Any) -> Any:
            return func.sum(case((condition, 1), else_=0))

        where = [r.c.store_id == self.store_id]
        if advocate_id is not None:
            where.append(r.c.advocate_id == advocate_id)
        rows = self.conn.execute(
            select(
                r.c.advocate_id,
                func.count(),
                counting(r.c.status.in_(("qualified", "approved", "reversed"))),
                counting(r.c.status == "held"),
                counting(r.c.advocate_reward.in_(("granted", "taken_back"))),
                counting(r.c.status == "reversed"),
            )
            .where(*where)
            .group_by(r.c.advocate_id)
            .order_by(r.c.advocate_id)
        ).all()
        rejected = self._rejected_by_rule(where)
        return [
            AdvocateTotals(
                advocate_id=row[0],
                referred=int(row[1]),
                qualified=int(row[2] or 0),
                held=int(row[3] or 0),
                rejected_by_rule=rejected.get(row[0], {}),
                rewarded=int(row[4] or 0),
                reversed=int(row[5] or 0),
            )
            for row in rows
        ]

    def _rejected_by_rule(self, where: list[Any]) -> dict[str, dict[str, int]]:
        """Rejections per advocate, by the rule that refused (or `review` for a person)."""
        r = t.referrals
        rows = self.conn.execute(
            select(r.c.advocate_id, r.c.rules, r.c.decided_by).where(
                *where, r.c.status == "rejected"
            )
        )
        out: dict[str, dict[str, int]] = {}
        for advocate, rules, decided_by in rows:
            fired = [x["rule"] for x in rules or [] if x.get("outcome") == "reject"]
            rule = fired[0] if fired else ("review" if decided_by else "not_qualifying")
            per = out.setdefault(advocate, {})
            per[rule] = per.get(rule, 0) + 1
        return out

    def friends_orders(self) -> list[tuple[str, str]]:
        r = t.referrals
        rows = self.conn.execute(
            select(r.c.order_id, r.c.order_spend)
            .where(r.c.store_id == self.store_id, r.c.order_id.is_not(None))
            .where(r.c.status.in_(("qualified", "approved")))
            .order_by(r.c.order_id)
        )
        return [(row[0], row[1]) for row in rows]
