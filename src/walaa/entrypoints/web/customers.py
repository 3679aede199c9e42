"""The Customers screen: search, a customer's page, and what support staff do for a customer
(adjust points with a reason, pin a tier, resend a code, cancel a redemption).

Every action is checked by role on the server (`require(Permission.SERVE_CUSTOMERS)`), carries
the session's CSRF token, runs through the same handler as the API and is audited in the same
transaction (`audited`). Errors come back beside their field, in the staff member's language.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from walaa.domain.errors import Conflict, NotFound, ValidationFailed
from walaa.domain.staff import Permission
from walaa.entrypoints.web.audited import audited
from walaa.entrypoints.web.auth import Viewer, posted, require, walaa_of
from walaa.entrypoints.web.nav import N_, NavItem, add_screen
from walaa.entrypoints.web.pages import render
from walaa.entrypoints.web.reasons import translated
from walaa.service.commands import Adjust
from walaa.service.handlers import ledger
from walaa.service.handlers import rewards as r
from walaa.service.handlers.customer_page import customer_page, find_customers
from walaa.service.handlers.stores import clock_for
from walaa.service.handlers.tiers import pin_tier

router = APIRouter(prefix="/admin", include_in_schema=False)
add_screen(NavItem("/admin/customers", N_("Customers"), Permission.VIEW))
SERVE = Depends(require(Permission.SERVE_CUSTOMERS))
MAX_POINTS = 10**9
MAX_REASON = 500
#: The notes a finished action leaves on the page (?done=...), as msgids.
DONE = {
    "adjusted": N_("The points were adjusted."),
    "pinned": N_("The tier was pinned."),
    "resent": N_("The code was sent again."),
    "cancelled": N_("The redemption was cancelled; its points are back."),
}


@router.get("/customers")
def customers(
    request: Request, q: str = "", who: Viewer = Depends(require(Permission.VIEW))
) -> Response:
    walaa = walaa_of(request)
    found = find_customers(walaa.uow(), who.store.id, q)
    return render(request, "customers.html", who.page(), {"q": q, "found": found})


@router.get("/customers/{customer_id}")
def customer(
    request: Request,
    customer_id: str,
    done: str = "",
    cursor: int | None = None,
    who: Viewer = Depends(require(Permission.VIEW)),
) -> Response:
    return _page(request, who, customer_id, done=done, cursor=cursor)


def _page(
    request: Request,
    who: Viewer,
    customer_id: str,
    *,
    done: str = "",
    cursor: int | None = None,
    errors: dict[str, str] | None = None,
    sent: FormData | None = None,
    status: int = 200,
) -> Response:
    walaa = walaa_of(request)
    clock = clock_for(walaa.uow(), walaa.clock, who.store.id)
    try:
        page = customer_page(
            walaa.uow(), clock, who.store.id, customer_id, who.formatter.language, cursor=cursor
        )
    except NotFound:
        missing = {"q": customer_id, "found": [], "missing": customer_id}
        return render(request, "customers.html", who.page(), missing, status=404)
    context: dict[str, Any] = {
        "c": page,
        "done": DONE.get(done),
        "errors": errors or {},
        "sent": sent or {},
        "key": secrets.token_urlsafe(16),
        "may_serve": who.may(Permission.SERVE_CUSTOMERS),
        "now": clock.now(),
    }
    return render(request, "customer.html", who.page(), context, status=status)


def _done(customer_id: str, what: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/customers/{quote(customer_id, safe='')}?done={what}", 303)


@router.post("/customers/{customer_id}/adjust")
async def adjust(request: Request, customer_id: str, who: Viewer = SERVE) -> Response:
    form = await posted(request, who)
    errors: dict[str, str] = {}
    points = _points(str(form.get("points", "")), who, errors)
    reason = str(form.get("reason", "")).strip()
    if not reason:
        errors["reason"] = who.formatter.gettext("Say why: the reason is kept with the points.")
    elif len(reason) > MAX_REASON:
        errors["reason"] = who.formatter.gettext("Keep the reason under 500 characters.")
    if errors or points is None:
        return _page(request, who, customer_id, errors=errors, sent=form, status=422)
    walaa = walaa_of(request)
    clock = clock_for(walaa.uow(), walaa.clock, who.store.id)
    before = _balance(request, who, customer_id)
    key = f"dashboard:adjust:{str(form.get('key', ''))[:64] or secrets.token_urlsafe(16)}"
    after = {"points": points, "reason": reason}
    uow = audited(request, who, "customer.adjust", customer_id, before, after)
    try:
        ledger.adjust(uow, clock, Adjust(who.store.id, customer_id, key, points, reason))
    except (Conflict, ValidationFailed) as refused:
        errors["points"] = translated(who.formatter, str(refused))
        return _page(request, who, customer_id, errors=errors, sent=form, status=409)
    return _done(customer_id, "adjusted")


def _points(text: str, who: Viewer, errors: dict[str, str]) -> int | None:
    """A signed whole number of points (Arabic-Indic digits too), not zero."""
    cleaned = text.strip().replace("\u2212", "-")
    digits = "".join(str(int(ch)) if ch.isdecimal() else ch for ch in cleaned)
    try:
        points = int(digits)
    except ValueError:
        points = 0
    if points == 0 or abs(points) > MAX_POINTS:
        errors["points"] = who.formatter.gettext(
            "Give a whole number of points other than 0: 50 gives, -50 takes."
        )
        return None
    return points


def _balance(request: Request, who: Viewer, customer_id: str) -> dict[str, int] | None:
    with walaa_of(request).uow() as uow:
        record = uow.customers.get(who.store.id, customer_id)
    if record is None:
        return None
    return {"balance": record.balances.available, "pending": record.balances.pending}


@router.post("/customers/{customer_id}/pin")
async def pin(request: Request, customer_id: str, who: Viewer = SERVE) -> Response:
    form = await posted(request, who)
    level = str(form.get("level", "")).strip()
    reason = str(form.get("pin_reason", "")).strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["pin_reason"] = who.formatter.gettext("Say why: the reason is kept with the pin.")
    until = _until(str(form.get("until", "")).strip(), who, errors)
    if errors:
        return _page(request, who, customer_id, errors=errors, sent=form, status=422)
    walaa = walaa_of(request)
    clock = clock_for(walaa.uow(), walaa.clock, who.store.id)
    after = {"level": level, "reason": reason, "until": until.isoformat() if until else None}
    uow = audited(request, who, "customer.pin_tier", customer_id, None, after)
    try:
        pin_tier(uow, clock, who.store.id, customer_id, level, reason, until)
    except (Conflict, ValidationFailed, NotFound) as refused:
        errors["level"] = translated(who.formatter, str(refused))
        return _page(request, who, customer_id, errors=errors, sent=form, status=422)
    return _done(customer_id, "pinned")


def _until(text: str, who: Viewer, errors: dict[str, str]) -> datetime | None:
    """A pin's last day, in the store's time zone: it holds until that day ends."""
    if not text:
        return None
    try:
        day = datetime.fromisoformat(text).date()
    except ValueError:
        errors["until"] = who.formatter.gettext("Use a date such as 2026-12-31.")
        return None
    return datetime.combine(day, time.max, ZoneInfo(who.store.timezone))


@router.post("/customers/{customer_id}/redemptions/{redemption_id}/resend")
async def resend(
    request: Request, customer_id: str, redemption_id: str, who: Viewer = SERVE
) -> Response:
    form = await posted(request, who)
    walaa = walaa_of(request)
    clock = clock_for(walaa.uow(), walaa.clock, who.store.id)
    key = str(form.get("key", ""))[:64] or secrets.token_urlsafe(16)
    uow = audited(request, who, "redemption.resend", redemption_id, None, {"customer": customer_id})
    try:
        r.resend_code(uow, clock, who.store.id, customer_id, redemption_id, key)
    except (Conflict, NotFound) as refused:
        errors = {f"redemption:{redemption_id}": translated(who.formatter, str(refused))}
        return _page(request, who, customer_id, errors=errors, status=409)
    return _done(customer_id, "resent")


@router.post("/customers/{customer_id}/redemptions/{redemption_id}/cancel")
async def cancel(
    request: Request, customer_id: str, redemption_id: str, who: Viewer = SERVE
) -> Response:
    await posted(request, who)
    walaa = walaa_of(request)
    clock = clock_for(walaa.uow(), walaa.clock, who.store.id)
    uow = audited(
        request,
        who,
        "redemption.cancel",
        redemption_id,
        {"status": "issued"},
        {"status": "cancelled", "customer": customer_id},
    )
    try:
        r.cancel_redemption(uow, clock, who.store.id, customer_id, redemption_id)
    except (Conflict, NotFound) as refused:
        errors = {f"redemption:{redemption_id}": translated(who.formatter, str(refused))}
        return _page(request, who, customer_id, errors=errors, status=409)
    return _done(customer_id, "cancelled")
