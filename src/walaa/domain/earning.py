"""The earning engine: how many points an order or a customer action earns, and why.

Everything here is a pure function of its arguments. Time comes in with the order
(`placed_at`) or the event (`occurred_at`); what a customer already earned comes in as a
`UsageSnapshot` the service layer loads; nothing is read from a clock or a database.

How an order is evaluated, in order:

1. Eligible value. Each line earns on its NET PAID amount, so the part of a price paid with a
   points discount never earns. Shipping, tax and gift cards earn only if the program says so;
   reward and discount lines never earn. An order-level discount line is spread over the earning
   lines in proportion to what they paid, in whole minor units.
2. Rules. Each enabled `order` rule checks its conditions (channel, window and weekdays in the
   store's time zone, tier, tags) and counts its items (all eligible items, or those its filter
   matches); minimums are tested against what it counted. The answer is a candidate award, a
   multiplier, or a `NoAward` saying which condition was not met.
3. Multipliers multiply the raw points of the per-amount (or named) awards; then points are
   rounded once, with the program's rounding.
4. Limits (per order, per customer per period) cut an award and say so in its explanation.
5. Best-of groups keep the largest award of each group; the others are withheld, explained.

Customer events follow the same path without items, then the program's daily cap on points from
actions. Refunds are computed from the `OrderBasis` an evaluation returns: see `take_back`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, NamedTuple, TypeAlias
from zoneinfo import ZoneInfo

from walaa.domain.errors import ValidationFailed
from walaa.domain.explanations import (
    DEFAULT_LOCALE,
    Explanation,
    Label,
    LocalizedText,
    render,
)
from walaa.domain.money import (
    ONE,
    ZERO,
    CurrencyMismatch,
    Money,
    minor_units,
    round_points,
)
from walaa.domain.program import (
    CapSource,
    Channel,
    DailyActionCap,
    EarnRate,
    FixedPoints,
    ForTags,
    ForTiers,
    InWindow,
    LineKind,
    Multiply,
    OncePer,
    OnChannels,
    OnWeekdays,
    PerAmount,
    PerCustomer,
    Period,
    PerOrder,
    PerUnit,
    Program,
    PropertyOp,
    PropertyTest,
    PropertyValue,
    Rule,
    Weekday,
)

__all__ = [
    "NO_AWARD",
    "NO_USAGE",
    "AppliedMultiplier",
    "Award",
    "AwardBasis",
    "AwardKind",
    "AwardTakeBack",
    "Cap",
    "CountedLine",
    "Customer",
    "CustomerEvent",
    "EarningError",
    "Evaluation",
    "InvalidOrder",
    "InvalidRefund",
    "LineBasis",
    "Measure",
    "MultiplierBasis",
    "NoAward",
    "Order",
    "OrderBasis",
    "OrderLine",
    "Refund",
    "RefundedLine",
    "Result",
    "RuleUsage",
    "RuleUse",
    "SubjectCheck",
    "TakeBack",
    "UsageQuery",
    "UsageSnapshot",
    "UsageWindow",
    "evaluate_event",
    "evaluate_order",
    "explain",
    "period_bounds",
    "points_kept",
    "preview_cart",
    "preview_product",
    "take_back",
    "usage_needed",
]


class EarningError(ValidationFailed):
    """An order, event or refund the engine cannot evaluate as given."""

    code = "earning-input-invalid"


class InvalidOrder(EarningError):
    """The order breaks a rule of its own shape (a naive timestamp, a duplicate line id ...)."""

    code = "invalid-order"


class InvalidRefund(EarningError):
    """The refund names a line the order does not have, or a negative quantity or amount."""

    code = "invalid-refund"


# --- inputs ----------------------------------------------------------------------------------


EARLIEST_YEAR, LATEST_YEAR = 1970, 2199


def _require_aware(moment: datetime, field_name: str) -> None:
    """A naive timestamp cannot be placed on the store's calendar, so it is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidOrder(field_name, "needs a time zone (give it in UTC)")
    # Periods, windows and expiry dates are computed around the moment; far-off years would
    # overflow the calendar, and no store has orders from them.
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise InvalidOrder(field_name, f"must be between {EARLIEST_YEAR} and {LATEST_YEAR}")


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order. `paid` is the NET amount paid for the whole line (all units),
    after its discounts, including any discount paid for with points.

    A `discount` line carries a negative `paid`: an order-level discount not already inside
    the other lines' `paid`. Do not send one if your platform already spreads discounts.
    """

    line_id: str
    paid: Decimal
    quantity: int = 1
    kind: LineKind = LineKind.PRODUCT
    product_id: str | None = None
    sku: str | None = None
    categories: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.paid, Decimal):
            raise InvalidOrder(f"lines[{self.line_id}].paid", "must be a Decimal")
        if self.quantity < 1:
            raise InvalidOrder(f"lines[{self.line_id}].quantity", "must be 1 or more")
        if (self.kind is LineKind.DISCOUNT) != (self.paid < 0) and self.paid != 0:
            raise InvalidOrder(f"lines[{self.line_id}].paid", "only a discount line is negative")


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the store reports it, in the store's currency, placed at an aware time."""

    order_id: str
    placed_at: datetime
    currency: str
    lines: tuple[OrderLine, ...]
    channel: Channel = Channel.ONLINE

    def __post_init__(self) -> None:
        _require_aware(self.placed_at, "placed_at")
        ids = [line.line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise InvalidOrder("lines", "line ids must be unique")


@dataclass(frozen=True, slots=True)
class Customer:
    """What the rules may know about a customer. Segments arrive as tags the service resolves."""

    customer_id: str
    tier: str | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CustomerEvent:
    """Something a customer did: `signup`, `review` (with `product_id`, `rating`) or custom."""

    event_id: str
    type: str
    occurred_at: datetime
    properties: Mapping[str, PropertyValue] = field(default_factory=lambda: MappingProxyType({}))
    channel: Channel | None = None

    def __post_init__(self) -> None:
        _require_aware(self.occurred_at, "occurred_at")


# --- usage history (loaded by the service) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleUsage:
    """What one rule already gave one customer in one period: awards and points."""

    times: int = 0
    points: int = 0


@dataclass(frozen=True)
class UsageSnapshot:
    """The customer's history the limits need, loaded by the service for `as_of`.

    `rules[(rule_id, period)]` covers the period that contains the order or event time;
    `rewarded[rule_id]` holds property values already rewarded by a `once_per` rule (reviewed
    product ids); `action_points_today` sums points from all action rules on the local day.
    `usage_needed` says exactly what to load.
    """

    rules: Mapping[tuple[str, Period], RuleUsage] = field(default_factory=dict)
    rewarded: Mapping[str, frozenset[str]] = field(default_factory=dict)
    action_points_today: int = 0

    def of(self, rule_id: str, period: Period) -> RuleUsage:
        """Usage of `rule_id` in `period`; nothing yet when absent."""
        return self.rules.get((rule_id, period), _UNUSED)

    def already_rewarded(self, rule_id: str, value: str) -> bool:
        """True when `rule_id` already rewarded this property value (this product's review)."""
        return value in self.rewarded.get(rule_id, frozenset())


_UNUSED = RuleUsage()
NO_USAGE = UsageSnapshot()
"""No history: a new customer, or a preview without a customer."""


@dataclass(frozen=True, slots=True)
class UsageWindow:
    """Sum the awards (count and points) of `rule_id` for the customer in [starts, ends).

    Bounds are UTC; `None` means open (a lifetime limit has neither).
    """

    rule_id: str
    period: Period
    starts: datetime | None
    ends: datetime | None


@dataclass(frozen=True, slots=True)
class SubjectCheck:
    """Has `rule_id` already rewarded this customer for `value` of `property`?"""

    rule_id: str
    property: str
    value: str


@dataclass(frozen=True, slots=True)
class UsageQuery:
    """What the service must load to build a `UsageSnapshot` for one order or event."""

    windows: tuple[UsageWindow, ...]
    subjects: tuple[SubjectCheck, ...]
    action_day: tuple[datetime, datetime] | None


def period_bounds(
    period: Period, as_of: datetime, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The UTC bounds of the local `period` containing `as_of` (weeks start on Monday).

    Computed in the store's zone because "one per day" means the shop's day: an order at
    01:00 Riyadh time on Saturday is Saturday's, although it is still Friday in UTC.
    """
    if period is Period.LIFETIME:
        return None, None
    local = as_of.astimezone(tz)
    day = local.date()
    if period is Period.DAY:
        start, end = day, day + timedelta(days=1)
    elif period is Period.WEEK:
        start = day - timedelta(days=day.weekday())
        end = start + timedelta(days=7)
    elif period is Period.MONTH:
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
    else:
        start, end = day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    return _local_midnight(start.isoformat(), tz), _local_midnight(end.isoformat(), tz)


def _local_midnight(iso_day: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(iso_day).replace(tzinfo=tz).astimezone(UTC)


def usage_needed(program: Program, source: Order | CustomerEvent) -> UsageQuery:
    """Exactly the history the limits of the rules `source` can trigger will consult."""
    if isinstance(source, Order):
        rules, as_of, properties = program.order_rules, source.placed_at, {}
    else:
        rules = program.rules_for_event(source.type)
        as_of, properties = source.occurred_at, dict(source.properties)
    windows: list[UsageWindow] = []
    subjects: list[SubjectCheck] = []
    for rule in rules:
        for limit in rule.limits:
            if isinstance(limit, PerCustomer):
                starts, ends = period_bounds(limit.period, as_of, program.tz)
                windows.append(UsageWindow(rule.id, limit.period, starts, ends))
            elif isinstance(limit, OncePer) and limit.property in properties:
                value = str(properties[limit.property])
                subjects.append(SubjectCheck(rule.id, limit.property, value))
    action_day = None
    if isinstance(source, CustomerEvent) and program.action_daily_cap is not None:
        starts, ends = period_bounds(Period.DAY, as_of, program.tz)
        assert starts is not None and ends is not None
        action_day = (starts, ends)
    return UsageQuery(tuple(windows), tuple(subjects), action_day)


# --- results ---------------------------------------------------------------------------------


class AwardKind(StrEnum):
    """What an award was computed from, which is also how a refund takes it back."""

    PER_AMOUNT = "per_amount"
    PER_UNIT = "per_unit"
    FIXED = "fixed"
    THRESHOLD = "threshold"
    ACTION = "action"


class CountedLine(NamedTuple):
    """An order line a rule counted: how many units and what eligible value.

    A named tuple rather than a frozen dataclass: one is built per line per order, and a
    tuple is built several times faster while being just as immutable.
    """

    line_id: str
    quantity: int
    value: Decimal


@dataclass(frozen=True, slots=True)
class AppliedMultiplier:
    """A multiplier rule that changed an award."""

    rule_id: str
    name: LocalizedText
    factor: Decimal


@dataclass(frozen=True, slots=True)
class Cap:
    """The limit that cut an award: what it would have been, and why it was not."""

    limit: CapSource
    uncapped_points: int
    used: int
    explanation: Explanation


@dataclass(frozen=True, slots=True, kw_only=True)
class Award:
    """Points one rule gives, with everything needed to explain, store and refund them.

    `points` is what the customer gets. A withheld award (cut to nothing by a limit, or set
    aside by a better rule of its best-of group) has `points == 0` and says why.
    """

    rule_id: str
    rule_name: LocalizedText
    program_version: int
    points: int
    kind: AwardKind
    points_name: LocalizedText
    counted: tuple[CountedLine, ...] = ()
    amount: Money | None = None
    items: int = 0
    rate: EarnRate | None = None
    unit_points: int | None = None
    multiplier: Decimal = ONE
    multiplied_by: tuple[AppliedMultiplier, ...] = ()
    cap: Cap | None = None
    set_aside_by: str | None = None
    subject: str | None = None
    min_amount: Decimal | None = None
    min_quantity: int | None = None
    explanation: tuple[Explanation, ...] = ()

    @property
    def capped(self) -> bool:
        """True when a limit cut this award."""
        return self.cap is not None


@dataclass(frozen=True, slots=True)
class NoAward:
    """A rule that gave nothing, with the condition it did not meet (when there is one)."""

    rule_id: str = ""
    reason: Explanation | None = None

    @property
    def points(self) -> int:
        """Always 0, so results can be summed without asking what they are."""
        return 0

    @property
    def explanation(self) -> tuple[Explanation, ...]:
        """The reason as a one-part explanation, or nothing."""
        return (self.reason,) if self.reason is not None else ()


NO_AWARD = NoAward()
"""Nothing earned, for no reason worth telling."""

Result: TypeAlias = Award | NoAward
"""What one rule answers: an `Award`, or a `NoAward` (possibly `NO_AWARD`)."""


@dataclass(frozen=True, slots=True)
class RuleUse:
    """One use of a rule to record for future limits: its points (0 for a multiplier)."""

    rule_id: str
    points: int
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The answer for one order or event: awards, withheld awards, unmet rules, and the total.

    For orders, `basis` is what the awards were based on; store it with the awards, because
    refunds are computed from it (`take_back`).
    """

    program_version: int
    source_id: str
    occurred_at: datetime
    awards: tuple[Award, ...]
    withheld: tuple[Award, ...]
    not_met: tuple[NoAward, ...]
    basis: OrderBasis | None = None

    @property
    def total(self) -> int:
        """Points earned, all awards together."""
        return sum(award.points for award in self.awards)

    def uses(self) -> tuple[RuleUse, ...]:
        """Rule uses to persist so later limits can count them: awards, then multipliers."""
        uses = [RuleUse(a.rule_id, a.points, a.subject) for a in self.awards]
        multipliers = dict.fromkeys(m.rule_id for a in self.awards for m in a.multiplied_by)
        return (*uses, *(RuleUse(rule_id, 0) for rule_id in multipliers))

    def explain(self, locale: str = DEFAULT_LOCALE) -> tuple[str, ...]:
        """One sentence per award, then per withheld award, in `locale`."""
        return tuple(explain(award, locale) for award in (*self.awards, *self.withheld))


def explain(result: Award | NoAward | TakeBack, locale: str = DEFAULT_LOCALE) -> str:
    """What a person reads about a result, in `locale` (`en`, `ar`; others fall back)."""
    return render(result.explanation, locale)


# --- facts: what the rules look at -----------------------------------------------------------


class _Eligible(NamedTuple):
    line: OrderLine
    value: Decimal
    counted: CountedLine


@dataclass(frozen=True, slots=True)
class _Counted:
    lines: tuple[_Eligible, ...]
    value: Decimal
    units: int


_NOTHING_COUNTED = _Counted((), ZERO, 0)


@dataclass(frozen=True, slots=True)
class _Facts:
    program: Program
    when: datetime
    channel: Channel | None
    customer: Customer | None
    properties: Mapping[str, PropertyValue]
    all_counted: _Counted
    values: Mapping[str, Decimal] = field(default_factory=dict)


def _counted(lines: tuple[_Eligible, ...]) -> _Counted:
    return _Counted(lines, sum((e.value for e in lines), ZERO), sum(e.line.quantity for e in lines))


def _earning_values(program: Program, order: Order) -> dict[str, Decimal]:
    """What each earning line earns on: its net paid amount less its share of order discounts."""
    earning = [line for line in order.lines if line.kind in program.earning_kinds and line.paid > 0]
    discount = -sum((line.paid for line in order.lines if line.kind is LineKind.DISCOUNT), ZERO)
    values = _spread_discount([line.paid for line in earning], discount, order.currency)
    return {line.line_id: value for line, value in zip(earning, values, strict=True)}


def _spread_discount(amounts: list[Decimal], discount: Decimal, currency: str) -> list[Decimal]:
    """Subtract `discount` from `amounts` in proportion, in whole minor units.

    Largest remainders get the odd cents, so the parts add up exactly to the discount and the
    per-line values stay exact decimals that earn and refund without drift.
    """
    whole = sum(amounts, ZERO)
    if discount <= 0 or whole <= 0:
        return amounts
    if discount >= whole:
        return [ZERO for _ in amounts]
    unit = Decimal(1).scaleb(-minor_units(currency))
    cut_units = int((discount / unit).to_integral_value(rounding=ROUND_HALF_UP))
    exact = [Fraction(amount) * cut_units / Fraction(whole) for amount in amounts]
    cuts = [share.numerator // share.denominator for share in exact]
    by_remainder = sorted(range(len(amounts)), key=lambda i: (cuts[i] - exact[i], i))
    for index in by_remainder[: cut_units - sum(cuts)]:
        cuts[index] += 1
    return [max(ZERO, amount - cut * unit) for amount, cut in zip(amounts, cuts, strict=True)]


def _order_facts(program: Program, order: Order, customer: Customer | None) -> _Facts:
    if order.currency != program.currency:
        raise CurrencyMismatch(
            f"order {order.order_id!r} is in {order.currency}; the program is in {program.currency}"
        )
    values = _earning_values(program, order)
    eligible = tuple(
        _Eligible(line, value, CountedLine(line.line_id, line.quantity, value))
        for line in order.lines
        if (value := values.get(line.line_id, ZERO)) > 0
    )
    return _Facts(
        program=program,
        when=order.placed_at.astimezone(program.tz),
        channel=order.channel,
        customer=customer,
        properties=MappingProxyType({}),
        all_counted=_counted(eligible),
        values=values,
    )


# --- conditions ------------------------------------------------------------------------------


def _unmet(rule: Rule, facts: _Facts) -> Explanation | None:
    """The first condition about the moment or the customer that fails, as a reason."""
    for condition in rule.context_conditions:
        reason = _check(condition, rule, facts)
        if reason is not None:
            return reason
    return None


def _check(condition: object, rule: Rule, facts: _Facts) -> Explanation | None:
    name = rule.name
    if isinstance(condition, OnChannels):
        if facts.channel in condition.channels:
            return None
        channels = tuple(Label(c.value) for c in sorted(condition.channels))
        return Explanation.of("not_met.channel", rule=name, channels=channels)
    if isinstance(condition, OnWeekdays):
        if facts.when.weekday() in condition.days:
            return None
        days = tuple(Label(Weekday(d).label) for d in sorted(condition.days))
        return Explanation.of("not_met.weekday", rule=name, weekdays=days)
    if isinstance(condition, InWindow):
        return None if _in_window(condition, facts.when) else _reason("not_met.window", name)
    if isinstance(condition, ForTiers | ForTags):
        return _customer_unmet(condition, name, facts.customer)
    if isinstance(condition, PropertyTest):
        if _property_holds(condition, facts.properties):
            return None
        return Explanation.of("not_met.property", rule=name, property=Label(condition.name))
    return None


def _reason(key: str, rule_name: LocalizedText) -> Explanation:
    return Explanation.of(key, rule=rule_name)


def _in_window(window: InWindow, when: datetime) -> bool:
    """Compare wall-clock times: the window was written in the store's local time."""
    local = when.replace(tzinfo=None)
    if window.starts is not None and local < window.starts:
        return False
    return window.ends is None or local < window.ends


def _customer_unmet(
    condition: ForTiers | ForTags, name: LocalizedText, customer: Customer | None
) -> Explanation | None:
    if customer is None:
        return _reason("not_met.customer", name)
    if isinstance(condition, ForTiers):
        if customer.tier in condition.tiers:
            return None
        return Explanation.of("not_met.tier", rule=name, tiers=tuple(sorted(condition.tiers)))
    if not condition.tags.isdisjoint(customer.tags):
        return None
    return Explanation.of("not_met.tag", rule=name, tags=tuple(sorted(condition.tags)))


def _number(value: object) -> Decimal | None:
    """A property as a number, when it is one (`4`, `Decimal("4.5")`, `"4"`); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except ArithmeticError:
            return None
    return None


def _same(actual: PropertyValue, expected: object) -> bool:
    """Equal as numbers when both are numbers (4 == "4.0"), else equal as given."""
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:
        return left == right
    return actual == expected


def _property_holds(test: PropertyTest, properties: Mapping[str, PropertyValue]) -> bool:
    actual = properties.get(test.name)
    if actual is None or actual == "":
        return False
    if test.op is PropertyOp.EXISTS:
        return True
    if test.op is PropertyOp.EQUALS:
        return _same(actual, test.value)
    if test.op is PropertyOp.NOT_EQUALS:
        return not _same(actual, test.value)
    if test.op is PropertyOp.ONE_OF:
        options = test.value if isinstance(test.value, tuple) else (test.value,)
        return any(_same(actual, option) for option in options)
    number, bound = _number(actual), _number(test.value)
    if number is None or bound is None:
        return False
    return number >= bound if test.op is PropertyOp.AT_LEAST else number <= bound


def _count(rule: Rule, facts: _Facts) -> _Counted:
    """The eligible items the rule counts: all of them, or those its filters pick."""
    items, exclude = rule.items, rule.exclude_items
    if items is None and exclude is None:
        return facts.all_counted
    picked = tuple(
        eligible
        for eligible in facts.all_counted.lines
        if (items is None or items.matches_line(eligible.line))
        and (exclude is None or not exclude.matches_line(eligible.line))
    )
    return _counted(picked)


def _minimum_unmet(rule: Rule, counted: _Counted, program: Program) -> Explanation | None:
    """Minimums are tested on what the rule counted: its items' net paid value and units."""
    min_amount, min_quantity = rule.min_amount, rule.min_quantity
    if min_amount is not None and counted.value < min_amount:
        missing = Money(min_amount - counted.value, program.currency)
        return Explanation.of("not_met.min_amount", rule=rule.name, missing=missing)
    if min_quantity is not None and counted.units < min_quantity:
        missing_units = min_quantity - counted.units
        return Explanation.of("not_met.min_quantity", rule=rule.name, missing=missing_units)
    return None


# --- candidates: a rule's award before multipliers and limits --------------------------------


@dataclass(slots=True)
class _Draft:
    """An award being built; becomes an `Award` once multipliers and limits are applied."""

    rule: Rule
    kind: AwardKind
    counted: _Counted
    numerator: Decimal
    divisor: Decimal
    rate: EarnRate | None = None
    unit_points: int | None = None
    subject: str | None = None
    multipliers: tuple[_Boost, ...] = ()
    factor: Decimal = ONE
    points: int = 0
    cap: Cap | None = None
    set_aside_by: Rule | None = None


@dataclass(frozen=True, slots=True)
class _Boost:
    """A multiplier rule whose conditions hold for this order."""

    rule: Rule
    effect: Multiply
    counted: _Counted


def _assess(rule: Rule, facts: _Facts) -> _Draft | _Boost | NoAward:
    """One rule against the facts: a draft award, a multiplier, or why it gives nothing."""
    reason = _unmet(rule, facts)
    if reason is not None:
        return NoAward(rule.id, reason)
    if not rule.is_order_rule:
        return _action_draft(rule, facts)
    counted = _count(rule, facts)
    if not counted.lines:
        return NoAward(rule.id, _reason("not_met.items", rule.name))
    reason = _minimum_unmet(rule, counted, facts.program)
    if reason is not None:
        return NoAward(rule.id, reason)
    effect = rule.effect
    if isinstance(effect, Multiply):
        return _Boost(rule, effect, counted)
    if isinstance(effect, PerAmount):
        rate = effect.rate or facts.program.earn_rate
        numerator = counted.value * rate.points
        return _Draft(rule, AwardKind.PER_AMOUNT, counted, numerator, rate.per.amount, rate=rate)
    if isinstance(effect, PerUnit):
        numerator = Decimal(counted.units * effect.points)
        return _Draft(rule, AwardKind.PER_UNIT, counted, numerator, ONE, unit_points=effect.points)
    has_minimum = rule.min_amount is not None or rule.min_quantity is not None
    kind = AwardKind.THRESHOLD if has_minimum else AwardKind.FIXED
    return _Draft(rule, kind, counted, Decimal(effect.points), ONE)


def _action_draft(rule: Rule, facts: _Facts) -> _Draft | NoAward:
    """An action gives fixed points; a `once_per` property must be present to be enforced."""
    subject = None
    for limit in rule.limits:
        if isinstance(limit, OncePer):
            value = facts.properties.get(limit.property)
            if value is None or value == "":
                return NoAward(
                    rule.id,
                    Explanation.of(
                        "not_met.property", rule=rule.name, property=Label(limit.property)
                    ),
                )
            subject = str(value)
    points = rule.effect.points if isinstance(rule.effect, FixedPoints) else 0
    return _Draft(rule, AwardKind.ACTION, _NOTHING_COUNTED, Decimal(points), ONE, subject=subject)


# --- multipliers -----------------------------------------------------------------------------


def _usable_boosts(
    boosts: list[_Boost], usage: UsageSnapshot
) -> tuple[list[_Boost], list[NoAward]]:
    """Drop multipliers whose per-customer limit is reached, then keep the best of each group."""
    usable: list[_Boost] = []
    dropped: list[NoAward] = []
    for boost in boosts:
        if _times_exhausted(boost.rule, usage):
            dropped.append(NoAward(boost.rule.id, _reason("not_met.limit", boost.rule.name)))
        else:
            usable.append(boost)
    best: dict[str, _Boost] = {}
    for boost in usable:
        group = boost.rule.group
        if group is not None and (
            group not in best or boost.effect.factor > best[group].effect.factor
        ):
            best[group] = boost
    kept: list[_Boost] = []
    for boost in usable:
        group = boost.rule.group
        if group is None or best[group] is boost:
            kept.append(boost)
            continue
        reason = Explanation.of(
            "not_met.best_of", rule=boost.rule.name, winner=best[group].rule.name, group=group
        )
        dropped.append(NoAward(boost.rule.id, reason))
    return kept, dropped


def _times_exhausted(rule: Rule, usage: UsageSnapshot) -> bool:
    return any(
        isinstance(limit, PerCustomer)
        and limit.times is not None
        and usage.of(rule.id, limit.period).times >= limit.times
        for limit in rule.limits
    )


def _targets(effect: Multiply, draft: _Draft) -> bool:
    """A multiplier changes the rules it names, or every per-amount rule when it names none."""
    if effect.rules:
        return draft.rule.id in effect.rules
    return draft.kind is AwardKind.PER_AMOUNT


def _multiply(draft: _Draft, boosts: Sequence[_Boost]) -> None:
    applied = tuple(b for b in boosts if _targets(b.effect, draft))
    factor = ONE
    for boost in applied:
        factor *= boost.effect.factor
    draft.multipliers, draft.factor = applied, factor


# --- limits ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Room:
    """What a limit still allows, what the customer already used of it, and how to say so."""

    points: int
    used: int
    reason: Explanation


def _limit(draft: _Draft, usage: UsageSnapshot, program: Program) -> None:
    """Apply the rule's own limits; the tightest one is recorded, with its explanation."""
    allowed, before = draft.points, draft.points
    for limit in draft.rule.limits:
        room = _room(limit, draft, usage, program.points_name, before)
        if room is not None and room.points < allowed:
            allowed = max(0, room.points)
            draft.cap = Cap(limit, before, room.used, room.reason)
    draft.points = allowed


def _room(
    limit: CapSource, draft: _Draft, usage: UsageSnapshot, name: LocalizedText, before: int
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


def _apply_daily_cap(drafts: list[_Draft], usage: UsageSnapshot, program: Program) -> None:
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


def _best_of(drafts: list[_Draft]) -> None:
    """In each group only the largest award counts (the first one on a tie)."""
    best: dict[str, _Draft] = {}
    for draft in drafts:
        group = draft.rule.group
        if group is not None and (group not in best or draft.points > best[group].points):
            best[group] = draft
    for draft in drafts:
        group = draft.rule.group
        if group is not None and best[group] is not draft and draft.points > 0:
            draft.set_aside_by = best[group].rule


# --- building the awards ---------------------------------------------------------------------


def _finish(draft: _Draft, program: Program) -> Award:
    counted = draft.counted
    min_amount, min_quantity = draft.rule.min_amount, draft.rule.min_quantity
    return Award(
        rule_id=draft.rule.id,
        rule_name=draft.rule.name,
        program_version=program.version,
        points=0 if draft.set_aside_by is not None else draft.points,
        kind=draft.kind,
        points_name=program.points_name,
        counted=tuple(e.counted for e in counted.lines),
        amount=Money(counted.value, program.currency) if counted.lines else None,
        items=counted.units,
        rate=draft.rate,
        unit_points=draft.unit_points,
        multiplier=draft.factor,
        multiplied_by=tuple(
            AppliedMultiplier(b.rule.id, b.rule.name, b.effect.factor) for b in draft.multipliers
        ),
        cap=draft.cap,
        set_aside_by=draft.set_aside_by.id if draft.set_aside_by is not None else None,
        subject=draft.subject,
        min_amount=min_amount,
        min_quantity=min_quantity,
        explanation=_describe(draft, program, min_amount, min_quantity),
    )


def _describe(
    draft: _Draft, program: Program, min_amount: Decimal | None, min_quantity: int | None
) -> tuple[Explanation, ...]:
    parts = [_headline(draft, program, min_amount, min_quantity)]
    parts.extend(_multiplier_part(b) for b in draft.multipliers)
    if draft.cap is not None:
        parts.append(draft.cap.explanation)
    if draft.set_aside_by is not None:
        parts.append(
            Explanation.of(
                "set_aside.best_of", winner=draft.set_aside_by.name, group=draft.rule.group or ""
            )
        )
    return tuple(parts)


def _headline(
    draft: _Draft, program: Program, min_amount: Decimal | None, min_quantity: int | None
) -> Explanation:
    """The first clause: which rule, how many points, on what."""
    common: dict[str, Any] = {
        "rule": draft.rule.name,
        "points": _shown_points(draft),
        "points_name": program.points_name,
    }
    counted = draft.counted
    one = ".one" if counted.units == 1 else ""
    if draft.kind is AwardKind.PER_AMOUNT and draft.rate is not None:
        per = draft.rate.per
        return Explanation.of(
            f"award.per_amount{one}",
            **common,
            amount=Money(counted.value, program.currency),
            items=counted.units,
            rate_points=draft.rate.points,
            rate_per=f"{_plain(per.amount)} {per.currency}",
        )
    if draft.kind is AwardKind.PER_UNIT:
        return Explanation.of(
            f"award.per_unit{one}",
            **common,
            items=counted.units,
            unit_points=draft.unit_points or 0,
        )
    if draft.kind is AwardKind.ACTION:
        return Explanation.of("award.action", **common, event=Label(draft.rule.on))
    if min_amount is not None:
        return Explanation.of(
            "award.threshold", **common, min_amount=Money(min_amount, program.currency)
        )
    if min_quantity is not None:
        return Explanation.of("award.threshold_quantity", **common, min_quantity=min_quantity)
    return Explanation.of("award.fixed_order", **common)


def _shown_points(draft: _Draft) -> int:
    """An award cut to nothing still says what it would have given, next to why it did not."""
    if draft.points == 0 and draft.cap is not None:
        return draft.cap.uncapped_points
    return draft.points


def _plain(amount: Decimal) -> str:
    """1 USD rather than 1.00 USD in a rate, which reads as a ratio, not a price."""
    return str(amount.quantize(ONE)) if amount == amount.to_integral_value() else str(amount)


def _multiplier_part(boost: _Boost) -> Explanation:
    factor = boost.effect.factor
    key = {Decimal(2): "multiplied.2", Decimal(3): "multiplied.3"}.get(factor, "multiplied")
    return Explanation.of(key, rule=boost.rule.name, factor=factor)


# --- the public evaluations ------------------------------------------------------------------


def evaluate_order(
    program: Program,
    order: Order,
    *,
    customer: Customer | None = None,
    usage: UsageSnapshot = NO_USAGE,
) -> Evaluation:
    """The points `order` earns under `program` for `customer` (None: a guest or a preview).

    `usage` is the customer's history for the limits (`usage_needed` says what to load).
    Pure: the same arguments always give the same answer.
    """
    facts = _order_facts(program, order, customer)
    drafts: list[_Draft] = []
    boosts: list[_Boost] = []
    not_met: list[NoAward] = []
    for rule in program.order_rules:
        outcome = _assess(rule, facts)
        if isinstance(outcome, _Draft):
            drafts.append(outcome)
        elif isinstance(outcome, _Boost):
            boosts.append(outcome)
        else:
            not_met.append(outcome)
    usable, dropped = _usable_boosts(boosts, usage)
    not_met.extend(dropped)
    for draft in drafts:
        _multiply(draft, usable)
        draft.points = round_points(
            draft.numerator * draft.factor, program.rounding, per=draft.divisor
        )
        _limit(draft, usage, program)
    _best_of(drafts)
    return _assemble(
        program,
        order.order_id,
        order.placed_at,
        drafts,
        not_met,
        lambda awards: _order_basis(program, order, facts, awards, usable),
    )


def evaluate_event(
    program: Program,
    event: CustomerEvent,
    *,
    customer: Customer | None = None,
    usage: UsageSnapshot = NO_USAGE,
) -> Evaluation:
    """The points a customer action earns: the rules for its type, their limits, the daily cap."""
    facts = _Facts(
        program=program,
        when=event.occurred_at.astimezone(program.tz),
        channel=event.channel,
        customer=customer,
        properties=event.properties,
        all_counted=_NOTHING_COUNTED,
    )
    drafts: list[_Draft] = []
    not_met: list[NoAward] = []
    for rule in program.rules_for_event(event.type):
        outcome = _assess(rule, facts)
        if isinstance(outcome, _Draft):
            outcome.points = round_points(outcome.numerator, program.rounding)
            _limit(outcome, usage, program)
            drafts.append(outcome)
        elif isinstance(outcome, NoAward):
            not_met.append(outcome)
    _best_of(drafts)
    _apply_daily_cap(drafts, usage, program)
    return _assemble(program, event.event_id, event.occurred_at, drafts, not_met)


def _assemble(
    program: Program,
    source_id: str,
    occurred_at: datetime,
    drafts: list[_Draft],
    not_met: list[NoAward],
    basis: Callable[[tuple[Award, ...]], OrderBasis] | None = None,
) -> Evaluation:
    finished = [_finish(draft, program) for draft in drafts]
    awards = tuple(a for a in finished if a.points > 0)
    return Evaluation(
        program_version=program.version,
        source_id=source_id,
        occurred_at=occurred_at,
        awards=awards,
        withheld=tuple(a for a in finished if a.points == 0),
        not_met=tuple(not_met),
        basis=basis(awards) if basis is not None else None,
    )


def preview_cart(
    program: Program,
    lines: Iterable[OrderLine],
    *,
    as_of: datetime,
    customer: Customer | None = None,
    usage: UsageSnapshot = NO_USAGE,
    channel: Channel = Channel.ONLINE,
) -> Evaluation:
    """What a cart would earn if ordered at `as_of` ("earn 120 Flex"), writing nothing.

    The same evaluation as a real order, so a preview can never promise what the order
    would not give. Without a customer, tier and tag rules do not apply and no limit has
    been used.
    """
    order = Order("preview", as_of, program.currency, tuple(lines), channel)
    return evaluate_order(program, order, customer=customer, usage=usage)


def preview_product(
    program: Program,
    *,
    price: Decimal,
    as_of: datetime,
    product_id: str | None = None,
    sku: str | None = None,
    categories: frozenset[str] = frozenset(),
    tags: frozenset[str] = frozenset(),
    quantity: int = 1,
    customer: Customer | None = None,
    usage: UsageSnapshot = NO_USAGE,
    channel: Channel = Channel.ONLINE,
) -> Evaluation:
    """What one product would earn on its own, for a product page ("earn 120 Flex")."""
    line = OrderLine(
        line_id="preview",
        paid=price * quantity,
        quantity=quantity,
        product_id=product_id,
        sku=sku,
        categories=categories,
        tags=tags,
    )
    return preview_cart(
        program, (line,), as_of=as_of, customer=customer, usage=usage, channel=channel
    )


# --- refunds ---------------------------------------------------------------------------------


class Measure(StrEnum):
    """How an award shrinks when its order is refunded."""

    VALUE = "value"
    UNITS = "units"
    WHOLE = "whole"


class LineBasis(NamedTuple):
    """A line as the awards saw it: units, effective amount paid, and whether it earned.

    `paid` is net of the line's share of any order-level discount, so a refund "by amount"
    of a discounted line is measured against what was actually paid for it.
    """

    line_id: str
    quantity: int
    paid: Decimal
    earns: bool


@dataclass(frozen=True, slots=True)
class MultiplierBasis:
    """A multiplier inside an award, kept so a refund can undo it when its minimum is lost."""

    rule_id: str
    factor: Decimal
    line_ids: tuple[str, ...]
    min_amount: Decimal | None = None
    min_quantity: int | None = None


@dataclass(frozen=True, slots=True)
class AwardBasis:
    """What one order award was based on, for taking it back in proportion."""

    rule_id: str
    rule_name: LocalizedText
    points: int
    measure: Measure
    line_ids: tuple[str, ...]
    min_amount: Decimal | None = None
    min_quantity: int | None = None
    multipliers: tuple[MultiplierBasis, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderBasis:
    """Everything `take_back` needs about an order's earning; store it with the awards."""

    order_id: str
    program_version: int
    currency: str
    points_name: LocalizedText
    lines: tuple[LineBasis, ...]
    awards: tuple[AwardBasis, ...]

    @property
    def earned(self) -> int:
        """Points the order earned in total."""
        return sum(award.points for award in self.awards)

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict (decimals as strings) for storing next to the order's awards."""
        return _basis_to_record(self)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> OrderBasis:
        """The basis back from `to_record`'s dict."""
        return _basis_from_record(record)


def _order_basis(
    program: Program,
    order: Order,
    facts: _Facts,
    awards: tuple[Award, ...],
    boosts: Sequence[_Boost],
) -> OrderBasis:
    earning = {e.line.line_id for e in facts.all_counted.lines}
    lines = tuple(
        LineBasis(
            line.line_id,
            line.quantity,
            facts.values.get(line.line_id, line.paid),
            line.line_id in earning,
        )
        for line in order.lines
        if line.kind is not LineKind.DISCOUNT
    )
    by_rule = {boost.rule.id: boost for boost in boosts}
    return OrderBasis(
        order_id=order.order_id,
        program_version=program.version,
        currency=order.currency,
        points_name=program.points_name,
        lines=lines,
        awards=tuple(_award_basis(award, by_rule) for award in awards),
    )


def _award_basis(award: Award, boosts: Mapping[str, _Boost]) -> AwardBasis:
    measure = {
        AwardKind.PER_AMOUNT: Measure.VALUE,
        AwardKind.PER_UNIT: Measure.UNITS,
    }.get(award.kind, Measure.WHOLE)
    multipliers = []
    for applied in award.multiplied_by:
        boost = boosts[applied.rule_id]
        min_amount, min_quantity = boost.rule.min_amount, boost.rule.min_quantity
        line_ids = tuple(e.line.line_id for e in boost.counted.lines)
        multipliers.append(
            MultiplierBasis(applied.rule_id, applied.factor, line_ids, min_amount, min_quantity)
        )
    return AwardBasis(
        rule_id=award.rule_id,
        rule_name=award.rule_name,
        points=award.points,
        measure=measure,
        line_ids=tuple(line.line_id for line in award.counted),
        min_amount=award.min_amount,
        min_quantity=award.min_quantity,
        multipliers=tuple(multipliers),
    )


@dataclass(frozen=True, slots=True)
class RefundedLine:
    """Part of a line refunded: some units, or an amount of what was paid for it."""

    line_id: str
    quantity: int = 0
    amount: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Refund:
    """A refund as the store reports it: lines, an amount not tied to a line, or everything.

    An unattributed `amount` is spread over what remains of the order in proportion to its
    paid value (shipping and tax included), because the store did not say what it was for.
    A cancellation is `Refund.everything(id)`.
    """

    refund_id: str
    lines: tuple[RefundedLine, ...] = ()
    amount: Decimal = ZERO
    whole_order: bool = False

    def __post_init__(self) -> None:
        if self.amount < 0 or any(r.quantity < 0 or r.amount < 0 for r in self.lines):
            raise InvalidRefund("refund", "quantities and amounts cannot be negative")

    @classmethod
    def everything(cls, refund_id: str) -> Refund:
        """A full refund or a cancellation: every point the order earned goes back."""
        return cls(refund_id, whole_order=True)


@dataclass(frozen=True, slots=True)
class AwardTakeBack:
    """Points taken back from one award by one refund, and what it still keeps."""

    rule_id: str
    points: int
    kept: int
    explanation: Explanation


@dataclass(frozen=True, slots=True)
class TakeBack:
    """What one refund takes back from an order's points.

    `points` is to reverse now; `kept` is what the order keeps after it; `taken_back` is the
    total reversed by all refunds so far, never more than `earned`.
    """

    refund_id: str
    order_id: str
    points: int
    kept: int
    taken_back: int
    earned: int
    awards: tuple[AwardTakeBack, ...]

    @property
    def explanation(self) -> tuple[Explanation, ...]:
        """One clause per award that lost points."""
        return tuple(a.explanation for a in self.awards if a.points > 0)


@dataclass(slots=True)
class _LineState:
    paid: Fraction
    quantity: int


def _remaining(basis: OrderBasis, refunds: Sequence[Refund]) -> dict[str, _LineState]:
    """What is left of each line after `refunds`, applied in order. Never below zero."""
    original = {line.line_id: line for line in basis.lines}
    state = {line.line_id: _LineState(Fraction(line.paid), line.quantity) for line in basis.lines}
    for refund in refunds:
        if refund.whole_order:
            for line_state in state.values():
                line_state.paid, line_state.quantity = Fraction(0), 0
            continue
        for refunded in refund.lines:
            if refunded.line_id not in state:
                raise InvalidRefund(
                    "lines", f"order {basis.order_id!r} has no line {refunded.line_id!r}"
                )
            _refund_line(state[refunded.line_id], original[refunded.line_id], refunded)
        if refund.amount > 0:
            _spread_refund(state, Fraction(refund.amount))
    return state


def _refund_line(state: _LineState, line: LineBasis, refunded: RefundedLine) -> None:
    """Units come back at the line's paid price per unit; an amount comes off what was paid."""
    if refunded.quantity:
        state.paid -= Fraction(line.paid) * refunded.quantity / line.quantity
        state.quantity -= refunded.quantity
    state.paid -= Fraction(refunded.amount)
    if state.paid <= 0 or state.quantity <= 0:
        state.paid, state.quantity = Fraction(0), 0


def _spread_refund(state: dict[str, _LineState], amount: Fraction) -> None:
    remaining = sum((s.paid for s in state.values()), Fraction(0))
    if remaining <= 0:
        return
    keep = max(Fraction(0), 1 - amount / remaining)
    for line_state in state.values():
        line_state.paid *= keep
        if keep == 0:
            line_state.quantity = 0


def _kept(award: AwardBasis, basis: OrderBasis, state: Mapping[str, _LineState]) -> int:
    """Points an award keeps given what remains of its lines.

    Per-amount awards keep the share of their counted value still paid; per-unit awards the
    share of units still held. Fixed and threshold bonuses are all or nothing: kept while any
    counted item remains and every minimum the rule asked for (amount, quantity) is still met,
    taken back entirely otherwise; a multiplier whose minimum is no longer met is undone.
    Kept points are always rounded down, whatever the program's rounding, so an order never
    keeps more than its remaining paid value would earn.
    """
    original = {line.line_id: line for line in basis.lines}
    value, units = _left(award.line_ids, state)
    if _below(award.min_amount, award.min_quantity, value, units) or value == 0:
        return 0
    if award.measure is Measure.VALUE:
        whole = sum((Fraction(original[i].paid) for i in award.line_ids), Fraction(0))
        share = value / whole
    elif award.measure is Measure.UNITS:
        share = Fraction(units, sum(original[i].quantity for i in award.line_ids))
    else:
        share = Fraction(1)
    kept = award.points * share
    for multiplier in award.multipliers:
        boost_value, boost_units = _left(multiplier.line_ids, state)
        if _below(multiplier.min_amount, multiplier.min_quantity, boost_value, boost_units):
            kept /= Fraction(multiplier.factor)
    return min(award.points, int(kept))


def _left(line_ids: Iterable[str], state: Mapping[str, _LineState]) -> tuple[Fraction, int]:
    value, units = Fraction(0), 0
    for line_id in line_ids:
        value += state[line_id].paid
        units += state[line_id].quantity
    return value, units


def _below(
    min_amount: Decimal | None, min_quantity: int | None, value: Fraction, units: int
) -> bool:
    return (min_amount is not None and value < Fraction(min_amount)) or (
        min_quantity is not None and units < min_quantity
    )


def points_kept(basis: OrderBasis, refunds: Sequence[Refund]) -> int:
    """Points the order keeps after all `refunds`: never negative, never above `earned`."""
    state = _remaining(basis, refunds)
    return sum(_kept(award, basis, state) for award in basis.awards)


def take_back(basis: OrderBasis, refund: Refund, *, earlier: Sequence[Refund] = ()) -> TakeBack:
    """Points to reverse now for `refund`, given the order's `basis` and `earlier` refunds.

    Computed as (kept before) - (kept after) from the cumulative refunds, so repeated partial
    refunds add up to exactly what one equal refund would take back, and together they can
    never take back more than the order earned or leave it with negative points.
    """
    before = _remaining(basis, earlier)
    after = _remaining(basis, (*earlier, refund))
    parts = []
    for award in basis.awards:
        kept_before = _kept(award, basis, before)
        kept_after = min(kept_before, _kept(award, basis, after))
        parts.append(_award_take_back(award, basis, kept_before - kept_after, kept_after))
    kept = sum(part.kept for part in parts)
    return TakeBack(
        refund_id=refund.refund_id,
        order_id=basis.order_id,
        points=sum(part.points for part in parts),
        kept=kept,
        taken_back=basis.earned - kept,
        earned=basis.earned,
        awards=tuple(parts),
    )


def _award_take_back(award: AwardBasis, basis: OrderBasis, points: int, kept: int) -> AwardTakeBack:
    if award.measure is Measure.WHOLE and kept == 0:
        key = (
            "take_back.threshold" if (award.min_amount or award.min_quantity) else "take_back.fixed"
        )
    else:
        key = "take_back.award"
    explanation = Explanation.of(
        key, rule=award.rule_name, points=points, points_name=basis.points_name, kept=kept
    )
    return AwardTakeBack(award.rule_id, points, kept, explanation)


# --- storing a basis -------------------------------------------------------------------------


def _basis_to_record(basis: OrderBasis) -> dict[str, Any]:
    def optional(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    return {
        "order_id": basis.order_id,
        "program_version": basis.program_version,
        "currency": basis.currency,
        "points_name": basis.points_name.as_dict(),
        "lines": [
            {
                "line_id": line.line_id,
                "quantity": line.quantity,
                "paid": str(line.paid),
                "earns": line.earns,
            }
            for line in basis.lines
        ],
        "awards": [
            {
                "rule_id": a.rule_id,
                "rule_name": a.rule_name.as_dict(),
                "points": a.points,
                "measure": a.measure.value,
                "line_ids": list(a.line_ids),
                "min_amount": optional(a.min_amount),
                "min_quantity": a.min_quantity,
                "multipliers": [
                    {
                        "rule_id": m.rule_id,
                        "factor": str(m.factor),
                        "line_ids": list(m.line_ids),
                        "min_amount": optional(m.min_amount),
                        "min_quantity": m.min_quantity,
                    }
                    for m in a.multipliers
                ],
            }
            for a in basis.awards
        ],
    }


def _basis_from_record(record: Mapping[str, Any]) -> OrderBasis:
    def optional(value: str | None) -> Decimal | None:
        return None if value is None else Decimal(value)

    return OrderBasis(
        order_id=record["order_id"],
        program_version=record["program_version"],
        currency=record["currency"],
        points_name=LocalizedText.of(record["points_name"]),
        lines=tuple(
            LineBasis(line["line_id"], line["quantity"], Decimal(line["paid"]), line["earns"])
            for line in record["lines"]
        ),
        awards=tuple(
            AwardBasis(
                rule_id=a["rule_id"],
                rule_name=LocalizedText.of(a["rule_name"]),
                points=a["points"],
                measure=Measure(a["measure"]),
                line_ids=tuple(a["line_ids"]),
                min_amount=optional(a["min_amount"]),
                min_quantity=a["min_quantity"],
                multipliers=tuple(
                    MultiplierBasis(
                        m["rule_id"],
                        Decimal(m["factor"]),
                        tuple(m["line_ids"]),
                        optional(m["min_amount"]),
                        m["min_quantity"],
                    )
                    for m in a["multipliers"]
                ),
            )
            for a in record["awards"]
        ),
    )
