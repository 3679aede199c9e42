"""Limits: per order, per customer and per day, and best-of groups, each cut explained."""

from __future__ import annotations

from dataclasses import dataclass

from walaa.domain.earning.benefits import Draft
from walaa.domain.earning.results import Cap
from walaa.domain.earning.usage import RuleUsage, UsageSnapshot
from walaa.domain.explanations import (
    Explanation,
    Label,
    LocalizedText,
)
from walaa.domain.program import (
    CapSource,
    DailyActionCap,
    OncePer,
    PerCustomer,
    Period,
    PerOrder,
    Program,
)

# --- limits ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Room:
    """What a limit still allows, what the customer already used of it, and how to say so."""

    points: int
    used: int
    reason: Explanation


def apply_limits(draft: Draft, usage: UsageSnapshot, program: Program) -> None:
    """Apply the rule's own limits; the tightest one is recorded, with its explanation."""
    allowed, before = draft.points, draft.points
    for limit in draft.rule.limits:
        room = _room(limit, draft, usage, program.points_name, before)
        if room is not None and room.points < allowed:
            allowed = max(0, room.points)
            draft.cap = Cap(limit, before, room.used, room.reason)
    draft.points = allowed


def _room(
    limit: CapSource, draft: Draft, usage: UsageSnapshot, name: LocalizedText, before: int
) -> _Room | None:
    """What `limit` leaves for this award; None when it sets no bound here."""
    if isinstance(limit, PerOrder):
        reason = Explanation.of(
            "capped.per_order", limit=limit.points, points_name=name, before=before
        )
        return _Room(limit.points, 0, reason)
    if isinstance(limit, OncePer):
        if draft.subject is None or not usage.already_rewarded(draft.rule.id, draft.subject):
            return None
        return _Room(0, 1, Explanation.of("capped.once_per", property=Label(limit.property)))
    if isinstance(limit, DailyActionCap):
        return _daily_room(limit, usage.action_points_today, name, before)
    return _customer_room(limit, usage.of(draft.rule.id, limit.period), name, before)


def _customer_room(
    limit: PerCustomer, used: RuleUsage, name: LocalizedText, before: int
) -> _Room | None:
    suffix = ".lifetime" if limit.period is Period.LIFETIME else ""
    period = Label(limit.period.value)
    if limit.times is not None and used.times >= limit.times:
        key = f"capped.per_customer_times{suffix}"
        return _Room(0, used.times, Explanation.of(key, limit=limit.times, period=period))
    if limit.points is None:
        return None
    reason = Explanation.of(
        f"capped.per_customer_points{suffix}",
        limit=limit.points,
        points_name=name,
        period=period,
        used=used.points,
        before=before,
    )
    return _Room(limit.points - used.points, used.points, reason)


def _daily_room(limit: DailyActionCap, used: int, name: LocalizedText, before: int) -> _Room:
    reason = Explanation.of(
        "capped.action_daily", limit=limit.points, points_name=name, used=used, before=before
    )
    return _Room(limit.points - used, used, reason)


def apply_daily_cap(drafts: list[Draft], usage: UsageSnapshot, program: Program) -> None:
    """The program's daily cap on action points, shared by this event's awards in rule order."""
    if program.action_daily_cap is None:
        return
    cap = DailyActionCap(program.action_daily_cap)
    used = usage.action_points_today
    for draft in drafts:
        if draft.points == 0 or draft.set_aside_by is not None:
            continue
        room = _daily_room(cap, used, program.points_name, draft.points)
        if room.points < draft.points:
            draft.cap = Cap(cap, draft.points, used, room.reason)
            draft.points = max(0, room.points)
        used += draft.points


# --- best-of groups --------------------------------------------------------------------------


def keep_best_of(drafts: list[Draft]) -> None:
    """In each group only the largest award counts (the first one on a tie)."""
    best: dict[str, Draft] = {}
    for draft in drafts:
        group = draft.rule.group
        if group is not None and (group not in best or draft.points > best[group].points):
            best[group] = draft
    for draft in drafts:
        group = draft.rule.group
        if group is not None and best[group] is not draft and draft.points > 0:
            draft.set_aside_by = best[group].rule
