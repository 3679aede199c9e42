"""The staff screen (owners): who may sign in to this store, and the audit log of what
every one of them did."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from walaa.domain.errors import NotFound
from walaa.domain.staff import Permission
from walaa.entrypoints.web.auth import Viewer, client_address, posted, require, walaa_of
from walaa.entrypoints.web.nav import N_, NavItem, add_screen
from walaa.entrypoints.web.pages import render
from walaa.service.handlers.staff import audit_log, end_sessions, staff_of

router = APIRouter(prefix="/admin", include_in_schema=False)
add_screen(NavItem("/admin/staff", N_("Staff and audit log"), Permission.MANAGE_STAFF))

#: What each audited action is called on the screen; a screen adding actions adds its own.
AUDIT_LABELS: dict[str, str] = {
    "sign_in": N_("Signed in"),
    "sign_in.refused": N_("Sign-in refused"),
    "sign_out": N_("Signed out"),
    "staff.create": N_("Staff member added"),
    "staff.language": N_("Language changed"),
    "staff.sessions_ended": N_("Signed out everywhere"),
    "staff.two_factor": N_("Two-step sign-in set up"),
}


def compact(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


@router.get("/staff")
def staff_page(
    request: Request, who: Viewer = Depends(require(Permission.MANAGE_STAFF))
) -> Response:
    walaa = walaa_of(request)
    context = {
        "members": staff_of(walaa.uow(), who.store.id),
        "entries": audit_log(walaa.uow(), who.store.id),
        "labels": AUDIT_LABELS,
        "compact": compact,
    }
    return render(request, "staff.html", who.page(), context)


@router.post("/staff/{staff_id}/sign-out")
async def sign_out_everywhere(
    request: Request, staff_id: str, who: Viewer = Depends(require(Permission.MANAGE_STAFF))
) -> Response:
    await posted(request, who)
    walaa = walaa_of(request)
    try:
        end_sessions(walaa.uow(), walaa.clock, who.member, staff_id, client_address(request))
    except NotFound:
        return render(request, "not_found.html", who.page(), status=404)
    return RedirectResponse("/admin/staff", status_code=303)
