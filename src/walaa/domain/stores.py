"""A store (tenant): the merchant whose customers, points and rules everything belongs to."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from walaa.domain.errors import ValidationFailed

_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    name: str
    currency: str
    timezone: str
    created_at: datetime

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


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
