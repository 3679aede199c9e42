"""The program page: how to earn, how to redeem, tiers, plans, value, expiry, causes and games,
in the store's name and colours, in English (`/p/{store}`) or Arabic (`/p/{store}/ar`).

No JavaScript: the page is whole as served, cacheable by anyone for five minutes, and its
sentences are the ones the API and the widget show (`walaa.domain.program_sentences`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Path, Request
from starlette.responses import HTMLResponse, Response

from walaa.domain.errors import NotFound
from walaa.domain.games.odds import disclosed_odds, win_chance_now
from walaa.domain.program import Program
from walaa.domain.program_sentences import (
    expiry_sentences,
    program_sentences,
    tier_sentences,
    value_sentence,
)
from walaa.domain.storefront import StorefrontSettings
from walaa.domain.stores import Store
from walaa.entrypoints.http.routes.games import disclosure
from walaa.entrypoints.web.i18n import Formatter
from walaa.entrypoints.web.pages import PageContext, render
from walaa.service.handlers.giving import list_causes
from walaa.service.handlers.in_force import saved_program
from walaa.service.handlers.memberships import list_plans
from walaa.service.handlers.rewards import list_rewards
from walaa.service.handlers.storefront import storefront_settings
from walaa.service.handlers.stores import get_store

router = APIRouter(include_in_schema=False)
StoreId = Path(pattern=r"^st_[0-9a-f]{16}$", description="The store's id")
MAX_AGE = 300


@dataclass(frozen=True)
class ProgramView:
    store: Store
    settings: StorefrontSettings
    program: Program
    context: dict[str, Any]


def _view(request: Request, store_id: str, language: str) -> ProgramView:
    walaa = request.app.state.walaa
    store = get_store(walaa.uow(), store_id)
    program = saved_program(walaa.uow(), store_id)
    settings = storefront_settings(walaa.uow(), store_id)
    rewards = [e.reward for e in list_rewards(walaa.uow(), store_id) if e.reward.active]
    plans = [p for p in list_plans(walaa.uow(), store_id) if p.active]
    causes = [c for c in list_causes(walaa.uow(), store_id) if c.active]
    games = []
    for game in program.games:
        odds = disclosed_odds(game)
        games.append((game.name.get(language), disclosure(game, odds, win_chance_now(odds))))
    context = {
        "store": store,
        "branding": settings.branding,
        "points_name": program.name_of_points(language),
        "earn": program_sentences(program, language),
        "value": value_sentence(program, language),
        "expiry": expiry_sentences(program, language),
        "tiers": tier_sentences(program, language),
        "rewards": [
            (
                r.names.get(language) or r.names.get("en") or r.id,
                r.cost,
                program.point_value.value_of(r.cost).amount,
            )
            for r in rewards
        ],
        "plans": [(p.names.get(language) or p.names.get("en") or p.id, p) for p in plans],
        "causes": [(c.names.get(language) or c.names.get("en") or c.id) for c in causes],
        "games": [(name, text.get(language) or text.get("en", "")) for name, text in games],
        "page_url": str(request.base_url).rstrip("/") + f"/p/{store_id}",
    }
    return ProgramView(store, settings, program, context)


def _page(request: Request, store_id: str, language: str) -> Response:
    try:
        view = _view(request, store_id, language)
    except NotFound:
        page = PageContext(Formatter(language))
        return render(request, "storefront/missing.html", page, status=404)
    formatter = Formatter(language, view.store.currency, view.store.timezone)
    return render(
        request,
        "storefront/program.html",
        PageContext(formatter),
        view.context,
        headers={"Cache-Control": f"public, max-age={MAX_AGE}"},
    )


@router.get("/p/{store_id}", response_class=HTMLResponse)
def program_page(request: Request, store_id: str = StoreId) -> Response:
    return _page(request, store_id, "en")


@router.get("/p/{store_id}/ar", response_class=HTMLResponse)
def program_page_ar(request: Request, store_id: str = StoreId) -> Response:
    return _page(request, store_id, "ar")


@router.get("/p/{store_id}/brand.css")
def brand_css(request: Request, store_id: str = StoreId) -> Response:
    """The store's colours as CSS custom properties: a stylesheet, since the pages' policy
    allows no inline style."""
    walaa = request.app.state.walaa
    try:
        b = storefront_settings(walaa.uow(), store_id).branding
    except NotFound:
        return Response(status_code=404)
    css = f":root{{--brand:{b.primary_colour};--accent:{b.accent_colour}}}\n"
    return Response(
        css, media_type="text/css", headers={"Cache-Control": f"public, max-age={MAX_AGE}"}
    )
