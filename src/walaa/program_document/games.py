"""The `games:` section of the settings document: games of chance and their prizes.

Shape errors (a missing name, an unknown kind) come from these models; what needs the whole
game (the 25% win floor, weights that add up to nothing, a repeated prize id) from
`walaa.domain.games.game_problems`, run on every game that parses even while others have
errors. Whether a prize's `reward` is in the store's catalog is checked when the document is
applied to a store (or validated with `--store`), since the catalog lives in the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from walaa.domain.explanations import LocalizedText
from walaa.domain.games import FreeEntry, Game, GameKind, Prize, Unlock, games_problems
from walaa.domain.games.settings import Period
from walaa.domain.money import fits_minor_units, minor_units
from walaa.domain.program import Problem
from walaa.program_document.fields import Amount, Count, DocModel, LocalizedField, RuleId

EventType = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class PrizeDoc(DocModel):
    """One outcome and its weight: points, a catalog reward (a single-use code), or neither
    (no prize). Weights are relative: 30 and 70 are 30% and 70%."""

    id: RuleId
    name: LocalizedField
    weight: Annotated[Decimal, Field(allow_inf_nan=False)] = Field(
        description="Relative chance of this outcome; more than 0"
    )
    points: Count | None = Field(default=None, description="Points the prize gives")
    reward: RuleId | None = Field(default=None, description="A catalog reward's id")
    stock: Annotated[int, Field(ge=0, strict=True)] | None = Field(
        default=None, description="How many times it may be won; unlimited if left out"
    )


class UnlockDoc(DocModel):
    """What earns a play: a paid order of at least `order_min_amount` (one play per order),
    or a customer event of type `event` (one play per event)."""

    order_min_amount: Amount | None = None
    event: EventType | None = None


class FreeEntryDoc(DocModel):
    """One play without purchase per period, for places whose law requires a free way in."""

    period: Literal["day", "week", "month"]


class GameDoc(DocModel):
    """A game of chance; `kind` is only how it is shown, the draw is the same."""

    id: RuleId
    kind: Literal["wheel", "scratch", "mystery_box"]
    name: LocalizedField
    prizes: list[PrizeDoc] = Field(description="The outcomes, in the order the draw reads them")
    unlock: UnlockDoc
    free_entry: FreeEntryDoc | None = None


GAME_MODELS = (GameDoc, PrizeDoc, UnlockDoc, FreeEntryDoc)


def game_from_doc(doc: GameDoc) -> Game:
    return Game(
        id=doc.id,
        kind=GameKind(doc.kind),
        name=LocalizedText.of(doc.name),
        prizes=tuple(
            Prize(
                p.id,
                LocalizedText.of(p.name),
                p.weight,
                points=p.points,
                reward_id=p.reward,
                stock=p.stock,
            )
            for p in doc.prizes
        ),
        unlock=Unlock(doc.unlock.order_min_amount, doc.unlock.event),
        free_entry=FreeEntry(Period(doc.free_entry.period)) if doc.free_entry else None,
    )


_GAME = TypeAdapter(GameDoc)


def parsed_games(raw: Any) -> tuple[list[Game], list[int]]:
    """Each game that parses on its own, with its index."""
    if not isinstance(raw, list):
        return [], []
    games, positions = [], []
    for index, item in enumerate(raw):
        try:
            games.append(game_from_doc(_GAME.validate_python(item)))
        except ValidationError:
            continue
        positions.append(index)
    return games, positions


def game_section_problems(raw: Any, currency: str | None) -> list[Problem]:
    """The domain's checks of every game that parses, at the game's own index."""
    games, positions = parsed_games(raw)
    problems = []
    for problem in games_problems(games):
        path = list(problem.path)
        if len(path) >= 2 and path[0] == "games" and isinstance(path[1], int):
            path[1] = positions[path[1]]
        problems.append(Problem(tuple(path), problem.reason))
    if currency is not None:
        for game, index in zip(games, positions, strict=True):
            amount = game.unlock.order_min_amount
            if amount is not None and not fits_minor_units(amount, currency):
                reason = f"{currency} amounts have {minor_units(currency)} decimal places"
                problems.append(Problem(("games", index, "unlock", "order_min_amount"), reason))
    return problems


def catalog_problems(games: tuple[Game, ...], catalog: Mapping[str, bool]) -> list[Problem]:
    """Prizes naming a reward the store's catalog does not have (or has taken off the
    shelf): `catalog` maps each reward id to whether it is active."""
    problems = []
    for g, game in enumerate(games):
        for p, prize in enumerate(game.prizes):
            if prize.reward_id is None:
                continue
            where = ("games", g, "prizes", p, "reward")
            if prize.reward_id not in catalog:
                reason = f"no reward {prize.reward_id!r} in this store's catalog; add it first"
                problems.append(Problem(where, reason))
            elif not catalog[prize.reward_id]:
                reason = f"reward {prize.reward_id!r} is not active in the catalog"
                problems.append(Problem(where, reason))
    return problems
