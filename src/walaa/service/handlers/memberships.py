"""Paid memberships: plans, joining, renewing, cancelling, and the monthly points they grant.

Walaa records the payments the store took (by the store's own reference); it never takes a
payment. Every change is one database transaction that locks the customer first, writes the
membership, its payment and an event saying what happened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from walaa.domain import memberships as m
from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.memberships import Membership, MembershipChange, Plan
from walaa.service.commands import Earn
from walaa.service.handlers import ledger
from walaa.service.handlers.customers import known_customer
from walaa.service.handlers.in_force import in_force
from walaa.service.handlers.milestones import notice_milestone
from walaa.service.ports import Clock, UnitOfWork


def save_plan(uow: UnitOfWork, clock: Clock, store_id: str, plan: Plan) -> Plan:
    with uow:
        store = uow.stores.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id!r} does not exist")
        if plan.currency != store.currency:
            raise ValidationFailed("currency", f"this store keeps its books in {store.currency}")
        uow.memberships(store_id).save_plan(plan, clock.now())
        uow.commit()
    return plan


def list_plans(uow: UnitOfWork, store_id: str) -> list[Plan]:
    with uow:
        return uow.memberships(store_id).list_plans()


def _record(
    uow: UnitOfWork,
    store_id: str,
    change: MembershipChange,
    now: datetime,
    *,
    event_at: datetime | None = None,
) -> None:
    repo = uow.memberships(store_id)
    repo.save(change.membership, now)
    if change.payment is not None:
        repo.add_payment(change.membership.id, change.payment)
    if change.changed:
        payload: dict[str, Any] = {"status": change.membership.status.value}
        if change.payment is not None:
            payload["payment"] = {"ref": change.payment.ref, "amount": str(change.payment.amount)}
        if change.refund is not None:
            payload["refund"] = {
                "amount": str(change.refund.amount),
                "currency": change.refund.currency,
            }
        repo.add_event(change.membership, change.event.value, payload, event_at or now)


def join(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    plan_id: str,
    payment_ref: str | None,
    started_at: datetime | None = None,
) -> MembershipChange:
    """Join a plan (a trial first if it has one); the same payment reference is a replay.

    ``started_at`` (past or now, never later) imports a member who joined before: the
    membership, its first payment and its `joined` event carry that moment.
    """
    now = clock.now()
    with uow:
        uow.ledger(store_id).lock_customer(customer_id, create=True)
        repo = uow.memberships(store_id)
        plan = repo.get_plan(plan_id)
        if plan is None:
            raise NotFound(f"plan {plan_id!r} does not exist in this store")
        for existing in repo.for_customer(customer_id):
            if payment_ref and any(p.ref == payment_ref for p in existing.payments):
                return MembershipChange(existing, m.MembershipEvent.UNCHANGED)
            if existing.plan_id == plan_id and m.is_active(existing, as_of=now):
                raise m.MembershipClosed(
                    f"customer {customer_id!r} is already a member of {plan_id!r}"
                )
        change = m.join(
            plan,
            customer_id,
            membership_id=m.new_membership_id(),
            as_of=now,
            payment_ref=payment_ref,
            started_at=started_at,
        )
        _record(uow, store_id, change, now, event_at=change.membership.started_at)
        uow.commit()
    return change


def _change(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    membership_id: str,
    apply: Any,
    *,
    event_at: datetime | None = None,
) -> MembershipChange:
    now = clock.now()
    with uow:
        uow.ledger(store_id).lock_customer(customer_id, create=False)
        repo = uow.memberships(store_id)
        found = repo.get(membership_id, lock=True)
        if found is None or found.customer_id != customer_id:
            raise NotFound(f"membership {membership_id!r} does not exist for this customer")
        plan = repo.get_plan(found.plan_id)
        assert plan is not None
        change: MembershipChange = apply(found, plan, now)
        _record(uow, store_id, change, now, event_at=event_at)
        uow.commit()
    return change


def renew(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    membership_id: str,
    payment_ref: str,
    paid_at: datetime | None = None,
) -> MembershipChange:
    """Record a renewal payment: the period extends from its paid end; a replay changes nothing.

    ``paid_at`` (now or earlier) records a past renewal, to import a member's history.
    """

    def apply(found: Membership, plan: Plan, now: datetime) -> MembershipChange:
        if any(p.ref == payment_ref for p in found.payments):
            return MembershipChange(found, m.MembershipEvent.UNCHANGED)
        return m.renew(found, plan, as_of=now, payment_ref=payment_ref, paid_at=paid_at)

    return _change(uow, clock, store_id, customer_id, membership_id, apply, event_at=paid_at)


def cancel(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    membership_id: str,
    at_period_end: bool,
) -> MembershipChange:
    """Cancel at the period end, or at once with a pro-rated refund note for the store."""
    return _change(
        uow,
        clock,
        store_id,
        customer_id,
        membership_id,
        lambda found, _plan, now: m.cancel(found, as_of=now, at_period_end=at_period_end),
    )


def customer_memberships(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str
) -> list[tuple[Membership, Plan, m.Benefits]]:
    now = clock.now()
    with uow:
        known_customer(uow, store_id, customer_id)
        repo = uow.memberships(store_id)
        out = []
        for found in repo.for_customer(customer_id):
            plan = repo.get_plan(found.plan_id)
            assert plan is not None
            out.append((found, plan, m.benefits(found, plan, as_of=now)))
    return out


def benefits_now(uow: UnitOfWork, clock: Clock, store_id: str, found: Membership) -> m.Benefits:
    """What one membership gives now: what every answer about a membership shows."""
    with uow:
        plan = uow.memberships(store_id).get_plan(found.plan_id)
    return m.benefits(found, plan, as_of=clock.now())


def active_benefits(uow: UnitOfWork, store_id: str, customer_id: str, now: datetime) -> m.Benefits:
    """Inside an open unit of work: the benefits of the customer's live memberships combined
    (free shipping if any gives it, the largest multiplier, a granted tier)."""
    repo = uow.memberships(store_id)
    best = m.NO_BENEFITS
    for found in repo.for_customer(customer_id):
        plan = repo.get_plan(found.plan_id)
        if plan is None:
            continue
        got = m.benefits(found, plan, as_of=now)
        if got.active and got.multiplier >= best.multiplier:
            best = got
    return best


def run_memberships(
    uow: UnitOfWork, clock: Clock, store_id: str, limit: int = 1000
) -> dict[str, int]:
    """The worker's pass: lapse what ran out, post each monthly grant exactly once.

    A grant is posted through the ledger with the grant's own key, so a rerun (or a crash
    between posting and saving `grants_made`) finds the transaction and pays nothing twice.
    """
    now = clock.now()
    with uow:
        due = uow.memberships(store_id).due(now, limit)
    counts = {"expired": 0, "grants": 0, "points": 0}
    for membership_id in due:
        with uow:
            repo = uow.memberships(store_id)
            found = repo.get(membership_id)
            if found is None:
                continue
            lock = uow.ledger(store_id)
            locked = lock.lock_customer(found.customer_id, create=True)
            found = repo.get(membership_id, lock=True)
            assert found is not None
            plan = repo.get_plan(found.plan_id)
            assert plan is not None
            grants = m.grants_due(found, plan, as_of=now)
            program = in_force(uow, store_id, locked.settings_stamp if locked else None)
            for grant in grants:
                expires = program.expiry.expires_at(grant.due_at) if program else None
                earn = Earn(
                    store_id,
                    found.customer_id,
                    grant.key,
                    grant.points,
                    expires_at=expires if expires and expires > now else None,
                    reason="membership",
                    reference=found.id,
                    details={"membership": found.id, "period": grant.period_index},
                    refers_to=(("membership", found.id),),
                )
                receipt = ledger.earn_in(lock, earn, now)
                moved = (receipt.balance_before, receipt.balance_after)
                notice_milestone(uow, program, store_id, found.customer_id, moved, now)
                counts["grants"] += 1
                counts["points"] += grant.points
            if grants:
                found = m.record_grants(found, grants)
            change = m.expire_due(found, as_of=now)
            counts["expired"] += change.changed
            _record(uow, store_id, change, now)
            uow.commit()
    return counts
