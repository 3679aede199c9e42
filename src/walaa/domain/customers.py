"""A customer as the store describes them: who they are, and how they want to be told."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from walaa.domain.errors import ValidationFailed

LOCALES = ("en", "ar")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")


@dataclass(frozen=True, slots=True)
class Profile:
    email: str | None = None
    name: str | None = None
    birthday: date | None = None
    locale: str = "en"
    tags: tuple[str, ...] = field(default=())
    #: Redemptions or points payments above this many points alert the customer.
    alert_threshold: int | None = None


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
    return Profile(
        profile.email, profile.name, profile.birthday, profile.locale, tags, profile.alert_threshold
    )
