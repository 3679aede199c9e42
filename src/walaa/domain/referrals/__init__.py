"""Referral programs: friends bring friends, both are rewarded. The settings, the codes
customers share, and the statuses a referral moves through; the fraud rules that decide
them are in `walaa.domain.fraud`. Pure: no I/O, no clock."""

from __future__ import annotations

from walaa.domain.referrals.codes import (
    ALPHABET,
    DEFAULT_PATTERN,
    MIN_BITS,
    compact,
    make_code,
    pattern_bits,
    pattern_problem,
    share_link,
)
from walaa.domain.referrals.settings import (
    AdvocateTiming,
    Grant,
    ReferralPolicy,
    ReviewThen,
    reward_texts,
)
from walaa.domain.referrals.status import MOVES, REWARDING, Status, move

__all__ = [
    "ALPHABET",
    "DEFAULT_PATTERN",
    "MIN_BITS",
    "MOVES",
    "REWARDING",
    "AdvocateTiming",
    "Grant",
    "ReferralPolicy",
    "ReviewThen",
    "Status",
    "compact",
    "make_code",
    "move",
    "pattern_bits",
    "pattern_problem",
    "reward_texts",
    "share_link",
]
