"""Choices a merchant makes about how points are spent and taken back.

Each choice keeps today's behaviour unless the merchant asks for another. They are plain values
`walaa.domain.program` puts on its `CheckoutPolicy` or its `Program`; `walaa.domain.rewards`
and the refund handler apply them.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum


class PointsRounding(StrEnum):
    """How points are counted for a money amount at checkout.

    `down` (the default): never more points than the amount is worth, so points may cover a
    little less than asked and the customer pays the rest in money. `up`: the points needed
    to cover the amount, so a customer can pay an amount (or the merchant's whole share of an
    order) entirely with points, the last point's change given away.
    """

    DOWN = "down"
    UP = "up"

    def whole(self, points: Decimal, step: int = 1) -> int:
        """`points` as whole multiples of `step`, rounded this way."""
        blocks = points / step
        rounding = ROUND_CEILING if self is PointsRounding.UP else ROUND_FLOOR
        return int(blocks.to_integral_value(rounding)) * step


class TakeBack(StrEnum):
    """What a refund does when the customer already spent the points it takes back.

    `debt` (the default): the balance goes below zero and later earnings repay it.
    `cap_at_balance`: a refund takes back at most what the customer still has (the order's
    own points and the spendable balance); the rest is forgiven, and the refund and its ledger
    entry say how much.
    """

    DEBT = "debt"
    CAP_AT_BALANCE = "cap_at_balance"
