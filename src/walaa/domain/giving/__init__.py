"""Giving to causes: the value-based program. Causes, the program's giving rules, and the
arithmetic of gifts and their reversals. Pure: no I/O, no clock."""

from __future__ import annotations

from walaa.domain.giving.causes import LANGUAGES, Cause, check_cause, check_https_url
from walaa.domain.giving.explain import explain_gift, explain_points_gift, explain_take_back
from walaa.domain.giving.rules import (
    GiftCap,
    GiftDecision,
    GivingGranularity,
    GivingPolicy,
    amount_text,
    gift_on,
    gift_to_take_back,
)

__all__ = [
    "LANGUAGES",
    "Cause",
    "GiftCap",
    "GiftDecision",
    "GivingGranularity",
    "GivingPolicy",
    "amount_text",
    "check_cause",
    "check_https_url",
    "explain_gift",
    "explain_points_gift",
    "explain_take_back",
    "gift_on",
    "gift_to_take_back",
]
