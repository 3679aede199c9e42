"""A customer as the store describes them: who they are, and how they want to be told."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from walaa.domain.errors import ValidationFailed

LOCALES = ("en", "ar")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")
#: What people put between a phone number's digits: spaces, dashes, dots, brackets.
_PHONE_SEPARATORS = re.compile(r"[\s\-.()\u200e\u200f]")
_PHONE = re.compile(r"^\+?[0-9]{6,15}$")


@dataclass(frozen=True, slots=True)
class Profile:
    email: str | None = None
    name: str | None = None
    birthday: date | None = None
    locale: str = "en"
    tags: tuple[str, ...] = field(default=())
    #: Redemptions or points payments above this many points alert the customer.
    alert_threshold: int | None = None
    #: Digits only after an optional leading + (E.164 at most 15 digits), so it is found
    #: however it was typed: "+966 50-123 4567", "٠٥٠١٢٣٤٥٦٧".
    phone: str | None = None


def normalize_phone(text: str) -> str | None:
    """A phone number as stored and searched: Arabic-Indic digits become ASCII, separators
    go; None when what is left is not a phone number."""
    compact = _PHONE_SEPARATORS.sub("", text.strip())
    digits = "".join(str(int(ch)) if ch.isdecimal() else ch for ch in compact)
    return digits if _PHONE.match(digits) else None


def phone_digits(query: str) -> str | None:
    """What a search for a phone number looks for inside stored numbers: its digits without
    the + and the leading zeros of a national number, so "050 123 4567" finds +966501234567.
    None when the query is not (part of) a phone number of at least four digits."""
    compact = _PHONE_SEPARATORS.sub("", query.strip()).removeprefix("+")
    if not compact or not compact.isdecimal():
        return None
    digits = "".join(str(int(ch)) for ch in compact).lstrip("0")
    return digits if len(digits) >= 4 else None


def check_customer_id(customer_id: str) -> str:
    """The store's own id for the customer: printable, at most 128 characters."""
    if not _ID.match(customer_id):
        raise ValidationFailed(
            "customer_id",
            "use 1-128 letters, digits or . _ : @ - (starting with a letter or digit)",
        )
    return customer_id


def check_profile(profile: Profile) -> Profile:
    if profile.email is not None and not _EMAIL.match(profile.email):
        raise ValidationFailed("email", "is not an email address")
    if profile.locale not in LOCALES:
        raise ValidationFailed("locale", f"must be one of {', '.join(LOCALES)}")
    if profile.alert_threshold is not None and profile.alert_threshold < 0:
        raise ValidationFailed("alert_threshold", "must be zero or more points")
    tags = tuple(sorted({t.strip().lower() for t in profile.tags if t.strip()}))
    if any(len(t) > 64 for t in tags):
        raise ValidationFailed("tags", "each tag is at most 64 characters")
    phone = None
    if profile.phone is not None:
        phone = normalize_phone(profile.phone)
        if phone is None:
            raise ValidationFailed(
                "phone", "is not a phone number: 6 to 15 digits, optionally after a +"
            )
    return Profile(
        profile.email,
        profile.name,
        profile.birthday,
        profile.locale,
        tags,
        profile.alert_threshold,
        phone,
    )
