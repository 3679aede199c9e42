"""Merchant API keys: what a key looks like, what it may do.

A key is ``wk_<mode>_<lookup>_<secret>``; a *publishable* key is ``wk_pub_<lookup>_<secret>``:
read-only, made to sit in a storefront's HTML, and honoured only by the storefront routes (its
one scope, ``public``, implies no other), from the origins the store allows. The ``wk_live_`` /
``wk_test_`` prefix lets secret scanners (and people) recognise a leaked key; ``lookup`` finds its
row without scanning; only a SHA-256 hash of the whole key is stored. A fast hash is right here,
unlike for passwords: the secret is 192 random bits, so there is nothing to guess and nothing to
slow down.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from walaa.domain.errors import ValidationFailed


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"
    #: a publishable key's only scope: the storefront routes, nothing a secret key reaches
    PUBLIC = "public"


#: A scope implies the ones below it: admin can write, write can read.
_IMPLIES = {
    Scope.READ: {Scope.READ},
    Scope.WRITE: {Scope.READ, Scope.WRITE},
    Scope.ADMIN: {Scope.READ, Scope.WRITE, Scope.ADMIN},
    Scope.PUBLIC: {Scope.PUBLIC},
}

MODES = ("live", "test")
#: the mode of a publishable key, whatever the store's mode
PUBLISHABLE = "pub"
_FORMAT = re.compile(r"^wk_(live|test|pub)_([a-z0-9]{8})_([A-Za-z0-9_-]{32})$")


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    store_id: str
    mode: str
    lookup: str
    scopes: frozenset[Scope]
    name: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def publishable(self) -> bool:
        return self.mode == PUBLISHABLE

    def allows(self, needed: Scope) -> bool:
        return any(needed in _IMPLIES[scope] for scope in self.scopes)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: ``secret`` is shown once and never stored."""

    key: ApiKey
    secret: str


def parse_scopes(values: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    scopes: set[Scope] = set()
    for value in values:
        for part in value.split(","):
            part = part.strip().lower()
            if not part:
                continue
            try:
                scope = Scope(part)
                if scope is Scope.PUBLIC:
                    raise ValueError(part)
                scopes.add(scope)
            except ValueError:
                raise ValidationFailed(
                    "scopes", f"{part!r} is not a scope; choose from read, write, admin"
                ) from None
    if not scopes:
        raise ValidationFailed("scopes", "name at least one scope: read, write or admin")
    return frozenset(scopes)


def generate(mode: str) -> tuple[str, str]:
    """A fresh secret and its lookup part."""
    if mode not in (*MODES, PUBLISHABLE):
        raise ValidationFailed("mode", "must be live or test")
    lookup = secrets.token_hex(4)
    secret = f"wk_{mode}_{lookup}_{secrets.token_urlsafe(24)}"
    return secret, lookup


def split(secret: str) -> tuple[str, str] | None:
    """(mode, lookup) of a well-formed key, or None for anything else."""
    match = _FORMAT.match(secret)
    return (match.group(1), match.group(2)) if match else None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)
