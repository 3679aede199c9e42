"""The `achievements:` section of the settings document: badges and milestones.

Shape errors (a missing name, an unknown measure) come from these models; what needs several
fields at once (an event type for `counts: events`, a whole-number target for a count, a spend
target with more decimals than the currency has, points and a reward together, a repeated id)
from `walaa.domain.achievements.achievements_problems`, run on every achievement that parses
even while others have errors. Whether a `reward` is in the store's catalog is checked when
the document is applied to a store, as for game prizes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from walaa.domain.achievements import Achievement, Measure, Period, Streak, achievements_problems
from walaa.domain.explanations import LocalizedText
from walaa.domain.program import Problem
from walaa.program_document.fields import Amount, Count, DocModel, LocalizedField, Name, RuleId
from walaa.program_document.games import EventType


class StreakDoc(DocModel):
    """`periods` consecutive days, weeks (Monday to Sunday) or months, each reaching the
    target: {period: week, periods: 4} with target 1 is "an order every week for 4 weeks"."""

    period: Literal["day", "week", "month"]
    periods: Annotated[int, Field(ge=2, le=366, strict=True)] = Field(
        description="How many periods in a row"
    )


class AchievementDoc(DocModel):
    """A badge: what it counts toward `target`, over which window, and what it grants."""

    id: RuleId
    name: LocalizedField
    description: LocalizedField
    counts: Literal["orders", "spend", "events", "property"] = Field(
        description="Paid orders, qualifying spend, events of `event`, or a `property` of them"
    )
    event: EventType | None = Field(
        default=None, description="The event type counted: review, photo, run, any custom type"
    )
    property: Name | None = Field(
        default=None, description="The event property summed (distance_km), or matched"
    )
    equals: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Count events whose `property` is this value instead"
    )
    target: Amount = Field(description="How many (or how much) completes it")
    last_days: Annotated[int, Field(ge=1, le=3650, strict=True)] | None = Field(
        default=None, description="Only the last N days count; all time without it"
    )
    streak: StreakDoc | None = Field(
        default=None, description="Periods in a row that each reach the target"
    )
    repeat: bool = Field(default=False, description="Earned again each time it is completed anew")
    points: Count | None = Field(default=None, description="Points it grants, through the ledger")
    reward: RuleId | None = Field(
        default=None, description="A catalog reward it grants, as a single-use code"
    )
    unit: LocalizedField | None = Field(
        default=None, description="What the target counts, as customers read it: {en: km, ar: كم}"
    )


ACHIEVEMENT_MODELS = (AchievementDoc, StreakDoc)


def achievement_from_doc(doc: AchievementDoc) -> Achievement:
    streak = Streak(Period(doc.streak.period), doc.streak.periods) if doc.streak else None
    return Achievement(
        id=doc.id,
        name=LocalizedText.of(doc.name),
        description=LocalizedText.of(doc.description),
        counts=Measure(doc.counts),
        target=doc.target,
        event=doc.event,
        property_name=doc.property,
        equals=doc.equals,
        last_days=doc.last_days,
        streak=streak,
        repeat=doc.repeat,
        points=doc.points,
        reward_id=doc.reward,
        unit=LocalizedText.of(doc.unit) if doc.unit else None,
    )


_ACHIEVEMENT = TypeAdapter(AchievementDoc)


def achievement_section_problems(raw: Any, currency: str | None) -> list[Problem]:
    """The domain's checks of every achievement that parses, at its own index."""
    if not isinstance(raw, list):
        return []
    parsed, positions = [], []
    for index, item in enumerate(raw):
        try:
            parsed.append(achievement_from_doc(_ACHIEVEMENT.validate_python(item)))
        except ValidationError:
            continue
        positions.append(index)
    return achievements_problems(parsed, currency, positions)


def achievement_catalog_problems(
    achievements: tuple[Achievement, ...], catalog: Mapping[str, bool]
) -> list[Problem]:
    """Achievements granting a reward the store's catalog does not have (or has taken off the
    shelf): `catalog` maps each reward id to whether it is active."""
    problems = []
    for index, achievement in enumerate(achievements):
        reward = achievement.reward_id
        if reward is None:
            continue
        where = ("achievements", index, "reward")
        if reward not in catalog:
            problems.append(Problem(where, f"no reward {reward!r} in this store's catalog"))
        elif not catalog[reward]:
            problems.append(Problem(where, f"reward {reward!r} is not active in the catalog"))
    return problems


def achievements_from_docs(docs: list[AchievementDoc]) -> tuple[Achievement, ...]:
    return tuple(achievement_from_doc(doc) for doc in docs)
