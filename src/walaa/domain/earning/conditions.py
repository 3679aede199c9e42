"""Conditions: whether a rule applies at this moment, to this customer, on these items."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from walaa.domain.earning.discounts import spread_discount
from walaa.domain.earning.facts import Counted, EligibleLine, Facts, tally
from walaa.domain.earning.inputs import Customer
from walaa.domain.earning.results import CountedLine
from walaa.domain.earning_choices import DiscountSpread, WithCodes
from walaa.domain.explanations import (
    Explanation,
    Label,
    LocalizedText,
)
from walaa.domain.money import (
    ZERO,
    Money,
)
from walaa.domain.program import (
    ForTags,
    ForTiers,
    InWindow,
    OnChannels,
    OnWeekdays,
    PropertyOp,
    PropertyTest,
    PropertyValue,
    Rule,
    Weekday,
)

# --- conditions ------------------------------------------------------------------------------


def context_unmet(rule: Rule, facts: Facts) -> Explanation | None:
    """The first condition about the moment or the customer that fails, as a reason."""
    for condition in rule.context_conditions:
        reason = _check(condition, rule, facts)
        if reason is not None:
            return reason
    return None


def _check(condition: object, rule: Rule, facts: Facts) -> Explanation | None:
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
        return None if _in_window(condition, facts.when) else rule_reason("not_met.window", name)
    if isinstance(condition, ForTiers | ForTags):
        return _customer_unmet(condition, name, facts.customer)
    if isinstance(condition, WithCodes):
        if condition.matching(facts.codes) is not None:
            return None
        return Explanation.of("not_met.code", rule=name, codes=tuple(sorted(condition.codes)))
    if isinstance(condition, PropertyTest):
        if _property_holds(condition, facts.properties):
            return None
        return Explanation.of("not_met.property", rule=name, property=Label(condition.name))
    return None


def rule_reason(key: str, rule_name: LocalizedText) -> Explanation:
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
        return rule_reason("not_met.customer", name)
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


def count_items(rule: Rule, facts: Facts) -> Counted:
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
    if facts.program.discount_spread is DiscountSpread.COUNTED_LINES and facts.discount > 0:
        return _bearing_the_discount(picked, facts)
    return tally(picked)


def _bearing_the_discount(picked: tuple[EligibleLine, ...], facts: Facts) -> Counted:
    """The counted lines, the order's whole discount taken off them alone."""
    currency = facts.program.currency
    cut = spread_discount([e.line.paid for e in picked], facts.discount, currency)
    lines = tuple(
        EligibleLine(e.line, value, CountedLine(e.line.line_id, e.line.quantity, value), e.rewarded)
        for e, value in zip(picked, cut, strict=True)
        if value > 0
    )
    counted = tally(lines)
    return replace(counted, discount=min(facts.discount, sum((e.line.paid for e in picked), ZERO)))


def minimum_unmet(rule: Rule, counted: Counted, facts: Facts) -> Explanation | None:
    """Minimums are tested on what the rule counted: its items' net paid value and units; an
    order minimum on the whole order's eligible items."""
    program = facts.program
    order = rule.order_minimum
    if order is not None:
        whole = facts.all_counted
        if order.amount is not None and whole.value < order.amount:
            missing = Money(order.amount - whole.value, program.currency)
            return Explanation.of("not_met.order_min_amount", rule=rule.name, missing=missing)
        if order.quantity is not None and whole.units < order.quantity:
            missing_units = order.quantity - whole.units
            return Explanation.of(
                "not_met.order_min_quantity", rule=rule.name, missing=missing_units
            )
    min_amount, min_quantity = rule.min_amount, rule.min_quantity
    if min_amount is not None and counted.value < min_amount:
        missing = Money(min_amount - counted.value, program.currency)
        return Explanation.of("not_met.min_amount", rule=rule.name, missing=missing)
    if min_quantity is not None and counted.units < min_quantity:
        missing_units = min_quantity - counted.units
        return Explanation.of("not_met.min_quantity", rule=rule.name, missing=missing_units)
    return None
