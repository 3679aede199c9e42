"""Order-level discounts: which earning lines bear them, in whole minor units.

`all_lines` (the default) spreads every discount over all the earning lines in proportion to
what they paid. `named_lines` spreads a discount line that names products, SKUs, categories or
tags (its own `product_id`, `sku`, `categories`, `tags`) over the earning lines it names, and the
others over all. `counted_lines` lets the lines a rule counts bear the order's whole discount in
that rule's eyes (`counted_values`), so a bonus on serums earns on the serums less the discount.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from walaa.domain.earning.inputs import OrderLine
from walaa.domain.earning_choices import DiscountSpread
from walaa.domain.money import ZERO, minor_units
from walaa.domain.program import ItemFilter, Program


def spread_discounts(
    program: Program,
    earning: Sequence[OrderLine],
    taken_off: Sequence[OrderLine],
    currency: str,
) -> dict[str, Decimal]:
    """Each earning line's value once the `taken_off` lines (negative) are spread over them."""
    values = {line.line_id: line.paid for line in earning}
    general = ZERO
    for discount in taken_off:
        named = _named(discount) if program.discount_spread is DiscountSpread.NAMED_LINES else None
        bearing = [line.line_id for line in earning if named and named.matches_line(line)]
        if bearing:
            _take_off(values, bearing, -discount.paid, currency)
        else:
            general -= discount.paid
    _take_off(values, [line.line_id for line in earning], general, currency)
    return values


def _named(line: OrderLine) -> ItemFilter | None:
    """What a discount line names, or None when it names nothing (it is for the whole order)."""
    named = ItemFilter(
        frozenset({line.product_id} if line.product_id else ()),
        frozenset({line.sku} if line.sku else ()),
        line.categories,
        line.tags,
    )
    return None if named.empty else named


def _take_off(
    values: dict[str, Decimal], line_ids: Sequence[str], discount: Decimal, currency: str
) -> None:
    cut = spread_discount([values[i] for i in line_ids], discount, currency)
    values.update(zip(line_ids, cut, strict=True))


def total_taken_off(taken_off: Sequence[OrderLine]) -> Decimal:
    """The order's discounts together, as a positive amount."""
    return -sum((line.paid for line in taken_off), ZERO)


def spread_discount(amounts: list[Decimal], discount: Decimal, currency: str) -> list[Decimal]:
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
