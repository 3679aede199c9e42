"""Balance milestones: the thresholds a program celebrates, and which one a change crossed.

A milestone is told once ever per customer (the notice's key makes it so). On a jump over
several thresholds only the highest is told, and a threshold below one already told is never
news: a customer who reached 1,000 and fell back under 500 hears nothing on climbing past 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from walaa.domain.explanations import LocalizedText

#: A problem with the milestones: its path under ``milestones`` and the reason.
MilestoneProblem = tuple[tuple[str | int, ...], str]


@dataclass(frozen=True, slots=True)
class Milestone:
    """A balance worth telling the customer about, with an optional name per language."""

    points: int
    name: LocalizedText | None = None

    def payload(self) -> dict[str, object]:
        """What the notice carries: the threshold and its names, for the store's templates."""
        named: dict[str, object] = {"points": self.points}
        if self.name is not None:
            named["name"] = self.name.as_dict()
        return named


def crossed(
    milestones: Sequence[Milestone], before: int, after: int, *, told: int | None = None
) -> Milestone | None:
    """The highest milestone a balance reached going from ``before`` to ``after``, unless the
    customer was already told of one as high (``told`` is the highest told so far)."""
    reached = [m for m in milestones if before < m.points <= after]
    if not reached:
        return None
    highest = max(reached, key=lambda m: m.points)
    if told is not None and told >= highest.points:
        return None
    return highest


def may_cross(milestones: Sequence[Milestone], before: int, after: int) -> bool:
    """True when a change could have crossed a milestone: the cheap test before any query."""
    return after > before and any(before < m.points <= after for m in milestones)


def milestone_problems(milestones: Sequence[Milestone]) -> list[MilestoneProblem]:
    """Thresholds must be positive and rise, so "the highest crossed" means one milestone."""
    found: list[MilestoneProblem] = []
    previous: int | None = None
    for index, milestone in enumerate(milestones):
        if milestone.points <= 0:
            found.append(((index,), "must be more than 0"))
        elif previous is not None and milestone.points <= previous:
            found.append(((index,), f"must be more than the milestone before it ({previous})"))
        previous = milestone.points if previous is None else max(previous, milestone.points)
    return found
