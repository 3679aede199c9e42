"""Progress toward an achievement: what an order or event adds, when the target is reached,
and what a refund takes back. Pure and dated only by what happened (an order's `placed_at`,
an event's `occurred_at`, as a local date in the store's time zone), never by a clock.

Progress is kept in **buckets**: one for all time, one per local day for "the last N days", one
per period for a streak. A window is read as of the latest day the customer was active, so a
late-imported old order cannot complete a window that had already closed. When the target is
reached, what reached it is **consumed** (oldest first; a streak's periods as a whole), so a
repeating achievement needs the whole target again, and a one-time one is done.

A refund puts a negative amount in the bucket of the order's own day: spend it took back must
be made up before the target is reached again. A badge already earned stays earned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from walaa.domain.achievements.definitions import Achievement, Measure, Period

ZERO = Decimal(0)
ALL_TIME = 0


def period_index(period: Period, day: date) -> int:
    """A day's period as a number, consecutive periods one apart: days and weeks (Monday to
    Sunday) by ordinal, months by year * 12 + month."""
    if period is Period.DAY:
        return day.toordinal()
    if period is Period.WEEK:
        return (day.toordinal() - day.weekday()) // 7
    return day.year * 12 + day.month - 1


def bucket_of(achievement: Achievement, day: date) -> int:
    if achievement.streak is not None:
        return period_index(achievement.streak.period, day)
    return day.toordinal() if achievement.last_days is not None else ALL_TIME


@dataclass(frozen=True, slots=True)
class Progress:
    """A customer's progress toward one achievement and how often they earned it."""

    buckets: Mapping[int, Decimal] = field(default_factory=dict)
    times: int = 0
    #: the latest local day (ordinal) anything was counted on: what windows are read as of
    latest: int | None = None

    def to_record(self) -> dict[str, object]:
        return {
            "buckets": {str(key): str(value) for key, value in sorted(self.buckets.items())},
            "latest": self.latest,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, object] | None, times: int) -> Progress:
        raw = record or {}
        buckets = raw.get("buckets") or {}
        assert isinstance(buckets, Mapping)
        latest = raw.get("latest")
        return cls(
            {int(key): Decimal(str(value)) for key, value in buckets.items()},
            times,
            int(str(latest)) if latest is not None else None,
        )


@dataclass(frozen=True, slots=True)
class Step:
    """Progress after counting one amount, and how many times that completed the achievement."""

    progress: Progress
    completed: int


# --- what counts -------------------------------------------------------------------------------


def amount_for_order(achievement: Achievement, spend: Decimal) -> Decimal:
    """What a paid order adds: 1 toward an order count, its qualifying spend toward spend."""
    if achievement.counts is Measure.ORDERS:
        return Decimal(1)
    return spend if achievement.counts is Measure.SPEND else ZERO


def amount_for_event(
    achievement: Achievement, event_type: str, properties: Mapping[str, object]
) -> Decimal:
    """What a customer event adds: 1 toward an event count; its property's number (a run's
    kilometres) toward a property sum, or 1 when the property equals `equals`. A property
    that is missing, not a number, or below zero adds nothing."""
    if achievement.event != event_type:
        return ZERO
    if achievement.counts is Measure.EVENTS:
        return Decimal(1)
    if achievement.counts is not Measure.PROPERTY or achievement.property_name is None:
        return ZERO
    value = properties.get(achievement.property_name)
    if achievement.equals is not None:
        return Decimal(1) if value is not None and _text(value) == achievement.equals else ZERO
    return _number(value)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return ZERO
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return ZERO
    return number if number.is_finite() and number > 0 else ZERO


# --- counting ----------------------------------------------------------------------------------


def record(achievement: Achievement, progress: Progress, day: date, amount: Decimal) -> Step:
    """Count `amount` on local `day`; a positive amount may complete the achievement (more than
    once for a repeating one: an order of 2,500 toward "every 1,000" completes it twice)."""
    if amount == 0:
        return Step(progress, 0)
    buckets = dict(progress.buckets)
    key = bucket_of(achievement, day)
    buckets[key] = buckets.get(key, ZERO) + amount
    latest = max(progress.latest or day.toordinal(), day.toordinal())
    times, completed = progress.times, 0
    while amount > 0 and (achievement.repeat or times == 0):
        consumed = _consume(achievement, buckets, key, latest)
        if not consumed:
            break
        times, completed = times + 1, completed + 1
    _prune(achievement, buckets, latest)
    return Step(Progress(buckets, times, latest), completed)


def _consume(achievement: Achievement, buckets: dict[int, Decimal], key: int, latest: int) -> bool:
    """Take what completes the achievement out of the buckets; False when it is not reached."""
    if achievement.streak is not None:
        return _consume_streak(achievement, buckets, key)
    keys = sorted(k for k in buckets if _in_window(achievement, k, latest))
    if sum((buckets[k] for k in keys), ZERO) < achievement.target:
        return False
    left = achievement.target
    for k in keys:  # oldest first
        taken = min(max(buckets[k], ZERO), left)
        buckets[k] -= taken
        left -= taken
        if buckets[k] == 0:
            del buckets[k]
        if left == 0:
            break
    return True


def _consume_streak(achievement: Achievement, buckets: dict[int, Decimal], key: int) -> bool:
    """The run of consecutive periods reaching the target that holds `key`; when it is long
    enough, its earliest `periods` periods are consumed and the later ones start the next."""
    assert achievement.streak is not None
    run = _run_around(buckets, key, achievement.target)
    needed = achievement.streak.periods
    if len(run) < needed:
        return False
    for k in run[:needed]:
        del buckets[k]
    return True


def _run_around(buckets: Mapping[int, Decimal], key: int, target: Decimal) -> list[int]:
    def met(k: int) -> bool:
        return buckets.get(k, ZERO) >= target

    if not met(key):
        return []
    first, last = key, key
    while met(first - 1):
        first -= 1
    while met(last + 1):
        last += 1
    return list(range(first, last + 1))


def _in_window(achievement: Achievement, key: int, latest: int) -> bool:
    if achievement.last_days is None:
        return True
    return latest - achievement.last_days < key <= latest


def _prune(achievement: Achievement, buckets: dict[int, Decimal], latest: int) -> None:
    """Forget buckets that can no longer count: days that left the window, periods too far
    back to join a streak that ends now. A negative bucket (a refund) is kept while it counts."""
    if achievement.last_days is not None:
        for k in [k for k in buckets if k <= latest - achievement.last_days]:
            del buckets[k]
    elif achievement.streak is not None:
        current = period_index(achievement.streak.period, date.fromordinal(latest))
        oldest = current - achievement.streak.periods
        for k in [k for k in buckets if k < oldest]:
            del buckets[k]


def take_back(achievement: Achievement, progress: Progress, day: date, amount: Decimal) -> Progress:
    """A refund's share of what the order added, out of the bucket of the order's own day; what
    a completed achievement consumed is owed again. Nothing is taken from a window the order
    has left, or from a streak period already forgotten."""
    if amount <= 0:
        return progress
    key = bucket_of(achievement, day)
    latest = progress.latest
    if latest is None or (
        achievement.last_days is not None and not _in_window(achievement, key, latest)
    ):
        return progress
    buckets = dict(progress.buckets)
    buckets[key] = buckets.get(key, ZERO) - amount
    _prune(achievement, buckets, latest)
    return Progress(buckets, progress.times, latest)


# --- what the customer sees ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    """Progress as shown on a day: `current` of `target` (for a streak, periods in a row)."""

    current: Decimal
    target: Decimal
    times: int
    #: a one-time achievement already earned
    done: bool

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.target - self.current)


def standing(achievement: Achievement, progress: Progress, as_of: date) -> Standing:
    """How far the customer is on local day `as_of`: a window counts its last N days up to
    it, a streak the periods in a row up to it (the current period may still be under way)."""
    done = progress.times > 0 and not achievement.repeat
    if achievement.streak is not None:
        current = Decimal(_streak_length(achievement, progress, as_of))
        target = Decimal(achievement.streak.periods)
    else:
        day = as_of.toordinal()
        current = sum(
            (
                v
                for k, v in progress.buckets.items()
                if achievement.last_days is None or day - achievement.last_days < k <= day
            ),
            ZERO,
        )
        target = achievement.target
    current = max(ZERO, current)
    if done:
        current = target
    return Standing(current, target, progress.times, done)


def _streak_length(achievement: Achievement, progress: Progress, as_of: date) -> int:
    assert achievement.streak is not None
    now = period_index(achievement.streak.period, as_of)
    for end in (now, now - 1):  # a streak is alive while its current period is under way
        run = _run_around(progress.buckets, end, achievement.target)
        if run:
            return len([k for k in run if k <= end])
    return 0
