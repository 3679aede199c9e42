"""The member card shown at the till: a card number and a code that changes every 30 seconds.

A screenshot or a photo of someone's card is worth nothing a minute later, so the code cannot
be passed around, yet the till needs no network round trip to the shopper's phone: it reads
``<card>.<code>`` (a QR code or typed) and Walaa finds the customer by the card number and
checks the code. The code is RFC 4226's HOTP (six digits) over the 30-second step, the way
TOTP authenticator apps work, keyed by a per-card secret derived from the server's key, so no
card secret is stored anywhere. A code is accepted for its own step and the `GRACE_STEPS`
before it: a shopper who opens the card just before a step ends still gets through the queue.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import struct
from datetime import datetime, timedelta

STEP_SECONDS = 30
GRACE_STEPS = 2
DIGITS = 6
#: No 0/O, 1/I/L: a card number is read aloud and typed at tills.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CARD = re.compile(r"^([2-9A-HJKMNP-Z]{10})\.(\d{6})$")


def new_card_id() -> str:
    """10 characters from 31 (about 50 bits): a card number no one guesses."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def card_secret(server_key: str, store_id: str, card_id: str) -> bytes:
    message = f"walaa-member-card\x00{store_id}\x00{card_id}".encode()
    return hmac.new(server_key.encode(), message, hashlib.sha256).digest()


def _step(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def _hotp(secret: bytes, counter: int) -> str:
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def code_at(secret: bytes, moment: datetime) -> str:
    return _hotp(secret, _step(moment))


def valid_until(moment: datetime) -> datetime:
    """When the step holding ``moment`` ends (the code shown then is accepted a little longer)."""
    start = _step(moment) * STEP_SECONDS
    return datetime.fromtimestamp(start + STEP_SECONDS, moment.tzinfo)


def accepted_until(moment: datetime) -> datetime:
    return valid_until(moment) + timedelta(seconds=STEP_SECONDS * GRACE_STEPS)


def card_text(card_id: str, code: str) -> str:
    """What the QR code holds and what a cashier may type."""
    return f"{card_id}.{code}"


def parse_card(text: str) -> tuple[str, str] | None:
    """(card number, code) of a well-formed card text, else None."""
    match = _CARD.match(text.strip().upper())
    return (match.group(1), match.group(2)) if match else None


def verify(secret: bytes, code: str, moment: datetime) -> bool:
    """Whether ``code`` was shown at ``moment`` or up to `GRACE_STEPS` steps before."""
    now = _step(moment)
    return any(
        hmac.compare_digest(_hotp(secret, counter), code)
        for counter in range(now - GRACE_STEPS, now + 1)
    )
