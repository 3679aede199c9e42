"""A store (tenant): the merchant whose customers, points and rules everything belongs to."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from walaa.domain.errors import LiveStore, ValidationFailed

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    name: str
    currency: str
    timezone: str
    created_at: datetime
    #: "live", or "test" for a sandbox store: only a test store may have a test clock
    mode: str = "live"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


STORE_MODES = ("live", "test")


def validate_mode(mode: str) -> str:
    mode = mode.strip().lower()
    if mode not in STORE_MODES:
        raise ValidationFailed("mode", "must be live or test")
    return mode


@dataclass(frozen=True, slots=True)
class TestClock:
    """A test store's time, after Stripe's test clocks: it stands still at ``frozen_time``
    until it is advanced, and only ever forward, so points, pending lots, memberships and
    tiers can be seen to age in minutes instead of months."""

    __test__ = False  # a domain object, not a pytest test class, whatever its name

    store_id: str
    frozen_time: datetime
    advanced_at: datetime

    def now(self) -> datetime:
        return self.frozen_time


#: how far one advance may move a clock: farther is surely a typo (and past year 2199)
LONGEST_ADVANCE = timedelta(days=366 * 20)


def check_advance(store: Store, current: datetime, to: datetime) -> None:
    """Refuse what a test clock cannot do: exist for a live store, or go back in time.

    ``current`` is the store's time now (its clock's, or the wall clock's before it has one).
    """
    if store.mode != "test":
        raise LiveStore("mode", "only a test-mode store has a test clock; this store is live")
    if to < current:
        raise ValidationFailed(
            "to", f"a test clock only moves forward; it is already {current.isoformat()}"
        )
    if to - current > LONGEST_ADVANCE:
        raise ValidationFailed("to", "a test clock moves at most 20 years at a time")


def new_store_id() -> str:
    """Opaque, unguessable and recognisable in logs: ``st_`` + 16 random base32 characters."""
    return "st_" + secrets.token_hex(8)


def validate_store(name: str, currency: str, timezone: str) -> tuple[str, str, str]:
    """Normalise and check what a merchant types when creating a store."""
    name = name.strip()
    if not name:
        raise ValidationFailed("name", "must not be empty")
    if len(name) > 200:
        raise ValidationFailed("name", "must be at most 200 characters")
    currency = currency.strip().upper()
    if not _CURRENCY.match(currency):
        raise ValidationFailed("currency", "must be a three-letter ISO 4217 code such as USD")
    timezone = timezone.strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            "timezone", f"{timezone!r} is not an IANA time zone such as Asia/Riyadh"
        ) from None
    if timezone not in available_timezones() and timezone != "UTC":
        raise ValidationFailed("timezone", f"{timezone!r} is not an IANA time zone")
    return name, currency, timezone
