"""Refunds never give an order more points than its remaining paid value earns, nor fewer than 0.

Hypothesis draws a program (a spend rate, a rounding mode, maybe a per-order cap, a per-unit
category bonus and a spend-threshold bonus), an order (products, maybe shipping, tax and an
order-level discount) and any sequence of refunds (units, part of a line, an amount for the
whole order, everything). After every refund:

* the points taken back are never negative and never add up to more than was earned;
* what the order keeps is never more than what its NET PAID eligible value would earn now.

"What it would earn now" comes from a small reference model written here from the rules in
the docstrings of `walaa.domain.earning.Refund` and `take_back`: it never calls the engine's
refund code, only the program's rounding primitive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from walaa.domain.earning import (
    Order,
    OrderBasis,
    OrderLine,
    Refund,
    RefundedLine,
    evaluate_order,
    points_kept,
    take_back,
)
from walaa.domain.explanations import LocalizedText
from walaa.domain.money import Money, Rounding, round_points
from walaa.domain.program import (
    EarnRate,
    FixedPoints,
    ItemFilter,
    LineKind,
    MinAmount,
    PerAmount,
    PerOrder,
    PerUnit,
    PointValue,
    Program,
    Rule,
)

PLACED_AT = datetime(2025, 5, 7, 9, tzinfo=UTC)
BONUS = 1000


@dataclass(frozen=True)
class Setup:
    rate_points: int
    rate_per: Decimal
    rounding: Rounding
    cap: int | None
    unit_points: int | None
    minimum: Decimal | None


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-2))


setups = st.builds(
    Setup,
    rate_points=st.integers(1, 5),
    rate_per=st.sampled_from([Decimal("1"), Decimal("0.50"), Decimal("3"), Decimal("20")]),
    rounding=st.sampled_from(list(Rounding)),
    cap=st.none() | st.integers(1, 3000),
    unit_points=st.none() | st.integers(1, 20),
    minimum=st.none() | cents(100, 50000),
)

products = st.lists(
    st.tuples(st.integers(1, 4), cents(1, 50000), st.sampled_from(["x", "y"])),
    min_size=1,
    max_size=5,
)


def build_program(setup: Setup) -> Program:
    def name(text: str) -> LocalizedText:
        return LocalizedText.of(text)

    limits = (PerOrder(setup.cap),) if setup.cap is not None else ()
    rate = EarnRate(setup.rate_points, Money(setup.rate_per, "USD"))
    rules = [Rule(id="spend", name=name("Spend"), effect=PerAmount(rate), limits=limits)]
    if setup.unit_points is not None:
        only_x = ItemFilter(categories=frozenset({"x"}))
        unit = PerUnit(setup.unit_points)
        rules.append(Rule(id="unit", name=name("Unit"), effect=unit, items=only_x))
    if setup.minimum is not None:
        condition = (MinAmount(setup.minimum),)
        bonus = FixedPoints(BONUS)
        rules.append(Rule(id="big", name=name("Big"), effect=bonus, conditions=condition))
    return Program(
        version=1,
        currency="USD",
        points_name=name("Flex"),
        timezone="Asia/Riyadh",
        earn_rate=EarnRate(1, Money(Decimal(1), "USD")),
        point_value=PointValue(100, Money(Decimal(1), "USD")),
        rounding=setup.rounding,
        rules=tuple(rules),
    )


@st.composite
def orders(draw: st.DrawFn) -> Order:
    lines = [
        OrderLine(f"p{i}", paid, quantity, categories=frozenset({category}))
        for i, (quantity, paid, category) in enumerate(draw(products))
    ]
    if draw(st.booleans()):
        lines.append(OrderLine("ship", draw(cents(0, 3000)), kind=LineKind.SHIPPING))
    if draw(st.booleans()):
        lines.append(OrderLine("tax", draw(cents(0, 3000)), kind=LineKind.TAX))
    if draw(st.booleans()):
        lines.append(OrderLine("points", -draw(cents(1, 60000)), kind=LineKind.DISCOUNT))
    return Order("o-1", PLACED_AT, "USD", tuple(lines))


@st.composite
def refund_sequences(draw: st.DrawFn, line_ids: list[str]) -> list[Refund]:
    refunds = []
    for number in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["units", "part", "amount", "everything"]))
        refund_id = f"r{number}"
        if kind == "everything":
            refunds.append(Refund.everything(refund_id))
        elif kind == "amount":
            refunds.append(Refund(refund_id, amount=draw(cents(1, 100000))))
        else:
            line_id = draw(st.sampled_from(line_ids))
            units = draw(st.integers(1, 5)) if kind == "units" else 0
            amount = draw(cents(1, 60000)) if kind == "part" else Decimal(0)
            refunds.append(Refund(refund_id, (RefundedLine(line_id, units, amount),)))
    return refunds


# --- the reference model ---------------------------------------------------------------------


@dataclass
class Left:
    paid: Fraction
    units: int


def what_remains(basis: OrderBasis, refunds: list[Refund]) -> dict[str, Left]:
    """Units come back at the line's price per unit, a line amount comes off that line, an
    order amount comes off every line in proportion to what is left of it; nothing goes
    below zero, and a line with nothing paid left has no units left."""
    first = {line.line_id: line for line in basis.lines}
    left = {line.line_id: Left(Fraction(line.paid), line.quantity) for line in basis.lines}
    for refund in refunds:
        if refund.whole_order:
            left = {line_id: Left(Fraction(0), 0) for line_id in left}
            continue
        for part in refund.lines:
            line, now = first[part.line_id], left[part.line_id]
            now.paid -= Fraction(line.paid) * part.quantity / line.quantity + Fraction(part.amount)
            now.units -= part.quantity
            if now.paid <= 0 or now.units <= 0:
                left[part.line_id] = Left(Fraction(0), 0)
        total = sum((now.paid for now in left.values()), Fraction(0))
        if refund.amount > 0 and total > 0:
            share = max(Fraction(0), 1 - Fraction(refund.amount) / total)
            for line_id, now in left.items():
                left[line_id] = Left(now.paid * share, now.units if share > 0 else 0)
    return left


def earns_now(setup: Setup, order: Order, basis: OrderBasis, left: dict[str, Left]) -> int:
    """What the order's remaining paid eligible value earns under the drawn program."""
    earning = [line.line_id for line in basis.lines if line.earns]
    value = sum((left[line_id].paid for line_id in earning), Fraction(0))
    spend = round_points(value * setup.rate_points, setup.rounding, per=setup.rate_per)
    if setup.cap is not None:
        spend = min(spend, setup.cap)
    total = spend
    if setup.unit_points is not None:
        category = {line.line_id: line.categories for line in order.lines}
        units = sum(left[i].units for i in earning if "x" in category[i] and left[i].paid > 0)
        total += setup.unit_points * units
    if setup.minimum is not None and value > 0 and value >= setup.minimum:
        total += BONUS
    return total


# --- the properties --------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(setup=setups, order=orders(), data=st.data())
def test_refunds_never_leave_more_than_net_paid_value_earns_nor_less_than_zero(
    setup: Setup, order: Order, data: st.DataObject
) -> None:
    evaluation = evaluate_order(build_program(setup), order)
    basis = evaluation.basis
    assert basis is not None
    assert earns_now(setup, order, basis, what_remains(basis, [])) == evaluation.total
    line_ids = [line.line_id for line in basis.lines]
    refunds = data.draw(refund_sequences(line_ids)) if line_ids else []

    taken = 0
    for done in range(len(refunds)):
        result = take_back(basis, refunds[done], earlier=refunds[:done])
        taken += result.points

        assert result.points >= 0
        assert result.taken_back == taken <= evaluation.total
        assert 0 <= result.kept == evaluation.total - taken
        assert result.kept == points_kept(basis, refunds[: done + 1])
        assert result.kept <= earns_now(
            setup, order, basis, what_remains(basis, refunds[: done + 1])
        )


@settings(max_examples=200, deadline=None)
@given(setup=setups, order=orders(), data=st.data())
def test_refunding_everything_in_any_steps_takes_back_exactly_what_was_earned(
    setup: Setup, order: Order, data: st.DataObject
) -> None:
    evaluation = evaluate_order(build_program(setup), order)
    basis = evaluation.basis
    assert basis is not None
    line_ids = [line.line_id for line in basis.lines]
    refunds = data.draw(refund_sequences(line_ids)) if line_ids else []
    refunds.append(Refund.everything("last"))

    taken = sum(
        take_back(basis, refunds[done], earlier=refunds[:done]).points
        for done in range(len(refunds))
    )

    assert taken == evaluation.total
    assert points_kept(basis, refunds) == 0
