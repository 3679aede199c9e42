"""Games of chance: a wheel, a scratch card or a mystery box, one engine.

* `settings`: a game as the program document defines it (prizes and their weights, what
  unlocks a play, free entry) and the checks that refuse a game a customer is unlikely to win;
* `draws`: the provably fair draw, HMAC-SHA256 of a committed server seed, pure and exact;
* `odds`: each prize's probability as disclosed, with the effect of a prize out of stock.
"""

from __future__ import annotations

from walaa.domain.games.draws import (
    Check,
    Draw,
    commitment,
    draw,
    draw_number,
    new_server_seed,
    pick,
    recompute,
)
from walaa.domain.games.errors import NoPlayAvailable
from walaa.domain.games.odds import Odds, disclosed_odds, win_chance_now
from walaa.domain.games.settings import (
    WIN_FLOOR,
    FreeEntry,
    Game,
    GameKind,
    Prize,
    Unlock,
    game_problems,
    games_problems,
)

__all__ = [
    "WIN_FLOOR",
    "Check",
    "Draw",
    "FreeEntry",
    "Game",
    "GameKind",
    "NoPlayAvailable",
    "Odds",
    "Prize",
    "Unlock",
    "commitment",
    "disclosed_odds",
    "draw",
    "draw_number",
    "game_problems",
    "games_problems",
    "new_server_seed",
    "pick",
    "recompute",
    "win_chance_now",
]
