"""What makes a game provably fair: the odds and the seed's commitment published before play,
the seed revealed when it is rotated, and every play recomputed from it.

`export_plays` writes everything a customer or an auditor needs (the seeds, revealed or only
committed to, and each play's client seed, nonce, digest and prize table); `verify_export`
recomputes it with nothing else, so `walaa games verify` gives the same answer from the
database or from a file someone sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.games import Game, Odds, commitment, disclosed_odds, recompute, win_chance_now
from walaa.service.game_ports import SeedRecord
from walaa.service.handlers.context import in_force
from walaa.service.handlers.games import find_game
from walaa.service.ports import Clock, UnitOfWork

EXPORT_FORMAT = "walaa-game-plays/1"


@dataclass(frozen=True, slots=True)
class GameView:
    """A game as shoppers see it before playing: its odds now, and the seed's commitment."""

    game: Game
    odds: tuple[Odds, ...]
    win_chance: Fraction
    seed: SeedRecord
    revealed: tuple[SeedRecord, ...]


@dataclass(frozen=True, slots=True)
class Verification:
    """Every play of a revealed seed recomputed; plays of the current seed wait for it."""

    checked: int
    unrevealed: int
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _out_of_stock(uow: UnitOfWork, store_id: str, game: Game) -> frozenset[str]:
    games, rewards = uow.games(store_id), uow.rewards(store_id)
    out = set()
    for prize in game.prizes:
        if prize.stock is not None and games.wins(game.id, prize.id) >= prize.stock:
            out.add(prize.id)
        if prize.reward_id is not None:
            found = rewards.get_reward(prize.reward_id)
            if found is None or not found[0].active or found[1] == 0:
                out.add(prize.id)
    return frozenset(out)


def _view(uow: UnitOfWork, clock: Clock, store_id: str, game: Game) -> GameView:
    odds = disclosed_odds(game, _out_of_stock(uow, store_id, game))
    games = uow.games(store_id)
    seed = games.current_seed(game.id, clock.now())
    revealed = tuple(s for s in games.seeds(game.id) if s.revealed_at is not None)
    return GameView(game, odds, win_chance_now(odds), seed, revealed)


def describe_game(uow: UnitOfWork, clock: Clock, store_id: str, game_id: str) -> GameView:
    """The disclosure: each prize's probability now and the current seed's commitment."""
    with uow:
        view = _view(uow, clock, store_id, find_game(in_force(uow, store_id), game_id))
        uow.commit()  # a game's first seed, if the program was saved before it had one
    return view


def list_games(uow: UnitOfWork, clock: Clock, store_id: str) -> list[GameView]:
    with uow:
        program = in_force(uow, store_id)
        views = [_view(uow, clock, store_id, g) for g in (program.games if program else ())]
        uow.commit()
    return views


def rotate_seed(
    uow: UnitOfWork, clock: Clock, store_id: str, game_id: str
) -> tuple[SeedRecord, SeedRecord]:
    """Reveal the seed in use (so its plays can be checked) and commit to a new one."""
    with uow:
        find_game(in_force(uow, store_id), game_id)
        revealed, fresh = uow.games(store_id).rotate(game_id, clock.now())
        uow.commit()
    return revealed, fresh


# --- export and verification ---------------------------------------------------------------


def export_plays(uow: UnitOfWork, store_id: str, game_id: str) -> dict[str, Any]:
    """Every seed (revealed or only its commitment) and every play, as JSON-ready data."""
    with uow:
        games = uow.games(store_id)
        seeds = games.seeds(game_id)
        plays = games.plays(game_id)
    if not seeds:
        raise NotFound(f"game {game_id!r} has no seeds in this store")
    return {
        "format": EXPORT_FORMAT,
        "store_id": store_id,
        "game_id": game_id,
        "seeds": [
            {
                "seed_no": s.seed_no,
                "commitment": s.commitment,
                "server_seed": s.server_seed if s.revealed_at is not None else None,
            }
            for s in seeds
        ],
        "plays": [
            {
                "id": p.id,
                "seed_no": p.seed_no,
                "nonce": p.nonce,
                "client_seed": p.client_seed,
                "digest": p.digest,
                "prizes": p.prizes,
                "prize_id": p.prize_id,
            }
            for p in plays
        ],
    }


def verify_game(uow: UnitOfWork, store_id: str, game_id: str) -> Verification:
    return verify_export(export_plays(uow, store_id, game_id))


def verify_export(data: Any) -> Verification:
    """Recompute every play whose seed is revealed, from the export alone.

    A revealed seed must hash to the commitment published before its plays; each play's
    digest and prize must be what that seed, its client seed and nonce give.
    """
    if not isinstance(data, Mapping) or data.get("format") != EXPORT_FORMAT:
        raise ValidationFailed("format", f"not a {EXPORT_FORMAT} export")
    try:
        return _verify(data)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        reason = f"a seed or play lacks a field or has a bad one ({error})"
        raise ValidationFailed("file", reason) from None


def _verify(data: Mapping[str, Any]) -> Verification:
    revealed: dict[int, str] = {}
    mismatches = []
    for seed in data.get("seeds", ()):
        server_seed = seed.get("server_seed")
        if server_seed is None:
            continue
        if commitment(server_seed) != seed.get("commitment"):
            mismatches.append(f"seed {seed['seed_no']}: does not hash to its commitment")
        revealed[int(seed["seed_no"])] = server_seed
    checked = unrevealed = 0
    for play in data.get("plays", ()):
        server_seed = revealed.get(int(play["seed_no"]))
        if server_seed is None:
            unrevealed += 1
            continue
        checked += 1
        try:
            prizes = [(str(pid), Decimal(str(weight))) for pid, weight in play["prizes"]]
        except (InvalidOperation, ValueError, TypeError):
            mismatches.append(f"play {play.get('id')}: unreadable prize table")
            continue
        check = recompute(
            server_seed,
            play["client_seed"],
            int(play["nonce"]),
            prizes,
            play["digest"],
            play["prize_id"],
        )
        if not check.ok:
            what = (
                "digest" if not check.digest_matches else f"prize (expected {check.expected_prize})"
            )
            mismatches.append(
                f"play {play.get('id')} (seed {play['seed_no']}, nonce {play['nonce']}): {what}"
            )
    return Verification(checked, unrevealed, mismatches)
