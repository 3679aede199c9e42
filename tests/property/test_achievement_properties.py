"""Achievements against simple reference models, for any sequence of activity Hypothesis draws.

* All time: a repeating badge is earned exactly floor(total / target) times, and what it shows
  toward the next is the rest; a one-time badge is earned once when the total reaches the
  target, never otherwise. The order in which the days arrive does not matter.
* The last N days, read by a reference that keeps every event: completion happens exactly when
  the window ending at the latest day holds the target.
* A weekly streak, one-time: earned exactly when some run of consecutive ISO weeks with
  activity, as the reference finds it from all the days, is at least the number needed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from walaa.domain.achievements import (
    Achievement,
    Measure,
    Period,
    Progress,
    Streak,
    record,
    standing,
)
from walaa.domain.explanations import LocalizedText

NAME = LocalizedText.of({"en": "Badge", "ar": "شارة"})
DAY0 = date(2026, 1, 5)  # a Monday

days = st.integers(min_value=0, max_value=120)
amounts = st.integers(min_value=1, max_value=400).map(Decimal)
activity = st.lists(st.tuples(days, amounts), min_size=1, max_size=40)


def counted(achievement: Achievement, steps: list[tuple[int, Decimal]]) -> Progress:
    progress = Progress()
    for offset, amount in steps:
        progress = record(achievement, progress, DAY0 + timedelta(days=offset), amount).progress
    return progress


@settings(max_examples=300, deadline=None)
@given(activity, st.integers(min_value=1, max_value=900))
def test_all_time_repeats_exactly_as_often_as_the_total_reaches_the_target(steps, target):
    badge = Achievement("b", NAME, NAME, Measure.SPEND, Decimal(target), repeat=True)
    progress = counted(badge, steps)
    total = sum(amount for _, amount in steps)
    assert progress.times == total // target
    shown = standing(badge, progress, DAY0 + timedelta(days=200))
    assert shown.current == total - progress.times * target
    assert counted(badge, sorted(steps)).times == progress.times  # arrival order is no matter


@settings(max_examples=300, deadline=None)
@given(activity, st.integers(min_value=1, max_value=900))
def test_a_one_time_badge_is_earned_once_exactly_when_the_total_reaches_it(steps, target):
    badge = Achievement("b", NAME, NAME, Measure.SPEND, Decimal(target))
    total = sum(amount for _, amount in steps)
    assert counted(badge, steps).times == (1 if total >= target else 0)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(days, min_size=1, max_size=30),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=20),
)
def test_the_last_n_days_complete_when_a_window_ending_at_the_latest_day_holds_the_target(
    offsets, target, window
):
    badge = Achievement(
        "b", NAME, NAME, Measure.EVENTS, Decimal(target), event="review", last_days=window
    )
    ordered = sorted(offsets)  # in time order: each step's window ends at its own day
    expected = 0
    for i, day in enumerate(ordered):
        inside = [d for d in ordered[: i + 1] if day - window < d <= day]
        if len(inside) >= target:
            expected = 1
            break
    assert counted(badge, [(d, Decimal(1)) for d in ordered]).times == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=12), st.integers(2, 4))
def test_a_weekly_streak_is_earned_exactly_when_enough_weeks_in_a_row_have_activity(weeks, needed):
    badge = Achievement(
        "b", NAME, NAME, Measure.ORDERS, Decimal(1), streak=Streak(Period.WEEK, needed)
    )
    ordered = sorted(weeks)  # in time order, one order on the Wednesday of each week drawn
    best, run, previous = 0, 0, None
    for week in sorted(set(ordered)):
        run = run + 1 if previous is not None and week == previous + 1 else 1
        best, previous = max(best, run), week
    steps = [(week * 7 + 2, Decimal(1)) for week in ordered]
    assert counted(badge, steps).times == (1 if best >= needed else 0)
