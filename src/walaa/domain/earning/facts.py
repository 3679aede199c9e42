"""What the rules look at: each line's earning value once order discounts are spread."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple

from walaa.domain.earning.discounts import spread_discounts, total_taken_off
from walaa.domain.earning.inputs import Customer, Order, OrderLine
from walaa.domain.earning.results import CountedLine
from walaa.domain.earning_choices import RewardsInBase
from walaa.domain.money import (
    ZERO,
    CurrencyMismatch,
)
from walaa.domain.program import (
    Channel,
    LineKind,
    Program,
    PropertyValue,
)

# --- facts: what the rules look at -----------------------------------------------------------


class EligibleLine(NamedTuple):
    line: OrderLine
    value: Decimal
    counted: CountedLine
    rewarded: Decimal = ZERO  # the part of `value` the program's rewards paid (when it earns)


@dataclass(frozen=True, slots=True)
class Counted:
    lines: tuple[EligibleLine, ...]
    value: Decimal
    units: int
    discount: Decimal = ZERO  # the order's discount these lines bore alone (counted_lines)


NOTHING_COUNTED = Counted((), ZERO, 0)


@dataclass(frozen=True, slots=True)
class Facts:
    program: Program
    when: datetime
    channel: Channel | None
    customer: Customer | None
    properties: Mapping[str, PropertyValue]
    all_counted: Counted
    values: Mapping[str, Decimal] = field(default_factory=dict)
    codes: frozenset[str] = frozenset()
    discount: Decimal = ZERO


def tally(lines: tuple[EligibleLine, ...]) -> Counted:
    return Counted(lines, sum((e.value for e in lines), ZERO), sum(e.line.quantity for e in lines))


def _earning_values(
    program: Program, order: Order, *, rewards_earn: bool
) -> tuple[dict[str, Decimal], Decimal]:
    """What each earning line earns on: its net paid amount less its share of order discounts.

    Unless the program's rewards earn, a negative reward line (points or a redeemed reward paid
    part of the order) is one more discount, and reward lines do not earn. How a discount is
    spread is the program's `discount_spread` (see `discounts`). Also answers the discounts
    taken off in all.
    """
    kinds = program.earning_kinds | ({LineKind.REWARD} if rewards_earn else frozenset())
    earning = [line for line in order.lines if line.kind in kinds and line.paid > 0]
    off = {LineKind.DISCOUNT} if rewards_earn else {LineKind.DISCOUNT, LineKind.REWARD}
    taken_off = [line for line in order.lines if line.kind in off and line.paid < 0]
    return spread_discounts(program, earning, taken_off, order.currency), total_taken_off(taken_off)


def counts_as_spend(program: Program, kind: LineKind, paid: Decimal) -> bool:
    """Whether a line's `paid` counts toward what the order spent (spend tiers), in step with
    what earns: earning kinds and discounts; reward lines as `rewards_in_base` says (a negative
    one takes off unless rewards are included, a positive one adds only when they are)."""
    if kind is LineKind.REWARD:
        return (paid < 0) != (program.rewards_in_base is RewardsInBase.INCLUDED)
    return kind in program.earning_kinds or kind is LineKind.DISCOUNT


def order_facts(program: Program, order: Order, customer: Customer | None) -> Facts:
    if order.currency != program.currency:
        raise CurrencyMismatch(
            f"order {order.order_id!r} is in {order.currency}; the program is in {program.currency}"
        )
    included = program.rewards_in_base is RewardsInBase.INCLUDED
    values, discount = _earning_values(program, order, rewards_earn=included)
    # What the rewards added to each line's value, so an award can say what it earned on.
    without = _earning_values(program, order, rewards_earn=False)[0] if included else values
    eligible = tuple(
        EligibleLine(
            line,
            value,
            CountedLine(line.line_id, line.quantity, value),
            max(ZERO, value - without.get(line.line_id, ZERO)),
        )
        for line in order.lines
        if (value := values.get(line.line_id, ZERO)) > 0
    )
    return Facts(
        program=program,
        when=order.placed_at.astimezone(program.tz),
        channel=order.channel,
        customer=customer,
        properties=MappingProxyType({}),
        all_counted=tally(eligible),
        values=values,
        codes=order.codes,
        discount=discount,
    )
