"""Referral codes: short enough to read aloud, impossible to guess.

The alphabet leaves out 0, O, 1, I and L, which are misheard and misread; its 31 symbols give
log2(31) ≈ 4.95 bits each, so a code needs 9 random symbols for the 40 bits an unguessable
code must have (at 10 guesses a second, 40 bits take over a thousand years to walk). A
merchant's pattern writes `X` for each random symbol; every other character is kept as
written and must itself be a letter or digit of the alphabet, or `-`: `GW-XXXXX-XXXXX`.

Codes are matched as the customer types them: case-blind, with spaces and `-` ignored.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM = "X"
MIN_BITS = 40
DEFAULT_PATTERN = "XXXXX-XXXXX"
BITS_PER_SYMBOL = math.log2(len(ALPHABET))
MAX_PATTERN = 32


def pattern_bits(pattern: str) -> float:
    return pattern.count(RANDOM) * BITS_PER_SYMBOL


def pattern_problem(pattern: str) -> str | None:
    """Why a merchant's pattern cannot make codes, or None when it can."""
    if not pattern or len(pattern) > MAX_PATTERN:
        return f"use 1 to {MAX_PATTERN} characters"
    odd = sorted({ch for ch in pattern if ch != RANDOM and ch != "-" and ch not in ALPHABET})
    if odd:
        return (
            f"{''.join(odd)!r} cannot be in a code: use X for a random symbol, '-', and "
            "upper-case letters or digits other than 0, O, 1, I and L"
        )
    needed = math.ceil(MIN_BITS / BITS_PER_SYMBOL)
    if pattern.count(RANDOM) < needed:
        return f"needs at least {needed} X (random symbols) for {MIN_BITS} bits"
    return None


def make_code(pattern: str, randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A new code in the pattern, each X drawn from `secrets` (or the given source)."""
    return "".join(ALPHABET[randbelow(len(ALPHABET))] if ch == RANDOM else ch for ch in pattern)


def compact(code: str) -> str:
    """The form codes are stored and matched in: upper case, without spaces or '-'."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def share_link(template: str | None, code: str) -> str | None:
    """The storefront's link for this code (the template's `{code}` replaced), if it has one."""
    return template.replace("{code}", code) if template else None
