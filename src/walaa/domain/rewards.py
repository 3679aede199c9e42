"""Spending points: the rewards catalog, redemption codes, and points as money at checkout.

A reward is something a customer buys with points (a discount code, free shipping, a product, a
gift card, a donation). Redeeming one spends the points and issues a code the store's checkout
accepts. Points can also pay part of an order directly: a quote says how many may be used, a
hold reserves them while the order is placed, and a refund gives back their share.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from walaa.domain.errors import Conflict, HoldAlreadyResolved, ValidationFailed
from walaa.domain.money import Money
from walaa.domain.program import CheckoutPolicy, PointValue


class RewardKind(StrEnum):
    FIXED_DISCOUNT = "fixed_discount"
    PERCENT_DISCOUNT = "percent_discount"
    FREE_SHIPPING = "free_shipping"
    FREE_PRODUCT = "free_product"
    GIFT_CARD = "gift_card"
    DONATION = "donation"


class NotRedeemable(Conflict):
    """The reward exists but this customer cannot have it now; the message says why."""

    code = "not-redeemable"


class CodeNotUsable(Conflict):
    code = "code-not-usable"


class CodeOfAnotherCustomer(Conflict):
    """A code used for someone else's order: only a transferable reward's code may be."""

    code = "code-of-another-customer"

    def __init__(self, code: str, owner: str, buyer: str) -> None:
        super().__init__(
            f"code {code} belongs to customer {owner!r}, not {buyer!r}, and its reward "
            "is not transferable"
        )
        self.facts = {"owner": owner}


class RewardLimitPerOrder(Conflict):
    """A code used on an order that already used as many of this reward as it may."""

    code = "reward-limit-per-order"

    def __init__(self, reward_id: str, order_id: str, per_order: int, used: Sequence[str]) -> None:
        super().__init__(
            f"reward {reward_id!r} can be used {per_order} time(s) per order, and order "
            f"{order_id!r} already used it with {', '.join(used)}"
        )
        self.facts = {"per_order": per_order, "codes_used": list(used)}


class NotEnoughUnits(Conflict):
    """A free-product code covering more blocks than the order buys units for."""

    code = "not-enough-units"

    def __init__(self, reward: Reward, blocks: int, bought: int) -> None:
        needed = blocks * (reward.units_per_block or 0)
        super().__init__(
            f"the code gives {blocks * reward.quantity} free {reward.sku} for {blocks} "
            f"block(s) of {reward.units_per_block} bought, so the order must buy {needed}; "
            f"it buys {bought}"
        )
        self.facts = {"sku": reward.sku, "units_needed": needed, "units_bought": bought}


class HoldPaidForAnotherOrder(HoldAlreadyResolved):
    """A captured hold paid for one order; capturing it for another would pay twice."""

    def __init__(self, hold_id: int, order_id: str) -> None:
        super().__init__(f"hold {hold_id} is already captured for order {order_id!r}")
        self.facts = {"order_id": order_id}


@dataclass(frozen=True, slots=True)
class Reward:
    id: str
    kind: RewardKind
    cost: int
    names: dict[str, str]
    descriptions: dict[str, str] = field(default_factory=dict)
    #: money off or the gift card's value, in the store's currency
    value: Decimal | None = None
    percent: Decimal | None = None
    #: the most a percentage discount may take off
    cap: Decimal | None = None
    sku: str | None = None
    cause: str | None = None
    stock: int | None = None
    per_customer: int | None = None
    #: the most codes of this reward one order may use (None: no limit)
    per_order: int | None = None
    #: a free product: units given per block, and units of the SKU an order buys per block
    #: ("one free per 3 bought": quantity 1, units_per_block 3); None: nothing to buy
    quantity: int = 1
    units_per_block: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    min_tier: str | None = None
    customer_tag: str | None = None
    code_valid_days: int = 90
    code_uses: int = 1
    #: its code may pay for another customer's order (a gift); otherwise only the owner's
    transferable: bool = False
    active: bool = True

    def __post_init__(self) -> None:
        check_reward(self)


def check_reward(reward: Reward) -> None:
    """A reward must say what it gives: a value where money is given, a SKU for a product."""
    if reward.cost <= 0:
        raise ValidationFailed("cost", "must be more than zero points")
    needs_value = (RewardKind.FIXED_DISCOUNT, RewardKind.GIFT_CARD, RewardKind.DONATION)
    if reward.kind in needs_value and (reward.value is None or reward.value <= 0):
        raise ValidationFailed("value", f"a {reward.kind} reward needs a value above zero")
    if reward.kind is RewardKind.PERCENT_DISCOUNT and not (
        reward.percent is not None and 0 < reward.percent <= 100
    ):
        raise ValidationFailed("percent", "a percentage discount needs a percent from 0 to 100")
    if reward.kind is RewardKind.FREE_PRODUCT and not reward.sku:
        raise ValidationFailed("sku", "a free product reward needs the product's SKU")
    if reward.kind is RewardKind.DONATION and not reward.cause:
        raise ValidationFailed("cause", "a donation needs the cause it goes to")
    if reward.starts_at and reward.ends_at and reward.ends_at <= reward.starts_at:
        raise ValidationFailed("ends_at", "must be after starts_at")
    if not reward.names.get("en") and not reward.names:
        raise ValidationFailed("names", "give the reward a name")
    if reward.code_valid_days < 1 or reward.code_uses < 1:
        raise ValidationFailed("code_valid_days", "codes must live a day and allow one use")
    _check_limits_and_blocks(reward)


def _check_limits_and_blocks(reward: Reward) -> None:
    if reward.per_order is not None and reward.per_order < 1:
        raise ValidationFailed("per_order", "must be 1 or more")
    if reward.quantity < 1:
        raise ValidationFailed("quantity", "must be 1 or more")
    free = reward.kind is RewardKind.FREE_PRODUCT
    if reward.quantity != 1 and not free:
        raise ValidationFailed("quantity", "only a free product reward gives several units")
    if reward.units_per_block is not None:
        if not free:
            raise ValidationFailed("units_per_block", "only a free product reward has blocks")
        if reward.units_per_block < 1:
            raise ValidationFailed("units_per_block", "must be 1 or more")


def check_blocks(reward: Reward, blocks: int) -> None:
    """A redemption covers one block, or several of a free product bought by the block."""
    if blocks < 1:
        raise ValidationFailed("blocks", "must be 1 or more")
    if blocks > 1 and reward.units_per_block is None:
        raise ValidationFailed(
            "blocks",
            f"reward {reward.id!r} has no units_per_block, so a redemption covers one block",
        )


def check_units(reward: Reward, blocks: int, bought: int | None) -> None:
    """A free product by the block needs the order to buy its units: one block per
    `units_per_block` bought. `bought` is None when the units are not known."""
    if reward.units_per_block is None:
        return
    needed = blocks * reward.units_per_block
    if bought is None:
        raise ValidationFailed(
            "units",
            f"the order is not recorded: say how many {reward.sku} it buys (at least {needed})",
        )
    if bought < needed:
        raise NotEnoughUnits(reward, blocks, bought)


@dataclass(frozen=True, slots=True)
class Shopper:
    """What eligibility needs to know about the customer redeeming."""

    #: the customer's tier and every tier below it: a tier-only reward is for that tier or higher
    tiers_reached: frozenset[str]
    tags: frozenset[str]
    redeemed_before: int


def check_redeemable(
    reward: Reward, shopper: Shopper, stock_left: int | None, now: datetime
) -> None:
    """Why this customer cannot have this reward now, as an error; nothing if they can."""
    if not reward.active:
        raise NotRedeemable(f"reward {reward.id!r} is not offered any more")
    if reward.starts_at and now < reward.starts_at:
        raise NotRedeemable(f"reward {reward.id!r} is offered from {reward.starts_at:%Y-%m-%d}")
    if reward.ends_at and now >= reward.ends_at:
        raise NotRedeemable(f"reward {reward.id!r} was offered until {reward.ends_at:%Y-%m-%d}")
    if reward.min_tier and reward.min_tier not in shopper.tiers_reached:
        raise NotRedeemable(f"reward {reward.id!r} is for {reward.min_tier} members and above")
    if reward.customer_tag and reward.customer_tag not in shopper.tags:
        raise NotRedeemable(f"reward {reward.id!r} is for customers tagged {reward.customer_tag}")
    if reward.per_customer is not None and shopper.redeemed_before >= reward.per_customer:
        raise NotRedeemable(
            f"reward {reward.id!r} can be redeemed {reward.per_customer} time(s) per customer"
        )
    if stock_left is not None and stock_left <= 0:
        raise NotRedeemable(f"reward {reward.id!r} is out of stock")


#: No 0/O, 1/I/L: codes are read aloud at tills and typed from receipts.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code() -> str:
    """12 characters from 31 (about 59 bits): unguessable, and grouped for reading."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    """What a person types: any case, spaces or dashes."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else code.strip().upper()


def code_expiry(reward: Reward, now: datetime) -> datetime:
    return now + timedelta(days=reward.code_valid_days)


@dataclass(frozen=True, slots=True)
class Quote:
    """How many points may pay for an order, and what they are worth.

    `points` are the points for the money `amount` asked to be covered (the most the order
    allows when none was asked), and `covers` the money those points take off the order.
    """

    available: int
    min_points: int
    max_points: int
    max_worth: Decimal
    point_value: PointValue
    step: int = 1
    points: int = 0
    covers: Decimal = Decimal(0)

    @property
    def usable(self) -> bool:
        return self.max_points >= self.min_points and self.max_points > 0


def worth(points: int, value: PointValue) -> Decimal:
    return value.value_of(points).amount


def points_for(amount: Decimal, policy: CheckoutPolicy, value: PointValue) -> int:
    """The points worth `amount`, in whole steps, rounded as the program's `round_points` says:
    down never gives points worth more than the amount, up gives enough to cover it."""
    exact = amount * value.points / value.worth.amount
    return policy.round_points.whole(exact, policy.step)


def quote(
    available: int,
    subtotal: Decimal,
    policy: CheckoutPolicy,
    value: PointValue,
    amount: Decimal | None = None,
) -> Quote:
    """The most points an order may take: the balance, the merchant's share, in whole steps;
    and the points for `amount`, the money the customer wants points to cover.

    With `round_points: down` (the default) every count is rounded down, so points never pay
    more than the share the merchant allows. With `up` the share and the amount are covered
    exactly, by the fewest points whose worth reaches them. The balance is never exceeded.
    """
    if subtotal <= 0:
        raise ValidationFailed("subtotal", "must be more than zero")
    if amount is not None and not 0 < amount <= subtotal:
        raise ValidationFailed(
            "amount", f"must be more than zero and at most the subtotal {subtotal}"
        )
    allowed_money = subtotal * policy.max_share
    spendable = max(available, 0)
    most = min(spendable - spendable % policy.step, points_for(allowed_money, policy, value))
    asked = allowed_money if amount is None else amount
    points = min(most, points_for(asked, policy, value))
    # Points worth more than asked (rounded up) cover what was asked, never more.
    covers = min(worth(points, value), Money(asked, value.worth.currency).quantized().amount)
    return Quote(
        spendable, policy.min_points, most, worth(most, value), value, policy.step, points, covers
    )


def check_payment(points: int, q: Quote) -> None:
    if points <= 0:
        raise ValidationFailed("points", "must be more than zero")
    if points < q.min_points:
        raise ValidationFailed("points", f"use at least {q.min_points} points")
    if points > q.max_points:
        raise ValidationFailed("points", f"at most {q.max_points} points may pay for this order")
    if points % q.step:
        raise ValidationFailed("points", f"use points in multiples of {q.step}")


def use_shares(points: int, uses_left: int, uses: Sequence[int | None]) -> list[int]:
    """The points each use of a code paid, oldest first, from a redemption of ``points``.

    A use takes an equal part of what is still unused (rounded down; the last use takes all
    that is left), so the uses of a code add up to exactly its points. A use recorded before
    uses were priced (None) is reconstructed by that same rule; such uses come first.
    """
    remaining_uses = uses_left + len(uses)
    unused, shares = points, []
    for known in uses:
        share = known if known is not None else next_use_share(unused, remaining_uses)
        shares.append(share)
        unused -= share
        remaining_uses -= 1
    return shares


def next_use_share(unused: int, uses_left: int) -> int:
    """What the next use of a code pays: an equal part of the unused points, all of the last."""
    if uses_left <= 1:
        return max(unused, 0)
    return max(unused, 0) // uses_left


def share_to_return(
    captured: int, order_total: Decimal, refunded_total: Decimal, returned: int
) -> int:
    """Points a refund gives back: the refunded share of what points paid, never more.

    ``refunded_total`` is everything refunded so far including this refund, so repeated partial
    refunds add up to exactly the captured points when the whole order is refunded.
    """
    if captured <= 0:
        return 0
    if refunded_total.is_infinite():  # a whole-order refund or a cancellation: everything
        return max(0, captured - returned)
    if order_total <= 0:
        return 0
    share = min(refunded_total / order_total, Decimal(1))
    owed = int((captured * share).to_integral_value(ROUND_FLOOR))
    return max(0, owed - returned)
