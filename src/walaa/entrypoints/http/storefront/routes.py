"""/v1/storefront: what a shopper's browser asks with the store's publishable key.

Guests see the program and what a product earns; a shopper whose token verified sees their
own balance, tier, rewards, history and member card, and redeems. The customer is always the
token's ``sub``, never an id the browser sends.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from decimal import Decimal
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from walaa.bootstrap import App
from walaa.domain.earning.inputs import OrderLine
from walaa.domain.errors import NotFound
from walaa.domain.program_sentences import earn_phrase
from walaa.entrypoints.http.body import JsonRoute
from walaa.entrypoints.http.deps import IdempotencyKey
from walaa.entrypoints.http.schemas import ID_PATTERN, PROBLEMS
from walaa.entrypoints.http.storefront.deps import Public, Shopper
from walaa.entrypoints.http.storefront.schemas import (
    CardOut,
    HistoryEntryOut,
    HistoryOut,
    PointsOut,
    ProgramSummaryOut,
    ShopperOut,
    ShopperRedeemIn,
    ShopperRedemptionOut,
    direction,
)
from walaa.service.handlers.achievements import customer_achievements
from walaa.service.handlers.customers import customer_ledger, explanation_text
from walaa.service.handlers.games import customer_games
from walaa.service.handlers.giving import chosen_cause
from walaa.service.handlers.in_force import saved_program
from walaa.service.handlers.referrals import referral_of
from walaa.service.handlers.rewards import list_rewards, redeem
from walaa.service.handlers.shopper import product_points, progress_share, shopper_summary
from walaa.service.handlers.storefront import member_card_of
from walaa.service.handlers.stores import get_store

router = APIRouter(
    route_class=JsonRoute, prefix="/v1/storefront", tags=["storefront"], responses=PROBLEMS
)
Locale = Annotated[str, Query(pattern="^(en|ar)$", description="en or ar")]
#: guests' answers may be kept by browsers and shared caches for this long
PUBLIC_MAX_AGE = 300
#: what a program without referrals or achievements shows in their places
NO_EXTENSIONS: dict[str, Any] = {"referral": None, "badges": None}


def cached(request: Request, body: BaseModel, *, shared: bool) -> Response:
    """The JSON with an ETag; 304 when the client already holds it. Guests' answers are the
    same for everyone (public); a shopper's are theirs (private, and shorter)."""
    data = body.model_dump_json().encode()
    tag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = {
        "ETag": tag,
        "Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}" if shared else "private, max-age=30",
        "Vary": "Origin, X-Walaa-Shopper",
    }
    if tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


@router.get("/program", response_model=ProgramSummaryOut, summary="The program, in plain words")
def read_program(store: Public, request: Request, locale: Locale = "en") -> Response:
    uow = store.walaa.uow
    program = saved_program(uow(), store.store_id)
    rewards = [entry.reward for entry in list_rewards(uow(), store.store_id)]
    shop = get_store(uow(), store.store_id)
    out = ProgramSummaryOut.of(shop, store.settings, program, rewards, locale)
    return cached(request, out, shared=True)


@router.get(
    "/points",
    response_model=PointsOut,
    summary="What a product at a price earns, for a guest or the signed-in shopper",
)
def read_points(
    store: Public,
    request: Request,
    price: Annotated[
        str, Query(pattern=r"^\d{1,9}(\.\d{1,4})?$", description="The product's price, 37.99")
    ],
    sku: Annotated[str | None, Query(max_length=128, pattern=ID_PATTERN)] = None,
    product_id: Annotated[str | None, Query(max_length=128, pattern=ID_PATTERN)] = None,
    categories: Annotated[
        str | None,
        Query(
            max_length=1000,
            pattern=r"^[A-Za-z0-9._:@ -]+(,[A-Za-z0-9._:@ -]+)*$",
            description="Comma-separated category ids",
        ),
    ] = None,
    locale: Locale = "en",
) -> Response:
    cats = frozenset(c.strip() for c in (categories or "").split(",") if c.strip())
    line = OrderLine("product", Decimal(price), product_id=product_id, sku=sku, categories=cats)
    program, evaluation, tier = product_points(
        store.walaa.uow(), store.walaa.clock, store.store_id, line, store.customer_id
    )
    out = PointsOut(
        points=evaluation.total,
        points_name=program.name_of_points(locale),
        text=earn_phrase(program, evaluation.total, locale),
        signed_in=store.customer_id is not None,
        tier=tier,
        program_version=evaluation.program_version,
    )
    return cached(request, out, shared=store.customer_id is None)


@router.get("/me", response_model=ShopperOut, summary="The signed-in shopper's account")
def read_me(store: Shopper, locale: Locale = "en") -> ShopperOut:
    walaa, customer_id = store.walaa, store.customer_id
    assert customer_id is not None
    summary = shopper_summary(walaa.uow(), walaa.clock, store.store_id, customer_id)
    cause = chosen_cause(walaa.uow(), store.store_id, customer_id) if summary.view else None
    games = customer_games(walaa.uow(), walaa.clock, store.store_id, customer_id)
    return ShopperOut.of(
        summary,
        locale,
        cause=(cause.names.get(locale) or cause.names.get("en")) if cause else None,
        games=[
            {"id": g.game.id, "name": g.game.name.get(locale), "plays_left": g.plays_left}
            for g in games
            if g.plays_left > 0
        ],
        extensions=extensions(walaa, store.store_id, customer_id, locale, summary.view is not None),
    )


def extensions(
    walaa: App, store_id: str, customer_id: str, locale: str, known: bool
) -> dict[str, Any]:
    """The referral link and the badges with progress, when the program has them (and the
    shopper is known to Walaa: a code is made for a customer, never for a stranger)."""
    out = dict(NO_EXTENSIONS)
    if not known:
        return out
    try:
        referral = referral_of(walaa.uow(), walaa.clock, store_id, customer_id)
        out["referral"] = {"code": referral.code, "link": referral.link}
    except NotFound:  # the program has no referrals: section
        pass
    views, _currency = customer_achievements(walaa.uow(), walaa.clock, store_id, customer_id)
    if views:
        out["badges"] = [
            {
                "id": v.achievement.id,
                "name": v.achievement.name.get(locale),
                "progress": v.text.get(locale) or v.text.get("en", ""),
                "earned": bool(v.grants),
                "percent": progress_share(v.standing.current, v.standing.target),
            }
            for v in views
        ]
    return out


@router.get("/me/history", response_model=HistoryOut, summary="The shopper's points history")
def read_history(
    store: Shopper,
    locale: Locale = "en",
    cursor: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> HistoryOut:
    walaa, customer_id = store.walaa, store.customer_id
    assert customer_id is not None
    try:
        page = customer_ledger(walaa.uow(), store.store_id, customer_id, cursor=cursor, limit=limit)
    except NotFound:  # a shopper Walaa has not met yet has no history yet
        return HistoryOut(entries=[], next_cursor=None)
    return HistoryOut(
        entries=[
            HistoryEntryOut(
                transaction_id=line.transaction_id,
                kind=line.kind.value,
                points=line.available_change + line.pending_change,
                occurred_at=line.occurred_at,
                explanation=explanation_text(line, locale),
            )
            for line in page.lines
        ],
        next_cursor=page.next_cursor,
    )


@router.post(
    "/me/redemptions",
    status_code=201,
    response_model=ShopperRedemptionOut,
    summary="Redeem a reward for its code",
)
def post_redemption(
    body: ShopperRedeemIn,
    store: Shopper,
    locale: Locale = "en",
    idempotency_key: IdempotencyKey = None,
) -> ShopperRedemptionOut:
    walaa, customer_id = store.walaa, store.customer_id
    assert customer_id is not None
    # keys are the shopper's own: another shopper's key cannot replay their code
    key = f"shopper:{customer_id}:{idempotency_key or secrets.token_hex(12)}"
    done = redeem(walaa.uow(), walaa.clock, store.store_id, customer_id, body.reward_id, key)
    r = done.redemption
    names = done.reward.names
    return ShopperRedemptionOut(
        id=r.id,
        reward_id=r.reward_id,
        reward_name=names.get(locale) or names.get("en") or r.reward_id,
        points=r.points,
        code=r.code,
        expires_at=r.expires_at,
        replayed=done.replayed,
    )


@router.get("/me/card", response_model=CardOut, summary="The shopper's member card for the till")
def read_card(store: Shopper) -> Response:
    walaa, customer_id = store.walaa, store.customer_id
    assert customer_id is not None
    card = member_card_of(walaa.uow(), walaa.clock, store.store_id, customer_id, walaa.secret_key)
    out = CardOut.of(card, qr_svg(card.text))
    # the code changes every 30 seconds and is the shopper's: never kept by a cache
    return Response(
        out.model_dump_json(), media_type="application/json", headers={"Cache-Control": "no-store"}
    )


def qr_svg(text: str) -> str:
    """A QR code a till's scanner reads: the standard quiet zone, dark on white, and the SVG
    namespace, so a browser parsing it as SVG draws it."""
    out = io.BytesIO()
    segno.make(text, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=6,
        border=4,
        dark="#111111",
        light="#ffffff",
    )
    return out.getvalue().decode()


__all__ = ["direction", "router"]
