"""Achievements without a database: counting, windows, streaks and repeats as tables, the
refund's take-back, progress in words, and the document's checks of bad definitions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from walaa.domain.achievements import (
    Achievement,
    Measure,
    Period,
    Progress,
    Streak,
    amount_for_event,
    amount_for_order,
    progress_text,
    record,
    standing,
    take_back,
)
from walaa.domain.explanations import LocalizedText
from walaa.program_document import ProgramDocumentError, load_program

NAME = LocalizedText.of({"en": "Reviewer", "ar": "مراجِع"})
MONDAY = date(2026, 3, 2)


def badge(counts=Measure.EVENTS, target=5, **extra) -> Achievement:
    if counts in (Measure.EVENTS, Measure.PROPERTY):
        extra.setdefault("event", "review")
    return Achievement("b", NAME, NAME, counts, Decimal(target), **extra)


def run(achievement: Achievement, steps: list[tuple[int, object]]) -> tuple[Progress, list[int]]:
    """Count (day offset from MONDAY, amount) in order; the completions each step made."""
    progress, made = Progress(), []
    for offset, amount in steps:
        step = record(achievement, progress, MONDAY + timedelta(days=offset), Decimal(amount))
        progress = step.progress
        made.append(step.completed)
    return progress, made


# (what it counts, steps as (day, amount), completions per step, times at the end)
COUNTS = [
    ("5 reviews, one-time: the fifth completes it", badge(), [(0, 1)] * 5, [0, 0, 0, 0, 1], 1),
    ("one-time: a sixth review grants nothing more", badge(), [(0, 1)] * 6, [0, 0, 0, 0, 1, 0], 1),
    ("spend 500: 300 then 250", badge(Measure.SPEND, 500), [(0, 300), (3, 250)], [0, 1], 1),
    ("spend exactly the target", badge(Measure.SPEND, 500), [(0, 500)], [1], 1),
    ("orders: 3 orders", badge(Measure.ORDERS, 3), [(0, 1), (1, 1), (2, 1)], [0, 0, 1], 1),
    ("nothing counted is no step", badge(), [(0, 0)], [0], 0),
]

WINDOWS = [
    ("3 in 7 days: within the week", badge(target=3, last_days=7), [(0, 1), (3, 1), (6, 1)], 1),
    (
        "3 in 7 days: the first left the window",
        badge(target=3, last_days=7),
        [(0, 1), (3, 1), (7, 1)],
        0,
    ),
    (
        "3 in 7 days: a late old one still inside",
        badge(target=3, last_days=7),
        [(6, 1), (5, 1), (1, 1)],
        1,
    ),
    (
        "3 in 7 days: a late one outside never counts",
        badge(target=3, last_days=7),
        [(9, 1), (8, 1), (1, 1)],
        0,
    ),
    ("spend 100 in 30 days", badge(Measure.SPEND, 100, last_days=30), [(0, 60), (29, 40)], 1),
    (
        "spend 100 in 30 days, too late",
        badge(Measure.SPEND, 100, last_days=30),
        [(0, 60), (30, 40)],
        0,
    ),
]

WEEKLY = Streak(Period.WEEK, 3)
STREAKS = [
    (
        "an order in 3 weeks in a row",
        badge(Measure.ORDERS, 1, streak=WEEKLY),
        [(0, 1), (7, 1), (14, 1)],
        1,
    ),
    (
        "a week missed breaks it",
        badge(Measure.ORDERS, 1, streak=WEEKLY),
        [(0, 1), (7, 1), (21, 1)],
        0,
    ),
    (
        "Sunday and the next Monday are two weeks",
        badge(Measure.ORDERS, 1, streak=WEEKLY),
        [(6, 1), (7, 1), (14, 1)],
        1,
    ),
    (
        "two orders the same week are one week",
        badge(Measure.ORDERS, 1, streak=WEEKLY),
        [(0, 1), (1, 1), (7, 1)],
        0,
    ),
    (
        "each week must reach the target",
        badge(Measure.ORDERS, 2, streak=WEEKLY),
        [(0, 1), (0, 1), (7, 1), (14, 2)],
        0,
    ),
    (
        "a late order fills the gap",
        badge(Measure.ORDERS, 1, streak=WEEKLY),
        [(0, 1), (14, 1), (7, 1)],
        1,
    ),
    ("3 days in a row", badge(streak=Streak(Period.DAY, 3), target=1), [(0, 1), (1, 1), (2, 1)], 1),
    (
        "3 months in a row",
        badge(streak=Streak(Period.MONTH, 3), target=1),
        [(0, 1), (31, 1), (60, 1)],
        1,
    ),
    (
        "January and March are no streak",
        badge(streak=Streak(Period.MONTH, 2), target=1),
        [(0, 1), (62, 1)],
        0,
    ),
]

REPEATS = [
    ("every 3 reviews: 7 reviews earn it twice", badge(target=3, repeat=True), [(0, 1)] * 7, 2),
    (
        "every 1000 spent: one order of 2500 earns it twice",
        badge(Measure.SPEND, 1000, repeat=True),
        [(0, 2500)],
        2,
    ),
    (
        "every 1000: the 500 left over counts toward the next",
        badge(Measure.SPEND, 1000, repeat=True),
        [(0, 1500), (1, 500)],
        2,
    ),
    (
        "every 3 in 7 days: the used ones do not count again",
        badge(target=3, repeat=True, last_days=7),
        [(0, 1)] * 5,
        1,
    ),
    (
        "every 2 weeks in a row: 4 weeks earn it twice",
        badge(Measure.ORDERS, 1, repeat=True, streak=Streak(Period.WEEK, 2)),
        [(0, 1), (7, 1), (14, 1), (21, 1)],
        2,
    ),
    (
        "every 2 weeks in a row: 3 weeks earn it once",
        badge(Measure.ORDERS, 1, repeat=True, streak=Streak(Period.WEEK, 2)),
        [(0, 1), (7, 1), (14, 1)],
        1,
    ),
]


@pytest.mark.parametrize(
    ("why", "achievement", "steps", "made", "times"), COUNTS, ids=[c[0] for c in COUNTS]
)
def test_counts_complete_at_the_target(why, achievement, steps, made, times):
    progress, completions = run(achievement, steps)
    assert completions == made and progress.times == times


@pytest.mark.parametrize(
    ("why", "achievement", "steps", "times"),
    WINDOWS + STREAKS + REPEATS,
    ids=[c[0] for c in WINDOWS + STREAKS + REPEATS],
)
def test_windows_streaks_and_repeats(why, achievement, steps, times):
    assert run(achievement, steps)[0].times == times


def test_what_an_order_and_an_event_add():
    assert amount_for_order(badge(Measure.ORDERS), Decimal("80")) == 1
    assert amount_for_order(badge(Measure.SPEND), Decimal("80")) == 80
    assert amount_for_order(badge(), Decimal("80")) == 0
    km = badge(Measure.PROPERTY, 5, event="run", property_name="distance_km")
    assert amount_for_event(km, "run", {"distance_km": "2.5"}) == Decimal("2.5")
    assert amount_for_event(km, "run", {"distance_km": "far"}) == 0
    assert amount_for_event(km, "run", {"distance_km": -3}) == 0
    assert amount_for_event(km, "review", {"distance_km": 3}) == 0
    five_stars = badge(Measure.PROPERTY, 2, property_name="rating", equals="5")
    assert amount_for_event(five_stars, "review", {"rating": 5}) == 1
    assert amount_for_event(five_stars, "review", {"rating": 4}) == 0
    assert (
        amount_for_event(badge(), "review", {}) == 1 and amount_for_event(badge(), "photo", {}) == 0
    )


def test_a_refund_takes_spend_back_and_the_badge_stays():
    spend = badge(Measure.SPEND, 500)
    progress, _ = run(spend, [(0, 400)])
    progress = take_back(spend, progress, MONDAY, Decimal(150))
    assert standing(spend, progress, MONDAY).current == 250
    progress = record(spend, progress, MONDAY, Decimal(200)).progress
    assert progress.times == 0  # 250 + 200 is short of 500
    done, _ = run(spend, [(0, 600)])
    after = take_back(spend, done, MONDAY, Decimal(600))
    assert after.times == 1 and standing(spend, after, MONDAY).done


def test_a_refund_after_a_repeat_is_owed_before_the_next():
    every = badge(Measure.SPEND, 1000, repeat=True)
    progress, _ = run(every, [(0, 1000)])
    progress = take_back(every, progress, MONDAY, Decimal(1000))
    assert record(every, progress, MONDAY, Decimal(1000)).progress.times == 1  # made up only
    assert record(every, progress, MONDAY, Decimal(2000)).progress.times == 2


def test_progress_reads_in_english_and_arabic():
    reviews, _ = run(badge(), [(0, 1)] * 3)
    text = progress_text(badge(), standing(badge(), reviews, MONDAY), "USD")
    assert text == {"en": "3 of 5 reviews: 2 to go", "ar": "3 من 5 مراجعات: باقي 2"}
    spend = badge(Measure.SPEND, 500)
    spent, _ = run(spend, [(0, 380)])
    text = progress_text(spend, standing(spend, spent, MONDAY), "USD")
    assert text["en"] == "380 of 500 USD: 120 USD to go" and "باقي 120 USD" in text["ar"]
    weekly = badge(Measure.ORDERS, 1, streak=Streak(Period.WEEK, 4))
    two, _ = run(weekly, [(0, 1), (7, 1)])
    # the next Monday: this week has no order yet, the streak is still alive
    text = progress_text(weekly, standing(weekly, two, MONDAY + timedelta(days=14)), "USD")
    assert text["en"].startswith("2 of 4 weeks in a row") and "أسابيع متتالية" in text["ar"]
    assert standing(weekly, two, MONDAY + timedelta(days=21)).current == 0  # a week missed
    window = badge(target=3, last_days=7)
    seen, _ = run(window, [(0, 1), (1, 1)])
    assert standing(window, seen, MONDAY + timedelta(days=7)).current == 1
    assert (
        "(in the last 7 days)" in progress_text(window, standing(window, seen, MONDAY), "USD")["en"]
    )


HEADER = {
    "points_name": {"en": "Flex", "ar": "فلكس"},
    "currency": "USD",
    "timezone": "Asia/Riyadh",
    "earn_rate": {"points": 1, "per": 1},
    "point_value": {"points": 100, "worth": 1},
}
GOOD = {
    "id": "reviewer",
    "name": {"en": "Reviewer", "ar": "مراجِع"},
    "description": {"en": "Write 5 reviews", "ar": "اكتب 5 مراجعات"},
    "counts": "events",
    "event": "review",
    "target": 5,
}


def problems(*achievements) -> dict[str, str]:
    with pytest.raises(ProgramDocumentError) as caught:
        load_program({**HEADER, "achievements": list(achievements)})
    return {
        ".".join(str(p) for p in problem.path): problem.reason for problem in caught.value.problems
    }


def test_a_sound_document_loads_its_achievements():
    program = load_program(
        {
            **HEADER,
            "achievements": [
                GOOD,
                {
                    **GOOD,
                    "id": "weekly",
                    "counts": "orders",
                    "event": None,
                    "target": 1,
                    "streak": {"period": "week", "periods": 4},
                    "points": 100,
                },
            ],
        }
    )
    assert [a.id for a in program.achievements] == ["reviewer", "weekly"]
    assert program.achievements[1].streak == Streak(Period.WEEK, 4)


BAD = [
    ({**GOOD, "event": None}, "achievements.0.event", "needs the event type"),
    ({**GOOD, "counts": "orders"}, "achievements.0.event", "only counts: events"),
    ({**GOOD, "counts": "property"}, "achievements.0.property", "needs its name"),
    ({**GOOD, "property": "rating"}, "achievements.0.property", "only used when"),
    ({**GOOD, "target": "2.5"}, "achievements.0.target", "whole number"),
    (
        {**GOOD, "counts": "spend", "event": None, "target": "10.005"},
        "achievements.0.target",
        "2 decimal places",
    ),
    ({**GOOD, "points": 10, "reward": "tote"}, "achievements.0.reward", "not both"),
    (
        {**GOOD, "last_days": 30, "streak": {"period": "week", "periods": 2}},
        "achievements.0.streak",
        "not both",
    ),
    ({**GOOD, "name": {"en": "Reviewer"}}, "achievements.0.name", "needs a text in ar"),
    ({**GOOD, "counts": "likes"}, "achievements.0.counts", "must be one of"),
    ({**GOOD, "target": 0}, "achievements.0.target", "must be more than 0"),
    (
        {**GOOD, "streak": {"period": "week", "periods": 1}},
        "achievements.0.streak.periods",
        "at least 2",
    ),
    ({**GOOD, "event": "Review!"}, "achievements.0.event", "lower_case_with_underscores"),
    ({**GOOD, "tagret": 5}, "achievements.0.tagret", "did you mean 'target'?"),
]


@pytest.mark.parametrize(("doc", "where", "reason"), BAD, ids=[b[1] + ": " + b[2] for b in BAD])
def test_bad_definitions_are_refused_at_their_field(doc, where, reason):
    found = problems(doc)
    assert where in found and reason in found[where], found


def test_a_repeated_id_is_refused_even_beside_another_error():
    found = problems(GOOD, {**GOOD, "target": "x"}, GOOD)
    assert "already used by achievements[0]" in found["achievements.2.id"]
    assert "achievements.1.target" in found
