"""Each prize's probability, as the API and the customer see it before playing.

**Out of stock.** The draw never changes: it maps a play to a prize with the weights as
published. A prize whose stock is out (its own `stock`, or its catalog reward's) gives nothing
when drawn, so its share of the draws goes to "no prize" and every other prize keeps exactly
the probability it had. The disclosure shows it at once: the prize's probability becomes 0,
``out_of_stock`` is true, and the chance of winning falls by its share.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

from walaa.domain.games.settings import Game, Prize


@dataclass(frozen=True, slots=True)
class Odds:
    """One prize's chance: `published` is its share of the weights; `now` is 0 when it is out
    of stock."""

    prize: Prize
    published: Fraction
    now: Fraction
    out_of_stock: bool


def disclosed_odds(game: Game, out_of_stock: Collection[str] = ()) -> tuple[Odds, ...]:
    total = Fraction(game.total_weight)
    return tuple(
        Odds(
            prize,
            share := Fraction(prize.weight) / total,
            Fraction(0) if prize.id in out_of_stock else share,
            prize.id in out_of_stock,
        )
        for prize in game.prizes
    )


def win_chance_now(odds: tuple[Odds, ...]) -> Fraction:
    return sum((o.now for o in odds if o.prize.wins), Fraction(0))
