"""Membership plans, memberships, the payments the store recorded, and their events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from walaa.adapters.db import settings_stamps
from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.memberships import (
    BillingPeriod,
    Membership,
    MembershipStatus,
    Payment,
    Plan,
)


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "names": dict(plan.names),
        "fee": str(plan.fee),
        "currency": plan.currency,
        "period": plan.period.value,
        "trial_days": plan.trial_days,
        "free_shipping": plan.free_shipping,
        "member_rewards": sorted(plan.member_rewards),
        "multiplier": str(plan.multiplier),
        "granted_tier": plan.granted_tier,
        "monthly_points": plan.monthly_points,
        "active": plan.active,
    }


def plan_from_json(data: dict[str, Any]) -> Plan:
    return Plan(
        id=data["id"],
        names=data["names"],
        fee=Decimal(data["fee"]),
        currency=data["currency"],
        period=BillingPeriod(data["period"]),
        trial_days=data["trial_days"],
        free_shipping=data["free_shipping"],
        member_rewards=frozenset(data["member_rewards"]),
        multiplier=Decimal(data["multiplier"]),
        granted_tier=data["granted_tier"],
        monthly_points=data["monthly_points"],
        active=data["active"],
    )


class SqlMembershipsRepository:
    def __init__(self, conn: Connection, store_id: str) -> None:
        self.conn = conn
        self.store_id = store_id

    # -- plans ------------------------------------------------------------------------------

    def save_plan(self, plan: Plan, now: datetime) -> None:
        values = {"definition": plan_to_json(plan), "active": plan.active, "updated_at": now}
        stmt = insert_for(self.conn.dialect, t.plans).values(
            store_id=self.store_id, id=plan.id, created_at=now, **values
        )
        self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["store_id", "id"], set_=values)
        )
        settings_stamps.bump(self.conn, self.store_id)  # plans are rules of the program in force

    def get_plan(self, plan_id: str) -> Plan | None:
        p = t.plans
        row = self.conn.execute(
            select(p.c.definition).where(p.c.store_id == self.store_id, p.c.id == plan_id)
        ).first()
        return plan_from_json(row.definition) if row else None

    def list_plans(self) -> list[Plan]:
        p = t.plans
        rows = self.conn.execute(
            select(p.c.definition).where(p.c.store_id == self.store_id).order_by(p.c.created_at)
        )
        return [plan_from_json(row.definition) for row in rows]

    # -- memberships ------------------------------------------------------------------------

    def _payments(self, membership_id: str) -> tuple[Payment, ...]:
        mp = t.membership_payments
        rows = self.conn.execute(
            select(mp)
            .where(mp.c.store_id == self.store_id, mp.c.membership_id == membership_id)
            .order_by(mp.c.covers_from, mp.c.paid_at)
        )
        return tuple(
            Payment(r.ref, Decimal(r.amount), r.currency, r.paid_at, r.covers_from, r.covers_until)
            for r in rows
        )

    def _membership(self, row: Any) -> Membership:
        return Membership(
            id=row.id,
            customer_id=row.customer_id,
            plan_id=row.plan_id,
            status=MembershipStatus(row.status),
            started_at=row.started_at,
            current_period_start=row.current_period_start,
            current_period_end=row.current_period_end,
            trial_ends_at=row.trial_ends_at,
            cancel_at_period_end=row.cancel_at_period_end,
            cancelled_at=row.cancelled_at,
            payments=self._payments(row.id),
            grants_made=row.grants_made,
        )

    def get(self, membership_id: str, *, lock: bool = False) -> Membership | None:
        m = t.memberships
        stmt = select(m).where(m.c.store_id == self.store_id, m.c.id == membership_id)
        row = self.conn.execute(stmt.with_for_update() if lock else stmt).first()
        return self._membership(row) if row else None

    def for_customer(self, customer_id: str) -> list[Membership]:
        m = t.memberships
        rows = self.conn.execute(
            select(m)
            .where(m.c.store_id == self.store_id, m.c.customer_id == customer_id)
            .order_by(m.c.started_at)
        )
        return [self._membership(row) for row in rows]

    def recent(self, limit: int) -> list[Membership]:
        m = t.memberships
        rows = self.conn.execute(
            select(m)
            .where(m.c.store_id == self.store_id)
            .order_by(m.c.started_at.desc(), m.c.id.desc())
            .limit(limit)
        )
        return [self._membership(row) for row in rows]

    def counts_by_plan(self) -> dict[str, dict[str, int]]:
        """Per plan, how many memberships are in each recorded status."""
        m = t.memberships
        rows = self.conn.execute(
            select(m.c.plan_id, m.c.status, func.count())
            .where(m.c.store_id == self.store_id)
            .group_by(m.c.plan_id, m.c.status)
        )
        out: dict[str, dict[str, int]] = {}
        for plan_id, status, count in rows:
            out.setdefault(plan_id, {})[status] = int(count)
        return out

    def save(self, membership: Membership, now: datetime) -> None:
        values = {
            "customer_id": membership.customer_id,
            "plan_id": membership.plan_id,
            "status": membership.status.value,
            "started_at": membership.started_at,
            "current_period_start": membership.current_period_start,
            "current_period_end": membership.current_period_end,
            "trial_ends_at": membership.trial_ends_at,
            "cancel_at_period_end": membership.cancel_at_period_end,
            "cancelled_at": membership.cancelled_at,
            "grants_made": membership.grants_made,
            "updated_at": now,
        }
        stmt = insert_for(self.conn.dialect, t.memberships).values(
            store_id=self.store_id, id=membership.id, **values
        )
        self.conn.execute(
            stmt.on_conflict_do_update(index_elements=["store_id", "id"], set_=values)
        )

    def add_payment(self, membership_id: str, payment: Payment) -> None:
        self.conn.execute(
            t.membership_payments.insert().values(
                store_id=self.store_id,
                membership_id=membership_id,
                ref=payment.ref,
                amount=str(payment.amount),
                currency=payment.currency,
                paid_at=payment.paid_at,
                covers_from=payment.covers_from,
                covers_until=payment.covers_until,
            )
        )

    def add_event(
        self, membership: Membership, event: str, payload: dict[str, Any], at: datetime
    ) -> None:
        self.conn.execute(
            t.membership_events.insert().values(
                store_id=self.store_id,
                membership_id=membership.id,
                customer_id=membership.customer_id,
                event=event,
                payload=payload,
                at=at,
            )
        )

    def events(self, membership_id: str) -> list[dict[str, Any]]:
        e = t.membership_events
        rows = self.conn.execute(
            select(e.c.event, e.c.payload, e.c.at)
            .where(e.c.store_id == self.store_id, e.c.membership_id == membership_id)
            .order_by(e.c.id)
        )
        return [dict(r._mapping) for r in rows]

    def due(self, now: datetime, limit: int) -> list[str]:
        """Memberships that may need the worker: grants, expiry (ids, oldest first)."""
        m = t.memberships
        rows = self.conn.execute(
            select(m.c.id)
            .where(
                m.c.store_id == self.store_id,
                m.c.status.in_(["trialing", "active", "cancelling"]),
            )
            .order_by(m.c.id)
            .limit(limit)
        )
        return [r.id for r in rows]
