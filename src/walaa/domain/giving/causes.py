"""Causes a store gives to: names and descriptions per language, an optional link and logo.

A cause's link and logo are addresses the store's pages show to customers. Walaa never fetches
them (a server that fetched merchant-supplied URLs could be pointed at its own network: SSRF),
so checking them is only about what a browser will be sent: an absolute https address with a
host and no credentials in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from walaa.domain.errors import ValidationFailed

#: The languages every text a customer reads is given in.
LANGUAGES = ("en", "ar")
CAUSE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_URL = 2000


@dataclass(frozen=True, slots=True)
class Cause:
    """Somewhere a store's gifts go: "Animal welfare", with its texts in English and Arabic."""

    id: str
    names: Mapping[str, str]
    descriptions: Mapping[str, str] = field(default_factory=dict)
    link: str | None = None
    logo_url: str | None = None
    #: the store's default cause: where gifts go when the customer has not chosen one
    default: bool = False
    active: bool = True

    def __post_init__(self) -> None:
        check_cause(self)

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["en"]


def check_cause(cause: Cause) -> None:
    """A cause a customer can read in both languages, with addresses a browser may open."""
    if not CAUSE_ID.match(cause.id):
        raise ValidationFailed("id", "use lower-case letters, digits, - and _ (up to 64)")
    for name, texts in (("names", cause.names), ("descriptions", cause.descriptions)):
        missing = [lang for lang in LANGUAGES if not (texts.get(lang) or "").strip()]
        if missing and (name == "names" or texts):
            raise ValidationFailed(f"{name}.{missing[0]}", "is required, in English and Arabic")
    for name, url in (("link", cause.link), ("logo_url", cause.logo_url)):
        if url is not None:
            check_https_url(name, url)


def check_https_url(field_name: str, url: str) -> None:
    """An absolute https address with a host, no user or password and no spaces.

    Only the form is checked; the address is never opened, not even to see that it exists.
    """
    if len(url) > MAX_URL:
        raise ValidationFailed(field_name, f"must be at most {MAX_URL} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationFailed(field_name, "must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ValidationFailed(field_name, "is not a valid address") from None
    if parts.scheme != "https":
        raise ValidationFailed(field_name, "must be an https:// address")
    if not host:
        raise ValidationFailed(field_name, "must name a host, as in https://example.org/")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed(field_name, "must not carry a user name or password")
