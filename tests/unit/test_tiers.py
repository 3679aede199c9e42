"""The tier rules, as tables of customers a merchant would recognise.

The program ranks customers Member (0), Silver (1,500), Gold (5,000) and Platinum (10,000) by
eligible spend over the last 12 months, unless a row says otherwise. Customers move up at once
and down only at a review, 12 months after they reached their tier. The store is in Riyadh
(UTC+3) while every moment is given in UTC, as stores send them, so the calendar-year rows
check that a year begins at the shop's midnight, not the server's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from walaa.domain.explanations import LocalizedText
from walaa.domain.money import Rounding
from walaa.domain.program import (
    CalendarYear,
    EveryMonths,
    MultiplierCombination,
    ProgramError,
    RollingMonths,
    TierDowngrade,
    TierLevel,
    TierMeasure,
    TierPolicy,
    YearlyOn,
)
from walaa.domain.tiers import (
    QualifyingEvent,
    QualifyingWindow,
    TierChange,
    TierDecision,
    TierInputError,
    TierReason,
    TierStatus,
    apply_tier_multiplier,
    at_review,
    decide_at_review,
    measure_in_window,
    next_review,
    on_activity,
    pin,
    progress,
    qualifying_level,
    review_measure,
    unpin,
    window_at,
)

D = Decimal
RIYADH = "Asia/Riyadh"


def utc(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def riyadh_midnight(year: int, month: int, day: int) -> datetime:
    """Midnight in Riyadh, which is 21:00 UTC the day before."""
    return utc(year, month, day, 0) - timedelta(hours=3)


def tiers(
    measure: TierMeasure = TierMeasure.SPEND,
    thresholds: tuple[str, ...] = ("0", "1500", "5000", "10000"),
    **settings: Any,
) -> TierPolicy:
    names = ("member", "silver", "gold", "platinum")
    levels = tuple(
        TierLevel(id=name, name=LocalizedText.of(name.capitalize()), threshold=D(threshold))
        for name, threshold in zip(names, thresholds, strict=False)
    )
    values: dict[str, Any] = {"measure": measure, "window": RollingMonths(12), "levels": levels}
    values.update(settings)
    return TierPolicy(**values)


SPEND = tiers()
ORDERS = tiers(TierMeasure.ORDERS, ("0", "3", "10", "20"))
POINTS = tiers(TierMeasure.POINTS, ("0", "1000", "3000", "6000"))
CALENDAR = tiers(window=CalendarYear(), review=YearlyOn(1, 1))
TO_QUALIFYING = tiers(downgrade=TierDowngrade.TO_QUALIFYING)
GRACE = tiers(grace_days=30)
MONTHLY_WITH_LONG_GRACE = tiers(review=EveryMonths(1), grace_days=45)


def bought(at: datetime, spend: str, points: int | None = None) -> QualifyingEvent:
    earned = points if points is not None else int(D(spend))
    return QualifyingEvent.order(at, spend=D(spend), points=earned)


def refunded(order_at: datetime, spend: str, *, whole: bool = False) -> QualifyingEvent:
    return QualifyingEvent.refund(order_at, spend=D(spend), points=int(D(spend)), whole_order=whole)


def status(level: str, since: datetime = utc(2024, 3, 10), **options: Any) -> TierStatus:
    return TierStatus(level_id=level, since=since, **options)


SINCE = utc(2024, 3, 10)
REVIEW = utc(2025, 3, 10)  # 12 months after SINCE
SEPTEMBER = utc(2024, 9, 1)
VIP = {"pinned": True, "pin_reason": "brand ambassador"}


# --- qualification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Qualification:
    history: tuple[QualifyingEvent, ...]
    as_of: datetime
    measure: Decimal
    level: str
    policy: TierPolicy = SPEND
    timezone: str = RIYADH


QUALIFICATION_CASES = [
    pytest.param(
        Qualification((), utc(2025, 1, 15), D(0), "member"),
        id="a-customer-with-nothing-bought-is-in-the-first-tier",
    ),
    pytest.param(
        Qualification(
            (bought(utc(2024, 6, 1), "1000.00"), bought(utc(2024, 11, 1), "500.00")),
            utc(2025, 1, 15),
            D("1500.00"),
            "silver",
        ),
        id="a-threshold-met-exactly-is-reached",
    ),
    pytest.param(
        Qualification(
            (bought(utc(2024, 6, 1), "1499.99"),), utc(2025, 1, 15), D("1499.99"), "member"
        ),
        id="one-cent-short-is-short",
    ),
    pytest.param(
        Qualification((bought(utc(2024, 6, 1), "7000"),), utc(2025, 1, 15), D(7000), "gold"),
        id="the-highest-tier-reached-wins",
    ),
    pytest.param(
        Qualification(
            (bought(utc(2024, 1, 15, 11), "1500"), bought(utc(2024, 1, 15, 12), "200")),
            utc(2025, 1, 15, 12),
            D(200),
            "member",
        ),
        id="the-rolling-window-starts-exactly-12-months-back",
    ),
    pytest.param(
        Qualification(
            (bought(utc(2025, 2, 27), "1500"), bought(utc(2025, 2, 28), "1500")),
            utc(2025, 3, 31),
            D(1500),
            "silver",
            policy=tiers(window=RollingMonths(1)),
        ),
        id="one-month-back-from-31-march-is-28-february",
    ),
    pytest.param(
        Qualification((bought(utc(2025, 1, 16), "1500"),), utc(2025, 1, 15), D(0), "member"),
        id="what-happens-after-the-moment-asked-about-does-not-count",
    ),
    pytest.param(
        Qualification((bought(utc(2025, 1, 15), "1500"),), utc(2025, 1, 15), D(1500), "silver"),
        id="the-order-placed-at-that-moment-counts",
    ),
    pytest.param(
        Qualification(
            (bought(utc(2024, 6, 1), "5000"), refunded(utc(2024, 6, 1), "1000")),
            utc(2025, 1, 15),
            D(4000),
            "silver",
        ),
        id="a-refund-takes-its-spend-out-of-the-window",
    ),
    pytest.param(
        Qualification((refunded(utc(2024, 6, 1), "300"),), utc(2025, 1, 15), D(0), "member"),
        id="a-measure-never-goes-below-zero",
    ),
    pytest.param(
        Qualification(
            (
                bought(utc(2024, 6, 1), "10", 600),
                QualifyingEvent.action(utc(2024, 7, 1), points=400),
            ),
            utc(2025, 1, 15),
            D(1000),
            "silver",
            policy=POINTS,
        ),
        id="points-earned-by-orders-and-actions-count-toward-a-points-tier",
    ),
    pytest.param(
        Qualification(
            tuple(bought(utc(2024, month, 1), "10") for month in (4, 5, 6)),
            utc(2025, 1, 15),
            D(3),
            "silver",
            policy=ORDERS,
        ),
        id="three-orders-reach-a-three-order-tier",
    ),
    pytest.param(
        Qualification(
            (
                *(bought(utc(2024, month, 1), "10") for month in (4, 5, 6)),
                refunded(utc(2024, 6, 1), "4"),
            ),
            utc(2025, 1, 15),
            D(3),
            "silver",
            policy=ORDERS,
        ),
        id="a-partly-refunded-order-still-counts-as-an-order",
    ),
    pytest.param(
        Qualification(
            (
                *(bought(utc(2024, month, 1), "10") for month in (4, 5, 6)),
                refunded(utc(2024, 6, 1), "10", whole=True),
            ),
            utc(2025, 1, 15),
            D(2),
            "member",
            policy=ORDERS,
        ),
        id="a-wholly-refunded-order-no-longer-counts-as-an-order",
    ),
    pytest.param(
        Qualification(
            (bought(utc(2024, 12, 30), "5000"),), utc(2025, 1, 15), D(0), "member", policy=CALENDAR
        ),
        id="a-calendar-year-window-forgets-last-year",
    ),
    pytest.param(
        Qualification(
            (bought(utc(2024, 12, 31, 21, 30), "1500"),),
            utc(2025, 1, 15),
            D(1500),
            "silver",
            policy=CALENDAR,
        ),
        id="00-30-on-1-january-in-riyadh-is-the-new-year-though-utc-says-31-december",
    ),
    pytest.param(
        Qualification(
            (bought(utc(2024, 12, 31, 20, 30), "1500"),),
            utc(2025, 1, 15),
            D(0),
            "member",
            policy=CALENDAR,
        ),
        id="23-30-on-31-december-in-riyadh-is-still-the-old-year",
    ),
    pytest.param(
        Qualification(
            (bought(utc(2024, 6, 1), "1500"),),
            utc(2025, 1, 1, 3),
            D(1500),
            "silver",
            policy=CALENDAR,
            timezone="America/New_York",
        ),
        id="03-00-utc-on-1-january-is-still-last-year-in-new-york",
    ),
]


@pytest.mark.parametrize("case", QUALIFICATION_CASES)
def test_a_customer_qualifies_for_the_highest_tier_their_window_reaches(
    case: Qualification,
) -> None:
    measure = measure_in_window(case.history, case.policy, as_of=case.as_of, timezone=case.timezone)

    assert measure == case.measure
    assert qualifying_level(measure, case.policy).id == case.level


# --- activity: up at once, never down --------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    current: TierStatus | None
    history: tuple[QualifyingEvent, ...]
    change: TierChange
    level: str
    reason: TierReason
    as_of: datetime = SEPTEMBER
    policy: TierPolicy = SPEND
    expect: dict[str, Any] = field(default_factory=dict)


ACTIVITY_CASES = [
    pytest.param(
        Activity(
            None, (bought(utc(2024, 9, 1), "50"),), TierChange.NONE, "member", TierReason.JOINED
        ),
        id="a-first-small-order-places-a-new-customer-in-the-first-tier",
    ),
    pytest.param(
        Activity(
            None,
            (bought(utc(2024, 9, 1), "2000"),),
            TierChange.UPGRADE,
            "silver",
            TierReason.QUALIFIED,
        ),
        id="a-first-big-order-upgrades-a-new-customer-at-once",
    ),
    pytest.param(
        Activity(
            status("member"),
            (bought(utc(2024, 5, 1), "1000"), bought(utc(2024, 9, 1), "500")),
            TierChange.UPGRADE,
            "silver",
            TierReason.QUALIFIED,
            expect={"since": utc(2024, 9, 1)},
        ),
        id="the-order-that-reaches-the-threshold-upgrades-in-its-own-transaction",
    ),
    pytest.param(
        Activity(
            status("member"),
            (bought(utc(2024, 9, 1), "6000"),),
            TierChange.UPGRADE,
            "gold",
            TierReason.QUALIFIED,
        ),
        id="an-upgrade-may-skip-a-tier",
    ),
    pytest.param(
        Activity(
            status("silver"),
            (bought(utc(2024, 9, 1), "100"),),
            TierChange.NONE,
            "silver",
            TierReason.NOT_HIGHER,
        ),
        id="activity-that-reaches-no-higher-tier-changes-nothing",
    ),
    pytest.param(
        Activity(
            status("gold"),
            (bought(utc(2024, 9, 1), "100"),),
            TierChange.NONE,
            "gold",
            TierReason.NOT_HIGHER,
        ),
        id="no-downgrade-outside-a-review-however-little-was-bought",
    ),
    pytest.param(
        Activity(
            status("gold"),
            (bought(utc(2024, 3, 10), "5000"), refunded(utc(2024, 3, 10), "5000", whole=True)),
            TierChange.NONE,
            "gold",
            TierReason.NOT_HIGHER,
        ),
        id="a-refund-does-not-downgrade-before-the-review",
    ),
    pytest.param(
        Activity(
            status("silver", **VIP),
            (bought(utc(2024, 9, 1), "9000"),),
            TierChange.NONE,
            "silver",
            TierReason.PINNED,
        ),
        id="a-pinned-customer-does-not-rise",
    ),
    pytest.param(
        Activity(
            status("silver", pinned_until=utc(2024, 8, 1), **VIP),
            (bought(utc(2024, 9, 1), "9000"),),
            TierChange.UPGRADE,
            "gold",
            TierReason.QUALIFIED,
            expect={"pinned": False, "pin_reason": None},
        ),
        id="after-a-pin-ends-the-customer-rises-again",
    ),
    pytest.param(
        Activity(
            status("gold", pinned_until=utc(2024, 8, 1), **VIP),
            (bought(utc(2024, 9, 1), "100"),),
            TierChange.NONE,
            "gold",
            TierReason.NOT_HIGHER,
            expect={"pinned": False, "pinned_until": None},
        ),
        id="an-ended-pin-is-cleared-but-the-tier-waits-for-the-review",
    ),
    pytest.param(
        Activity(
            status("gold", grace_until=utc(2025, 4, 9), reviewed_at=REVIEW),
            (bought(utc(2024, 6, 1), "2000"), bought(utc(2025, 3, 20), "3000")),
            TierChange.NONE,
            "gold",
            TierReason.REQUALIFIED,
            as_of=utc(2025, 3, 20),
            expect={"grace_until": None},
        ),
        id="reaching-the-threshold-during-grace-ends-the-grace-period",
    ),
    pytest.param(
        Activity(
            status("silver", grace_until=utc(2025, 4, 9), reviewed_at=REVIEW),
            (bought(utc(2025, 3, 20), "5500"),),
            TierChange.UPGRADE,
            "gold",
            TierReason.QUALIFIED,
            as_of=utc(2025, 3, 20),
            expect={"grace_until": None},
        ),
        id="qualifying-higher-during-grace-upgrades",
    ),
    pytest.param(
        Activity(
            status("diamond"),
            (bought(utc(2024, 9, 1), "2000"),),
            TierChange.NONE,
            "silver",
            TierReason.TIER_REMOVED,
        ),
        id="a-tier-the-program-no-longer-has-is-replaced-by-the-qualifying-one",
    ),
]


@pytest.mark.parametrize("case", ACTIVITY_CASES)
def test_activity_upgrades_at_once_and_never_downgrades(case: Activity) -> None:
    decision = on_activity(
        case.current, case.history, case.policy, as_of=case.as_of, timezone=RIYADH
    )

    assert (decision.change, decision.status.level_id, decision.reason) == (
        case.change,
        case.level,
        case.reason,
    )
    assert {name: getattr(decision.status, name) for name in case.expect} == case.expect
    assert decision.previous == case.current


# --- reviews: the only way down --------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    current: TierStatus
    history: tuple[QualifyingEvent, ...]
    change: TierChange
    level: str
    reason: TierReason
    as_of: datetime = REVIEW
    policy: TierPolicy = SPEND
    expect: dict[str, Any] = field(default_factory=dict)


REVIEW_CASES = [
    pytest.param(
        Review(
            status("gold"),
            (bought(utc(2024, 9, 1), "5200"),),
            TierChange.NONE,
            "gold",
            TierReason.KEPT,
        ),
        id="a-customer-who-still-qualifies-keeps-the-tier",
    ),
    pytest.param(
        Review(
            status("platinum"),
            (bought(utc(2024, 9, 1), "2000"),),
            TierChange.DOWNGRADE,
            "gold",
            TierReason.FELL_SHORT,
            expect={"since": REVIEW, "reviewed_at": REVIEW},
        ),
        id="one-step-moves-down-one-tier-at-most",
    ),
    pytest.param(
        Review(
            status("platinum"),
            (bought(utc(2024, 9, 1), "2000"),),
            TierChange.DOWNGRADE,
            "silver",
            TierReason.FELL_SHORT,
            policy=TO_QUALIFYING,
        ),
        id="to-qualifying-moves-straight-to-the-tier-the-measure-reaches",
    ),
    pytest.param(
        Review(
            status("platinum"),
            (),
            TierChange.DOWNGRADE,
            "member",
            TierReason.FELL_SHORT,
            policy=TO_QUALIFYING,
        ),
        id="to-qualifying-with-nothing-bought-falls-to-the-first-tier",
    ),
    pytest.param(
        Review(
            status("silver"),
            (bought(utc(2024, 9, 1), "6000"),),
            TierChange.UPGRADE,
            "gold",
            TierReason.QUALIFIED,
        ),
        id="a-review-upgrades-a-customer-who-qualifies-higher",
    ),
    pytest.param(
        Review(
            status("gold"),
            (bought(utc(2024, 3, 1), "5000"),),
            TierChange.DOWNGRADE,
            "silver",
            TierReason.FELL_SHORT,
        ),
        id="spend-that-aged-out-of-the-window-no-longer-keeps-the-tier",
    ),
    pytest.param(
        Review(
            status("gold"),
            (bought(utc(2024, 6, 1), "5000"), refunded(utc(2024, 6, 1), "1000")),
            TierChange.DOWNGRADE,
            "silver",
            TierReason.FELL_SHORT,
        ),
        id="a-refund-lowers-qualification-at-the-next-review",
    ),
    pytest.param(
        Review(
            status("silver"),
            (
                *(bought(utc(2024, month, 1), "10") for month in (4, 5, 6)),
                refunded(utc(2024, 5, 1), "10", whole=True),
            ),
            TierChange.DOWNGRADE,
            "member",
            TierReason.FELL_SHORT,
            policy=ORDERS,
        ),
        id="a-wholly-refunded-order-is-one-order-fewer-at-the-review",
    ),
    pytest.param(
        Review(
            status("gold"),
            (bought(utc(2024, 9, 1), "2000"),),
            TierChange.NONE,
            "gold",
            TierReason.GRACE_STARTED,
            policy=GRACE,
            expect={"grace_until": REVIEW + timedelta(days=30), "reviewed_at": REVIEW},
        ),
        id="the-first-short-review-starts-a-grace-period-instead",
    ),
    pytest.param(
        Review(
            status(
                "gold",
                since=utc(2025, 1, 10),
                reviewed_at=utc(2025, 2, 10),
                grace_until=utc(2025, 3, 27),
            ),
            (bought(utc(2024, 9, 1), "2000"),),
            TierChange.NONE,
            "gold",
            TierReason.IN_GRACE,
            policy=MONTHLY_WITH_LONG_GRACE,
        ),
        id="a-review-while-grace-runs-keeps-the-tier",
    ),
    pytest.param(
        Review(
            status("gold", reviewed_at=REVIEW, grace_until=REVIEW + timedelta(days=30)),
            (bought(utc(2024, 9, 1), "2000"),),
            TierChange.DOWNGRADE,
            "silver",
            TierReason.FELL_SHORT,
            as_of=REVIEW + timedelta(days=30),
            policy=GRACE,
            expect={"grace_until": None},
        ),
        id="still-short-when-grace-ends-moves-the-customer-down",
    ),
    pytest.param(
        Review(
            status("gold", reviewed_at=REVIEW, grace_until=REVIEW + timedelta(days=30)),
            (bought(utc(2024, 9, 1), "2000"), bought(utc(2025, 3, 25), "3000")),
            TierChange.NONE,
            "gold",
            TierReason.KEPT,
            as_of=REVIEW + timedelta(days=30),
            policy=GRACE,
            expect={"grace_until": None},
        ),
        id="requalified-by-the-end-of-grace-keeps-the-tier",
    ),
    pytest.param(
        Review(
            status("gold", **VIP),
            (),
            TierChange.NONE,
            "gold",
            TierReason.PINNED,
            expect={"pinned": True, "reviewed_at": REVIEW},
        ),
        id="a-pinned-customer-is-kept-at-the-review",
    ),
    pytest.param(
        Review(
            status("silver", **VIP),
            (bought(utc(2024, 9, 1), "9000"),),
            TierChange.NONE,
            "silver",
            TierReason.PINNED,
        ),
        id="a-pinned-customer-is-not-upgraded-at-the-review-either",
    ),
    pytest.param(
        Review(
            status("gold", pinned_until=utc(2025, 1, 1), **VIP),
            (),
            TierChange.DOWNGRADE,
            "silver",
            TierReason.FELL_SHORT,
            expect={"pinned": False, "pin_reason": None},
        ),
        id="a-pin-that-ended-lets-the-review-move-the-customer-down",
    ),
    pytest.param(
        Review(
            status("gold"),
            (),
            TierChange.NONE,
            "gold",
            TierReason.NOT_DUE,
            as_of=REVIEW - timedelta(days=1),
        ),
        id="the-downgrade-waits-for-the-review",
    ),
    pytest.param(
        Review(
            status("gold", since=REVIEW, reviewed_at=REVIEW),
            (),
            TierChange.NONE,
            "gold",
            TierReason.NOT_DUE,
        ),
        id="a-review-already-applied-is-not-applied-twice",
    ),
    pytest.param(
        Review(
            status("gold", since=utc(2024, 5, 1)),
            (bought(utc(2024, 5, 1), "5000"),),
            TierChange.NONE,
            "gold",
            TierReason.KEPT,
            as_of=riyadh_midnight(2025, 1, 1),
            policy=CALENDAR,
        ),
        id="a-calendar-year-review-on-1-january-judges-the-year-that-ended",
    ),
    pytest.param(
        Review(
            status("gold", since=utc(2024, 5, 1)),
            (bought(utc(2024, 5, 1), "2000"),),
            TierChange.DOWNGRADE,
            "silver",
            TierReason.FELL_SHORT,
            as_of=riyadh_midnight(2025, 1, 1),
            policy=CALENDAR,
        ),
        id="a-calendar-year-review-moves-down-who-fell-short-last-year",
    ),
    pytest.param(
        Review(
            status("gold", since=utc(2024, 6, 1)),
            (bought(utc(2024, 6, 1), "1000"), bought(utc(2025, 4, 1), "5000")),
            TierChange.NONE,
            "gold",
            TierReason.KEPT,
            as_of=utc(2025, 6, 1),
            policy=tiers(window=CalendarYear()),
        ),
        id="a-calendar-year-review-counts-this-year-so-far-when-it-reaches-higher",
    ),
    pytest.param(
        Review(
            status("diamond"),
            (bought(utc(2024, 9, 1), "2000"),),
            TierChange.NONE,
            "silver",
            TierReason.TIER_REMOVED,
        ),
        id="a-review-replaces-a-tier-the-program-no-longer-has",
    ),
]


@pytest.mark.parametrize("case", REVIEW_CASES)
def test_a_review_is_the_only_way_down(case: Review) -> None:
    decision = at_review(case.current, case.history, case.policy, as_of=case.as_of, timezone=RIYADH)

    assert (decision.change, decision.status.level_id, decision.reason) == (
        case.change,
        case.level,
        case.reason,
    )
    assert {name: getattr(decision.status, name) for name in case.expect} == case.expect


def test_a_year_with_grace_moves_a_customer_down_only_once_grace_has_run_out() -> None:
    history = [bought(utc(2024, 1, 10), "3000"), bought(utc(2024, 3, 10), "3000")]
    joined = on_activity(None, history, GRACE, as_of=utc(2024, 3, 10), timezone=RIYADH)
    review_at = next_review(joined.status, GRACE, as_of=utc(2024, 3, 10), timezone=RIYADH)
    short = at_review(joined.status, history, GRACE, as_of=review_at, timezone=RIYADH)
    grace_end = next_review(short.status, GRACE, as_of=review_at, timezone=RIYADH)
    again = at_review(short.status, history, GRACE, as_of=review_at, timezone=RIYADH)
    last = at_review(short.status, history, GRACE, as_of=grace_end, timezone=RIYADH)

    assert (joined.change, joined.status.level_id) == (TierChange.UPGRADE, "gold")
    assert (review_at, short.reason, short.status.level_id) == (
        REVIEW,
        TierReason.GRACE_STARTED,
        "gold",
    )
    assert grace_end == REVIEW + timedelta(days=30)
    assert again.reason is TierReason.NOT_DUE and not again.needs_saving
    assert (last.change, last.status.level_id) == (TierChange.DOWNGRADE, "silver")
    assert next_review(last.status, GRACE, as_of=grace_end, timezone=RIYADH) == utc(2026, 4, 9)


# --- when the next review is -----------------------------------------------------------------


NEXT_REVIEW_CASES = [
    pytest.param(
        status("gold"), SPEND, utc(2024, 6, 1), REVIEW, id="12-months-after-the-tier-was-reached"
    ),
    pytest.param(
        status("gold", reviewed_at=REVIEW),
        SPEND,
        REVIEW,
        utc(2026, 3, 10),
        id="every-12-months-after-a-review-that-kept-the-tier",
    ),
    pytest.param(
        status("gold", since=utc(2025, 1, 31), reviewed_at=utc(2025, 2, 28)),
        tiers(review=EveryMonths(1)),
        utc(2025, 3, 1),
        utc(2025, 3, 31),
        id="monthly-reviews-from-31-january-come-back-to-the-31st-after-february",
    ),
    pytest.param(
        status("gold", reviewed_at=REVIEW, grace_until=utc(2025, 4, 9)),
        GRACE,
        REVIEW,
        utc(2025, 4, 9),
        id="a-grace-period-is-reviewed-when-it-ends",
    ),
    pytest.param(
        status("gold", since=utc(2024, 5, 1)),
        CALENDAR,
        utc(2024, 6, 1),
        riyadh_midnight(2025, 1, 1),
        id="a-yearly-review-is-at-midnight-in-the-store",
    ),
    pytest.param(
        status("gold", since=utc(2025, 1, 1)),
        tiers(review=YearlyOn(2, 29)),
        utc(2025, 1, 1),
        riyadh_midnight(2025, 2, 28),
        id="a-29-february-review-falls-on-28-february-in-other-years",
    ),
    pytest.param(
        None, SPEND, utc(2024, 6, 1), utc(2025, 6, 1), id="a-new-customer-is-reviewed-12-months-on"
    ),
]


@pytest.mark.parametrize("current,policy,as_of,expected", NEXT_REVIEW_CASES)
def test_the_next_review_follows_the_schedule(
    current: TierStatus | None, policy: TierPolicy, as_of: datetime, expected: datetime
) -> None:
    assert next_review(current, policy, as_of=as_of, timezone=RIYADH) == expected


# --- progress --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    current: TierStatus | None
    history: tuple[QualifyingEvent, ...]
    as_of: datetime
    level: str
    next_level: str | None
    counted: Decimal
    still_needed: Decimal | None
    to_keep: Decimal
    review: datetime


PROGRESS_CASES = [
    pytest.param(
        Standing(
            status("member"),
            (bought(utc(2024, 8, 1), "1000"),),
            utc(2024, 9, 1),
            "member",
            "silver",
            D(1000),
            D(500),
            D(0),
            REVIEW,
        ),
        id="a-member-sees-what-silver-still-needs",
    ),
    pytest.param(
        Standing(
            status("silver", since=utc(2024, 8, 1)),
            (bought(utc(2024, 8, 1), "1500"),),
            utc(2024, 9, 1),
            "silver",
            "gold",
            D(1500),
            D(3500),
            D(0),
            utc(2025, 8, 1),
        ),
        id="a-threshold-just-met-is-safe-until-the-review",
    ),
    pytest.param(
        Standing(
            status("gold", since=utc(2024, 9, 1)),
            (bought(utc(2024, 4, 1), "3000"), bought(utc(2024, 9, 1), "2500")),
            utc(2024, 10, 1),
            "gold",
            "platinum",
            D(5500),
            D(4500),
            D(2500),
            utc(2025, 9, 1),
        ),
        id="spend-that-will-age-out-before-the-review-is-still-needed-to-keep-the-tier",
    ),
    pytest.param(
        Standing(
            status("platinum"),
            (bought(utc(2024, 8, 1), "12000"),),
            utc(2024, 9, 1),
            "platinum",
            None,
            D(12000),
            None,
            D(0),
            REVIEW,
        ),
        id="the-top-tier-has-nothing-left-to-reach",
    ),
    pytest.param(
        Standing(
            status("gold", **VIP),
            (),
            utc(2024, 9, 1),
            "gold",
            "platinum",
            D(0),
            D(10000),
            D(0),
            REVIEW,
        ),
        id="a-pinned-customer-needs-nothing-to-keep-the-tier",
    ),
    pytest.param(
        Standing(
            status("gold", reviewed_at=REVIEW, grace_until=utc(2025, 4, 9)),
            (bought(utc(2024, 9, 1), "2000"),),
            utc(2025, 3, 20),
            "gold",
            "platinum",
            D(2000),
            D(8000),
            D(3000),
            utc(2025, 4, 9),
        ),
        id="during-grace-the-customer-sees-what-keeps-the-tier-and-when-grace-ends",
    ),
    pytest.param(
        Standing(
            None,
            (bought(utc(2024, 8, 1), "2000"),),
            utc(2024, 9, 1),
            "silver",
            "gold",
            D(2000),
            D(3000),
            D(0),
            utc(2025, 9, 1),
        ),
        id="a-customer-without-a-status-sees-the-tier-they-qualify-for",
    ),
]


@pytest.mark.parametrize("case", PROGRESS_CASES)
def test_progress_says_what_counts_and_what_is_still_needed(case: Standing) -> None:
    seen = progress(case.current, case.history, SPEND, as_of=case.as_of, timezone=RIYADH)

    assert (
        seen.level.id,
        seen.next_level.id if seen.next_level else None,
        seen.counted,
        seen.still_needed,
        seen.to_keep,
        seen.next_review,
    ) == (
        case.level,
        case.next_level,
        case.counted,
        case.still_needed,
        case.to_keep,
        case.review,
    )
    assert seen.measure is TierMeasure.SPEND
    assert seen.window.starts == case.as_of.replace(year=case.as_of.year - 1)


# --- the tier's earning multiplier -----------------------------------------------------------


def level(multiplier: str) -> TierLevel:
    return TierLevel(
        id="gold", name=LocalizedText.of("Gold"), threshold=D(5000), multiplier=D(multiplier)
    )


MULTIPLY, BEST = MultiplierCombination.MULTIPLY, MultiplierCombination.BEST

MULTIPLIER_CASES = [
    pytest.param(100, None, MULTIPLY, "1", Rounding.DOWN, 100, id="no-tier-changes-nothing"),
    pytest.param(
        100, level("1"), MULTIPLY, "1", Rounding.DOWN, 100, id="a-1x-tier-changes-nothing"
    ),
    pytest.param(100, level("1.5"), MULTIPLY, "1", Rounding.DOWN, 150, id="a-1.5x-tier-adds-half"),
    pytest.param(
        200,
        level("1.5"),
        MULTIPLY,
        "2",
        Rounding.DOWN,
        300,
        id="multiply-stacks-on-a-double-weekend",
    ),
    pytest.param(99, level("1.25"), MULTIPLY, "1", Rounding.DOWN, 123, id="rounds-down-by-default"),
    pytest.param(
        99, level("1.25"), MULTIPLY, "1", Rounding.HALF_UP, 124, id="rounds-the-programs-way"
    ),
    pytest.param(
        200, level("1.5"), BEST, "2", Rounding.DOWN, 200, id="best-keeps-a-larger-rule-multiplier"
    ),
    pytest.param(
        200,
        level("3"),
        BEST,
        "2",
        Rounding.DOWN,
        300,
        id="best-lets-a-larger-tier-replace-the-rules",
    ),
    pytest.param(
        100, level("1.5"), BEST, "1", Rounding.DOWN, 150, id="best-without-rule-multipliers"
    ),
    pytest.param(
        0, level("2"), MULTIPLY, "1", Rounding.DOWN, 0, id="nothing-multiplied-is-nothing"
    ),
]


@pytest.mark.parametrize("points,tier,combines,rule_factor,rounding,expected", MULTIPLIER_CASES)
def test_a_tier_multiplier_combines_with_the_rules_as_the_program_says(
    points: int,
    tier: TierLevel | None,
    combines: MultiplierCombination,
    rule_factor: str,
    rounding: Rounding,
    expected: int,
) -> None:
    boost = apply_tier_multiplier(
        points, tier, rounding, combines=combines, rule_factor=D(rule_factor)
    )

    assert boost.points == expected
    assert boost.extra == expected - points
    assert boost.applied == (expected != points)


def test_best_says_which_rule_factor_the_tier_replaced() -> None:
    boost = apply_tier_multiplier(200, level("3"), Rounding.DOWN, combines=BEST, rule_factor=D(2))

    assert (boost.tier_id, boost.multiplier, boost.instead_of) == ("gold", D(3), D(2))


# --- pins ------------------------------------------------------------------------------------


PIN_CASES = [
    pytest.param(status("member"), "gold", utc(2024, 9, 1), id="a-pin-can-lift-a-customer"),
    pytest.param(status("gold"), "silver", utc(2024, 9, 1), id="a-pin-can-lower-a-customer"),
    pytest.param(status("gold"), "gold", SINCE, id="a-pin-to-the-same-tier-keeps-its-date"),
    pytest.param(None, "silver", utc(2024, 9, 1), id="a-new-customer-can-be-pinned"),
]


@pytest.mark.parametrize("current,level_id,since", PIN_CASES)
def test_a_merchant_pins_a_customer_with_a_reason(
    current: TierStatus | None, level_id: str, since: datetime
) -> None:
    decision = pin(
        current,
        level_id,
        SPEND,
        reason="brand ambassador",
        as_of=utc(2024, 9, 1),
        until=utc(2025, 9, 1),
    )

    assert (decision.change, decision.reason) == (TierChange.PINNED, TierReason.PINNED)
    assert decision.status == TierStatus(
        level_id=level_id,
        since=since,
        pinned=True,
        pin_reason="brand ambassador",
        pinned_until=utc(2025, 9, 1),
    )


@pytest.mark.parametrize(
    "options,field_name",
    [
        pytest.param({"level_id": "diamond"}, "level_id", id="only-to-a-tier-the-program-has"),
        pytest.param({"reason": " "}, "pin_reason", id="only-with-a-reason"),
        pytest.param({"until": utc(2024, 8, 1)}, "until", id="only-until-a-later-date"),
    ],
)
def test_a_pin_is_refused(options: dict[str, Any], field_name: str) -> None:
    arguments: dict[str, Any] = {"level_id": "gold", "reason": "brand ambassador", "until": None}
    arguments.update(options)
    level_id = arguments.pop("level_id")

    with pytest.raises(TierInputError) as refused:
        pin(status("member"), level_id, SPEND, as_of=utc(2024, 9, 1), **arguments)

    assert refused.value.field == field_name


@pytest.mark.parametrize(
    "history,change,level_id,reason",
    [
        pytest.param(
            (), TierChange.NONE, "gold", TierReason.UNPINNED, id="keeps-the-tier-until-the-review"
        ),
        pytest.param(
            (bought(utc(2024, 9, 1), "11000"),),
            TierChange.UPGRADE,
            "platinum",
            TierReason.QUALIFIED,
            id="rises-at-once-if-the-customer-qualifies-higher",
        ),
    ],
)
def test_lifting_a_pin(
    history: tuple[QualifyingEvent, ...], change: TierChange, level_id: str, reason: TierReason
) -> None:
    pinned = status("gold", **VIP)

    decision = unpin(pinned, history, SPEND, as_of=utc(2024, 9, 1), timezone=RIYADH)

    assert (decision.change, decision.status.level_id, decision.reason) == (
        change,
        level_id,
        reason,
    )
    assert not decision.status.pinned and decision.previous == pinned


# --- the plumbing the service relies on ------------------------------------------------------


def test_a_decision_says_whether_the_status_must_be_saved() -> None:
    unchanged = on_activity(status("gold"), (), SPEND, as_of=utc(2024, 9, 1), timezone=RIYADH)
    graced = at_review(status("gold"), (), GRACE, as_of=REVIEW, timezone=RIYADH)

    assert isinstance(unchanged, TierDecision) and not unchanged.needs_saving
    assert graced.needs_saving and (graced.from_level, graced.to_level) == ("gold", "gold")


def test_windows_are_bounds_a_sql_sum_can_use() -> None:
    rolling = window_at(SPEND, as_of=utc(2025, 3, 31), timezone=RIYADH)
    calendar_year = window_at(CALENDAR, as_of=utc(2025, 3, 31), timezone=RIYADH)

    assert rolling == QualifyingWindow(
        utc(2024, 3, 31), utc(2025, 3, 31) + timedelta(microseconds=1)
    )
    assert calendar_year.starts == riyadh_midnight(2025, 1, 1)


def test_a_review_measure_can_be_summed_elsewhere_and_decided_here() -> None:
    history = [bought(utc(2024, 9, 1), "2000")]
    measure = review_measure(history, SPEND, as_of=REVIEW, timezone=RIYADH)

    from_sum = decide_at_review(status("gold"), measure, SPEND, as_of=REVIEW, timezone=RIYADH)

    assert from_sum == at_review(status("gold"), history, SPEND, as_of=REVIEW, timezone=RIYADH)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: QualifyingEvent(datetime(2025, 1, 1), D(1)), id="a-naive-event-time"),
        pytest.param(
            lambda: TierStatus(level_id="gold", since=datetime(2025, 1, 1)), id="a-naive-since"
        ),
        pytest.param(
            lambda: on_activity(None, (), SPEND, as_of=datetime(2025, 1, 1), timezone=RIYADH),
            id="a-naive-as-of",
        ),
        pytest.param(
            lambda: TierStatus(level_id="gold", since=SINCE, pinned=True),
            id="a-pin-without-a-reason",
        ),
        pytest.param(
            lambda: window_at(CALENDAR, as_of=SINCE, timezone="Mars/Olympus"),
            id="an-unknown-time-zone",
        ),
    ],
)
def test_input_that_cannot_be_placed_on_a_calendar_is_refused(build: Any) -> None:
    with pytest.raises(TierInputError):
        build()


@pytest.mark.parametrize(
    "settings,where",
    [
        pytest.param(
            {"thresholds": ("100", "1500")}, "tiers.levels[0].threshold", id="first-not-0"
        ),
        pytest.param(
            {"thresholds": ("0", "1500", "1500")}, "tiers.levels[2].threshold", id="equal"
        ),
        pytest.param({"window": RollingMonths(0)}, "tiers.window.rolling_months", id="no-window"),
        pytest.param({"review": YearlyOn(2, 30)}, "tiers.review.every_year_on", id="30-february"),
        pytest.param({"grace_days": -1}, "tiers.grace_days", id="negative-grace"),
    ],
)
def test_a_tier_policy_that_makes_no_sense_cannot_be_built(
    settings: dict[str, Any], where: str
) -> None:
    with pytest.raises(ProgramError) as refused:
        tiers(**settings)

    assert [problem.where for problem in refused.value.problems] == [where]


def test_a_later_tier_is_reached_by_everyone_above_it() -> None:
    assert SPEND.reaches("platinum", "gold") and SPEND.reaches("gold", "gold")
    assert not SPEND.reaches("silver", "gold") and not SPEND.reaches(None, "member")
    assert SPEND.above(SPEND.level("platinum")) is None
