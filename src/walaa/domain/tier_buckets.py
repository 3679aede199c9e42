"""Tier counters: what an order adds to, and how a window is read from counters and history.

Tier qualification is kept as running totals per customer per calendar month (a *bucket*),
so counting an order adds to one row instead of the next read summing every order again.
Buckets are months in **UTC**, not in the store's time zone: the time zone is a setting of the
program and may change from one version to the next, while a bucket must mean the same moments
forever; rolling windows are measured in UTC anyway.

Windows seldom fall on month boundaries (a rolling window starts at any second, a calendar
year at local midnight), so a window's measure is the counters of the buckets wholly inside it
plus the history rows of its (at most two) edge buckets that fall inside it (`split`). The
answer is exactly what summing the history over the window gives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from walaa.domain.money import ZERO
from walaa.domain.tiers import QualifyingWindow

__all__ = [
    "SCALE_STEPS",
    "WindowSplit",
    "bucket_of",
    "bucket_start",
    "largest",
    "spend_of",
    "spend_scale",
    "split",
]


def bucket_of(at: datetime) -> date:
    """The bucket an event at `at` counts in: the first day of its month, in UTC."""
    moment = at.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def bucket_start(bucket: date) -> datetime:
    """The first moment of `bucket` (UTC midnight on the first of the month)."""
    return datetime(bucket.year, bucket.month, 1, tzinfo=UTC)


def _next_month(bucket: date) -> date:
    return (bucket.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True, slots=True)
class WindowSplit:
    """How to read a window: the counters of the buckets `whole_from <= bucket < whole_to`
    (none when `whole_from >= whole_to`), and the history rows of the two edges, `first` and
    `last` (each `(from, until)`, from included; an edge may be empty). Together they cover
    `starts <= at < ends` exactly once. Each edge is one range of the history's index."""

    whole_from: date
    whole_to: date
    first: tuple[datetime, datetime]
    last: tuple[datetime, datetime]

    @property
    def has_whole(self) -> bool:
        """True when at least one bucket lies wholly inside the window."""
        return self.whole_from < self.whole_to

    @property
    def edges(self) -> tuple[tuple[datetime, datetime], ...]:
        """The edges that hold any moment at all."""
        return tuple(edge for edge in (self.first, self.last) if edge[0] < edge[1])


def split(window: QualifyingWindow) -> WindowSplit:
    """Which buckets lie wholly inside `window`, and the partial edges around them."""
    whole_from = bucket_of(window.starts)
    if bucket_start(whole_from) != window.starts:
        whole_from = _next_month(whole_from)
    whole_to = bucket_of(window.ends)
    first_until = min(bucket_start(whole_from), window.ends)
    last_from = max(bucket_start(whole_to), first_until)
    return WindowSplit(whole_from, whole_to, (window.starts, first_until), (last_from, window.ends))


#: a spend in ten-thousandths divisible by the n-th step has n decimals (else 4)
SCALE_STEPS = (10_000, 1_000, 100, 10)


def spend_scale(spend_e4: int) -> int:
    """How many decimals a spend in ten-thousandths has once divided by 10^4 (0 to 4), as
    `Decimal(spend_e4) / 10_000` keeps it. A bucket keeps the most of any of its rows, so a
    sum read from counters prints as a Python sum of the rows would ("120" or "120.5")."""
    for digits, step in enumerate(SCALE_STEPS):
        if spend_e4 % step == 0:
            return digits
    return len(SCALE_STEPS)


_QUANTA = [Decimal(1).scaleb(-digits) for digits in range(5)]


def spend_of(total_e4: int, scale: int) -> Decimal:
    """A sum of ten-thousandths as the Decimal a Python sum of the rows would be."""
    return (Decimal(total_e4) / Decimal(10_000)).quantize(_QUANTA[scale])


def largest(sums: tuple[Decimal, ...] | list[Decimal]) -> Decimal:
    """The review measure from each review window's sum: the largest, never below zero (the
    first of equal ones, as `walaa.domain.tiers.review_measure` picks)."""
    return max(max(total, ZERO) for total in sums)
