"""The Rewards catalog screen: the store's rewards, creating and editing one, its stock, and
pausing it (a paused reward cannot be redeemed; codes already issued still work).

Creating and editing go through `save_reward` / `update_reward`, the API's handlers, so the
same checks apply (`check_reward`: a discount needs a value, a free product a SKU ...); a
refusal comes back beside its field.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.rewards import Reward, RewardKind
from walaa.domain.staff import Permission
from walaa.entrypoints.web.audited import audited
from walaa.entrypoints.web.auth import Viewer, posted, require, walaa_of
from walaa.entrypoints.web.nav import N_, NavItem, add_screen
from walaa.entrypoints.web.pages import render
from walaa.entrypoints.web.reasons import translated
from walaa.service.handlers import rewards as r

router = APIRouter(prefix="/admin", include_in_schema=False)
add_screen(NavItem("/admin/rewards", N_("Rewards"), Permission.VIEW))
EDIT = Depends(require(Permission.EDIT_PROGRAM))
KINDS = (
    ("fixed_discount", N_("Money off")),
    ("percent_discount", N_("Percentage off")),
    ("free_shipping", N_("Free shipping")),
    ("free_product", N_("A free product")),
    ("gift_card", N_("Gift card")),
)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DONE = {
    "created": N_("The reward was added to the catalog."),
    "saved": N_("The reward was saved."),
    "paused": N_("The reward is paused: it cannot be redeemed until you resume it."),
    "resumed": N_("The reward can be redeemed again."),
}


def _page(
    request: Request,
    who: Viewer,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    sent: FormData | None = None,
    editing: str = "",
    status: int = 200,
) -> Response:
    entries = r.list_rewards(walaa_of(request).uow(), who.store.id)
    context: dict[str, Any] = {
        "entries": entries,
        "kinds": KINDS,
        "done": DONE.get(done),
        "errors": errors or {},
        "sent": sent or {},
        "editing": editing,
        "may_edit": who.may(Permission.EDIT_PROGRAM),
    }
    return render(request, "rewards.html", who.page(), context, status=status)


@router.get("/rewards")
def rewards(
    request: Request, done: str = "", who: Viewer = Depends(require(Permission.VIEW))
) -> Response:
    return _page(request, who, done=done)


def _fields(form: FormData, who: Viewer, errors: dict[str, str]) -> dict[str, Any]:
    """The reward's fields from the form; problems of reading them go into ``errors``."""
    f = who.formatter
    names = {
        lang: str(form.get(f"names.{lang}", "")).strip()[:200]
        for lang in ("en", "ar")
        if str(form.get(f"names.{lang}", "")).strip()
    }
    if not names:
        errors["names.en"] = f.gettext("Give the reward a name.")
    out: dict[str, Any] = {"names": names}
    for name in ("cost", "stock"):
        text = _digits(str(form.get(name, "")))
        if not text:
            out[name] = None
        elif text.isdigit() and int(text) <= 10**9:
            out[name] = int(text)
        else:
            errors[name] = f.gettext("must be a whole number")
    if out["cost"] is None:
        errors.setdefault("cost", f.gettext("required"))
    for name in ("value", "percent"):
        text = _digits(str(form.get(name, "")))
        try:
            out[name] = Decimal(text) if text else None
        except InvalidOperation:
            errors[name] = f.gettext("must be a number")
    out["sku"] = str(form.get("sku", "")).strip()[:128] or None
    return out


def _digits(text: str) -> str:
    return "".join(str(int(ch)) if ch.isdecimal() else ch for ch in text.strip()).replace("٫", ".")


@router.post("/rewards")
async def create(request: Request, who: Viewer = EDIT) -> Response:
    form = await posted(request, who)
    errors: dict[str, str] = {}
    fields = _fields(form, who, errors)
    reward_id = str(form.get("id", "")).strip()
    if not _ID.match(reward_id):
        errors["id"] = translated(
            who.formatter,
            "use lower-case letters, digits, - and _ (up to 64), starting with a letter or digit",
        )
    kind = str(form.get("kind", ""))
    if kind not in {k for k, _ in KINDS}:
        errors["kind"] = who.formatter.gettext("required")
    if errors:
        return _page(request, who, errors=errors, sent=form, status=422)
    walaa = walaa_of(request)
    try:
        r.get_reward(walaa.uow(), who.store.id, reward_id)
        errors["id"] = who.formatter.gettext("A reward already has this id.")
        return _page(request, who, errors=errors, sent=form, status=409)
    except NotFound:
        pass
    uow = audited(request, who, "reward.create", reward_id, None, _shown(fields, kind))
    try:
        reward = Reward(reward_id, RewardKind(kind), **fields)  # checks itself, as saving does
        r.save_reward(uow, walaa.clock, who.store.id, reward)
    except ValidationFailed as refused:
        errors[refused.field] = translated(who.formatter, refused.reason)
        return _page(request, who, errors=errors, sent=form, status=422)
    return RedirectResponse("/admin/rewards?done=created", 303)


def _shown(fields: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    """What the audit log keeps of a reward's fields: JSON-ready."""
    out = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in fields.items()}
    return {**out, "kind": kind} if kind else out


@router.post("/rewards/{reward_id}")
async def edit(request: Request, reward_id: str, who: Viewer = EDIT) -> Response:
    form = await posted(request, who)
    errors: dict[str, str] = {}
    fields = _fields(form, who, errors)
    if errors:
        return _page(request, who, errors=errors, sent=form, editing=reward_id, status=422)
    walaa = walaa_of(request)
    try:
        before = r.get_reward(walaa.uow(), who.store.id, reward_id)
    except NotFound:
        return RedirectResponse("/admin/rewards", 303)
    old = before.reward
    was = {"cost": old.cost, "names": old.names, "stock_left": before.stock_left}
    uow = audited(request, who, "reward.edit", reward_id, _shown(was), _shown(fields))
    try:
        r.update_reward(uow, walaa.clock, who.store.id, reward_id, fields)
    except ValidationFailed as refused:
        errors[refused.field] = translated(who.formatter, refused.reason)
        return _page(request, who, errors=errors, sent=form, editing=reward_id, status=422)
    return RedirectResponse("/admin/rewards?done=saved", 303)


@router.post("/rewards/{reward_id}/pause")
async def pause(request: Request, reward_id: str, who: Viewer = EDIT) -> Response:
    return await _set_active(request, reward_id, who, False)


@router.post("/rewards/{reward_id}/resume")
async def resume(request: Request, reward_id: str, who: Viewer = EDIT) -> Response:
    return await _set_active(request, reward_id, who, True)


async def _set_active(request: Request, reward_id: str, who: Viewer, active: bool) -> Response:
    await posted(request, who)
    action = "reward.resume" if active else "reward.pause"
    uow = audited(request, who, action, reward_id, {"active": not active}, {"active": active})
    try:
        r.update_reward(uow, walaa_of(request).clock, who.store.id, reward_id, {"active": active})
    except NotFound:
        return RedirectResponse("/admin/rewards", 303)
    return RedirectResponse(f"/admin/rewards?done={'resumed' if active else 'paused'}", 303)
