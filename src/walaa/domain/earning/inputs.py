"""What the engine is given: orders, their lines, customers and actions, checked on arrival."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType

from walaa.domain.errors import ValidationFailed
from walaa.domain.program import (
    Channel,
    LineKind,
    PropertyValue,
)


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


def require_aware(moment: datetime, field_name: str) -> None:
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
    the other lines' `paid`. Do not send one if your platform already spreads discounts. A
    `reward` line is what the program's own rewards paid: positive, a product a reward gave;
    negative, an order-level discount paid with points or a redeemed reward. Whether rewards
    earn is the program's `rewards_in_base`.
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
        if self.kind is LineKind.DISCOUNT and self.paid > 0:
            raise InvalidOrder(f"lines[{self.line_id}].paid", "a discount line is negative")
        if self.paid < 0 and self.kind not in (LineKind.DISCOUNT, LineKind.REWARD):
            raise InvalidOrder(
                f"lines[{self.line_id}].paid", "only a discount or reward line is negative"
            )


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the store reports it, in the store's currency, placed at an aware time.

    `codes` are the promo codes the customer entered; rules may ask for one.
    """

    order_id: str
    placed_at: datetime
    currency: str
    lines: tuple[OrderLine, ...]
    channel: Channel = Channel.ONLINE
    codes: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        require_aware(self.placed_at, "placed_at")
        seen: set[str] = set()
        for position, line in enumerate(self.lines):  # lines are named by position, as in JSON
            if line.line_id in seen:
                raise InvalidOrder(f"lines[{position}].id", "line ids must be unique")
            seen.add(line.line_id)


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
        require_aware(self.occurred_at, "occurred_at")
