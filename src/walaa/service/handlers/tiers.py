"""Tiers in use: counting what qualifies, upgrading at once, reviewing, pinning.

An order's qualifying spend is counted, and a customer who now qualifies higher is upgraded,
in the same database transaction as the order. Moving down happens only at the review the
worker runs. Every change is recorded as a tier event with its reason.

Measures are read from running counters per month plus the history of a window's edges
(`TiersRepository.measures`), never by summing a customer's whole history, and give exactly
the sums of the history (`walaa.domain.tier_buckets`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from walaa.domain import tiers as t
from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.money import ZERO
from walaa.domain.program import Program, TierMeasure, TierPolicy
from walaa.domain.tier_buckets import largest, spend_of, spend_scale
from walaa.domain.tiers import Progress, QualifyingEvent, TierChange, TierDecision, TierStatus
from walaa.service.handlers.customers import known_customer
from walaa.service.handlers.in_force import in_force
from walaa.service.ports import Clock, TiersRepository, UnitOfWork

#: How many missed reviews one pass catches up for a customer.
MAX_CATCH_UP = 24


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
    before: Decimal | None = None,
) -> TierDecision | None:
    """Inside an open unit of work: count an order, refund or action toward tiers, once, and
    upgrade the customer at once if they now qualify higher (never a downgrade here).
    ``before``: the window's measure `measure_before` read for this new event.

    Two statements on PostgreSQL for an order that changes no tier: the history row with its
    counter (one statement), then the window's measure, with the status row unless this unit
    of work read it already (the rules did, through `current_tier`)."""
    if program is None or program.tiers is None:
        return None
    policy, repo = program.tiers, uow.tiers(store_id)
    if before is not None:
        # The window was read before anything was written (`measure_before`): the event is
        # new, so counting it is a write that needs no answer, and the measure is that sum
        # and the event's own amount, as the counters will hold it.
        repo.add_history(customer_id, event, source_key, wait=True)
        status, sums = repo.status(customer_id), [before + counted(event, policy.measure)]
    else:
        if not repo.add_history(customer_id, event, source_key):
            return None  # counted already: a replay
        window = t.window_at(policy, as_of=event.at, timezone=program.timezone)
        status, sums = repo.measures(customer_id, policy.measure.value, [window])
    decision = t.decide_on_activity(status, largest(sums), policy, as_of=event.at)
    return _apply(repo, customer_id, decision, policy, program.timezone, event.at)


def measure_before(
    uow: UnitOfWork, program: Program | None, store_id: str, customer_id: str, at: datetime
) -> Decimal | None:
    """Inside an open unit of work, before a new order or action at ``at`` writes anything:
    the measure of the window it will count in, read with the customer's tier status in one
    statement (so the rules' `current_tier` costs none). Given to `count_activity` as
    ``before``, it lets counting the event wait for the unit of work's other writes. None for
    a program without tiers."""
    if program is None or program.tiers is None:
        return None
    policy = program.tiers
    window = t.window_at(policy, as_of=at, timezone=program.timezone)
    _status, sums = uow.tiers(store_id).measures(customer_id, policy.measure.value, [window])
    return sums[0]


def counted(event: QualifyingEvent, measure: TierMeasure) -> Decimal:
    """What the event adds to ``measure`` as the history and the counters keep it: spend in
    whole ten-thousandths, read back at the decimals it has."""
    if measure is not TierMeasure.SPEND:
        return event.value(measure)
    spend_e4 = int(event.spend * 10_000)
    return spend_of(spend_e4, spend_scale(spend_e4))


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
        program = in_force(uow, store_id)
        if program is None or program.tiers is None:
            return decisions
        policy, repo, zone = program.tiers, uow.tiers(store_id), program.timezone
        status = repo.status(customer_id)
        for _ in range(MAX_CATCH_UP):
            if status is None or not t.review_due(status, policy, as_of=now, timezone=zone):
                break
            at = t.next_review(status, policy, as_of=now, timezone=zone)
            windows = t.review_windows(policy, as_of=at, timezone=zone)
            _, sums = repo.measures(customer_id, policy.measure.value, windows)
            decision = t.decide_at_review(status, largest(sums), policy, as_of=at, timezone=zone)
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
    floor: bool = False,
) -> TierDecision:
    """The merchant keeps a customer in a tier (higher or lower), with a reason; with
    ``floor``, at that tier or above, free to rise at activity and reviews."""
    now = clock.now()
    with uow:
        if uow.ledger(store_id).lock_customer(customer_id, create=False) is None:
            raise NotFound(f"customer {customer_id!r} does not exist in this store")
        program = in_force(uow, store_id)
        if program is None or program.tiers is None:
            raise ValidationFailed("level_id", "this store's program has no tiers")
        policy, repo = program.tiers, uow.tiers(store_id)
        if policy.rank(level_id) < 0:
            raise ValidationFailed("level_id", f"{level_id!r} is not one of the program's tiers")
        decision = t.pin(
            repo.status(customer_id),
            level_id,
            policy,
            reason=reason,
            as_of=now,
            until=until,
            floor=floor,
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
        known_customer(uow, store_id, customer_id)
        program = in_force(uow, store_id)
        if program is None or program.tiers is None:
            return None
        policy, repo, zone = program.tiers, uow.tiers(store_id), program.timezone
        status: TierStatus | None = repo.status(customer_id)
        review_at = t.next_review(status, policy, as_of=now, timezone=zone)
        windows = [
            t.window_at(policy, as_of=now, timezone=zone),
            *t.review_windows(policy, as_of=review_at, timezone=zone),
        ]
        _, sums = repo.measures(customer_id, policy.measure.value, windows)
    counted, at_review = largest(sums[:1]), largest(sums[1:])
    found = t.progress_of(
        status, policy, counted=counted, at_review=at_review, as_of=now, timezone=zone
    )
    return policy, found


def review_batch(uow: UnitOfWork, clock: Clock, store_id: str, *, limit: int = 10_000) -> int:
    """The worker's set-based pass: review up to `limit` due customers in ONE transaction.

    It decides exactly as `review()` per customer would (catching up missed reviews, each at
    its own scheduled moment), but reads and writes in bulk: the due rows are claimed with
    their customers locked (SKIP LOCKED on PostgreSQL, so concurrent workers share the work
    and never review a customer twice), each review window's measure is one grouped query
    with every customer's own bounds, the pure `decide_at_review` runs in Python, and the
    statuses and tier events are written with one UPDATE run and one INSERT. A claimed row
    whose stored date was stale (nothing due) only gets its next review date corrected.
    Returns how many customers were reviewed.
    """
    now = clock.now()
    with uow:
        program = in_force(uow, store_id)
        if program is None or program.tiers is None:
            return 0
        policy, repo, zone = program.tiers, uow.tiers(store_id), program.timezone
        claimed = repo.claim_due(now, limit)
        statuses = dict(claimed)
        decided: dict[str, list[tuple[TierDecision, datetime]]] = {}
        pending = list(statuses)
        for _ in range(MAX_CATCH_UP):
            moments = {
                cid: t.next_review(statuses[cid], policy, as_of=now, timezone=zone)
                for cid in pending
            }
            due = {cid: at for cid, at in moments.items() if at <= now}
            if not due:
                break
            measures = _batch_measures(repo, policy, zone, due)
            pending = []
            for cid, at in due.items():
                status = statuses[cid]
                decision = t.decide_at_review(
                    status, measures[cid], policy, as_of=at, timezone=zone
                )
                decided.setdefault(cid, []).append((decision, at))
                if decision.status != status:
                    statuses[cid] = decision.status
                    pending.append(cid)
        saves: list[tuple[str, TierStatus, datetime]] = []
        events: list[tuple[str, TierDecision, datetime]] = []
        for cid, status in claimed:
            steps = decided.get(cid, [])
            if not steps:  # a stale date: put it right, decide nothing
                saves.append((cid, status, t.next_review(status, policy, as_of=now, timezone=zone)))
                continue
            last_at = steps[-1][1]
            if any(decision.needs_saving for decision, _ in steps):
                final = statuses[cid]
                saves.append(
                    (cid, final, t.next_review(final, policy, as_of=last_at, timezone=zone))
                )
            events.extend(
                (cid, decision, at)
                for decision, at in steps
                if decision.change is not TierChange.NONE or decision.reason.value == "tier_removed"
            )
        repo.save_reviews(saves)
        repo.add_events(events)
        uow.commit()
    return len(decided)


def _batch_measures(
    repo: TiersRepository, policy: TierPolicy, zone: str, due: dict[str, datetime]
) -> dict[str, Decimal]:
    """Each customer's review measure at their own review moment: one grouped query per
    review window (the largest of the window sums, never below zero, as `review_measure`)."""
    memo: dict[datetime, tuple[t.QualifyingWindow, ...]] = {}
    windows = {}
    for cid, at in due.items():
        if at not in memo:
            memo[at] = t.review_windows(policy, as_of=at, timezone=zone)
        windows[cid] = memo[at]
    count = len(next(iter(windows.values())))
    sums = [
        repo.window_sums(
            policy.measure.value,
            [(cid, w[index].starts, w[index].ends) for cid, w in windows.items()],
        )
        for index in range(count)
    ]
    return {cid: max(max(found.get(cid, ZERO), ZERO) for found in sums) for cid in windows}
