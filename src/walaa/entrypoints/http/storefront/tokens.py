"""Shopper tokens: HS256 JWTs a store's backend signs with its widget secret.

The browser never says who the shopper is; it carries a token that says it, signed by the
store's server, short-lived, and made for this store: ``sub`` is the store's customer id,
``aud`` must be the store's id, ``iat`` and ``exp`` are required and at most ten minutes
apart. Only HS256 is accepted, so neither ``alg: none`` nor a public-key algorithm fed the
secret as a "public key" gets through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import jwt

from walaa.domain.customers import check_customer_id
from walaa.domain.errors import ValidationFailed
from walaa.domain.storefront import TOKEN_LIFETIME

ALGORITHM = "HS256"
#: clocks of the store's server and Walaa's disagree a little
LEEWAY_SECONDS = 30
MAX_TOKEN_CHARS = 4096


class TokenRefused(Exception):
    """Why a shopper token is not accepted, in words a store engineer can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify_shopper(token: str, secrets: Sequence[str], store_id: str, now: datetime) -> str:
    """The customer id of a valid token, else `TokenRefused`. ``secrets``: the store's widget
    secrets that verify now (the current one, and the previous one just after a rotation)."""
    if not secrets:
        raise TokenRefused("this store has no widget secret yet: create one first")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenRefused("the token is too long to be a shopper token")
    claims = _decoded(token, secrets, store_id)
    _check_times(claims, now)
    subject = claims.get("sub")
    if not isinstance(subject, str):
        raise TokenRefused("`sub` must be the customer id, as text")
    try:
        return check_customer_id(subject)
    except ValidationFailed as bad:
        raise TokenRefused(f"`sub` is not a customer id: {bad.reason}") from None


def _decoded(token: str, secrets: Sequence[str], store_id: str) -> dict[str, object]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise TokenRefused("not a JWT") from None
    if header.get("alg") != ALGORITHM:
        raise TokenRefused(f"the token must be signed with {ALGORITHM}, not {header.get('alg')!r}")
    # times are checked by `_check_times` against Walaa's clock, the rest by PyJWT
    options: Any = {
        "require": ["sub", "aud", "exp", "iat"],
        "verify_exp": False,
        "verify_iat": False,
    }
    for secret in secrets:
        try:
            return jwt.decode(
                token, secret, algorithms=[ALGORITHM], audience=store_id, options=options
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.MissingRequiredClaimError as missing:
            raise TokenRefused(f"the token must have the `{missing.claim}` claim") from None
        except jwt.InvalidAudienceError:
            raise TokenRefused(f"`aud` must be this store's id, {store_id!r}") from None
        except jwt.PyJWTError as bad:
            raise TokenRefused(f"the token is malformed: {bad}") from None
    raise TokenRefused("the signature does not match this store's widget secret")


def _check_times(claims: dict[str, object], now: datetime) -> None:
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise TokenRefused("`iat` and `exp` must be numbers of seconds since 1970")
    moment = now.timestamp()
    if expires - issued > TOKEN_LIFETIME.total_seconds():
        raise TokenRefused("`exp` may be at most 10 minutes after `iat`")
    if issued > moment + LEEWAY_SECONDS:
        raise TokenRefused("`iat` is in the future")
    if expires <= moment - LEEWAY_SECONDS:
        raise TokenRefused("the token has expired; sign a fresh one")
