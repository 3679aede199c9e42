"""The earning rules, as tables of scenarios a merchant would recognise.

Each table row is one rule of the business: a program, an order or an event, and the points it
must earn, rule by rule. The store is in Riyadh (UTC+3) while timestamps arrive in UTC, so the
time-zone rows check that weekdays and days are the shop's, not the server's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from walaa.domain.earning import (
    NO_AWARD,
    NO_USAGE,
    Award,
    Customer,
    CustomerEvent,
    Evaluation,
    InvalidOrder,
    InvalidRefund,
    NoAward,
    Order,
    OrderBasis,
    OrderLine,
    Refund,
    RefundedLine,
    RuleUsage,
    UsageSnapshot,
    evaluate_event,
    evaluate_order,
    explain,
    period_bounds,
    points_kept,
    preview_cart,
    preview_product,
    take_back,
    usage_needed,
)
from walaa.domain.explanations import CATALOGS, Explanation, LocalizedText, render_one
from walaa.domain.money import CurrencyMismatch, Money, Rounding, round_points
from walaa.domain.program import (
    Channel,
    DailyActionCap,
    EarnRate,
    FixedPoints,
    ForTags,
    ForTiers,
    InWindow,
    ItemFilter,
    LineKind,
    MinAmount,
    MinQuantity,
    Multiply,
    OncePer,
    OnChannels,
    OnWeekdays,
    PerAmount,
    PerCustomer,
    Period,
    PerOrder,
    PerUnit,
    PointValue,
    Program,
    ProgramError,
    PropertyOp,
    PropertyTest,
    Rule,
    Weekday,
)

D = Decimal
RIYADH = "Asia/Riyadh"


def riyadh(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment in May 2025 given in Riyadh wall-clock time, returned in UTC (as stores send)."""
    return datetime(2025, 5, day, hour, minute, tzinfo=UTC) - timedelta(hours=3)


WEDNESDAY = riyadh(7)
FRIDAY = riyadh(9)
SATURDAY = riyadh(10)
SUNDAY = riyadh(11)
MONDAY = riyadh(12)


def usd(amount: str | int) -> Money:
    return Money.of(str(amount), "USD")


def rule(rule_id: str, effect: Any, *conditions: Any, **options: Any) -> Rule:
    return Rule(
        id=rule_id,
        name=LocalizedText.of(options.pop("name", rule_id.replace("-", " ").capitalize())),
        effect=effect,
        conditions=tuple(conditions),
        **options,
    )


SPEND = rule("spend", PerAmount(), name={"en": "Points on spend", "ar": "نقاط على المشتريات"})
WEEKEND = OnWeekdays(frozenset({Weekday.SATURDAY, Weekday.SUNDAY}))


def program(*rules: Rule, **settings: Any) -> Program:
    values: dict[str, Any] = {
        "version": 7,
        "currency": "USD",
        "points_name": LocalizedText.of({"en": "Flex", "ar": "فلكس"}),
        "timezone": RIYADH,
        "earn_rate": EarnRate(1, usd(1)),
        "point_value": PointValue(500, usd(5)),
        "rules": rules,
    }
    values.update(settings)
    return Program(**values)


def item(line_id: str, paid: str, quantity: int = 1, **options: Any) -> OrderLine:
    for name in ("categories", "tags"):
        if name in options:
            options[name] = frozenset(options[name])
    return OrderLine(line_id, D(paid), quantity, **options)


def order(*lines: OrderLine, at: datetime = WEDNESDAY, channel: Channel = Channel.ONLINE) -> Order:
    return Order("o-1", at, "USD", lines, channel)


def points_by_rule(evaluation: Evaluation) -> dict[str, int]:
    return {award.rule_id: award.points for award in evaluation.awards}


# --- orders ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderCase:
    rules: tuple[Rule, ...]
    lines: tuple[OrderLine, ...]
    earns: dict[str, int]
    at: datetime = WEDNESDAY
    channel: Channel = Channel.ONLINE
    customer: Customer | None = None
    usage: UsageSnapshot = NO_USAGE
    settings: dict[str, Any] = field(default_factory=dict)


def case(
    rules: Sequence[Rule], lines: Sequence[OrderLine], earns: dict[str, int], **options: Any
) -> OrderCase:
    return OrderCase(tuple(rules), tuple(lines), earns, **options)


TWO_LINES = (item("a", "100.00", 2, product_id="p1"), item("b", "20.00", sku="SKU-B"))
PERFUME = item("perfume", "80.00", categories={"perfume"}, tags={"gift"})
SOAP = item("soap", "20.00", 2, categories={"bath"}, product_id="soap-1")
GOLD = Customer("c-1", tier="gold")
STUDENT = Customer("c-2", tags=frozenset({"students"}))
WEEKEND_DOUBLE = rule("weekend-double", Multiply(D(2), ("spend",)), WEEKEND)
GOLD_BOOST = rule("gold-boost", Multiply(D("1.5"), ("spend",)), ForTiers(frozenset({"gold"})))

PURCHASE_CASES = [
    pytest.param(
        case([SPEND], TWO_LINES, {"spend": 120}),
        id="spend-earns-1-per-1-usd-on-every-eligible-item",
    ),
    pytest.param(
        case(
            [rule("spend4", PerAmount(EarnRate(4, usd(1))))], [item("a", "45.50")], {"spend4": 182}
        ),
        id="a-rule-rate-of-4-per-1-overrides-the-program-rate",
    ),
    pytest.param(
        case(
            [SPEND],
            [item("a", "119.99")],
            {"spend": 5},
            settings={"earn_rate": EarnRate(1, usd(20))},
        ),
        id="1-per-20-usd-gives-5-for-119.99",
    ),
    pytest.param(
        case(
            [SPEND],
            [
                item("a", "50.00"),
                item("ship", "10.00", kind=LineKind.SHIPPING),
                item("tax", "7.50", kind=LineKind.TAX),
                item("gift", "100.00", kind=LineKind.GIFT_CARD),
                item("free", "15.00", kind=LineKind.REWARD),
            ],
            {"spend": 50},
        ),
        id="shipping-tax-gift-cards-and-rewards-do-not-earn-by-default",
    ),
    pytest.param(
        case(
            [SPEND],
            [item("a", "50.00"), item("ship", "10.00", kind=LineKind.SHIPPING)],
            {"spend": 60},
            settings={"earn_on": frozenset({LineKind.SHIPPING})},
        ),
        id="shipping-earns-when-the-program-says-so",
    ),
    pytest.param(
        case([SPEND], [item("a", "70.00")], {"spend": 70}),
        id="a-line-partly-paid-with-points-earns-only-on-its-net-paid-amount",
    ),
    pytest.param(
        case(
            [
                SPEND,
                rule(
                    "perfume-bonus",
                    PerAmount(EarnRate(2, usd(1))),
                    items=ItemFilter(categories=frozenset({"perfume"})),
                ),
            ],
            [PERFUME, SOAP, item("points", "-50.00", kind=LineKind.DISCOUNT)],
            {"spend": 50, "perfume-bonus": 80},
        ),
        id="an-order-discount-is-spread-over-lines-so-points-never-earn-on-it",
    ),
    pytest.param(
        case(
            [rule("p1", PerUnit(10), items=ItemFilter(product_ids=frozenset({"p1"})))],
            TWO_LINES,
            {"p1": 20},
        ),
        id="per-product-rule-counts-only-that-product",
    ),
    pytest.param(
        case(
            [rule("sku", FixedPoints(30), items=ItemFilter(skus=frozenset({"SKU-B"})))],
            TWO_LINES,
            {"sku": 30},
        ),
        id="per-sku-rule-applies-when-the-sku-is-in-the-order",
    ),
    pytest.param(
        case(
            [rule("cat", PerAmount(), items=ItemFilter(categories=frozenset({"perfume"})))],
            [PERFUME, SOAP],
            {"cat": 80},
        ),
        id="per-category-rule-counts-only-that-category",
    ),
    pytest.param(
        case(
            [rule("tag", PerAmount(), items=ItemFilter(tags=frozenset({"gift"})))],
            [PERFUME, SOAP],
            {"tag": 80},
        ),
        id="per-tag-rule-counts-only-tagged-items",
    ),
    pytest.param(
        case(
            [
                rule(
                    "no-bath", PerAmount(), exclude_items=ItemFilter(categories=frozenset({"bath"}))
                )
            ],
            [PERFUME, SOAP],
            {"no-bath": 80},
        ),
        id="excluded-items-do-not-count",
    ),
    pytest.param(
        case(
            [rule("bath", PerAmount(), items=ItemFilter(categories=frozenset({"toys"})))],
            [PERFUME],
            {},
        ),
        id="a-rule-whose-items-are-absent-gives-nothing",
    ),
    pytest.param(
        case([rule("unit", PerUnit(10))], [PERFUME, SOAP], {"unit": 30}),
        id="per-unit-rule-gives-points-for-every-unit",
    ),
    pytest.param(
        case([rule("order", FixedPoints(100))], [SOAP], {"order": 100}),
        id="fixed-rule-gives-points-once-per-order",
    ),
    pytest.param(
        case(
            [rule("big", FixedPoints(1000), MinAmount(D("100.00")))], [PERFUME, SOAP], {"big": 1000}
        ),
        id="minimum-amount-is-met-at-exactly-the-minimum",
    ),
    pytest.param(
        case([rule("big", FixedPoints(1000), MinAmount(D("100.01")))], [PERFUME, SOAP], {}),
        id="minimum-amount-one-cent-short-gives-nothing",
    ),
    pytest.param(
        case([rule("three", FixedPoints(50), MinQuantity(3))], [PERFUME, SOAP], {"three": 50}),
        id="minimum-quantity-counts-units-not-lines",
    ),
    pytest.param(
        case([rule("four", FixedPoints(50), MinQuantity(4))], [PERFUME, SOAP], {}),
        id="minimum-quantity-not-reached-gives-nothing",
    ),
    pytest.param(
        case(
            [rule("online", FixedPoints(50), OnChannels(frozenset({Channel.ONLINE})))],
            [SOAP],
            {},
            channel=Channel.IN_STORE,
        ),
        id="an-online-only-rule-gives-nothing-in-store",
    ),
    pytest.param(
        case(
            [rule("app", FixedPoints(50), OnChannels(frozenset({Channel.APP})))],
            [SOAP],
            {"app": 50},
            channel=Channel.APP,
        ),
        id="an-app-rule-applies-to-app-orders",
    ),
]

PROMOTION_CASES = [
    pytest.param(
        case([SPEND, WEEKEND_DOUBLE], TWO_LINES, {"spend": 240}, at=SATURDAY),
        id="weekend-multiplier-doubles-spend-points-on-saturday",
    ),
    pytest.param(
        case([SPEND, WEEKEND_DOUBLE], TWO_LINES, {"spend": 120}, at=WEDNESDAY),
        id="weekend-multiplier-does-nothing-on-wednesday",
    ),
    pytest.param(
        case([SPEND, WEEKEND_DOUBLE], TWO_LINES, {"spend": 120}, at=riyadh(9, 23, 59)),
        id="riyadh-friday-23-59-is-not-the-weekend",
    ),
    pytest.param(
        case([SPEND, WEEKEND_DOUBLE], TWO_LINES, {"spend": 240}, at=riyadh(10, 0, 0)),
        id="riyadh-saturday-00-00-is-the-weekend-although-utc-says-friday",
    ),
    pytest.param(
        case([SPEND, WEEKEND_DOUBLE], TWO_LINES, {"spend": 240}, at=riyadh(11, 23, 59)),
        id="riyadh-sunday-23-59-is-still-the-weekend",
    ),
    pytest.param(
        case([SPEND, WEEKEND_DOUBLE], TWO_LINES, {"spend": 120}, at=riyadh(12, 0, 0)),
        id="riyadh-monday-00-00-is-not-the-weekend-although-utc-says-sunday",
    ),
    pytest.param(
        case(
            [rule("sale", FixedPoints(10), InWindow(datetime(2025, 5, 9), datetime(2025, 5, 11)))],
            [SOAP],
            {"sale": 10},
            at=riyadh(10, 23, 59),
        ),
        id="a-date-window-includes-its-last-local-minute",
    ),
    pytest.param(
        case(
            [rule("sale", FixedPoints(10), InWindow(datetime(2025, 5, 9), datetime(2025, 5, 11)))],
            [SOAP],
            {},
            at=riyadh(11, 0, 0),
        ),
        id="a-date-window-ends-at-its-end-local-time",
    ),
    pytest.param(
        case(
            [rule("sale", FixedPoints(10), InWindow(datetime(2025, 5, 9), None))],
            [SOAP],
            {},
            at=riyadh(8, 23, 59),
        ),
        id="a-date-window-has-not-started-before-its-local-start",
    ),
    pytest.param(
        case([SPEND, GOLD_BOOST], [item("a", "100.00")], {"spend": 150}, customer=GOLD),
        id="a-tier-multiplier-applies-to-that-tier",
    ),
    pytest.param(
        case(
            [SPEND, GOLD_BOOST],
            [item("a", "100.00")],
            {"spend": 100},
            customer=Customer("c", tier="silver"),
        ),
        id="a-tier-multiplier-skips-other-tiers",
    ),
    pytest.param(
        case([SPEND, GOLD_BOOST], [item("a", "100.00")], {"spend": 100}),
        id="a-guest-gets-no-tier-multiplier",
    ),
    pytest.param(
        case(
            [rule("students", FixedPoints(200), ForTags(frozenset({"students"})))],
            [SOAP],
            {"students": 200},
            customer=STUDENT,
        ),
        id="a-segment-bonus-applies-to-customers-with-that-tag",
    ),
    pytest.param(
        case(
            [SPEND, rule("weekend-1000", FixedPoints(1000), WEEKEND, MinAmount(D("50.00")))],
            [item("a", "50.00")],
            {"spend": 50, "weekend-1000": 1000},
            at=SATURDAY,
        ),
        id="spend-50-this-weekend-gets-1000-extra",
    ),
    pytest.param(
        case(
            [SPEND, rule("weekend-1000", FixedPoints(1000), WEEKEND, MinAmount(D("50.00")))],
            [item("a", "50.00")],
            {"spend": 50},
            at=FRIDAY,
        ),
        id="spend-50-on-a-weekday-gets-no-weekend-bonus",
    ),
    pytest.param(
        case(
            [SPEND, WEEKEND_DOUBLE, GOLD_BOOST],
            [item("a", "100.00")],
            {"spend": 300},
            at=SATURDAY,
            customer=GOLD,
        ),
        id="multipliers-without-a-group-stack-by-multiplying",
    ),
    pytest.param(
        case(
            [
                SPEND,
                rule("weekend-double", Multiply(D(2), ("spend",)), WEEKEND, group="boosts"),
                rule(
                    "gold-boost",
                    Multiply(D("1.5"), ("spend",)),
                    ForTiers(frozenset({"gold"})),
                    group="boosts",
                ),
            ],
            [item("a", "100.00")],
            {"spend": 200},
            at=SATURDAY,
            customer=GOLD,
        ),
        id="multipliers-in-a-best-of-group-keep-only-the-largest",
    ),
    pytest.param(
        case(
            [
                rule("flat", FixedPoints(100), group="bonus"),
                rule("bonus-rate", PerAmount(), group="bonus"),
            ],
            [item("a", "120.00")],
            {"bonus-rate": 120},
        ),
        id="point-rules-in-a-best-of-group-keep-the-one-giving-most",
    ),
    pytest.param(
        case(
            [rule("flat", FixedPoints(100)), rule("more", FixedPoints(40))],
            [SOAP],
            {"flat": 100, "more": 40},
        ),
        id="rules-without-a-group-stack",
    ),
    pytest.param(
        case(
            [
                SPEND,
                rule("perfume", PerAmount(), items=ItemFilter(categories=frozenset({"perfume"}))),
                rule("x2", Multiply(D(2)), WEEKEND),
            ],
            [PERFUME, SOAP],
            {"spend": 200, "perfume": 160},
            at=SATURDAY,
        ),
        id="a-multiplier-naming-no-rules-doubles-every-per-amount-rule",
    ),
    pytest.param(
        case(
            [SPEND, rule("off", FixedPoints(10), enabled=False)],
            [SOAP],
            {"spend": 20},
        ),
        id="a-disabled-rule-gives-nothing",
    ),
]

ROUNDING_CASES = [
    pytest.param(case([SPEND], [item("a", "10.99")], {"spend": 10}), id="rounding-down-by-default"),
    pytest.param(
        case([SPEND], [item("a", "10.50")], {"spend": 11}, settings={"rounding": Rounding.HALF_UP}),
        id="rounding-half-up-rounds-10.5-up",
    ),
    pytest.param(
        case([SPEND], [item("a", "10.01")], {"spend": 11}, settings={"rounding": Rounding.UP}),
        id="rounding-up-rounds-any-fraction-up",
    ),
    pytest.param(
        case(
            [SPEND], [item("a", "10.50")], {"spend": 10}, settings={"rounding": Rounding.HALF_EVEN}
        ),
        id="rounding-half-even-rounds-10.5-to-10",
    ),
    pytest.param(
        case(
            [SPEND], [item("a", "11.50")], {"spend": 12}, settings={"rounding": Rounding.HALF_EVEN}
        ),
        id="rounding-half-even-rounds-11.5-to-12",
    ),
    pytest.param(
        case([SPEND, WEEKEND_DOUBLE], [item("a", "10.50")], {"spend": 21}, at=SATURDAY),
        id="points-are-rounded-once-after-the-multiplier",
    ),
    pytest.param(
        case(
            [SPEND], [item("a", "10.00")], {"spend": 3}, settings={"earn_rate": EarnRate(1, usd(3))}
        ),
        id="a-rate-that-does-not-divide-evenly-still-rounds-down",
    ),
]

ORDER_LIMIT_CASES = [
    pytest.param(
        case(
            [rule("double", PerAmount(EarnRate(2, usd(1))), limits=(PerOrder(500),))],
            [item("a", "400.00")],
            {"double": 500},
        ),
        id="a-per-order-cap-cuts-the-award",
    ),
    pytest.param(
        case(
            [rule("spend", PerAmount(), limits=(PerCustomer(Period.WEEK, points=1000),))],
            [item("a", "400.00")],
            {"spend": 100},
            usage=UsageSnapshot({("spend", Period.WEEK): RuleUsage(5, 900)}),
        ),
        id="a-weekly-points-cap-leaves-only-what-remains",
    ),
    pytest.param(
        case(
            [rule("monthly", FixedPoints(100), limits=(PerCustomer(Period.MONTH, times=2),))],
            [SOAP],
            {},
            usage=UsageSnapshot({("monthly", Period.MONTH): RuleUsage(2, 200)}),
        ),
        id="a-monthly-times-limit-once-reached-withholds-the-award",
    ),
    pytest.param(
        case(
            [rule("monthly", FixedPoints(100), limits=(PerCustomer(Period.MONTH, times=2),))],
            [SOAP],
            {"monthly": 100},
            usage=UsageSnapshot({("monthly", Period.MONTH): RuleUsage(1, 100)}),
        ),
        id="a-monthly-times-limit-not-yet-reached-gives-the-award",
    ),
    pytest.param(
        case(
            [
                SPEND,
                rule(
                    "weekend-double",
                    Multiply(D(2), ("spend",)),
                    WEEKEND,
                    limits=(PerCustomer(Period.LIFETIME, times=1),),
                ),
            ],
            [item("a", "100.00")],
            {"spend": 100},
            at=SATURDAY,
            usage=UsageSnapshot({("weekend-double", Period.LIFETIME): RuleUsage(1, 0)}),
        ),
        id="a-multiplier-whose-limit-is-reached-no-longer-multiplies",
    ),
    pytest.param(
        case(
            [
                rule(
                    "flat",
                    FixedPoints(300),
                    group="bonus",
                    limits=(PerCustomer(Period.DAY, times=1),),
                ),
                rule("small", FixedPoints(100), group="bonus"),
            ],
            [SOAP],
            {"small": 100},
            usage=UsageSnapshot({("flat", Period.DAY): RuleUsage(1, 300)}),
        ),
        id="best-of-picks-the-next-rule-when-the-best-is-used-up",
    ),
]


@pytest.mark.parametrize(
    "scenario", PURCHASE_CASES + PROMOTION_CASES + ROUNDING_CASES + ORDER_LIMIT_CASES
)
def test_order_earns_what_its_rules_say(scenario: OrderCase) -> None:
    evaluation = evaluate_order(
        program(*scenario.rules, **scenario.settings),
        order(*scenario.lines, at=scenario.at, channel=scenario.channel),
        customer=scenario.customer,
        usage=scenario.usage,
    )

    assert points_by_rule(evaluation) == scenario.earns
    assert evaluation.total == sum(scenario.earns.values())


# --- customer events -------------------------------------------------------------------------


@dataclass(frozen=True)
class EventCase:
    rules: tuple[Rule, ...]
    event: CustomerEvent
    earns: dict[str, int]
    usage: UsageSnapshot = NO_USAGE
    settings: dict[str, Any] = field(default_factory=dict)
    capped_by: type | None = None


def event(
    kind: str, at: datetime = WEDNESDAY, channel: Channel | None = None, **properties: Any
) -> CustomerEvent:
    return CustomerEvent(f"e-{kind}", kind, at, properties, channel)


SIGNUP = rule(
    "signup", FixedPoints(200), on="signup", limits=(PerCustomer(Period.LIFETIME, times=1),)
)
REVIEW = rule(
    "review",
    FixedPoints(50),
    PropertyTest("rating", PropertyOp.AT_LEAST, 4),
    on="review",
    limits=(OncePer("product_id"), PerCustomer(Period.DAY, times=3)),
)
QUIZ = rule(
    "quiz",
    FixedPoints(30),
    PropertyTest("level", PropertyOp.ONE_OF, ("hard", "expert")),
    on="quiz_completed",
)

EVENT_CASES = [
    pytest.param(
        EventCase((SIGNUP,), event("signup"), {"signup": 200}),
        id="signing-up-earns-the-welcome-bonus",
    ),
    pytest.param(
        EventCase(
            (SIGNUP,),
            event("signup"),
            {},
            UsageSnapshot({("signup", Period.LIFETIME): RuleUsage(1, 200)}),
            capped_by=PerCustomer,
        ),
        id="the-welcome-bonus-is-given-once-per-lifetime",
    ),
    pytest.param(
        EventCase((REVIEW,), event("review", product_id="p1", rating=5), {"review": 50}),
        id="a-good-review-earns",
    ),
    pytest.param(
        EventCase((REVIEW,), event("review", product_id="p1", rating=3), {}),
        id="a-review-below-the-rating-condition-earns-nothing",
    ),
    pytest.param(
        EventCase(
            (REVIEW,),
            event("review", product_id="p1", rating=5),
            {},
            UsageSnapshot(rewarded={"review": frozenset({"p1"})}),
            capped_by=OncePer,
        ),
        id="one-review-reward-per-product",
    ),
    pytest.param(
        EventCase(
            (REVIEW,),
            event("review", product_id="p2", rating=5),
            {"review": 50},
            UsageSnapshot(rewarded={"review": frozenset({"p1"})}),
        ),
        id="reviewing-another-product-earns-again",
    ),
    pytest.param(
        EventCase((REVIEW,), event("review", rating=5), {}),
        id="a-review-without-a-product-cannot-be-checked-so-earns-nothing",
    ),
    pytest.param(
        EventCase(
            (REVIEW,),
            event("review", product_id="p9", rating=5),
            {},
            UsageSnapshot({("review", Period.DAY): RuleUsage(3, 150)}),
            capped_by=PerCustomer,
        ),
        id="at-most-three-review-rewards-a-day",
    ),
    pytest.param(
        EventCase(
            (REVIEW,),
            event("review", product_id="p9", rating=5),
            {"review": 20},
            UsageSnapshot(action_points_today=480),
            {"action_daily_cap": 500},
            DailyActionCap,
        ),
        id="the-daily-cap-on-action-points-cuts-the-award",
    ),
    pytest.param(
        EventCase((QUIZ,), event("quiz_completed", level="expert"), {"quiz": 30}),
        id="a-custom-event-earns-when-its-property-matches",
    ),
    pytest.param(
        EventCase((QUIZ,), event("quiz_completed", level="easy"), {}),
        id="a-custom-event-with-another-property-earns-nothing",
    ),
    pytest.param(
        EventCase(
            (
                rule(
                    "share",
                    FixedPoints(10),
                    OnChannels(frozenset({Channel.APP})),
                    on="social_share",
                ),
            ),
            event("social_share", channel=Channel.APP),
            {"share": 10},
        ),
        id="an-action-rule-can-require-a-channel",
    ),
    pytest.param(
        EventCase(
            (
                rule(
                    "birthday",
                    FixedPoints(300),
                    on="birthday",
                    limits=(PerCustomer(Period.YEAR, times=1),),
                ),
            ),
            event("birthday"),
            {"birthday": 300},
            UsageSnapshot({("birthday", Period.YEAR): RuleUsage(0, 0)}),
        ),
        id="a-birthday-gift-comes-once-a-year",
    ),
    pytest.param(
        EventCase((SIGNUP,), event("newsletter"), {}), id="an-event-without-rules-earns-nothing"
    ),
]


@pytest.mark.parametrize("scenario", EVENT_CASES)
def test_customer_action_earns_what_its_rules_say(scenario: EventCase) -> None:
    evaluation = evaluate_event(
        program(*scenario.rules, **scenario.settings),
        scenario.event,
        customer=GOLD,
        usage=scenario.usage,
    )

    assert points_by_rule(evaluation) == scenario.earns
    if scenario.capped_by is not None:
        capped = [a for a in (*evaluation.awards, *evaluation.withheld) if a.cap is not None]
        assert [type(a.cap.limit) for a in capped if a.cap] == [scenario.capped_by]


# --- refunds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundCase:
    rules: tuple[Rule, ...]
    lines: tuple[OrderLine, ...]
    refunds: tuple[Refund, ...]
    takes_back: tuple[int, ...]
    at: datetime = WEDNESDAY


def refund(*lines: tuple[str, int] | tuple[str, int, str], amount: str = "0") -> Refund:
    """Refunded lines as (line id, units) or (line id, 0, amount), plus an order-level amount."""
    refunded = tuple(
        RefundedLine(line[0], line[1], D(line[2]) if len(line) == 3 else D(0)) for line in lines
    )
    return Refund(f"r-{id(refunded)}", refunded, D(amount))


THRESHOLD = rule("big", FixedPoints(1000), MinAmount(D("100.00")))
CART = (item("a", "60.00", 3), item("b", "40.00"), item("ship", "10.00", kind=LineKind.SHIPPING))

REFUND_CASES = [
    pytest.param(
        RefundCase((SPEND,), CART, (Refund.everything("r"),), (100,)),
        id="a-full-refund-takes-back-everything",
    ),
    pytest.param(
        RefundCase((SPEND,), CART, (refund(("a", 1)),), (20,)),
        id="refund-takes-back-points-in-proportion-by-items",
    ),
    pytest.param(
        RefundCase((SPEND,), CART, (refund(amount="11.00"),), (10,)),
        id="a-refund-by-amount-is-spread-over-the-order-including-shipping",
    ),
    pytest.param(
        RefundCase((SPEND,), CART, (refund(("b", 0, "10.00")),), (10,)),
        id="a-refund-of-part-of-a-line-takes-back-its-share",
    ),
    pytest.param(
        RefundCase(
            (SPEND,),
            CART,
            (refund(("a", 1)), refund(("a", 1)), refund(("a", 1)), refund(("b", 1))),
            (20, 20, 20, 40),
        ),
        id="repeated-partial-refunds-add-up-to-what-was-earned",
    ),
    pytest.param(
        RefundCase(
            (SPEND,),
            CART,
            (refund(("a", 3)), refund(("a", 3)), refund(amount="500.00")),
            (60, 0, 40),
        ),
        id="refunding-more-than-was-paid-never-takes-back-more-than-was-earned",
    ),
    pytest.param(
        RefundCase(
            (SPEND,),
            (item("a", "10.00", 3),),
            (refund(("a", 1)), refund(("a", 1)), refund(("a", 1))),
            (4, 3, 3),
        ),
        id="partial-refunds-round-what-is-kept-down-and-still-total-the-award",
    ),
    pytest.param(
        RefundCase((SPEND, THRESHOLD), CART, (refund(("b", 1)),), (1040,)),
        id="a-threshold-bonus-goes-when-the-order-falls-below-its-minimum",
    ),
    pytest.param(
        RefundCase((SPEND, THRESHOLD), CART, (refund(amount="5.00"),), (1005,)),
        id="a-threshold-bonus-goes-after-any-refund-below-its-minimum",
    ),
    pytest.param(
        RefundCase(
            (rule("order", FixedPoints(100)),), CART, (refund(("a", 3)), refund(("b", 1))), (0, 100)
        ),
        id="a-fixed-order-bonus-stays-until-nothing-of-the-order-remains",
    ),
    pytest.param(
        RefundCase((rule("unit", PerUnit(10)),), CART, (refund(("a", 2)),), (20,)),
        id="a-per-unit-award-gives-back-the-refunded-units",
    ),
    pytest.param(
        RefundCase(
            (SPEND, rule("big-double", Multiply(D(2)), MinAmount(D("100.00")))),
            CART,
            (refund(("a", 1)),),
            (120,),
        ),
        id="a-multiplier-whose-minimum-is-lost-is-undone",
    ),
    pytest.param(
        RefundCase((SPEND,), CART, (refund(("ship", 1)),), (0,)),
        id="refunding-shipping-takes-back-nothing",
    ),
]


@pytest.mark.parametrize("scenario", REFUND_CASES)
def test_refund_takes_back_points_in_proportion(scenario: RefundCase) -> None:
    evaluation = evaluate_order(program(*scenario.rules), order(*scenario.lines, at=scenario.at))
    assert evaluation.basis is not None
    earlier: list[Refund] = []
    taken = []
    for each in scenario.refunds:
        result = take_back(evaluation.basis, each, earlier=earlier)
        taken.append(result.points)
        earlier.append(each)
        assert result.taken_back == sum(taken) <= evaluation.total
        assert result.kept == evaluation.total - result.taken_back >= 0

    assert tuple(taken) == scenario.takes_back


# --- explanations ----------------------------------------------------------------------------


def test_an_award_explains_rule_items_rate_and_multiplier_in_english() -> None:
    evaluation = evaluate_order(program(SPEND, WEEKEND_DOUBLE), order(*TWO_LINES, at=SATURDAY))

    assert explain(evaluation.awards[0]) == (
        "Points on spend: 240 Flex for 120.00 USD on 3 items at 1 per 1 USD,"
        " doubled by Weekend double"
    )


def test_an_award_explains_itself_in_arabic() -> None:
    evaluation = evaluate_order(program(SPEND), order(*TWO_LINES))

    assert explain(evaluation.awards[0], "ar") == (
        "نقاط على المشتريات: 120 فلكس مقابل 120.00 USD على منتجات عددها 3 بمعدل 1 لكل 1 USD"
    )


def test_a_capped_award_says_which_limit_cut_it() -> None:
    capped = rule(
        "double", PerAmount(EarnRate(2, usd(1))), limits=(PerOrder(500),), name="Double points"
    )
    award = evaluate_order(program(capped), order(item("a", "400.00"))).awards[0]

    assert award.capped and isinstance(award.cap and award.cap.limit, PerOrder)
    assert explain(award) == (
        "Double points: 500 Flex for 400.00 USD on 1 item at 2 per 1 USD,"
        " capped at 500 Flex per order (would have been 800)"
    )
    assert explain(award, "ar").endswith("بحد أقصى 500 فلكس للطلب الواحد (كانت ستبلغ 800)")


def test_a_withheld_award_says_why_it_was_not_given() -> None:
    used = UsageSnapshot(rewarded={"review": frozenset({"p1"})})
    evaluation = evaluate_event(
        program(REVIEW), event("review", product_id="p1", rating=5), usage=used
    )

    assert evaluation.total == 0
    assert [explain(a) for a in evaluation.withheld] == [
        "Review: 50 Flex for reviewing a product, not given: already rewarded for this product"
    ]


def test_a_best_of_loser_says_which_rule_won() -> None:
    rules = (
        rule("flat", FixedPoints(100), group="bonus"),
        rule("rate", PerAmount(), group="bonus"),
    )
    evaluation = evaluate_order(program(*rules), order(item("a", "120.00")))

    loser = evaluation.withheld[0]
    assert (loser.rule_id, loser.points, loser.set_aside_by) == ("flat", 0, "rate")
    assert (
        explain(loser)
        == "Flat: 100 Flex on this order, not added: Rate gives more in the bonus group"
    )


def test_an_unmet_minimum_says_how_much_more_to_spend() -> None:
    evaluation = evaluate_order(program(THRESHOLD), order(item("a", "87.50")))

    assert [explain(n) for n in evaluation.not_met] == [
        "Big: spend 12.50 USD more on eligible items to earn it"
    ]


def test_every_english_message_has_an_arabic_translation() -> None:
    assert set(CATALOGS["en"]) == set(CATALOGS["ar"])


def all_scenario_explanations() -> list[Explanation]:
    """Every explanation the scenario tables above produce: awards, withheld, unmet rules."""
    found: list[Explanation] = []
    for param in PURCHASE_CASES + PROMOTION_CASES + ROUNDING_CASES + ORDER_LIMIT_CASES:
        scenario = param.values[0]
        assert isinstance(scenario, OrderCase)
        evaluation = evaluate_order(
            program(*scenario.rules, **scenario.settings),
            order(*scenario.lines, at=scenario.at, channel=scenario.channel),
            customer=scenario.customer,
            usage=scenario.usage,
        )
        results: list[Award | NoAward] = [*evaluation.awards, *evaluation.withheld]
        results.extend(evaluation.not_met)
        found.extend(part for result in results for part in result.explanation)
    return found


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_every_explanation_the_rules_produce_reads_as_text(locale: str) -> None:
    explanations = all_scenario_explanations()

    unrendered = [e.key for e in explanations if render_one(e, locale) == e.key]
    assert len(explanations) > 60
    assert unrendered == []


def test_a_used_up_multiplier_says_so() -> None:
    limited = rule(
        "weekend-double",
        Multiply(D(2), ("spend",)),
        WEEKEND,
        limits=(PerCustomer(Period.LIFETIME, times=1),),
        name="Weekend double points",
    )
    used = UsageSnapshot({("weekend-double", Period.LIFETIME): RuleUsage(1, 0)})

    evaluation = evaluate_order(program(SPEND, limited), order(*TWO_LINES, at=SATURDAY), usage=used)

    assert [explain(n) for n in evaluation.not_met] == [
        "Weekend double points: its limit for you is reached"
    ]


def test_a_refund_explains_what_it_took_back() -> None:
    evaluation = evaluate_order(program(SPEND, THRESHOLD), order(*CART))
    assert evaluation.basis is not None

    result = take_back(evaluation.basis, refund(("b", 1)))

    assert explain(result) == (
        "Points on spend: 40 Flex taken back, 60 kept,"
        " Big: 1,000 Flex taken back, the order no longer meets its minimum"
    )


# --- previews, usage and the refund basis ----------------------------------------------------


def test_a_cart_preview_works_for_a_guest() -> None:
    rules = (
        SPEND,
        GOLD_BOOST,
        rule("students", FixedPoints(200), ForTags(frozenset({"students"}))),
    )

    preview = preview_cart(program(*rules), TWO_LINES, as_of=SATURDAY)

    assert preview.total == 120
    assert {n.rule_id for n in preview.not_met} == {"gold-boost", "students"}


def test_a_product_preview_shows_what_the_product_page_promises() -> None:
    perfume_bonus = rule(
        "perfume", PerAmount(), items=ItemFilter(categories=frozenset({"perfume"}))
    )

    preview = preview_product(
        program(SPEND, perfume_bonus, GOLD_BOOST),
        price=D("40.00"),
        quantity=2,
        categories=frozenset({"perfume"}),
        as_of=WEDNESDAY,
        customer=GOLD,
    )

    assert points_by_rule(preview) == {"spend": 120, "perfume": 80}


def test_the_same_cart_previews_and_orders_to_the_same_points() -> None:
    the_program = program(SPEND, WEEKEND_DOUBLE, THRESHOLD)

    preview = preview_cart(the_program, CART, as_of=SATURDAY)
    placed = evaluate_order(the_program, order(*CART, at=SATURDAY))

    assert preview.total == placed.total == 1200


def test_limit_periods_are_the_stores_local_days_and_weeks() -> None:
    tz = program().tz

    day = period_bounds(Period.DAY, riyadh(10, 0, 30), tz)
    week = period_bounds(Period.WEEK, SUNDAY, tz)
    month = period_bounds(Period.MONTH, SUNDAY, tz)

    assert day == (datetime(2025, 5, 9, 21, tzinfo=UTC), datetime(2025, 5, 10, 21, tzinfo=UTC))
    assert week == (datetime(2025, 5, 4, 21, tzinfo=UTC), datetime(2025, 5, 11, 21, tzinfo=UTC))
    assert month == (datetime(2025, 4, 30, 21, tzinfo=UTC), datetime(2025, 5, 31, 21, tzinfo=UTC))
    assert period_bounds(Period.LIFETIME, SUNDAY, tz) == (None, None)


def test_usage_needed_lists_exactly_the_history_the_limits_read() -> None:
    the_program = program(SIGNUP, REVIEW, action_daily_cap=500)

    query = usage_needed(the_program, event("review", at=SATURDAY, product_id="p1", rating=5))

    assert [(w.rule_id, w.period) for w in query.windows] == [("review", Period.DAY)]
    assert [(s.rule_id, s.value) for s in query.subjects] == [("review", "p1")]
    assert query.action_day == (
        datetime(2025, 5, 9, 21, tzinfo=UTC),
        datetime(2025, 5, 10, 21, tzinfo=UTC),
    )


def test_evaluation_lists_rule_uses_to_record_including_multipliers() -> None:
    evaluation = evaluate_order(program(SPEND, WEEKEND_DOUBLE), order(*TWO_LINES, at=SATURDAY))

    assert [(u.rule_id, u.points) for u in evaluation.uses()] == [
        ("spend", 240),
        ("weekend-double", 0),
    ]


def test_an_award_records_the_program_version_and_rule() -> None:
    award: Award = evaluate_order(program(SPEND), order(*TWO_LINES)).awards[0]

    assert (award.program_version, award.rule_id, award.items, award.amount) == (
        7,
        "spend",
        3,
        usd("120.00"),
    )
    assert [c.line_id for c in award.counted] == ["a", "b"]


def test_the_refund_basis_survives_storage_as_json() -> None:
    evaluation = evaluate_order(
        program(SPEND, WEEKEND_DOUBLE, THRESHOLD), order(*CART, at=SATURDAY)
    )
    assert evaluation.basis is not None

    restored = OrderBasis.from_record(evaluation.basis.to_record())

    assert restored == evaluation.basis
    assert points_kept(restored, [refund(("a", 1))]) == points_kept(
        evaluation.basis, [refund(("a", 1))]
    )


def test_no_award_is_an_object_with_zero_points() -> None:
    assert NO_AWARD.points == 0 and NO_AWARD.explanation == ()


# --- refusals --------------------------------------------------------------------------------


def test_an_order_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        evaluate_order(program(SPEND), Order("o", WEDNESDAY, "EUR", (item("a", "1.00"),)))


def test_an_order_without_a_time_zone_is_refused() -> None:
    with pytest.raises(InvalidOrder):
        Order("o", datetime(2025, 5, 7, 12), "USD", (item("a", "1.00"),))


def test_a_refund_of_an_unknown_line_is_refused() -> None:
    evaluation = evaluate_order(program(SPEND), order(*CART))
    assert evaluation.basis is not None

    with pytest.raises(InvalidRefund):
        take_back(evaluation.basis, refund(("nope", 1)))


def test_a_program_with_a_dangling_multiplier_is_refused_with_its_path() -> None:
    with pytest.raises(ProgramError) as refused:
        program(rule("x2", Multiply(D(2), ("missing",))))

    assert [(p.where, p.reason) for p in refused.value.problems] == [
        ("rules[0].effect.rules[0]", "no rule has the id 'missing'")
    ]


@pytest.mark.parametrize(
    "amount,rounding,points",
    [
        (D("2.5"), Rounding.DOWN, 2),
        (D("2.5"), Rounding.UP, 3),
        (D("2.5"), Rounding.HALF_UP, 3),
        (D("2.5"), Rounding.HALF_EVEN, 2),
        (D("3.5"), Rounding.HALF_EVEN, 4),
        (D("3"), Rounding.UP, 3),
    ],
    ids=lambda value: str(value),
)
def test_points_are_rounded_the_programs_way(
    amount: Decimal, rounding: Rounding, points: int
) -> None:
    assert round_points(amount, rounding) == points
