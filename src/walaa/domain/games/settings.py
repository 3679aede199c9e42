"""A game as the program defines it, and the checks that refuse a game that is not fair play.

The seeds' rule is the **win floor**: a customer's chance of winning some prize must be above
25%. A game at 25% or less is refused when the settings are validated, with the numbers, so the
merchant sees why and what to change. Weights are relative (30 and 70 are 30% and 70%); every
weight is more than 0, because a prize that can never be drawn would be shown to customers as
if it could.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from walaa.domain.explanations import LocalizedText
from walaa.domain.program import Problem

#: A game must give a prize MORE often than this (exactly 25% is refused).
WIN_FLOOR = Fraction(1, 4)

#: Languages a game's and its prizes' names must have: customers read them in either.
REQUIRED_LOCALES = ("en", "ar")


class GameKind(StrEnum):
    """How the game is shown; the draw is the same for all three."""

    WHEEL = "wheel"
    SCRATCH = "scratch"
    MYSTERY_BOX = "mystery_box"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True, slots=True)
class Prize:
    """One outcome: `points`, a catalog `reward` (a single-use code), or neither (no prize).

    `stock` is how many times it may be won (None: unlimited); a catalog reward's own stock
    also counts. Once out, its share of the draws becomes "no prize" (see `odds`).
    """

    id: str
    name: LocalizedText
    weight: Decimal
    points: int | None = None
    reward_id: str | None = None
    stock: int | None = None

    @property
    def wins(self) -> bool:
        return self.points is not None or self.reward_id is not None


@dataclass(frozen=True, slots=True)
class Unlock:
    """What earns a play: an order paid at least `order_min_amount` (once per order), or a
    customer event of type `event`."""

    order_min_amount: Decimal | None = None
    event: str | None = None


@dataclass(frozen=True, slots=True)
class FreeEntry:
    """One play without purchase per `period` (an alternative means of entry)."""

    period: Period


@dataclass(frozen=True, slots=True)
class Game:
    id: str
    kind: GameKind
    name: LocalizedText
    prizes: tuple[Prize, ...]
    unlock: Unlock
    free_entry: FreeEntry | None = None

    @property
    def total_weight(self) -> Decimal:
        return sum((prize.weight for prize in self.prizes), Decimal(0))

    @property
    def win_chance(self) -> Fraction:
        """The chance a play draws some prize, with every prize in stock."""
        total = self.total_weight
        if total <= 0:
            return Fraction(0)
        won = sum((prize.weight for prize in self.prizes if prize.wins), Decimal(0))
        return Fraction(won) / Fraction(total)

    def prize(self, prize_id: str) -> Prize:
        for prize in self.prizes:
            if prize.id == prize_id:
                return prize
        raise KeyError(prize_id)

    @property
    def reward_ids(self) -> frozenset[str]:
        return frozenset(p.reward_id for p in self.prizes if p.reward_id is not None)


def _percent(value: Fraction) -> str:
    return f"{float(value * 100):.2f}".rstrip("0").rstrip(".") + "%"


def game_problems(game: Game, where: tuple[str | int, ...] = ()) -> list[Problem]:
    """What is wrong with one game, each at its path under `where` (("games", 0))."""
    problems: list[Problem] = []
    for locale in REQUIRED_LOCALES:
        if locale not in game.name.as_dict():
            problems.append(Problem((*where, "name"), f"needs a name in {locale} (en and ar)"))
    if not game.prizes:
        problems.append(Problem((*where, "prizes"), "needs at least one prize"))
        return problems
    seen: dict[str, int] = {}
    for index, prize in enumerate(game.prizes):
        at = (*where, "prizes", index)
        problems.extend(_prize_problems(prize, at))
        if prize.id in seen:
            reason = f"{prize.id!r} is already used by prizes[{seen[prize.id]}]"
            problems.append(Problem((*at, "id"), reason))
        seen.setdefault(prize.id, index)
    if any(prize.weight < 0 for prize in game.prizes):
        return problems  # the chance of winning means nothing with negative weights
    if game.total_weight <= 0:
        reason = "the weights add up to 0: no prize (not even 'no prize') could be drawn"
        problems.append(Problem((*where, "prizes"), reason))
    elif game.win_chance <= WIN_FLOOR:
        reason = (
            f"the chance of winning a prize is {_percent(game.win_chance)}; it must be above 25%"
            " (a game of chance customers are unlikely to win is refused): give the winning"
            " prizes more weight, or 'no prize' less"
        )
        problems.append(Problem((*where, "prizes"), reason))
    if game.unlock.order_min_amount is None and game.unlock.event is None:
        reason = "say what unlocks a play: order_min_amount or event"
        problems.append(Problem((*where, "unlock"), reason))
    return problems


def _prize_problems(prize: Prize, at: tuple[str | int, ...]) -> list[Problem]:
    problems: list[Problem] = []
    if prize.weight < 0:
        problems.append(Problem((*at, "weight"), "must not be negative"))
    elif prize.weight == 0:
        reason = "must be more than 0: a prize that can never be drawn misleads customers"
        problems.append(Problem((*at, "weight"), reason))
    if prize.points is not None and prize.reward_id is not None:
        reason = "a prize is points or a catalog reward, not both"
        problems.append(Problem((*at, "reward"), reason))
    for locale in REQUIRED_LOCALES:
        if locale not in prize.name.as_dict():
            problems.append(Problem((*at, "name"), f"needs a name in {locale} (en and ar)"))
    return problems


def games_problems(games: Sequence[Game]) -> list[Problem]:
    """Every game's problems, and ids used twice."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, game in enumerate(games):
        problems.extend(game_problems(game, ("games", index)))
        if game.id in seen:
            reason = f"{game.id!r} is already used by games[{seen[game.id]}]"
            problems.append(Problem(("games", index, "id"), reason))
        seen.setdefault(game.id, index)
    return problems


def period_key(period: Period, local_day: str) -> str:
    """The free-entry period a local date (YYYY-MM-DD) falls in: 2026-12-03, 2026-W49, 2026-12."""
    day = date.fromisoformat(local_day)
    if period is Period.DAY:
        return day.isoformat()
    if period is Period.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day:%Y-%m}"
