"""The provably fair draw: anyone holding the revealed server seed can recompute every play.

The exact recipe, written so that a few lines of any language reproduce it (docs/games.md):

1. The server seed is 32 random bytes written as 64 lower-case hex characters. Before any play
   with it, its commitment ``SHA-256(seed as ASCII)`` (hex) is published.
2. A play's digest is ``HMAC-SHA256(key = seed as ASCII, message = f"{client_seed}:{nonce}"
   as UTF-8)`` (hex); the nonce counts the seed's plays from 1.
3. Its number ``x`` is the first 13 hex characters of the digest (the first 52 bits), as an
   integer; ``x / 2**52`` is uniform in [0, 1).
4. The prizes, in the order the game lists them, with weights w1..wn (total W) and running
   sums c1..cn: the play draws the first prize i with ``x * W < c_i * 2**52``, compared
   exactly (weights are decimals, never floats).

Nothing here reads the clock or a random source except `new_server_seed`, which callers use
only to start a new seed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

#: Bits of the digest a draw uses: 52, so the number is exact in any language's double too.
DRAW_BITS = 52
SCALE = 2**DRAW_BITS


@dataclass(frozen=True, slots=True)
class Draw:
    """A play's outcome: its digest and number, and the index of the prize it drew."""

    digest: str
    number: int
    index: int


def new_server_seed() -> str:
    return secrets.token_hex(32)


def commitment(server_seed: str) -> str:
    """What is published before play: the seed's SHA-256, which binds the server to it."""
    return hashlib.sha256(server_seed.encode("ascii")).hexdigest()


def draw_digest(server_seed: str, client_seed: str, nonce: int) -> str:
    message = f"{client_seed}:{nonce}".encode()
    return hmac.new(server_seed.encode("ascii"), message, hashlib.sha256).hexdigest()


def draw_number(digest: str) -> int:
    """The first 52 bits of the digest as an integer, in [0, 2**52)."""
    return int(digest[: DRAW_BITS // 4], 16)


def pick(number: int, weights: Sequence[Decimal]) -> int:
    """The index of the prize a number draws: the first whose running weight passes it."""
    total = sum((Fraction(w) for w in weights), Fraction(0))
    if total <= 0 or any(w <= 0 for w in weights):
        raise ValueError("weights must be more than 0")
    running = Fraction(0)
    for index, weight in enumerate(weights):
        running += Fraction(weight)
        if number * total < running * SCALE:
            return index
    return len(weights) - 1  # unreachable: number < 2**52 always falls inside the total


def draw(server_seed: str, client_seed: str, nonce: int, weights: Sequence[Decimal]) -> Draw:
    """One play's outcome, the same every time for the same seed, client seed and nonce."""
    digest = draw_digest(server_seed, client_seed, nonce)
    number = draw_number(digest)
    return Draw(digest, number, pick(number, weights))


@dataclass(frozen=True, slots=True)
class Check:
    """One play recomputed: whether its digest and its prize are what the seed gives."""

    nonce: int
    digest_matches: bool
    prize_matches: bool
    expected_prize: str

    @property
    def ok(self) -> bool:
        return self.digest_matches and self.prize_matches


def recompute(
    server_seed: str,
    client_seed: str,
    nonce: int,
    prizes: Sequence[tuple[str, Decimal]],
    digest: str,
    prize_id: str,
) -> Check:
    """Redo a recorded play from the revealed seed and its prize table (ids and weights)."""
    result = draw(server_seed, client_seed, nonce, [weight for _, weight in prizes])
    expected = prizes[result.index][0]
    return Check(nonce, result.digest == digest, expected == prize_id, expected)
