"""The API keys screen: a store's keys, creating one (its secret shown once, on the answer
to the POST, never again) and revoking one. Owners only (`Permission.MANAGE_KEYS`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.keys import Scope
from walaa.domain.staff import Permission
from walaa.entrypoints.web.audited import audited
from walaa.entrypoints.web.auth import Viewer, posted, require, walaa_of
from walaa.entrypoints.web.nav import N_, NavItem, add_screen
from walaa.entrypoints.web.pages import render
from walaa.service.handlers.keys import create_key, list_keys, revoke_key

router = APIRouter(prefix="/admin", include_in_schema=False)
add_screen(NavItem("/admin/keys", N_("API keys"), Permission.MANAGE_KEYS))
KEYS = Depends(require(Permission.MANAGE_KEYS))
SCOPES = (
    ("read", N_("Read: balances, history, previews")),
    ("write", N_("Write: orders, events, redemptions")),
    ("admin", N_("Admin: the program, rewards, plans")),
)


def _page(
    request: Request, who: Viewer, *, issued: object = None, error: str = "", status: int = 200
) -> Response:
    keys = sorted(
        list_keys(walaa_of(request).uow(), who.store.id), key=lambda k: k.created_at, reverse=True
    )
    context = {"keys": keys, "issued": issued, "error": error, "scopes": SCOPES}
    return render(request, "keys.html", who.page(), context, status=status)


@router.get("/keys")
def keys(request: Request, who: Viewer = KEYS) -> Response:
    return _page(request, who)


@router.post("/keys")
async def create(request: Request, who: Viewer = KEYS) -> Response:
    form = await posted(request, who)
    name = str(form.get("name", "")).strip()[:200]
    scope = str(form.get("scope", ""))
    if scope not in {s.value for s in Scope}:
        return _page(
            request, who, error=who.formatter.gettext("Choose what the key may do."), status=422
        )
    walaa = walaa_of(request)
    after = {"name": name, "scope": scope}
    uow = audited(request, who, "key.create", name or scope, None, after)
    try:
        issued = create_key(uow, walaa.clock, who.store.id, frozenset({Scope(scope)}), name=name)
    except ValidationFailed as refused:
        return _page(request, who, error=refused.reason, status=422)
    # The secret is in this answer only; the page is never cached (pages.render: no-store).
    return _page(request, who, issued=issued)


@router.post("/keys/{key_id}/revoke")
async def revoke(request: Request, key_id: str, who: Viewer = KEYS) -> Response:
    await posted(request, who)
    walaa = walaa_of(request)
    uow = audited(request, who, "key.revoke", key_id, {"revoked": False}, {"revoked": True})
    try:
        revoke_key(uow, walaa.clock, key_id, who.store.id)
    except NotFound:
        return _page(request, who, error=who.formatter.gettext("No such key."), status=404)
    return RedirectResponse("/admin/keys", 303)
