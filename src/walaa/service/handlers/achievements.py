"""Achievements: counting orders and events toward badges, granting them, and what a refund
takes back; and where a customer stands, for the API.

The order, refund and event handlers call `count_order`, `take_back_for_refund` and
`count_event` in their own transaction, under the customer's lock, only when the program has
achievements that the order or event moves. Each call is one read of the customer's progress
rows and one upsert of the changed ones; a completion adds one INSERT of its grants and, for
points, a ledger entry. The lock serialises a customer's orders, so two orders completing the
same badge at once grant it once; the grant's key (customer, achievement, n-th time) is unique
besides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from walaa.domain.achievements import (
    Achievement,
    Measure,
    Progress,
    Standing,
    amount_for_event,
    amount_for_order,
    granted_text,
    progress_text,
    record,
    standing,
    take_back,
)
from walaa.domain.program import Program
from walaa.service.achievement_ports import GrantRecord, ProgressRecord
from walaa.service.commands import Earn
from walaa.service.handlers import ledger
from walaa.service.handlers.context import in_force
from walaa.service.handlers.customers import known_customer
from walaa.service.handlers.rewards import issue_free_code
from walaa.service.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class Moment:
    """What moved the progress: its source (order:<id>, event:<id>), when it happened, and the
    validity its points get (an order's are pending for the return window, as its own)."""

    source: str
    at: datetime
    available_at: datetime | None
    expires_at: datetime | None


# --- counting, from the order and event paths ----------------------------------------------


def count_order(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    customer_id: str,
    moment: Moment,
    spend: Decimal,
    now: datetime,
) -> list[GrantRecord]:
    """Count a paid order toward order and spend achievements; returns what it granted."""
    moved = [(a, amount_for_order(a, spend)) for a in program.achievements]
    return _count(uow, program, store_id, customer_id, moment, moved, now)


def count_event(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    customer_id: str,
    moment: Moment,
    event_type: str,
    properties: Mapping[str, object],
    now: datetime,
) -> list[GrantRecord]:
    """Count a customer event toward event and property achievements."""
    moved = [(a, amount_for_event(a, event_type, properties)) for a in program.achievements]
    return _count(uow, program, store_id, customer_id, moment, moved, now)


def _count(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    customer_id: str,
    moment: Moment,
    moved: list[tuple[Achievement, Decimal]],
    now: datetime,
) -> list[GrantRecord]:
    moved = [(a, amount) for a, amount in moved if amount > 0]
    if not moved:
        return []  # nothing to read or write for an order no achievement counts
    repo = uow.achievements(store_id)
    stored = repo.progress_of(customer_id)
    day = moment.at.astimezone(program.tz).date()
    changed, grants = [], []
    for achievement, amount in moved:
        before = _progress(achievement, stored)
        if before.times and not achievement.repeat:
            continue  # earned once and for all: its progress no longer moves
        step = record(achievement, before, day, amount)
        changed.append(_record(achievement, step.progress))
        for times in range(before.times + 1, step.progress.times + 1):
            grants.append(
                _grant(uow, program, store_id, customer_id, achievement, times, moment, now)
            )
    repo.add_grants(grants)
    repo.save_progress(customer_id, changed, now)
    return grants


def _progress(achievement: Achievement, stored: Mapping[str, ProgressRecord]) -> Progress:
    """The stored progress, or a fresh one when there is none or it counted something else
    (the times already earned are kept either way: a badge earned stays earned)."""
    found = stored.get(achievement.id)
    if found is None:
        return Progress()
    if found.signature != achievement.signature:
        return Progress(times=found.times)
    return Progress.from_record(found.state, found.times)


def _record(achievement: Achievement, progress: Progress) -> ProgressRecord:
    return ProgressRecord(
        achievement.id, achievement.signature, progress.to_record(), progress.times
    )


def _grant(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    customer_id: str,
    achievement: Achievement,
    times: int,
    moment: Moment,
    now: datetime,
) -> GrantRecord:
    """Issue what the `times`-th completion grants: points through the ledger, a catalog
    reward as a single-use code (none when it is out of stock: the badge is still earned)."""
    key = f"achievement:{achievement.id}:{customer_id}:{times}"
    txn_id, redemption_id = None, None
    if achievement.points is not None:
        earn = Earn(
            store_id,
            customer_id,
            key,
            achievement.points,
            available_at=moment.available_at,
            expires_at=moment.expires_at,
            reason="achievement",
            reference=achievement.id,
            details={
                "achievement": achievement.id,
                "times": times,
                "explanations": granted_text(achievement, achievement.points, program.points_name),
            },
            refers_to=(_source_ref(moment.source), ("achievement", achievement.id)),
        )
        txn_id = ledger.earn_in(uow.ledger(store_id), earn, now, active_at=moment.at).transaction_id
    elif achievement.reward_id is not None:
        code = issue_free_code(uow, store_id, customer_id, achievement.reward_id, key, now)
        redemption_id = code.id if code else None
    return GrantRecord(
        customer_id=customer_id,
        achievement_id=achievement.id,
        times=times,
        source=moment.source,
        at=moment.at,
        points=achievement.points,
        transaction_id=txn_id,
        redemption_id=redemption_id,
        names=achievement.name.as_dict(),
        created_at=now,
    )


def _source_ref(source: str) -> tuple[str, str]:
    kind, _, ref = source.partition(":")
    return kind, ref


# --- refunds -----------------------------------------------------------------------------------


def take_back_for_refund(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    customer_id: str,
    placed_at: datetime,
    spend: Decimal,
    whole_order: bool,
    now: datetime,
) -> None:
    """A refund takes its spend back from spend achievements, and a whole-order refund (or a
    cancellation) the order itself from order counts, at the order's own day. Badges already
    earned stay earned, and so do their points: see docs/achievements.md."""
    moved = [
        (a, spend if a.counts is Measure.SPEND else Decimal(1))
        for a in program.achievements
        if (a.counts is Measure.SPEND and spend > 0) or (a.counts is Measure.ORDERS and whole_order)
    ]
    if not moved:
        return
    repo = uow.achievements(store_id)
    stored = repo.progress_of(customer_id)
    day = placed_at.astimezone(program.tz).date()
    changed = []
    for achievement, amount in moved:
        found = stored.get(achievement.id)
        if found is None or found.signature != achievement.signature:
            continue  # the order never counted toward what is counted now
        before = Progress.from_record(found.state, found.times)
        changed.append(_record(achievement, take_back(achievement, before, day, amount)))
    repo.save_progress(customer_id, changed, now)


# --- what the customer sees --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AchievementView:
    achievement: Achievement
    standing: Standing
    text: dict[str, str]
    grants: list[GrantRecord]
    #: the single-use code of each grant that gave a catalog reward, by redemption id
    codes: dict[str, str]


def customer_achievements(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str
) -> tuple[list[AchievementView], str]:
    """Each achievement of the program with where the customer stands today (the store's
    local day) and what they earned, and the program's currency; an unknown customer is
    NotFound. Completing one is dated by orders and events; only this reading uses the clock,
    so that "the last 30 days" and a streak mean the last 30 days and the streak as of now."""
    now = clock.now()
    with uow:
        known_customer(uow, store_id, customer_id)
        program = in_force(uow, store_id)
        if program is None or not program.achievements:
            return [], program.currency if program else ""

        repo = uow.achievements(store_id)
        stored, grants = repo.progress_of(customer_id), repo.grants_of(customer_id)
        codes = _codes(uow, store_id, grants)
    today = now.astimezone(program.tz).date()
    views = []
    for achievement in program.achievements:
        where = standing(achievement, _progress(achievement, stored), today)
        earned = [g for g in grants if g.achievement_id == achievement.id]
        views.append(
            AchievementView(
                achievement,
                where,
                progress_text(achievement, where, program.currency),
                earned,
                codes,
            )
        )
    return views, program.currency


def _codes(uow: UnitOfWork, store_id: str, grants: list[GrantRecord]) -> dict[str, str]:
    rewards, codes = uow.rewards(store_id), {}
    for grant in grants:
        if grant.redemption_id is not None:
            found = rewards.get_redemption(grant.redemption_id)
            if found is not None:
                codes[grant.redemption_id] = found.code
    return codes
