"""The Redemptions and the Memberships and plans screens: what the store has given out and
who is a member, with the actions they need (cancel an unused code: support and above;
close a plan to new members or open it again: managers and owners)."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from walaa.domain.errors import NotFound
from walaa.domain.staff import Permission
from walaa.entrypoints.web.audited import audited
from walaa.entrypoints.web.auth import Viewer, posted, require, walaa_of
from walaa.entrypoints.web.nav import N_, NavItem, add_screen
from walaa.entrypoints.web.pages import render
from walaa.service.handlers.store_lists import (
    REDEMPTION_STATUSES,
    plans_and_members,
    set_plan_active,
    store_redemptions,
)
from walaa.service.handlers.stores import clock_for

router = APIRouter(prefix="/admin", include_in_schema=False)
add_screen(NavItem("/admin/redemptions", N_("Redemptions"), Permission.VIEW))
add_screen(NavItem("/admin/memberships", N_("Memberships"), Permission.VIEW))


@router.get("/redemptions")
def redemptions(
    request: Request, status: str = "", who: Viewer = Depends(require(Permission.VIEW))
) -> Response:
    walaa = walaa_of(request)
    rows = store_redemptions(walaa.uow(), who.store.id, status or None)
    context = {
        "rows": rows,
        "status": status if status in REDEMPTION_STATUSES else "",
        "statuses": REDEMPTION_STATUSES,
        "may_serve": who.may(Permission.SERVE_CUSTOMERS),
        "now": clock_for(walaa.uow(), walaa.clock, who.store.id).now(),
    }
    return render(request, "redemptions.html", who.page(), context)


@router.get("/memberships")
def memberships(
    request: Request, done: str = "", who: Viewer = Depends(require(Permission.VIEW))
) -> Response:
    plans, recent = plans_and_members(walaa_of(request).uow(), who.store.id)
    context = {"plans": plans, "recent": recent, "may_edit": who.may(Permission.EDIT_PROGRAM)}
    return render(request, "memberships.html", who.page(), context)


@router.post("/plans/{plan_id}/{change}")
async def plan_change(
    request: Request,
    plan_id: str,
    change: str,
    who: Viewer = Depends(require(Permission.EDIT_PROGRAM)),
) -> Response:
    await posted(request, who)
    if change not in ("open", "close"):
        return RedirectResponse("/admin/memberships", 303)
    active = change == "open"
    walaa = walaa_of(request)
    uow = audited(
        request, who, f"plan.{change}", plan_id, {"active": not active}, {"active": active}
    )
    with suppress(NotFound):  # another store's plan, or none: nothing to change
        set_plan_active(uow, walaa.clock, who.store.id, plan_id, active)
    return RedirectResponse("/admin/memberships", 303)
