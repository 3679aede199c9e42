"""/v1/games and customers' plays: the odds and the seed's commitment before play, a play
and its prize, the seed revealed by a rotation, and every play's record for checking."""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from walaa.domain.games import Game, Odds, Prize
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import Admin, IdempotencyKey, Reader, Walaa, Writer
from walaa.entrypoints.http.idempotency import RawBody, replayable
from walaa.entrypoints.http.routes.customers import CustomerId
from walaa.entrypoints.http.schemas import PROBLEMS, Strict
from walaa.service.game_ports import SeedRecord
from walaa.service.handlers import game_fairness as fair
from walaa.service.handlers import games as g

router = APIRouter(route_class=JsonRoute, tags=["games"], responses=PROBLEMS)
GameId = Annotated[str, Path(min_length=1, max_length=64, description="The game's id")]


def probability(value: Fraction) -> str:
    """A probability as a decimal with 6 places: "0.300000"."""
    return f"{float(value):.6f}"


def percent(value: Fraction) -> str:
    return f"{float(value * 100):.2f}".rstrip("0").rstrip(".") + "%"


class PrizeOut(BaseModel):
    id: str
    names: dict[str, str]
    gives: str = Field(description="points, reward (a single-use code) or nothing")
    points: int | None
    reward_id: str | None
    weight: str
    probability: str = Field(description="The chance of drawing it now, 0 to 1")
    published_probability: str = Field(description="Its share of the weights, in stock or not")
    out_of_stock: bool
    stock: int | None

    @classmethod
    def of(cls, odds: Odds) -> PrizeOut:
        p = odds.prize
        gives = "points" if p.points is not None else "reward" if p.reward_id else "nothing"
        return cls(
            id=p.id,
            names=p.name.as_dict(),
            gives=gives,
            points=p.points,
            reward_id=p.reward_id,
            weight=str(p.weight),
            probability=probability(odds.now),
            published_probability=probability(odds.published),
            out_of_stock=odds.out_of_stock,
            stock=p.stock,
        )


class SeedOut(BaseModel):
    seed_no: int
    commitment: str = Field(description="SHA-256 of the server seed, published before play")
    server_seed: str | None = Field(description="Revealed once the seed is rotated")
    plays: int
    created_at: datetime
    revealed_at: datetime | None

    @classmethod
    def of(cls, s: SeedRecord) -> SeedOut:
        shown = s.server_seed if s.revealed_at is not None else None
        return cls(
            seed_no=s.seed_no,
            commitment=s.commitment,
            server_seed=shown,
            plays=s.plays,
            created_at=s.created_at,
            revealed_at=s.revealed_at,
        )


def disclosure(game: Game, odds: tuple[Odds, ...], chance: Fraction) -> dict[str, str]:
    """The odds as a shopper reads them, in English and Arabic."""
    en = ", ".join(
        f"{o.prize.name.get('en')}: {percent(o.now)}"
        + (" (out of stock)" if o.out_of_stock else "")
        for o in odds
    )
    ar = "، ".join(
        f"{o.prize.name.get('ar')}: {percent(o.now)}" + (" (نفدت الكمية)" if o.out_of_stock else "")
        for o in odds
    )
    return {
        "en": f"{game.name.get('en')}: {en}. Chance of winning a prize: {percent(chance)}.",
        "ar": f"{game.name.get('ar')}: {ar}. فرصة الفوز بجائزة: {percent(chance)}.",
    }


class GameOut(BaseModel):
    id: str
    kind: str = Field(description="How it is shown: wheel, scratch or mystery_box")
    names: dict[str, str]
    unlock: dict[str, str | None]
    free_entry: str | None = Field(description="day, week or month: one free play per period")
    win_chance: str = Field(description="The chance a play wins some prize now, 0 to 1")
    prizes: list[PrizeOut]
    disclosure: dict[str, str] = Field(description="The odds in words, per language")
    seed: SeedOut = Field(description="The seed plays use now: only its commitment is shown")
    revealed_seeds: list[SeedOut]

    @classmethod
    def of(cls, view: fair.GameView) -> GameOut:
        game = view.game
        minimum = game.unlock.order_min_amount
        return cls(
            id=game.id,
            kind=game.kind.value,
            names=game.name.as_dict(),
            unlock={
                "order_min_amount": str(minimum) if minimum is not None else None,
                "event": game.unlock.event,
            },
            free_entry=game.free_entry.period.value if game.free_entry else None,
            win_chance=probability(view.win_chance),
            prizes=[PrizeOut.of(o) for o in view.odds],
            disclosure=disclosure(game, view.odds, view.win_chance),
            seed=SeedOut.of(view.seed),
            revealed_seeds=[SeedOut.of(s) for s in view.revealed],
        )


class GameList(BaseModel):
    data: list[GameOut]


class RotationOut(BaseModel):
    revealed: SeedOut
    current: SeedOut


class PlayIn(Strict):
    client_seed: str | None = Field(
        None,
        min_length=1,
        max_length=g.MAX_CLIENT_SEED,
        description="Your own randomness; Walaa picks one if left out",
    )


class PlayedPrize(BaseModel):
    id: str
    names: dict[str, str]
    points: int | None
    reward_id: str | None

    @classmethod
    def of(cls, p: Prize) -> PlayedPrize:
        return cls(id=p.id, names=p.name.as_dict(), points=p.points, reward_id=p.reward_id)


class PlayOut(BaseModel):
    id: str
    game_id: str
    customer_id: str
    outcome: str = Field(description="won, no_prize, or out_of_stock (drawn but none left)")
    prize: PlayedPrize = Field(description="The prize the draw landed on")
    points: int
    code: str | None = Field(description="The single-use code of a catalog prize")
    redemption_id: str | None
    transaction_id: int | None
    status: str = Field(description="issued, or voided by a refund of the unlocking order")
    seed_no: int
    nonce: int
    client_seed: str
    digest: str = Field(description="HMAC-SHA256(server seed, client_seed:nonce)")
    plays_left: int
    replayed: bool

    @classmethod
    def of(cls, result: g.PlayResult) -> PlayOut:
        p = result.play
        return cls(
            id=p.id,
            game_id=p.game_id,
            customer_id=p.customer_id,
            outcome=p.outcome,
            prize=PlayedPrize.of(result.prize),
            points=p.points,
            code=result.code,
            redemption_id=p.redemption_id,
            transaction_id=p.transaction_id,
            status=p.status,
            seed_no=p.seed_no,
            nonce=p.nonce,
            client_seed=p.client_seed,
            digest=p.digest,
            plays_left=result.plays_left,
            replayed=result.replayed,
        )


class CustomerPlayOut(BaseModel):
    id: str
    outcome: str
    prize_id: str
    points: int
    redemption_id: str | None
    status: str
    seed_no: int
    nonce: int
    created_at: datetime


class CustomerGameOut(BaseModel):
    game_id: str
    kind: str
    names: dict[str, str]
    plays_left: int = Field(description="Unplayed plays that orders or events unlocked")
    free_entry_left: bool = Field(description="Whether this period's free play is still there")
    plays: list[CustomerPlayOut]


class CustomerGameList(BaseModel):
    data: list[CustomerGameOut]


@router.get(
    "/v1/customers/{customer_id}/games",
    response_model=CustomerGameList,
    summary="The customer's plays left in each game, and what they played",
)
def read_customer_games(customer_id: CustomerId, caller: Reader, walaa: Walaa) -> CustomerGameList:
    found = g.customer_games(walaa.uow(), walaa.clock, caller.store_id, customer_id)
    return CustomerGameList(
        data=[
            CustomerGameOut(
                game_id=c.game.id,
                kind=c.game.kind.value,
                names=c.game.name.as_dict(),
                plays_left=c.plays_left,
                free_entry_left=c.free_entry_left,
                plays=[
                    CustomerPlayOut(
                        id=p.id,
                        outcome=p.outcome,
                        prize_id=p.prize_id,
                        points=p.points,
                        redemption_id=p.redemption_id,
                        status=p.status,
                        seed_no=p.seed_no,
                        nonce=p.nonce,
                        created_at=p.created_at,
                    )
                    for p in c.plays
                ],
            )
            for c in found
        ]
    )


@router.get("/v1/games", response_model=GameList, summary="The program's games and their odds")
def read_games(caller: Reader, walaa: Walaa) -> GameList:
    views = fair.list_games(walaa.uow(), walaa.clock, caller.store_id)
    return GameList(data=[GameOut.of(v) for v in views])


@router.get(
    "/v1/games/{game_id}",
    response_model=GameOut,
    summary="A game: each prize's probability and the commitment to the seed in use",
)
def read_game(game_id: GameId, caller: Reader, walaa: Walaa) -> GameOut:
    return GameOut.of(fair.describe_game(walaa.uow(), walaa.clock, caller.store_id, game_id))


@router.post(
    "/v1/games/{game_id}/rotate",
    response_model=RotationOut,
    summary="Reveal the seed in use and commit to a new one",
)
def post_rotate(game_id: GameId, caller: Admin, walaa: Walaa) -> RotationOut:
    revealed, current = fair.rotate_seed(walaa.uow(), walaa.clock, caller.store_id, game_id)
    return RotationOut(revealed=SeedOut.of(revealed), current=SeedOut.of(current))


@router.get(
    "/v1/games/{game_id}/plays",
    summary="Every play and seed, as `walaa games verify --file` reads them",
)
def read_plays(game_id: GameId, caller: Reader, walaa: Walaa) -> dict[str, Any]:
    return fair.export_plays(walaa.uow(), caller.store_id, game_id)


@router.post(
    "/v1/customers/{customer_id}/games/{game_id}/play",
    status_code=201,
    response_model=PlayOut,
    responses={200: {"model": PlayOut, "description": "A replay: the first play"}},
    summary="Play an unlocked play (or the period's free entry) and receive its prize",
)
def post_play(
    customer_id: CustomerId,
    game_id: GameId,
    caller: Writer,
    walaa: Walaa,
    request: Request,
    raw: RawBody,
    body: PlayIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    def produce() -> tuple[int, PlayOut]:
        result = g.play(
            walaa.uow(),
            walaa.clock,
            caller.store_id,
            customer_id,
            game_id,
            client_seed=body.client_seed if body else None,
            key=idempotency_key,
        )
        return (200 if result.replayed else 201), PlayOut.of(result)

    return replayable(walaa, caller, request, idempotency_key, raw, produce)
