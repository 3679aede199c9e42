"""The expiry policy's dates and warning windows, and which milestone a balance change crossed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from walaa.domain.expiry import ExpiryPolicy
from walaa.domain.milestones import Milestone, crossed, milestone_problems

AT = datetime(2026, 3, 1, 9, tzinfo=UTC)
STEPS = (Milestone(100), Milestone(500), Milestone(1000))


def test_days_count_from_when_points_become_spendable():
    assert ExpiryPolicy(after_days=45).expires_at(AT) == AT + timedelta(days=45)
    assert ExpiryPolicy(after_months=1).expires_at(datetime(2026, 1, 31, tzinfo=UTC)) == (
        datetime(2026, 2, 28, tzinfo=UTC)
    )
    assert ExpiryPolicy().expires_at(AT) is None


def test_months_and_days_together_are_a_problem():
    assert ExpiryPolicy(after_months=6, after_days=30).problems() == [
        ((), "give after_months or after_days, not both")
    ]


@pytest.mark.parametrize(
    ("days_left", "warning"),
    [(31, None), (30, 30), (8, 30), (7, 7), (1, 7), (0, None)],
)
def test_a_customer_is_in_the_tightest_warning_window_that_is_due(days_left, warning):
    policy = ExpiryPolicy(inactive_days=90, warn_days_before=(30, 7))
    last_active = AT - timedelta(days=90 - days_left)
    due = [w.days_before for w in policy.warning_windows(AT) if w.after < last_active <= w.latest]
    assert due == ([] if warning is None else [warning])


@pytest.mark.parametrize(
    ("before", "after", "told", "expected"),
    [
        (50, 99, None, None),
        (50, 100, None, 100),
        (50, 1200, None, 1000),  # a jump: only the highest
        (200, 600, 1000, None),  # below one already told: no news
        (900, 1100, 500, 1000),
        (1100, 900, None, None),  # going down crosses nothing
    ],
)
def test_the_highest_milestone_crossed_unless_one_as_high_was_told(before, after, told, expected):
    found = crossed(STEPS, before, after, told=told)
    assert (found.points if found else None) == expected


def test_milestones_must_rise():
    assert milestone_problems((Milestone(500), Milestone(500))) == [
        ((1,), "must be more than the milestone before it (500)")
    ]
