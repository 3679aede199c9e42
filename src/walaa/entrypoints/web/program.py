"""The Program screen: the settings as forms, a live preview, the version history with a
one-click return, and YAML import and export.

The form is `walaa.program_document.form`: each field is named by its path in the document,
so a problem comes back beside its field (translated by `reasons`). Saving publishes the
next version through `apply_program`, with the staff member as its author, audited in the
same transaction. The preview is a small same-origin script (`static/program.js`) posting the
form to `/admin/program/preview` as the merchant types; without it, the Preview button does
the same with a page load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from walaa.domain.errors import WalaaError
from walaa.domain.staff import Permission
from walaa.entrypoints.web.audited import audited
from walaa.entrypoints.web.auth import Viewer, posted, require, walaa_of
from walaa.entrypoints.web.nav import N_, NavItem, add_screen
from walaa.entrypoints.web.pages import render
from walaa.entrypoints.web.reasons import translated
from walaa.program_document import ProgramDocumentError, read_document
from walaa.program_document.form import (
    FormResult,
    blank_level,
    blank_rule,
    check_form,
    document_yaml,
    form_values,
    row_count,
)
from walaa.program_document.form_fields import (
    EXPIRY,
    GENERAL,
    LEVEL,
    LIMIT,
    PERK,
    RULE,
    TEMPLATES,
    TIERS,
    FormField,
    Kind,
)
from walaa.service.handlers.program import apply_program, get_program
from walaa.service.handlers.program_history import program_history, return_to_version
from walaa.service.handlers.program_preview import (
    PREVIEW_FIELDS,
    preview_draft,
    sample_cart,
)
from walaa.service.handlers.stores import clock_for

router = APIRouter(prefix="/admin", include_in_schema=False)
add_screen(NavItem("/admin/program", N_("Program"), Permission.VIEW))
EDIT = Depends(require(Permission.EDIT_PROGRAM))
DONE = {
    "saved": N_("Saved: the new version is in force."),
    "unchanged": N_("Nothing changed, so no new version was published."),
    "returned": N_("The earlier version is in force again, as the newest version."),
    "imported": N_("The YAML document was imported as the newest version."),
}


# --- the form ----------------------------------------------------------------------------------


def _saved(request: Request, who: Viewer) -> tuple[dict[str, Any], int]:
    """The document in force and its version; a starting document before the first save."""
    try:
        saved = get_program(walaa_of(request).uow(), who.store.id)
    except WalaaError:
        start = {
            "points_name": {"en": "Points", "ar": "نقاط"},
            "currency": who.store.currency,
            "timezone": who.store.timezone,
            "earn_rate": {"points": 1, "per": 1},
            "point_value": {"points": 100, "worth": 1},
        }
        return start, 0
    return read_document(saved.source), saved.program.version


@router.get("/program")
def program(
    request: Request, done: str = "", who: Viewer = Depends(require(Permission.VIEW))
) -> Response:
    document, version = _saved(request, who)
    values = form_values(document)
    result = check_form(values, document, version=max(version, 1))
    return _form(request, who, values, result, version, done=DONE.get(done))


@router.post("/program")
async def save(request: Request, who: Viewer = EDIT) -> Response:
    form = await posted(request, who)
    values = _values(form)
    document, version = _saved(request, who)
    action = str(form.get("action", "save"))
    if action.startswith("add_rule:"):
        template = action.removeprefix("add_rule:")
        if template in TEMPLATES:
            values = blank_rule(values, template)
        return _form(request, who, values, None, version)
    if action == "add_level":
        return _form(request, who, blank_level(values), None, version)
    result = check_form(values, document, version=version + 1)
    if action == "preview" or not result.ok:
        return _form(request, who, values, result, version, status=200 if result.ok else 422)
    if version and result.document == document:
        return RedirectResponse("/admin/program?done=unchanged", 303)
    source = document_yaml(result.document)
    before = {"version": version}
    after = {"version": version + 1}
    uow = audited(request, who, "program.save", f"program:{version + 1}", before, after)
    try:
        apply_program(uow, walaa_of(request).clock, who.store.id, source, author=who.member.email)
    except ProgramDocumentError as refused:
        result.errors = {"": [p.reason for p in refused.problems]}
        return _form(request, who, values, result, version, status=422)
    except WalaaError as refused:
        result.elsewhere = [str(refused)]
        return _form(request, who, values, result, version, status=422)
    return RedirectResponse("/admin/program?done=saved", 303)


def _values(form: FormData) -> dict[str, list[str]]:
    return {
        name: [str(v) for v in form.getlist(name)]
        for name in form
        if name not in ("csrf_token", "action")
    }


def _form(
    request: Request,
    who: Viewer,
    values: dict[str, list[str]],
    result: FormResult | None,
    version: int,
    *,
    done: str | None = None,
    status: int = 200,
) -> Response:
    f = who.formatter
    errors = {
        name: [translated(f, reason) for reason in reasons]
        for name, reasons in (result.errors if result else {}).items()
    }
    context = {
        "version": version,
        "done": done,
        "general": _bind(GENERAL, values, errors),
        "expiry": _bind(EXPIRY, values, errors),
        "rules": _rules(values, errors),
        "tiers_on": bool(values.get("tiers.enabled")),
        "tiers": _bind(TIERS, values, errors),
        "levels": _levels(values, errors),
        "templates": [(key, label) for key, (label, _) in TEMPLATES.items()],
        "elsewhere": [translated(f, text) for text in (result.elsewhere if result else [])]
        + [translated(f, text) for text in errors.get("", [])],
        "error_count": sum(len(v) for v in errors.values()) if result else 0,
        "preview": _preview(request, who, values, result) if result and result.ok else None,
        "cart": {name: _first(values, name) for name in PREVIEW_FIELDS},
        "may_edit": who.may(Permission.EDIT_PROGRAM),
    }
    return render(request, "program.html", who.page(), context, status=status)


def _first(values: Mapping[str, Sequence[str]], name: str) -> str:
    sent = values.get(name) or [""]
    return sent[-1]


def _dom_id(name: str) -> str:
    return "f-" + re.sub(r"[^A-Za-z0-9_]+", "-", name).strip("-")


def _bind(
    specs: Sequence[FormField],
    values: Mapping[str, Sequence[str]],
    errors: Mapping[str, list[str]],
    **rows: int,
) -> list[dict[str, Any]]:
    """Each field as the template draws it: name, id, label, value(s), choices, errors."""
    out = []
    for spec in specs:
        name = spec.at(**rows)
        sent = list(values.get(name) or [])
        out.append(
            {
                "name": name,
                "id": _dom_id(name),
                "kind": spec.kind.value,
                "label": spec.label,
                "hint": spec.hint,
                "choices": spec.choices,
                "value": sent[-1] if sent else "",
                "chosen": sent,
                "errors": errors.get(name, []),
                "numeric": spec.kind in (Kind.INT, Kind.DECIMAL),
            }
        )
    return out


def _rules(values: Mapping[str, Sequence[str]], errors: Mapping[str, list[str]]) -> list[Any]:
    rules = []
    for i in range(row_count(values, "rules")):
        limits = [
            _bind(LIMIT, values, errors, i=i, j=j)
            for j in range(row_count(values, f"rules[{i}].limits"))
        ]
        fields = _bind(RULE, values, errors, i=i)
        prefix = f"rules[{i}]"
        # a rule with a problem, or one just added, is shown open
        has_errors = any(name.startswith(prefix + ".") for name in errors)
        has_errors = has_errors or not _first(values, f"{prefix}.origin")
        title = _first(values, f"{prefix}.name.en") or _first(values, f"{prefix}.id")
        rules.append(
            {"i": i, "fields": fields, "limits": limits, "open": has_errors, "title": title}
        )
    return rules


def _levels(values: Mapping[str, Sequence[str]], errors: Mapping[str, list[str]]) -> list[Any]:
    levels = []
    for j in range(row_count(values, "tiers.levels")):
        perks = [
            _bind(PERK, values, errors, j=j, k=k)
            for k in range(row_count(values, f"tiers.levels[{j}].perks"))
        ]
        levels.append({"j": j, "fields": _bind(LEVEL, values, errors, j=j), "perks": perks})
    return levels


# --- the live preview ----------------------------------------------------------------------------


def _preview(
    request: Request, who: Viewer, values: Mapping[str, Sequence[str]], result: FormResult
) -> dict[str, Any]:
    """What the sample cart earns under the form's draft, or why it cannot be shown."""
    walaa = walaa_of(request)
    now = clock_for(walaa.uow(), walaa.clock, who.store.id).now()
    fields = {name: _first(values, name) for name in PREVIEW_FIELDS}
    assert result.program is not None
    try:
        cart = sample_cart(fields, now.date())
    except WalaaError as refused:
        return {"problem": translated(who.formatter, str(refused))}
    shown = preview_draft(result.program, cart, who.formatter.language, now)
    return {"points": shown.points, "points_name": shown.points_name, "why": shown.explanation}


@router.post("/program/preview")
async def preview(request: Request, who: Viewer = Depends(require(Permission.VIEW))) -> Response:
    """The preview panel alone, for the script that refreshes it as the merchant types."""
    form = await posted(request, who)
    values = _values(form)
    document, version = _saved(request, who)
    result = check_form(values, document, version=version + 1)
    context = {
        "preview": _preview(request, who, values, result) if result.ok else None,
        "error_count": sum(len(v) for v in result.errors.values()) + len(result.elsewhere),
    }
    return render(request, "program_preview.html", who.page(), context)


# --- history, return, YAML ---------------------------------------------------------------------


@router.get("/program/history")
def history(request: Request, who: Viewer = Depends(require(Permission.VIEW))) -> Response:
    entries = program_history(walaa_of(request).uow(), who.store.id, limit=50)
    context = {"entries": entries, "may_edit": who.may(Permission.EDIT_PROGRAM)}
    return render(request, "program_history.html", who.page(), context)


@router.post("/program/return/{version}")
async def return_to(request: Request, version: int, who: Viewer = EDIT) -> Response:
    await posted(request, who)
    current = _saved(request, who)[1]
    uow = audited(
        request, who, "program.return", f"program:{version}", {"version": current}, {"to": version}
    )
    return_to_version(uow, walaa_of(request).clock, who.store.id, version, author=who.member.email)
    return RedirectResponse("/admin/program?done=returned", 303)


@router.get("/program/export")
def export(request: Request, who: Viewer = Depends(require(Permission.VIEW))) -> Response:
    document, version = _saved(request, who)
    name = f"program-v{version}.yaml"
    return Response(
        document_yaml(document),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/program/import")
async def import_yaml(request: Request, who: Viewer = EDIT) -> Response:
    form = await posted(request, who)
    source = str(form.get("document", ""))
    version = _saved(request, who)[1]
    uow = audited(
        request, who, "program.import", f"program:{version + 1}", {"version": version}, None
    )
    try:
        apply_program(uow, walaa_of(request).clock, who.store.id, source, author=who.member.email)
    except ProgramDocumentError as refused:
        problems = [f"{p.where}: {translated(who.formatter, p.reason)}" for p in refused.problems]
        context = {"problems": problems, "document": source}
        return render(request, "program_import.html", who.page(), context, status=422)
    except WalaaError as refused:
        context = {"problems": [translated(who.formatter, str(refused))], "document": source}
        return render(request, "program_import.html", who.page(), context, status=422)
    return RedirectResponse("/admin/program?done=imported", 303)


@router.get("/program/import")
def import_page(request: Request, who: Viewer = EDIT) -> Response:
    return render(request, "program_import.html", who.page(), {"problems": [], "document": ""})
