"""An achievement as the program defines it: what it counts, over which window, how often it
can be earned and what it grants; and the checks that refuse a definition that cannot work.

An achievement counts one **measure** of a customer's activity — paid orders, spend, events of
one type, or a property of those events (the kilometres of a `run`, or the reviews whose
`rating` is 5) — toward a **target**, over all time, the last N days, or as a **streak** of
consecutive periods (days, weeks or months) that each reach the target. It is earned once, or
again each time the target is reached anew (`repeat`), and grants points, a catalog reward, or
only the badge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from walaa.domain.explanations import LocalizedText
from walaa.domain.games.settings import Period  # day, week, month: the same periods games use
from walaa.domain.money import fits_minor_units, minor_units
from walaa.domain.program import Problem

__all__ = [
    "Achievement",
    "Measure",
    "Period",
    "Streak",
    "achievement_problems",
    "achievements_problems",
]

#: Languages an achievement's name and description must have: customers read either.
REQUIRED_LOCALES = ("en", "ar")


class Measure(StrEnum):
    ORDERS = "orders"
    SPEND = "spend"
    EVENTS = "events"
    PROPERTY = "property"


@dataclass(frozen=True, slots=True)
class Streak:
    """`periods` consecutive periods, each reaching the achievement's target."""

    period: Period
    periods: int


@dataclass(frozen=True, slots=True)
class Achievement:
    id: str
    name: LocalizedText
    description: LocalizedText
    counts: Measure
    target: Decimal
    #: the event type counted (events and property measures)
    event: str | None = None
    #: the event property summed (or matched, with `equals`)
    property_name: str | None = None
    #: count the events whose `property` is this text, instead of summing the property
    equals: str | None = None
    #: only what happened in the last N days counts (None: all time)
    last_days: int | None = None
    streak: Streak | None = None
    repeat: bool = False
    points: int | None = None
    reward_id: str | None = None
    #: what the target counts, as customers read it ("reviews", "مراجعات"); a default otherwise
    unit: LocalizedText | None = None

    @property
    def signature(self) -> str:
        """What the stored progress means: when a new program version counts something else
        (another measure, event, property or window), the progress starts again."""
        streak = f"{self.streak.period}" if self.streak else ""
        parts = (self.counts, self.event, self.property_name, self.equals, self.last_days, streak)
        return "|".join("" if part is None else str(part) for part in parts)

    @property
    def grants(self) -> str:
        """points, reward or badge (only the badge)."""
        if self.points is not None:
            return "points"
        return "reward" if self.reward_id is not None else "badge"


# --- checks ------------------------------------------------------------------------------------


def achievement_problems(
    achievement: Achievement, where: tuple[str | int, ...], currency: str | None
) -> list[Problem]:
    """What is wrong with one achievement, each at its path under `where`."""
    problems: list[Problem] = []
    for part, text in (("name", achievement.name), ("description", achievement.description)):
        for locale in REQUIRED_LOCALES:
            if locale not in text.as_dict():
                problems.append(Problem((*where, part), f"needs a text in {locale} (en and ar)"))
    problems.extend(_measure_problems(achievement, where))
    problems.extend(_target_problems(achievement, where, currency))
    if achievement.last_days is not None and achievement.streak is not None:
        reason = "an achievement counts the last N days or a streak, not both"
        problems.append(Problem((*where, "streak"), reason))
    if achievement.points is not None and achievement.reward_id is not None:
        reason = "an achievement grants points or a catalog reward (or only the badge), not both"
        problems.append(Problem((*where, "reward"), reason))
    return problems


def _measure_problems(achievement: Achievement, where: tuple[str | int, ...]) -> list[Problem]:
    counts = achievement.counts
    on_events = counts in (Measure.EVENTS, Measure.PROPERTY)
    problems = []
    if on_events and achievement.event is None:
        problems.append(Problem((*where, "event"), f"counting {counts} needs the event type"))
    if not on_events and achievement.event is not None:
        reason = f"only counts: events and counts: property take an event type, not {counts}"
        problems.append(Problem((*where, "event"), reason))
    if counts is Measure.PROPERTY and achievement.property_name is None:
        problems.append(Problem((*where, "property"), "counting property needs its name"))
    if counts is not Measure.PROPERTY:
        for name, value in (
            ("property", achievement.property_name),
            ("equals", achievement.equals),
        ):
            if value is not None:
                reason = "only used when the achievement counts: property"
                problems.append(Problem((*where, name), reason))
    return problems


def _target_problems(
    achievement: Achievement, where: tuple[str | int, ...], currency: str | None
) -> list[Problem]:
    target, at = achievement.target, (*where, "target")
    if achievement.counts is Measure.SPEND:
        if currency is not None and not fits_minor_units(target, currency):
            return [Problem(at, f"{currency} amounts have {minor_units(currency)} decimal places")]
        return []
    whole = achievement.counts is not Measure.PROPERTY or achievement.equals is not None
    if whole and target != target.to_integral_value():
        return [Problem(at, f"counts {achievement.counts}, so it must be a whole number")]
    return []


def achievements_problems(
    achievements: Sequence[Achievement],
    currency: str | None,
    positions: Sequence[int] | None = None,
) -> list[Problem]:
    """Every achievement's problems at its index in the document, and ids used twice."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, achievement in enumerate(achievements):
        index = positions[number] if positions is not None else number
        where: tuple[str | int, ...] = ("achievements", index)
        problems.extend(achievement_problems(achievement, where, currency))
        if achievement.id in seen:
            reason = f"{achievement.id!r} is already used by achievements[{seen[achievement.id]}]"
            problems.append(Problem((*where, "id"), reason))
        seen.setdefault(achievement.id, index)
    return problems
