"""A store's storefront: the origins its browsers come from, its branding, its widget secret.

The widget secret signs the short-lived tokens (HS256 JWTs) by which a store's backend tells
the widget who the shopper is. HS256 needs the secret itself to verify, so it cannot be kept
as a hash like an API key. It is not kept at all: it is *derived*,
``HMAC-SHA256(server key, store id + salt)``, from the server's ``WALAA_SECRET_KEY`` and a
random salt stored per store. The database alone (a backup, a leaked dump) holds only the
salt and reveals no secret; rotating draws a new salt, and the previous secret keeps
verifying for `ROTATION_GRACE`, the longest a token may live, so tokens already minted finish
their short life.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from walaa.domain.errors import ValidationFailed

#: the longest a shopper token may live (exp - iat), and so how long a rotated secret verifies
TOKEN_LIFETIME = timedelta(minutes=10)
ROTATION_GRACE = TOKEN_LIFETIME
MAX_ORIGINS = 20
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_PRIMARY = "#0f766e"
DEFAULT_ACCENT = "#f59e0b"


@dataclass(frozen=True, slots=True)
class Branding:
    """What the program page and the widget take from the store: its look."""

    logo_url: str | None = None
    primary_colour: str = DEFAULT_PRIMARY
    accent_colour: str = DEFAULT_ACCENT


@dataclass(frozen=True, slots=True)
class StorefrontSettings:
    store_id: str
    allowed_origins: tuple[str, ...] = ()
    branding: Branding = field(default_factory=Branding)
    #: None until the store first creates its widget secret
    widget_salt: str | None = None
    previous_salt: str | None = None
    rotated_at: datetime | None = None

    def allows(self, origin: str) -> bool:
        """Whether a browser request from ``origin`` (its Origin header) may be answered."""
        return origin.lower().rstrip("/") in self.allowed_origins

    def salts_verifying(self, now: datetime) -> tuple[str, ...]:
        """The salts whose secrets verify a token now: the current one, and the previous one
        for `ROTATION_GRACE` after a rotation."""
        salts: tuple[str, ...] = (self.widget_salt,) if self.widget_salt else ()
        if self.previous_salt and self.rotated_at and now < self.rotated_at + ROTATION_GRACE:
            salts += (self.previous_salt,)
        return salts

    def rotated(self, now: datetime) -> StorefrontSettings:
        """A new salt (so a new secret); the old one verifies a little longer."""
        return replace(
            self, widget_salt=secrets.token_hex(16), previous_salt=self.widget_salt, rotated_at=now
        )


def widget_secret(server_key: str, store_id: str, salt: str) -> str:
    """The store's widget secret for ``salt``: 256 bits, URL-safe, prefixed so it is seen."""
    message = f"walaa-widget-secret\x00{store_id}\x00{salt}".encode()
    mac = hmac.new(server_key.encode(), message, hashlib.sha256).digest()
    return "wws_" + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def normalise_origin(text: str, field_name: str = "allowed_origins") -> str:
    """``https://shop.example`` as a browser sends it in Origin: scheme, host, port; no path."""
    value = text.strip().lower().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationFailed(
            field_name, f"{text!r} is not an origin such as https://shop.example"
        )
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationFailed(
            field_name, f"{text!r}: an origin is a scheme, a host and a port only, no path"
        )
    try:
        parts.port  # noqa: B018  (reading it checks it)
    except ValueError:
        raise ValidationFailed(field_name, f"{text!r} has a port that is not a number") from None
    return value


def check_origins(origins: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    if len(origins) > MAX_ORIGINS:
        raise ValidationFailed("allowed_origins", f"at most {MAX_ORIGINS} origins")
    return tuple(dict.fromkeys(normalise_origin(o) for o in origins))


def check_branding(branding: Branding) -> Branding:
    for name in ("primary_colour", "accent_colour"):
        if not _COLOUR.match(getattr(branding, name)):
            raise ValidationFailed(name, "must be a colour such as #0f766e")
    logo = branding.logo_url
    if logo is not None:
        parts = urlsplit(logo)
        if parts.scheme != "https" or not parts.hostname or len(logo) > 500:
            raise ValidationFailed(
                "logo_url", "must be an https:// address of at most 500 characters"
            )
    return replace(
        branding,
        primary_colour=branding.primary_colour.lower(),
        accent_colour=branding.accent_colour.lower(),
    )
