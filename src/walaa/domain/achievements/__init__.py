"""Achievements: badges and milestones a customer earns by what they do.

* `definitions`: an achievement as the program defines it (what it counts, its window or
  streak, one-time or repeating, what it grants) and the checks that refuse a bad one;
* `progress`: counting an order or event toward it, completing it, a refund's take-back, and
  where a customer stands on a day — pure, dated by what happened, never by a clock;
* `texts`: progress and grants in English and Arabic ("3 of 5 reviews", "120 USD to go").
"""

from __future__ import annotations

from walaa.domain.achievements.definitions import (
    Achievement,
    Measure,
    Period,
    Streak,
    achievement_problems,
    achievements_problems,
)
from walaa.domain.achievements.progress import (
    Progress,
    Standing,
    Step,
    amount_for_event,
    amount_for_order,
    period_index,
    record,
    standing,
    take_back,
)
from walaa.domain.achievements.texts import granted_text, progress_text, unit_of

__all__ = [
    "Achievement",
    "Measure",
    "Period",
    "Progress",
    "Standing",
    "Step",
    "Streak",
    "achievement_problems",
    "achievements_problems",
    "amount_for_event",
    "amount_for_order",
    "granted_text",
    "period_index",
    "progress_text",
    "record",
    "standing",
    "take_back",
    "unit_of",
]
