"""Tiers: which tier a customer has earned, when they move up, and when they move down.

The program's `TierPolicy` (see `walaa.domain.program`) names the tiers, lowest first, the
measure that earns them (spend, points earned or orders) and the window it is counted over
(the last N months, or the calendar year). From there:

* **Upgrade at once.** `on_activity` runs in the transaction of the order (or refund, or
  action) that changed the measure: a customer who now qualifies for a higher tier has it.
  Activity never moves a customer down, even after a refund.
* **Downgrade only at a review.** `at_review` runs when `next_review` says one is due: a
  customer short of their tier's threshold moves down one tier (`one_step`) or straight to the
  tier they qualify for (`to_qualifying`). With `grace_days`, the first review that finds them
  short starts a grace period instead; a second review when it ends decides.
* **Pins.** A merchant may pin a customer to a tier with a reason, until a date or for good.
  A pinned customer neither rises nor falls; when the pin ends the usual rules apply again.

Everything here is pure: the history, the moment (`as_of`) and the store's time zone are
arguments, and every answer is a result object (`TierDecision`, `Progress`), never None.

The service builds the history from orders and refunds (`QualifyingEvent.order`,
`QualifyingEvent.refund`). A refund is dated at the time of the ORDER it refunds, so it leaves
the same window the order was counted in, and an order refunded in full stops counting as an
order. Measures never go below zero.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from walaa.domain.errors import ValidationFailed
from walaa.domain.money import ZERO
from walaa.domain.program import (
    CalendarYear,
    MultiplierCombination,
    Perk,
    RollingMonths,
    TierDowngrade,
    TierLevel,
    TierMeasure,
    TierPolicy,
    TierReview,
    YearlyOn,
)
from walaa.domain.tier_multiplier import TIER_MULTIPLIED_KINDS, TierBoost, apply_tier_multiplier

__all__ = [
    "TIER_MULTIPLIED_KINDS",
    "MultiplierCombination",
    "Perk",
    "Progress",
    "QualifyingEvent",
    "QualifyingWindow",
    "TierBoost",
    "TierChange",
    "TierDecision",
    "TierInputError",
    "TierLevel",
    "TierPolicy",
    "TierReason",
    "TierStatus",
    "add_months",
    "apply_tier_multiplier",
    "at_review",
    "decide_at_review",
    "decide_on_activity",
    "measure_in_window",
    "next_review",
    "on_activity",
    "pin",
    "progress",
    "progress_of",
    "qualifying_level",
    "review_due",
    "review_measure",
    "review_windows",
    "unpin",
    "window_at",
]


class TierInputError(ValidationFailed):
    """A tier calculation asked with input it cannot use (a naive time, an unknown tier ...)."""

    code = "invalid-tier-input"


def _require_aware(moment: datetime, field_name: str) -> None:
    """A naive time cannot be placed in a window or on the store's calendar."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TierInputError(field_name, "needs a time zone (give it in UTC)")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TierInputError("timezone", f"unknown time zone {name!r}") from None


# --- the history -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QualifyingEvent:
    """What one order, refund or action adds to the measures, at the moment it counts.

    An order adds its eligible spend, the points it earned and 1 order; a refund subtracts
    the spend and points it took back, and 1 order only when the whole order is refunded.
    """

    at: datetime
    spend: Decimal = ZERO
    points: int = 0
    orders: int = 0

    def __post_init__(self) -> None:
        _require_aware(self.at, "at")
        if not isinstance(self.spend, Decimal):
            raise TierInputError("spend", "must be a Decimal")

    @classmethod
    def order(cls, placed_at: datetime, *, spend: Decimal, points: int) -> QualifyingEvent:
        """An order: its eligible spend and earned points, and one more order."""
        return cls(placed_at, spend, points, 1)

    @classmethod
    def refund(
        cls, order_placed_at: datetime, *, spend: Decimal, points: int, whole_order: bool
    ) -> QualifyingEvent:
        """A refund, dated at its ORDER's time so it leaves the window the order was in.

        `spend` and `points` are what the refund took back (positive numbers).
        """
        return cls(order_placed_at, -spend, -points, -1 if whole_order else 0)

    @classmethod
    def action(cls, occurred_at: datetime, *, points: int) -> QualifyingEvent:
        """Points earned by an action (a review, a sign-up): they count toward `points` only."""
        return cls(occurred_at, ZERO, points, 0)

    def value(self, measure: TierMeasure) -> Decimal:
        """What this event adds to `measure`."""
        if measure is TierMeasure.SPEND:
            return self.spend
        return Decimal(self.points if measure is TierMeasure.POINTS else self.orders)


@dataclass(frozen=True, slots=True)
class QualifyingWindow:
    """The moments that count: `starts <= at < ends`, both in UTC (what a SQL sum needs)."""

    starts: datetime
    ends: datetime

    def holds(self, at: datetime) -> bool:
        """True when an event at `at` counts in this window."""
        return self.starts <= at < self.ends


# The smallest step of a datetime: a window that ends "just after `as_of`" includes it, so an
# order placed at `as_of` qualifies its customer in the same transaction.
_TICK = timedelta(microseconds=1)


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` moved by `months` (negative: back); a day the month lacks becomes its last."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, _days_in(year, month)))


def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _local_midnight(year: int, month: int, day: int, tz: ZoneInfo) -> datetime:
    return datetime(year, month, day, tzinfo=tz).astimezone(UTC)


def window_at(policy: TierPolicy, *, as_of: datetime, timezone: str) -> QualifyingWindow:
    """The window counting toward a tier at `as_of` (up to and including `as_of`).

    Rolling: from `as_of` less N months, in UTC. Calendar year: from 1 January at midnight in
    the store's time zone, so an order at 00:30 on 1 January in Riyadh (21:30 UTC on
    31 December) counts toward the new year.
    """
    _require_aware(as_of, "as_of")
    moment = as_of.astimezone(UTC)
    if isinstance(policy.window, RollingMonths):
        return QualifyingWindow(add_months(moment, -policy.window.months), moment + _TICK)
    year = as_of.astimezone(_zone(timezone)).year
    return QualifyingWindow(_local_midnight(year, 1, 1, _zone(timezone)), moment + _TICK)


def review_windows(
    policy: TierPolicy, *, as_of: datetime, timezone: str
) -> tuple[QualifyingWindow, ...]:
    """The windows a review at `as_of` looks at; the measure is the largest of their sums.

    Rolling: the window at `as_of`. Calendar year: this year so far AND the last full calendar
    year, so a review on 1 January judges the year that just ended, and a review in June does
    not take away what this year's activity would give back at once.
    """
    current = window_at(policy, as_of=as_of, timezone=timezone)
    if not isinstance(policy.window, CalendarYear):
        return (current,)
    tz = _zone(timezone)
    year = current.starts.astimezone(tz).year
    return current, QualifyingWindow(_local_midnight(year - 1, 1, 1, tz), current.starts)


def _total(
    history: Iterable[QualifyingEvent], measure: TierMeasure, window: QualifyingWindow
) -> Decimal:
    total = sum((event.value(measure) for event in history if window.holds(event.at)), ZERO)
    return max(total, ZERO)


def measure_in_window(
    history: Iterable[QualifyingEvent], policy: TierPolicy, *, as_of: datetime, timezone: str
) -> Decimal:
    """The policy's measure over the window at `as_of` (never below zero)."""
    return _total(history, policy.measure, window_at(policy, as_of=as_of, timezone=timezone))


def review_measure(
    history: Iterable[QualifyingEvent], policy: TierPolicy, *, as_of: datetime, timezone: str
) -> Decimal:
    """The measure a review at `as_of` judges by: the largest over `review_windows`."""
    events = tuple(history)
    windows = review_windows(policy, as_of=as_of, timezone=timezone)
    return max(_total(events, policy.measure, window) for window in windows)


def qualifying_level(measure: Decimal, policy: TierPolicy) -> TierLevel:
    """The highest tier whose threshold is at most `measure` (the first tier at worst)."""
    for level in reversed(policy.levels):
        if level.threshold <= measure:
            return level
    return policy.first


# --- a customer's tier -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TierStatus:
    """A customer's tier as stored: one row per customer.

    `since` is when they entered `level_id` (it anchors `every_months` reviews);
    `reviewed_at` the last review applied (so a review is never applied twice);
    `grace_until` the end of a running grace period; a pin holds `pin_reason` and, when it
    ends by itself, `pinned_until` (exclusive). A pin is *fixed* (the customer stays in
    `level_id`) unless `pin_floor` names a tier: then it is a *floor*, and the customer rises
    above that tier and falls back as usual, but never below it while the pin holds.
    """

    level_id: str
    since: datetime
    pinned: bool = False
    pin_reason: str | None = None
    pinned_until: datetime | None = None
    pin_floor: str | None = None
    grace_until: datetime | None = None
    reviewed_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("since", "pinned_until", "grace_until", "reviewed_at"):
            moment = getattr(self, name)
            if moment is not None:
                _require_aware(moment, name)
        if self.pinned and not (self.pin_reason or "").strip():
            raise TierInputError("pin_reason", "a pin needs a reason")
        unpinned = (self.pin_reason, self.pinned_until, self.pin_floor)
        if not self.pinned and any(value is not None for value in unpinned):
            raise TierInputError("pinned", "a reason, an end date or a floor needs a pin")

    def pin_holds(self, as_of: datetime) -> bool:
        """True while the merchant's pin is in force."""
        return self.pinned and (self.pinned_until is None or as_of < self.pinned_until)

    def fixed_pin_holds(self, as_of: datetime) -> bool:
        """True while a fixed pin (not a floor) keeps the customer where they are."""
        return self.pin_floor is None and self.pin_holds(as_of)

    @property
    def pin_mode(self) -> str | None:
        """`fixed` or `floor` for a pin, None without one."""
        return None if not self.pinned else "floor" if self.pin_floor else "fixed"

    def in_grace(self, as_of: datetime) -> bool:
        """True while a grace period runs."""
        return self.grace_until is not None and as_of < self.grace_until


class TierChange(StrEnum):
    """What a decision did to the customer's tier; every change but `none` is an event."""

    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    PINNED = "pinned"
    NONE = "none"


class TierReason(StrEnum):
    """Why: a stable code for the tier event and its translated message."""

    JOINED = "joined"  # a customer without a tier is placed in the one they qualify for
    QUALIFIED = "qualified"  # the measure reached a higher tier
    NOT_HIGHER = "not_higher"  # activity that did not reach a higher tier
    KEPT = "kept"  # a review found the customer still qualifies
    REQUALIFIED = "requalified"  # back at the tier's threshold while a grace period ran
    GRACE_STARTED = "grace_started"  # short at a review: a grace period begins
    IN_GRACE = "in_grace"  # short at a review while a grace period runs
    FELL_SHORT = "fell_short"  # short at a review, no grace left: downgrade
    PINNED = "pinned"  # pinned by the merchant, or kept because of a pin
    UNPINNED = "unpinned"  # the merchant lifted a pin
    NOT_DUE = "not_due"  # no review is due (or it was already applied)
    TIER_REMOVED = "tier_removed"  # the customer's tier is no longer in the program


@dataclass(frozen=True, slots=True, kw_only=True)
class TierDecision:
    """The answer to "what happens to this customer's tier now?".

    Save `status` when `needs_saving`; record an event when `change` is not `none` (and for
    `tier_removed`). `measure` is what the decision judged by (None for a pin).
    """

    status: TierStatus
    previous: TierStatus | None
    change: TierChange
    reason: TierReason
    measure: Decimal | None

    @property
    def needs_saving(self) -> bool:
        """True when the stored status must be written (a new tier, a grace period, a pin,
        a review done ...)."""
        return self.status != self.previous

    @property
    def from_level(self) -> str | None:
        """The tier before the decision (None for a customer who had none)."""
        return self.previous.level_id if self.previous is not None else None

    @property
    def to_level(self) -> str:
        """The tier after the decision."""
        return self.status.level_id


def _decision(
    previous: TierStatus | None,
    status: TierStatus,
    change: TierChange,
    reason: TierReason,
    measure: Decimal | None,
) -> TierDecision:
    return TierDecision(
        status=status, previous=previous, change=change, reason=reason, measure=measure
    )


def _placed(
    previous: TierStatus | None,
    level: TierLevel,
    policy: TierPolicy,
    measure: Decimal,
    *,
    as_of: datetime,
    reviewed: bool,
    reason: TierReason | None = None,
) -> TierDecision:
    """A customer without a (known) tier takes the one they qualify for."""
    status = TierStatus(level_id=level.id, since=as_of, reviewed_at=as_of if reviewed else None)
    above_first = policy.rank(level.id) > 0
    change = TierChange.UPGRADE if above_first and reason is None else TierChange.NONE
    default = TierReason.QUALIFIED if above_first else TierReason.JOINED
    return _decision(previous, status, change, reason or default, measure)


def _unpinned(status: TierStatus) -> TierStatus:
    return replace(status, pinned=False, pin_reason=None, pinned_until=None, pin_floor=None)


def _pin_ended(status: TierStatus, as_of: datetime) -> TierStatus:
    if status.pinned and not status.pin_holds(as_of):
        return _unpinned(status)
    return status


#: what a review says of a customer short of their tier's threshold: at a floor, nothing
_SHORT = frozenset({TierReason.GRACE_STARTED, TierReason.IN_GRACE, TierReason.FELL_SHORT})


def _above_floor(
    current: TierStatus,
    policy: TierPolicy,
    as_of: datetime,
    decide: Callable[[TierStatus], TierDecision],
) -> TierDecision:
    """Under a floor pin: decide as if there were no pin, then keep the pin, and lift a
    result below the floor back to it (a downgrade stops there; one from the floor itself is
    no change at all)."""
    floor = current.pin_floor
    assert floor is not None
    decision = decide(_unpinned(current))
    status, change, reason = decision.status, decision.change, decision.reason
    below = 0 <= policy.rank(status.level_id) < policy.rank(floor)
    if below or (current.level_id == floor and reason in _SHORT):
        if current.level_id == floor:
            status = replace(current, reviewed_at=status.reviewed_at, grace_until=None)
            change, reason = TierChange.NONE, TierReason.PINNED
        else:
            status = TierStatus(level_id=floor, since=as_of, reviewed_at=status.reviewed_at)
    kept = replace(
        status,
        pinned=True,
        pin_reason=current.pin_reason,
        pinned_until=current.pinned_until,
        pin_floor=floor,
    )
    return _decision(current, kept, change, reason, decision.measure)


def on_activity(
    current: TierStatus | None,
    history: Iterable[QualifyingEvent],
    policy: TierPolicy,
    *,
    as_of: datetime,
    timezone: str,
) -> TierDecision:
    """After an order, refund or action at `as_of`: upgrade at once if the customer now
    qualifies for a higher tier; never a downgrade (that waits for the review)."""
    measure = measure_in_window(history, policy, as_of=as_of, timezone=timezone)
    return decide_on_activity(current, measure, policy, as_of=as_of)


def decide_on_activity(
    current: TierStatus | None, measure: Decimal, policy: TierPolicy, *, as_of: datetime
) -> TierDecision:
    """`on_activity` for a measure already summed (by SQL over `window_at`)."""
    _require_aware(as_of, "as_of")
    qualifying = qualifying_level(measure, policy)
    if current is None:
        return _placed(None, qualifying, policy, measure, as_of=as_of, reviewed=False)
    if current.fixed_pin_holds(as_of):
        return _decision(current, current, TierChange.NONE, TierReason.PINNED, measure)
    if current.pin_holds(as_of):
        return _above_floor(
            current,
            policy,
            as_of,
            lambda free: decide_on_activity(free, measure, policy, as_of=as_of),
        )
    status = _pin_ended(current, as_of)
    rank, target = policy.rank(status.level_id), policy.rank(qualifying.id)
    if rank < 0:
        reason = TierReason.TIER_REMOVED
        return _placed(
            current, qualifying, policy, measure, as_of=as_of, reviewed=False, reason=reason
        )
    if target > rank:
        upgraded = TierStatus(level_id=qualifying.id, since=as_of)
        return _decision(current, upgraded, TierChange.UPGRADE, TierReason.QUALIFIED, measure)
    if status.grace_until is not None and target == rank:
        kept = replace(status, grace_until=None)
        return _decision(current, kept, TierChange.NONE, TierReason.REQUALIFIED, measure)
    return _decision(current, status, TierChange.NONE, TierReason.NOT_HIGHER, measure)


# --- reviews ---------------------------------------------------------------------------------


def next_review(
    status: TierStatus | None, policy: TierPolicy, *, as_of: datetime, timezone: str
) -> datetime:
    """When this customer's tier is next reviewed (UTC). Store it to find who is due.

    `every_months`: N months after `since`, then every N months; `every_year_on`: that local
    date each year. A running grace period is reviewed when it ends, if that comes first.
    The answer depends on the status only (the last review applied), so an overdue review
    stays due until it is applied; `as_of` places a customer who has no status yet.
    """
    _require_aware(as_of, "as_of")
    if status is None:
        return _scheduled_after(as_of, as_of, policy.review, _zone(timezone))
    anchor = max(status.since, status.reviewed_at or status.since)
    scheduled = _scheduled_after(status.since, anchor, policy.review, _zone(timezone))
    if status.grace_until is not None and status.grace_until > anchor:
        return min(scheduled, status.grace_until.astimezone(UTC))
    return scheduled


def _scheduled_after(
    since: datetime, anchor: datetime, review: TierReview, tz: ZoneInfo
) -> datetime:
    """The first scheduled review strictly after `anchor`."""
    if isinstance(review, YearlyOn):
        year = anchor.astimezone(tz).year
        for candidate_year in (year, year + 1):
            day = min(review.day, _days_in(candidate_year, review.month))
            moment = _local_midnight(candidate_year, review.month, day, tz)
            if moment > anchor:
                return moment
        raise AssertionError("a yearly review falls within two years")  # pragma: no cover
    step, start, end = review.months, since.astimezone(UTC), anchor.astimezone(UTC)
    months = (end.year - start.year) * 12 + end.month - start.month
    count = max(1, months // step)
    # Counted from `since` each time, never step by step: 31 January + 1 month is 28 February,
    # but + 2 months is 31 March again.
    while count > 1 and add_months(start, (count - 1) * step) > end:
        count -= 1
    while add_months(start, count * step) <= end:
        count += 1
    return add_months(start, count * step)


def review_due(status: TierStatus, policy: TierPolicy, *, as_of: datetime, timezone: str) -> bool:
    """True when a review of this status is due at `as_of` and has not been applied yet."""
    return next_review(status, policy, as_of=as_of, timezone=timezone) <= as_of


def at_review(
    current: TierStatus | None,
    history: Iterable[QualifyingEvent],
    policy: TierPolicy,
    *,
    as_of: datetime,
    timezone: str,
) -> TierDecision:
    """The scheduled review: the only place a customer moves down.

    Pass the review's own moment as `as_of` (the stored `next_review`), not the worker's
    clock, so a late or repeated run decides exactly as a punctual one. A review that is not
    due, or was already applied, changes nothing.
    """
    measure = review_measure(history, policy, as_of=as_of, timezone=timezone)
    return decide_at_review(current, measure, policy, as_of=as_of, timezone=timezone)


def decide_at_review(
    current: TierStatus | None,
    measure: Decimal,
    policy: TierPolicy,
    *,
    as_of: datetime,
    timezone: str,
) -> TierDecision:
    """`at_review` for a measure already summed (the largest sum over `review_windows`)."""
    _require_aware(as_of, "as_of")
    qualifying = qualifying_level(measure, policy)
    if current is None:
        return _placed(None, qualifying, policy, measure, as_of=as_of, reviewed=True)
    if not review_due(current, policy, as_of=as_of, timezone=timezone):
        return _decision(current, current, TierChange.NONE, TierReason.NOT_DUE, measure)
    reviewed = replace(current, reviewed_at=as_of)
    if current.fixed_pin_holds(as_of):
        return _decision(current, reviewed, TierChange.NONE, TierReason.PINNED, measure)
    if current.pin_holds(as_of):
        return _above_floor(
            current,
            policy,
            as_of,
            lambda free: decide_at_review(free, measure, policy, as_of=as_of, timezone=timezone),
        )
    status = _pin_ended(reviewed, as_of)
    rank, target = policy.rank(status.level_id), policy.rank(qualifying.id)
    if rank < 0:
        reason = TierReason.TIER_REMOVED
        return _placed(
            current, qualifying, policy, measure, as_of=as_of, reviewed=True, reason=reason
        )
    if target > rank:
        upgraded = TierStatus(level_id=qualifying.id, since=as_of, reviewed_at=as_of)
        return _decision(current, upgraded, TierChange.UPGRADE, TierReason.QUALIFIED, measure)
    if target == rank:
        kept = replace(status, grace_until=None)
        return _decision(current, kept, TierChange.NONE, TierReason.KEPT, measure)
    return _short_at_review(current, status, target, measure, policy, as_of=as_of)


def _short_at_review(
    current: TierStatus,
    status: TierStatus,
    target: int,
    measure: Decimal,
    policy: TierPolicy,
    *,
    as_of: datetime,
) -> TierDecision:
    """Below the tier's threshold at a review: grace first (when the policy gives one), then
    one step down or straight to the qualifying tier."""
    if status.grace_until is None and policy.grace_days > 0:
        grace = replace(status, grace_until=as_of + timedelta(days=policy.grace_days))
        return _decision(current, grace, TierChange.NONE, TierReason.GRACE_STARTED, measure)
    if status.in_grace(as_of):
        return _decision(current, status, TierChange.NONE, TierReason.IN_GRACE, measure)
    rank = policy.rank(status.level_id)
    lower = rank - 1 if policy.downgrade is TierDowngrade.ONE_STEP else target
    moved = TierStatus(level_id=policy.levels[lower].id, since=as_of, reviewed_at=as_of)
    return _decision(current, moved, TierChange.DOWNGRADE, TierReason.FELL_SHORT, measure)


# --- pins ------------------------------------------------------------------------------------


def pin(
    current: TierStatus | None,
    level_id: str,
    policy: TierPolicy,
    *,
    reason: str,
    as_of: datetime,
    until: datetime | None = None,
    floor: bool = False,
) -> TierDecision:
    """The merchant pins the customer to `level_id` (higher, lower or the same), with a reason.

    Until `until` (or for good), activity and reviews keep the customer there. With `floor`
    the pin is a floor instead: a customer below `level_id` is raised to it, one above keeps
    their tier, and from then on activity and reviews move them as usual, never below it.
    """
    _require_aware(as_of, "as_of")
    if policy.rank(level_id) < 0:
        raise TierInputError("level_id", f"no tier has the id {level_id!r}")
    if until is not None:
        _require_aware(until, "until")
        if until <= as_of:
            raise TierInputError("until", "a pin must end after it starts")
    if floor and current is not None and policy.rank(current.level_id) > policy.rank(level_id):
        level = current.level_id  # already above the floor: the tier stays as it is
    else:
        level = level_id
    same = current is not None and current.level_id == level
    status = TierStatus(
        level_id=level,
        since=current.since if current is not None and same else as_of,
        pinned=True,
        pin_reason=reason,
        pinned_until=until,
        pin_floor=level_id if floor else None,
        grace_until=current.grace_until if current is not None and same and floor else None,
        reviewed_at=current.reviewed_at if current is not None and same else None,
    )
    return _decision(current, status, TierChange.PINNED, TierReason.PINNED, None)


def unpin(
    current: TierStatus,
    history: Iterable[QualifyingEvent],
    policy: TierPolicy,
    *,
    as_of: datetime,
    timezone: str,
) -> TierDecision:
    """The merchant lifts a pin: the customer keeps the tier until the next review, and rises
    at once if they qualify for a higher one."""
    free = _unpinned(current)
    decision = on_activity(free, history, policy, as_of=as_of, timezone=timezone)
    reason = TierReason.UNPINNED if decision.change is TierChange.NONE else decision.reason
    return replace(decision, previous=current, reason=reason)


# --- progress --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """What the customer resource shows: the tier, what counts toward the next one, what is
    still needed, and when the next review is.

    `counted` is the measure in `window` so far; `still_needed` is what the next tier still
    asks (None at the top); `to_keep` is what must still be added by `next_review` to keep
    the current tier, if nothing else changes (0 when it is safe, pinned, or the lowest).
    """

    level: TierLevel
    since: datetime | None
    next_level: TierLevel | None
    measure: TierMeasure
    counted: Decimal
    window: QualifyingWindow
    still_needed: Decimal | None
    to_keep: Decimal
    next_review: datetime
    pinned: bool
    pinned_until: datetime | None
    grace_until: datetime | None
    #: `fixed` or `floor` while pinned
    pin_mode: str | None = None
    #: the tier a floor pin keeps the customer at or above
    pin_floor: str | None = None


def progress(
    status: TierStatus | None,
    history: Iterable[QualifyingEvent],
    policy: TierPolicy,
    *,
    as_of: datetime,
    timezone: str,
) -> Progress:
    """Where the customer stands at `as_of`, summed from the history."""
    events = tuple(history)
    counted = _total(events, policy.measure, window_at(policy, as_of=as_of, timezone=timezone))
    review_at = next_review(status, policy, as_of=as_of, timezone=timezone)
    at_review = review_measure(events, policy, as_of=review_at, timezone=timezone)
    return progress_of(
        status, policy, counted=counted, at_review=at_review, as_of=as_of, timezone=timezone
    )


def progress_of(
    status: TierStatus | None,
    policy: TierPolicy,
    *,
    counted: Decimal,
    at_review: Decimal,
    as_of: datetime,
    timezone: str,
) -> Progress:
    """`progress` for measures already summed (by SQL): `counted` over `window_at(as_of)`,
    `at_review` the review measure at the next review (`next_review(status)`)."""
    window = window_at(policy, as_of=as_of, timezone=timezone)
    known = status is not None and policy.rank(status.level_id) >= 0
    level = policy.level(status.level_id) if status is not None and known else None
    level = level or qualifying_level(counted, policy)
    upper = policy.above(level)
    review_at = next_review(status, policy, as_of=as_of, timezone=timezone)
    return Progress(
        level=level,
        since=status.since if status is not None else None,
        next_level=upper,
        measure=policy.measure,
        counted=counted,
        window=window,
        still_needed=max(upper.threshold - counted, ZERO) if upper is not None else None,
        to_keep=_to_keep(status, level, at_review, policy, review_at=review_at),
        next_review=review_at,
        pinned=status is not None and status.pin_holds(as_of),
        pinned_until=status.pinned_until if status is not None else None,
        grace_until=status.grace_until if status is not None else None,
        pin_mode=status.pin_mode if status is not None and status.pin_holds(as_of) else None,
        pin_floor=status.pin_floor if status is not None and status.pin_holds(as_of) else None,
    )


def _to_keep(
    status: TierStatus | None,
    level: TierLevel,
    at_review: Decimal,
    policy: TierPolicy,
    *,
    review_at: datetime,
) -> Decimal:
    """What the next review would find missing if nothing else happened: `at_review` counts
    what will still be inside its window then, so spend about to age out is not promised as
    kept."""
    if status is None or status.fixed_pin_holds(review_at) or level is policy.first:
        return ZERO
    if status.pin_holds(review_at) and status.pin_floor == level.id:
        return ZERO  # the floor keeps this tier whatever the review finds
    return max(level.threshold - at_review, ZERO)
