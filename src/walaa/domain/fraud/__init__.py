"""Fraud rules of referral programs: who a person is (normalised e-mails, phones, names), how
close two people look, and one pure function per rule, each returning what it found in
English and Arabic. Pure: no I/O, no clock; the service layer gathers the facts."""

from __future__ import annotations

from walaa.domain.fraud.identity import (
    Identity,
    normalise_email,
    normalise_name,
    normalise_phone,
)
from walaa.domain.fraud.rules import (
    FraudSettings,
    Newness,
    Outcome,
    RuleResult,
    Velocity,
    VelocityCounts,
    judge,
    not_new,
    self_referral,
    similarity,
    velocity,
)
from walaa.domain.fraud.similarity import edit_distance

__all__ = [
    "FraudSettings",
    "Identity",
    "Newness",
    "Outcome",
    "RuleResult",
    "Velocity",
    "VelocityCounts",
    "edit_distance",
    "judge",
    "normalise_email",
    "normalise_name",
    "normalise_phone",
    "not_new",
    "self_referral",
    "similarity",
    "velocity",
]
