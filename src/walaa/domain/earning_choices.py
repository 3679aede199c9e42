"""Choices a merchant makes about how rules earn, beside the program's core settings.

Each choice keeps today's behaviour unless the merchant asks for another. They are plain values
`walaa.domain.program` puts on a `Rule` or a `Program`, with the checks that need no other part
of the program; `walaa.domain.earning` applies them.

Checks answer `(path, reason)` pairs below the rule or program they were asked about, so the
program turns them into its `Problem`s at the place a merchant must fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

Finding = tuple[tuple[str, ...], str]
"""A problem's path below its owner (`("when", "order_min_amount")`) and its reason."""


@dataclass(frozen=True, slots=True)
class OrderMinimum:
    """The whole order must reach these, beside what the rule counts itself: "at least 2 of
    this serum in an order of at least 250". Tested on all the order's eligible items (net of
    discounts, the lines that earn), whichever items the rule counts."""

    amount: Decimal | None = None
    quantity: int | None = None

    def findings(self, amount_problems: Callable[[Decimal], list[str]]) -> list[Finding]:
        """Problems of the minimum; `amount_problems` checks an amount against the currency."""
        found: list[Finding] = []
        if self.amount is not None:
            if self.amount <= 0:
                found.append((("when", "order_min_amount"), "must be more than 0"))
            else:
                found.extend(
                    (("when", "order_min_amount"), r) for r in amount_problems(self.amount)
                )
        if self.quantity is not None and self.quantity < 1:
            found.append((("when", "order_min_quantity"), "must be 1 or more"))
        return found


NO_ORDER_MINIMUM = OrderMinimum()
"""No order minimum: what a rule without one asks of the order."""


class EarnGranularity(StrEnum):
    """How a per-amount rate meets an amount that is not a whole number of its `per`.

    `pro_rata` (the default) earns on every cent: 2 per 10 gives 5 for 25. `whole_blocks`
    earns only per full `per` spent: 2 per full 10 gives 4 for 25.
    """

    PRO_RATA = "pro_rata"
    WHOLE_BLOCKS = "whole_blocks"


def whole_blocks(amount: Decimal, block: Decimal) -> int:
    """How many full `block`s `amount` holds (25 holds two full 10s)."""
    return int((amount / block).to_integral_value(rounding=ROUND_FLOOR)) if block > 0 else 0


@dataclass(frozen=True, slots=True)
class WithCodes:
    """The order carries one of these promo codes (`when: {codes: [SUMMER25]}`).

    Codes match whatever their case or surrounding spaces, as customers type them.
    """

    codes: frozenset[str]

    def matching(self, given: frozenset[str]) -> str | None:
        """The rule's code the order carries (as the rule writes it), or None."""
        normal = {same_code(code) for code in given}
        return next((code for code in sorted(self.codes) if same_code(code) in normal), None)


def same_code(code: str) -> str:
    """A promo code as compared: " summer25 " and "SUMMER25" are one code."""
    return code.strip().casefold()


class RewardsInBase(StrEnum):
    """Whether what the program's own rewards paid for earns points.

    `excluded` (the default): points never earn on what points paid for; a negative `reward`
    line is spread over the earning lines like a discount, and reward lines earn nothing.
    `included`: the order earns on its amount before the points discount; reward lines earn
    like products and a negative reward line takes nothing off.
    """

    EXCLUDED = "excluded"
    INCLUDED = "included"


class DiscountSpread(StrEnum):
    """Which earning lines an order-level discount line comes off (see `earning.discounts`).

    `all_lines` (the default): all of them, in proportion to what they paid. `named_lines`: a
    discount line naming products, SKUs, categories or tags comes off those lines only.
    `counted_lines`: for each rule, the order's discount comes off the lines it counts.
    """

    ALL_LINES = "all_lines"
    NAMED_LINES = "named_lines"
    COUNTED_LINES = "counted_lines"
