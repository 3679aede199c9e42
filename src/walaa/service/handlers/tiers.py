"""Tiers in use: counting what qualifies, upgrading at once, reviewing, pinning.

An order's qualifying spend is counted, and a customer who now qualifies higher is upgraded,
in the same database transaction as the order. Moving down happens only at the review the
worker runs. Every change is recorded as a tier event with its reason.
"""

from __future__ import annotations

from datetime import datetime

from walaa.domain import tiers as t
from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.program import Program, TierPolicy
from walaa.domain.tiers import Progress, QualifyingEvent, TierChange, TierDecision, TierStatus
from walaa.service.handlers.program import current_program
from walaa.service.ports import Clock, TiersRepository, UnitOfWork

#: How many missed reviews one pass catches up for a customer.
MAX_CATCH_UP = 24


def _history_since(policy: TierPolicy, as_of: datetime, timezone: str) -> datetime:
    windows = t.review_windows(policy, as_of=as_of, timezone=timezone)
    return min(w.starts for w in (*windows, t.window_at(policy, as_of=as_of, timezone=timezone)))


def _apply(
    repo: TiersRepository,
    customer_id: str,
    decision: TierDecision,
    policy: TierPolicy,
    timezone: str,
    at: datetime,
) -> TierDecision:
    if decision.needs_saving:
        upcoming = t.next_review(decision.status, policy, as_of=at, timezone=timezone)
        repo.save_status(customer_id, decision.status, upcoming)
    if decision.change is not TierChange.NONE or decision.reason.value == "tier_removed":
        repo.add_event(customer_id, decision, at)
    return decision


def count_activity(
    uow: UnitOfWork,
    program: Program | None,
    store_id: str,
    customer_id: str,
    event: QualifyingEvent,
    source_key: str,
) -> TierDecision | None:
    """Inside an open unit of work: count an order, refund or action toward tiers, once, and
    upgrade the customer at once if they now qualify higher (never a downgrade here)."""
    if program is None or program.tiers is None:
        return None
    policy, repo = program.tiers, uow.tiers(store_id)
    if not repo.add_history(customer_id, event, source_key):
        return None  # counted already: a replay
    since = _history_since(policy, event.at, program.timezone)
    history = repo.history(customer_id, since)
    decision = t.on_activity(
        repo.status(customer_id), history, policy, as_of=event.at, timezone=program.timezone
    )
    return _apply(repo, customer_id, decision, policy, program.timezone, event.at)


def current_tier(uow: UnitOfWork, store_id: str, customer_id: str) -> str | None:
    """Inside an open unit of work: the tier rules see for this customer now."""
    status = uow.tiers(store_id).status(customer_id)
    return status.level_id if status else None


def review(uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str) -> list[TierDecision]:
    """Apply every review that is due for one customer (catching up missed ones, each at its
    own scheduled moment, so a late worker decides as a punctual one would)."""
    now = clock.now()
    decisions: list[TierDecision] = []
    with uow:
        uow.ledger(store_id).lock_customer(customer_id, create=False)
        program = current_program(uow.earning(store_id))
        if program is None or program.tiers is None:
            return decisions
        policy, repo, zone = program.tiers, uow.tiers(store_id), program.timezone
        status = repo.status(customer_id)
        for _ in range(MAX_CATCH_UP):
            if status is None or not t.review_due(status, policy, as_of=now, timezone=zone):
                break
            at = t.next_review(status, policy, as_of=now, timezone=zone)
            history = repo.history(customer_id, _history_since(policy, at, zone))
            decision = t.at_review(status, history, policy, as_of=at, timezone=zone)
            decisions.append(_apply(repo, customer_id, decision, policy, zone, at))
            if decision.status == status:
                break
            status = decision.status
        uow.commit()
    return decisions


def review_due(uow: UnitOfWork, clock: Clock, store_id: str, limit: int = 1000) -> int:
    """The worker's pass: review every customer whose review date has come."""
    with uow:
        due = uow.tiers(store_id).due(clock.now(), limit)
    return sum(bool(review(uow, clock, store_id, customer_id)) for customer_id in due)


def pin_tier(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    level_id: str,
    reason: str,
    until: datetime | None,
) -> TierDecision:
    """The merchant keeps a customer in a tier (higher or lower), with a reason."""
    now = clock.now()
    with uow:
        if uow.ledger(store_id).lock_customer(customer_id, create=False) is None:
            raise NotFound(f"customer {customer_id!r} does not exist in this store")
        program = current_program(uow.earning(store_id))
        if program is None or program.tiers is None:
            raise ValidationFailed("level_id", "this store's program has no tiers")
        policy, repo = program.tiers, uow.tiers(store_id)
        if policy.rank(level_id) < 0:
            raise ValidationFailed("level_id", f"{level_id!r} is not one of the program's tiers")
        decision = t.pin(
            repo.status(customer_id), level_id, policy, reason=reason, as_of=now, until=until
        )
        _apply(repo, customer_id, decision, policy, program.timezone, now)
        uow.commit()
    return decision


def tier_view(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str
) -> tuple[TierPolicy, Progress] | None:
    """Where the customer stands: tier, since when, what counts, what is still needed, and
    the next review date. None when the program has no tiers."""
    now = clock.now()
    with uow:
        program = current_program(uow.earning(store_id))
        if program is None or program.tiers is None:
            return None
        policy, repo = program.tiers, uow.tiers(store_id)
        status: TierStatus | None = repo.status(customer_id)
        history = repo.history(customer_id, _history_since(policy, now, program.timezone))
    return policy, t.progress(status, history, policy, as_of=now, timezone=program.timezone)
