"""Games of chance: unlocking plays, playing them, and taking back what a refund voids.

* **Unlocks** are written by small hooks the order and event handlers call only when the
  program has games (`unlock_after_order`, `unlock_after_event`), in their transaction: one
  play per qualifying order (or event), never two, by a unique key on the unlock's source.
* **A play** (`play`) is one transaction: lock the customer, take their oldest open unlock (or
  this period's free entry), lock the game's current seed and count its nonce, draw, issue the
  prize (points through the ledger, a catalog reward as a single-use code), record the play.
  Locking the seed serialises a game's plays, so nonces never repeat and a prize's stock
  never gives more than it has.
* **A refund** that takes an order below a game's minimum voids what it unlocked
  (`void_after_refund`): an unplayed unlock, pending prize points, an unused prize code.

Seeds, their commitments, rotation and verification are in `game_fairness`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from walaa.domain.errors import AccountClosed, IdempotencyConflict, NotFound, ValidationFailed
from walaa.domain.explanations import LocalizedText
from walaa.domain.games import Game, NoPlayAvailable, Prize, draw
from walaa.domain.games.settings import period_key
from walaa.domain.money import decimal_text
from walaa.domain.program import Program
from walaa.service.commands import Earn, Reverse
from walaa.service.game_ports import GamesRepository, PlayRecord, UnlockRecord
from walaa.service.handlers import ledger
from walaa.service.handlers.context import in_force
from walaa.service.handlers.rewards import give_back_in, issue_free_code
from walaa.service.ports import Clock, RedemptionRecord, UnitOfWork

MAX_CLIENT_SEED = 128


@dataclass(frozen=True, slots=True)
class PlayResult:
    play: PlayRecord
    game: Game
    prize: Prize
    code: str | None
    plays_left: int
    replayed: bool


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def find_game(program: Program | None, game_id: str) -> Game:
    for game in program.games if program else ():
        if game.id == game_id:
            return game
    raise NotFound(f"game {game_id!r} is not in this store's program")


# --- unlocks, from the order and event paths ---------------------------------------------------


def unlock_after_order(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    customer_id: str,
    order_id: str,
    spend: Decimal,
    now: datetime,
) -> list[str]:
    """One play of each game whose minimum this paid order reaches; returns their ids."""
    games = [
        game
        for game in program.games
        if game.unlock.order_min_amount is not None and spend >= game.unlock.order_min_amount
    ]
    return _unlock(uow, store_id, games, customer_id, f"order:{order_id}", order_id, now)


def unlock_after_event(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    customer_id: str,
    event_id: str,
    event_type: str,
    now: datetime,
) -> list[str]:
    """One play of each game this event type unlocks; returns their ids."""
    games = [game for game in program.games if game.unlock.event == event_type]
    return _unlock(uow, store_id, games, customer_id, f"event:{event_id}", None, now)


def _unlock(
    uow: UnitOfWork,
    store_id: str,
    games: list[Game],
    customer_id: str,
    source: str,
    order_id: str | None,
    now: datetime,
) -> list[str]:
    """An open play per game from this source; a source already counted adds nothing."""
    unlocked = []
    for game in games:
        record = UnlockRecord(_new_id("gu"), game.id, customer_id, source, order_id, "open", now)
        if uow.games(store_id).add_unlock(record):
            unlocked.append(game.id)
    return unlocked


# --- playing -----------------------------------------------------------------------------------


def play(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    game_id: str,
    *,
    client_seed: str | None = None,
    key: str | None = None,
) -> PlayResult:
    """Play one unlocked play (or the period's free entry) and issue what it wins.

    The same ``key`` answers the first play again; without a key, each call uses the next
    unlock, so a retry after a lost answer is best sent with one.
    """
    if client_seed is not None and not 1 <= len(client_seed) <= MAX_CLIENT_SEED:
        raise ValidationFailed("client_seed", f"must be 1 to {MAX_CLIENT_SEED} characters")
    now = clock.now()
    with uow:
        program = in_force(uow, store_id)
        game = find_game(program, game_id)
        assert program is not None
        balances = uow.ledger(store_id).lock_customer(
            customer_id, create=game.free_entry is not None
        )
        if balances is None:
            raise NotFound(f"customer {customer_id!r} has no plays of {game_id!r}")
        games = uow.games(store_id)
        if key is not None:
            earlier = games.play_by_key(key)
            if earlier is not None:
                return _replay(uow, store_id, game, earlier, key, customer_id)
        if balances.closed:
            raise AccountClosed(customer_id)
        unlock = games.open_unlock(customer_id, game_id) or _free_entry(
            games, program, game, customer_id, now
        )
        if unlock is None:
            raise NoPlayAvailable(_how_to_unlock(program, game))
        result = _draw_and_issue(uow, program, store_id, game, unlock, client_seed, key, now)
        uow.commit()
    return result


def _replay(
    uow: UnitOfWork, store_id: str, game: Game, earlier: PlayRecord, key: str, customer_id: str
) -> PlayResult:
    if earlier.game_id != game.id or earlier.customer_id != customer_id:
        raise IdempotencyConflict(f"Idempotency-Key {key!r} was used for another play")
    code = None
    if earlier.redemption_id is not None:
        found = uow.rewards(store_id).get_redemption(earlier.redemption_id)
        code = found.code if found else None
    left = uow.games(store_id).count_open(earlier.customer_id, game.id)
    return PlayResult(earlier, game, _prize_of(game, earlier), code, left, True)


def _prize_of(game: Game, earlier: PlayRecord) -> Prize:
    """The prize a play drew, even if a later program version dropped it from the game."""
    try:
        return game.prize(earlier.prize_id)
    except KeyError:
        return Prize(earlier.prize_id, LocalizedText.of(earlier.prize_id), Decimal(0))


@dataclass(frozen=True, slots=True)
class CustomerGame:
    """What a customer may do with a game now, and what they played."""

    game: Game
    plays_left: int
    free_entry_left: bool
    plays: list[PlayRecord]


def customer_games(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str
) -> list[CustomerGame]:
    """Each game's unplayed plays (and free entry) for a customer, with their plays so far."""
    now = clock.now()
    with uow:
        program = in_force(uow, store_id)
        if program is None:
            return []
        games = uow.games(store_id)
        return [
            CustomerGame(
                game,
                games.count_open(customer_id, game.id),
                game.free_entry is not None
                and not games.has_source(game.id, _free_source(program, game, customer_id, now)),
                games.plays_of(customer_id, game.id),
            )
            for game in program.games
        ]


def _free_source(program: Program, game: Game, customer_id: str, now: datetime) -> str:
    """One free entry per customer per period: the unlock's source names both."""
    assert game.free_entry is not None
    local_day = now.astimezone(program.tz).date().isoformat()
    return f"free:{period_key(game.free_entry.period, local_day)}:{customer_id}"


def _free_entry(
    games: GamesRepository, program: Program, game: Game, customer_id: str, now: datetime
) -> UnlockRecord | None:
    """This period's free play, the first time it is asked for; None once it was used."""
    if game.free_entry is None:
        return None
    source = _free_source(program, game, customer_id, now)
    record = UnlockRecord(_new_id("gu"), game.id, customer_id, source, None, "open", now)
    return record if games.add_unlock(record) else None


def _how_to_unlock(program: Program, game: Game) -> str:
    name = game.name.get("en")
    if game.unlock.order_min_amount is not None:
        amount = f"{decimal_text(game.unlock.order_min_amount)} {program.currency}"
        how = f"a paid order of at least {amount}"
    else:
        how = f"a {game.unlock.event} event"
    free = " (the free play of this period was used)" if game.free_entry else ""
    return f"no play of {name} left{free}: {how} unlocks one"


def _draw_and_issue(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    game: Game,
    unlock: UnlockRecord,
    client_seed: str | None,
    key: str | None,
    now: datetime,
) -> PlayResult:
    games = uow.games(store_id)
    seed = games.current_seed(game.id, now, lock=True)
    nonce = games.next_nonce(game.id, seed.seed_no)
    client_seed = client_seed or secrets.token_hex(8)
    drawn = draw(seed.server_seed, client_seed, nonce, [p.weight for p in game.prizes])
    prize = game.prizes[drawn.index]
    play_id = _new_id("gp")
    outcome, points, redemption, txn_id = "no_prize", 0, None, None
    if prize.wins and not _prize_left(uow, store_id, game, prize):
        outcome = "out_of_stock"
    elif prize.points is not None:
        txn_id = _issue_points(uow, program, store_id, game, prize, unlock, play_id, now)
        outcome, points = "won", prize.points
    elif prize.reward_id is not None:
        redemption = _issue_code(uow, store_id, prize, unlock, play_id, now)
        outcome = "out_of_stock" if redemption is None else "won"
    record = PlayRecord(
        id=play_id,
        game_id=game.id,
        customer_id=unlock.customer_id,
        unlock_id=unlock.id,
        seed_no=seed.seed_no,
        nonce=nonce,
        client_seed=client_seed,
        digest=drawn.digest,
        prizes=[[p.id, str(p.weight)] for p in game.prizes],
        prize_id=prize.id,
        outcome=outcome,
        points=points,
        redemption_id=redemption.id if redemption else None,
        transaction_id=txn_id,
        status="issued",
        created_at=now,
    )
    games.add_play(record, key)
    games.set_unlock_status(unlock.id, "played")
    left = games.count_open(unlock.customer_id, game.id)
    return PlayResult(record, game, prize, redemption.code if redemption else None, left, False)


def _prize_left(uow: UnitOfWork, store_id: str, game: Game, prize: Prize) -> bool:
    """Whether the prize's own stock has a unit left (its catalog stock is checked on issue)."""
    return prize.stock is None or uow.games(store_id).wins(game.id, prize.id) < prize.stock


def _won_text(program: Program, game: Game, prize: Prize, points: int) -> dict[str, list[str]]:
    """A prize's ledger explanation in English and Arabic."""
    en_points, ar_points = program.name_of_points("en"), program.name_of_points("ar")
    return {
        "en": [f"{game.name.get('en')}: won {prize.name.get('en')}, {points:,} {en_points}"],
        "ar": [f"{game.name.get('ar')}: ربحت {prize.name.get('ar')}، {points:,} {ar_points}"],
    }


def _details(
    program: Program, game: Game, prize: Prize, play_id: str, points: int
) -> dict[str, object]:
    return {
        "game": game.id,
        "play": play_id,
        "prize": prize.id,
        "explanations": _won_text(program, game, prize, points),
    }


def _issue_points(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    game: Game,
    prize: Prize,
    unlock: UnlockRecord,
    play_id: str,
    now: datetime,
) -> int:
    """Prize points, pending like the order's own until its return window has passed: a
    refund inside it voids them before they could be spent."""
    assert prize.points is not None
    matures = now
    if unlock.order_id is not None:
        order = uow.earning(store_id).get_order(unlock.order_id)
        if order is not None:
            matures = order.placed_at + timedelta(days=program.return_window_days)
    earn = Earn(
        store_id,
        unlock.customer_id,
        f"game:{play_id}",
        prize.points,
        available_at=matures if matures > now else None,
        expires_at=program.expiry.expires_at(max(matures, now)),
        reason="game",
        reference=play_id,
        details=_details(program, game, prize, play_id, prize.points),
        refers_to=_refers(unlock),
    )
    return ledger.earn_in(uow.ledger(store_id), earn, now).transaction_id


def _refers(unlock: UnlockRecord) -> tuple[tuple[str, str], ...]:
    return (("order", unlock.order_id),) if unlock.order_id else ()


def _issue_code(
    uow: UnitOfWork, store_id: str, prize: Prize, unlock: UnlockRecord, play_id: str, now: datetime
) -> RedemptionRecord | None:
    """The prize's catalog reward as a single-use code; None when none is left to give."""
    assert prize.reward_id is not None
    key = f"game:{play_id}"
    return issue_free_code(uow, store_id, unlock.customer_id, prize.reward_id, key, now)


# --- refunds void what an order unlocked ------------------------------------------------------


def void_after_refund(
    uow: UnitOfWork,
    program: Program,
    store_id: str,
    order_id: str,
    refund_id: str,
    remaining: Decimal,
    now: datetime,
) -> int:
    """Void what the order unlocked in games whose minimum it no longer reaches: an unplayed
    unlock, prize points (pending, or taken back), an unused prize code. Returns how many."""
    games = uow.games(store_id)
    voided = 0
    minimums = {game.id: game.unlock.order_min_amount for game in program.games}
    for unlock in games.unlocks_of_order(order_id):
        minimum = minimums.get(unlock.game_id)
        if unlock.status == "voided" or (minimum is not None and remaining >= minimum):
            continue
        if unlock.status == "played":
            found = games.play_of_unlock(unlock.id)
            refund = (("refund", refund_id), ("order", order_id))
            if found is None or not _void_prize(uow, store_id, found, refund, now):
                continue  # a prize code already used at a checkout stays used
        games.set_unlock_status(unlock.id, "voided")
        voided += 1
    return voided


def _void_prize(
    uow: UnitOfWork,
    store_id: str,
    found: PlayRecord,
    refers_to: tuple[tuple[str, str], ...],
    now: datetime,
) -> bool:
    if found.status != "issued":
        return False
    if found.redemption_id is not None:
        code = uow.rewards(store_id).get_redemption(found.redemption_id, lock=True)
        if code is None or code.status != "issued" or uow.rewards(store_id).uses_of(code.code):
            return False
        give_back_in(uow, store_id, found.customer_id, found.redemption_id, now)
    if found.transaction_id is not None:
        reverse = Reverse(
            store_id,
            found.customer_id,
            f"game:{found.id}:void",
            found.transaction_id,
            reason="game prize voided",
            refers_to=refers_to,
        )
        ledger.reverse_in(uow.ledger(store_id), reverse, now)
    uow.games(store_id).void_play(found.id)
    return True
