"""The held referrals as a reviewer reads them: oldest first, each with why it was held.

The fraud rules explain themselves in English and Arabic when they run (`rules` of the
referral); the queue picks the reader's language here so the dashboard and the command line
show the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from walaa.service.ports import Clock, UnitOfWork
from walaa.service.referral_ports import ReferralRecord


@dataclass(frozen=True, slots=True)
class HeldReferral:
    referral: ReferralRecord
    #: the sentences of the rules that did not pass, in the reader's language
    why: list[str]


def why_held(referral: ReferralRecord, language: str) -> list[str]:
    """What the rules found that asked for a person (or refused), in ``language``."""
    fired = [rule for rule in referral.rules if rule["outcome"] != "pass"]
    return [rule.get(language) or rule["en"] for rule in fired]


def review_queue(
    uow: UnitOfWork, clock: Clock, store_id: str, language: str, limit: int = 200
) -> list[HeldReferral]:
    """The store's held referrals, oldest first (by when the referral was made)."""
    # every held referral was made before the next second: the oldest-first query of the
    # worker's reviews, with no age limit
    until: datetime = clock.now() + timedelta(seconds=1)
    with uow:
        held = uow.referrals(store_id).held_before(until, limit)
    return [HeldReferral(r, why_held(r, language)) for r in held]
