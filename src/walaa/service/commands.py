"""Commands: what a caller asks the ledger to do, as frozen values.

Every command names its store and customer and carries an idempotency key unique per store;
the same key with the same command returns the first result and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from walaa.domain.earning import OrderLine, RefundedLine
from walaa.domain.fraud import Identity
from walaa.domain.program import Channel, PropertyValue

#: What a ledger entry refers to, as (kind, id) pairs: ("order", "o-1"), ("hold", "7") ...
RefersTo = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Earn:
    store_id: str
    customer_id: str
    idempotency_key: str
    points: int
    available_at: datetime | None = None
    expires_at: datetime | None = None
    reason: str | None = None
    reference: str | None = None
    details: dict[str, Any] | None = None
    refers_to: RefersTo = ()


@dataclass(frozen=True, slots=True)
class Adjust:
    store_id: str
    customer_id: str
    idempotency_key: str
    points: int
    reason: str
    expires_at: datetime | None = None
    refers_to: RefersTo = ()


@dataclass(frozen=True, slots=True)
class Spend:
    store_id: str
    customer_id: str
    idempotency_key: str
    points: int
    reason: str | None = None
    reference: str | None = None
    refers_to: RefersTo = ()


@dataclass(frozen=True, slots=True)
class PlaceHold:
    store_id: str
    customer_id: str
    idempotency_key: str
    points: int
    ttl: timedelta = timedelta(minutes=15)
    reference: str | None = None
    refers_to: RefersTo = ()


@dataclass(frozen=True, slots=True)
class CaptureHold:
    store_id: str
    customer_id: str
    idempotency_key: str
    hold_id: int
    reference: str | None = None
    refers_to: RefersTo = ()
    #: capture only this many of the held points and release the rest; None: all of them
    capture_points: int | None = None


@dataclass(frozen=True, slots=True)
class ReleaseHold:
    store_id: str
    customer_id: str
    idempotency_key: str
    hold_id: int
    refers_to: RefersTo = ()


@dataclass(frozen=True, slots=True)
class Reverse:
    store_id: str
    customer_id: str
    idempotency_key: str
    transaction_id: int
    points: int | None = None
    reason: str | None = None
    refers_to: RefersTo = ()


@dataclass(frozen=True, slots=True)
class Forfeit:
    """Give up what is left of a closing account's points, with the store's reason."""

    store_id: str
    customer_id: str
    idempotency_key: str
    reason: str


@dataclass(frozen=True, slots=True)
class Timed:
    """A time-driven entry (maturing, expiry), keyed by its kind and moment."""

    store_id: str
    customer_id: str
    idempotency_key: str
    name: str
    as_of: datetime


@dataclass(frozen=True, slots=True)
class ReferralSignals:
    """What the store knows of the person at sign-up or checkout. Hash addresses and payment
    fingerprints before sending them: Walaa only compares them."""

    email: str | None = None
    phone: str | None = None
    name: str | None = None
    address_hash: str | None = None
    payment_hash: str | None = None
    ip: str | None = None
    device: str | None = None

    def identity_parts(self) -> list[tuple[str, str]]:
        """The signals kept for the customer (normalised as their identity normalises them)."""
        found = Identity.of(
            "",
            emails=[self.email or ""],
            phones=[self.phone or ""],
            addresses=[self.address_hash or ""],
            payments=[self.payment_hash or ""],
            names=[self.name or ""],
        )
        parts = [("email", v) for v in found.emails] + [("phone", v) for v in found.phones]
        parts += [("address", v) for v in found.addresses]
        parts += [("payment", v) for v in found.payments] + [("name", v) for v in found.names]
        return parts


@dataclass(frozen=True, slots=True)
class RecordOrder:
    """An order as the store reports it; points are awarded once it is paid."""

    store_id: str
    customer_id: str
    order_id: str
    placed_at: datetime
    currency: str
    lines: tuple[OrderLine, ...]
    channel: Channel = Channel.ONLINE
    status: str = "paid"
    codes: frozenset[str] = frozenset()
    #: the referral code the store captured for this customer, and what it knows of them
    referral_code: str | None = None
    signals: ReferralSignals | None = None


@dataclass(frozen=True, slots=True)
class RecordRefund:
    """A refund of some lines, of an amount, or of everything (``whole_order``)."""

    store_id: str
    order_id: str
    refund_id: str
    lines: tuple[RefundedLine, ...] = ()
    amount: Decimal = Decimal(0)
    whole_order: bool = False


@dataclass(frozen=True, slots=True)
class CancelOrder:
    store_id: str
    order_id: str


@dataclass(frozen=True, slots=True)
class RecordEvent:
    """Something a customer did (sign-up, review, share ...), idempotent by ``event_id``."""

    store_id: str
    customer_id: str
    event_id: str
    type: str
    occurred_at: datetime
    properties: tuple[tuple[str, PropertyValue], ...] = ()
    channel: Channel | None = None
