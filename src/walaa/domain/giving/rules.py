"""The program's giving rules: money owed to a cause for what customers spend.

"For every 100 USD of sales, donate 5 USD": a rate (`give` per `per`), counted per full block
("per full 100", the default) or pro rata on every cent, then cut by a cap per order and a cap
per customer per calendar month (in the store's time zone). Gifts are money, never points: they
are kept in the currency's minor units (cents), as integers, so sums are exact everywhere.

A refund takes a gift back in proportion to the share of the order's value refunded; the amount
an order keeps is rounded down, so a full refund or a cancellation takes back everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from walaa.domain.money import minor_units


class GivingGranularity(StrEnum):
    """`whole_blocks`: 5 per full 100, so 250 gives 10 and 99 nothing; `pro_rata`: 250 gives
    12.50."""

    WHOLE_BLOCKS = "whole_blocks"
    PRO_RATA = "pro_rata"


class GiftCap(StrEnum):
    """Which cap cut a gift, for the order's answer and the docs' examples."""

    PER_ORDER = "per_order"
    PER_MONTH = "per_month"


@dataclass(frozen=True, slots=True)
class GivingPolicy:
    """The `giving:` section of a program. Amounts are in the program's currency."""

    give: Decimal
    per: Decimal
    currency: str
    granularity: GivingGranularity = GivingGranularity.WHOLE_BLOCKS
    per_order: Decimal | None = None
    #: the most one customer's orders give in one calendar month of the store
    per_month: Decimal | None = None
    #: a fixed cause; without it, the store's default cause
    cause: str | None = None
    #: a customer who chose a cause gives to it; others to `cause` or the store's default
    customer_chooses: bool = False

    def minor(self, amount: Decimal) -> int:
        """An amount of the currency in its minor units, rounded down (never owe a part cent
        that was not earned)."""
        scaled = amount * (10 ** minor_units(self.currency))
        return int(scaled.to_integral_value(rounding=ROUND_FLOOR))


@dataclass(frozen=True, slots=True)
class GiftDecision:
    """What an order gives, in minor units, and what a cap took off, if one did."""

    amount: int
    uncapped: int
    capped_by: GiftCap | None = None


def gift_on(policy: GivingPolicy, spend: Decimal, *, given_this_month: int = 0) -> GiftDecision:
    """The gift an order's eligible `spend` makes, after the caps.

    `given_this_month` is what the customer's orders already gave in the order's month (net of
    refunds), which the monthly cap counts against.
    """
    if spend <= 0:
        return GiftDecision(0, 0)
    if policy.granularity is GivingGranularity.WHOLE_BLOCKS:
        raw = (spend // policy.per) * policy.give
    else:
        raw = spend * policy.give / policy.per
    uncapped = policy.minor(raw)
    amount, capped_by = uncapped, None
    if policy.per_order is not None and amount > policy.minor(policy.per_order):
        amount, capped_by = policy.minor(policy.per_order), GiftCap.PER_ORDER
    if policy.per_month is not None:
        room = max(0, policy.minor(policy.per_month) - given_this_month)
        if amount > room:
            amount, capped_by = room, GiftCap.PER_MONTH
    return GiftDecision(amount, uncapped, capped_by)


def gift_to_take_back(
    gift: int, *, refunded: Decimal, value: Decimal, taken_back_so_far: int
) -> int:
    """What a refund takes back of an order's `gift`, counting every refund so far.

    `refunded` is the money refunded on the order so far (infinite for a cancellation or a
    whole-order refund) and `value` what the order was paid; the order keeps the gift's share
    of what remains, rounded down, so several partial refunds take back what one would.
    """
    if gift <= 0:
        return 0
    if value <= 0 or refunded >= value:
        kept = 0
    else:
        share = (value - max(Decimal(0), refunded)) / value
        kept = int((gift * share).to_integral_value(rounding=ROUND_FLOOR))
    return max(0, gift - kept - taken_back_so_far)


def amount_text(minor: int, currency: str) -> str:
    """Minor units as the currency writes them: 1250 USD cents -> "12.50"."""
    places = minor_units(currency)
    return f"{Decimal(minor).scaleb(-places):.{places}f}"
