"""The dashboard's program form: a settings document shown as form fields, and a submitted
form turned back into a document, with every problem beside its field.

The form edits the document in force rather than replacing it: what the form does not show
(games, giving, milestones, checkout, a rule's event properties, ...) is carried over from the
saved document untouched, a rule or tier found again by the id it was saved under. The result
is checked by `load_program`, the same check as YAML from the command line, so the form can
accept nothing the document would refuse. YAML stays the import and export format
(`document_yaml`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from walaa.domain.program import Program, format_path
from walaa.program_document import ProgramDocumentError, load_program
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

#: A submitted HTML form: each name with every value sent for it (checkbox groups send many).
FormData = Mapping[str, Sequence[str]]
Path = tuple[str | int, ...]

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_LIST_SEPARATORS = re.compile(r"[,،\n]")
#: Rows whose fields are all left empty are blank slots (an unused "add a limit" row).
_ROW = re.compile(r"^(?P<prefix>.*?\[)(?P<index>\d+)\]")


@dataclass
class FormResult:
    """What a submitted form makes: the document, and either its program or its problems."""

    document: dict[str, Any]
    program: Program | None
    #: field name -> reasons (English, as `load_program` words them), in document order
    errors: dict[str, list[str]] = field(default_factory=dict)
    #: problems of settings the form does not show (a game's prize, the giving cause)
    elsewhere: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.program is not None


# --- paths -------------------------------------------------------------------------------------


def parse_path(name: str) -> Path:
    """`rules[2].effect.points` -> ("rules", 2, "effect", "points")."""
    return tuple(int(index) if index else key for key, index in _STEP.findall(name))


def get_path(data: Any, path: Path) -> Any:
    """The value at ``path``, or None. A single text stands for the English one, as the
    document reads `name: Flex` as {en: Flex}."""
    node = data
    for step in path:
        if isinstance(node, str) and step == "en":
            return node
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and step < len(node) else None
        else:
            node = node.get(step) if isinstance(node, Mapping) else None
        if node is None:
            return None
    return node


def _set_path(data: dict[str, Any], path: Path, value: Any) -> None:
    """Set (or, for None, remove) a value by a path of names: rows are built one by one, so
    these paths never index a list."""
    node: dict[Any, Any] = data
    for step in path[:-1]:
        child = node.get(step)
        if isinstance(child, str):  # a single text becomes {en: text} to take a second language
            child = {"en": child}
        if not isinstance(child, dict):
            child = {}
        node[step] = child
        node = child
    if value is None:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


def _prune(data: dict[str, Any], keys: Iterable[str]) -> None:
    """Drop sections the form emptied (`when: {}`), which the document would not write."""
    for key in keys:
        if data.get(key) in ({}, []):
            del data[key]


# --- document -> form values ---------------------------------------------------------------------


def form_values(document: Mapping[str, Any]) -> dict[str, list[str]]:
    """The form as it shows ``document``: every field's values as text, rows for each rule,
    limit, tier and perk, plus one blank limit per rule and perk per tier to fill in."""
    values: dict[str, list[str]] = {}
    for spec in (*GENERAL, *EXPIRY):
        values[spec.name] = _shown(spec, get_path(document, parse_path(spec.name)))
    for i, rule in enumerate(_rows(document.get("rules"))):
        _show_row(values, RULE, rule, i=i)
        values[f"rules[{i}].origin"] = [str(rule.get("id", ""))]
        limits = _rows(rule.get("limits"))
        for j, limit in enumerate([*limits, {}]):
            _show_row(values, LIMIT, limit, i=i, j=j)
    tiers = document.get("tiers")
    if isinstance(tiers, Mapping):
        for spec in TIERS:
            values[spec.name] = _shown(spec, get_path(tiers, parse_path(spec.name)[1:]))
        values["tiers.enabled"] = ["on"]
        for j, level in enumerate(_rows(tiers.get("levels"))):
            _show_row(values, LEVEL, level, j=j)
            values[f"tiers.levels[{j}].origin"] = [str(level.get("id", ""))]
            for k, perk in enumerate([*_rows(level.get("perks")), {}]):
                _show_row(values, PERK, perk, j=j, k=k)
    return values


def blank_rule(values: dict[str, list[str]], template: str) -> dict[str, list[str]]:
    """The form with one more rule, started from a template (a way of earning)."""
    if template not in TEMPLATES:
        raise KeyError(template)
    shown = dict(values)
    i = row_count(shown, "rules")
    _, start = TEMPLATES[template]
    rule = {"id": "", **copy.deepcopy(start)}
    _show_row(shown, RULE, rule, i=i)
    for j, limit in enumerate([*_rows(rule.get("limits")), {}]):
        _show_row(shown, LIMIT, limit, i=i, j=j)
    return shown


def blank_level(values: dict[str, list[str]]) -> dict[str, list[str]]:
    """The form with one more tier to fill in (and tiers switched on)."""
    shown = dict(values)
    j = row_count(shown, "tiers.levels")
    _show_row(shown, LEVEL, {}, j=j)
    _show_row(shown, PERK, {}, j=j, k=0)
    shown["tiers.enabled"] = ["on"]
    return shown


def row_count(values: Mapping[str, Sequence[str]], prefix: str) -> int:
    """How many rows the form has under ``prefix`` (`rules`, `rules[0].limits`)."""
    pattern = re.compile(re.escape(prefix) + r"\[(\d+)\]")
    rows = [int(m[1]) for name in values if (m := pattern.match(name))]
    return max(rows) + 1 if rows else 0


def _rows(raw: Any) -> list[Mapping[str, Any]]:
    return [item for item in raw if isinstance(item, Mapping)] if isinstance(raw, list) else []


def _show_row(
    values: dict[str, list[str]], specs: Sequence[FormField], item: Mapping[str, Any], **rows: int
) -> None:
    for spec in specs:
        values[spec.at(**rows)] = _shown(spec, get_path(item, _relative(spec)))


def _relative(spec: FormField) -> Path:
    """A row field's path inside its row: `rules[{i}].effect.points` -> ("effect", "points")."""
    return parse_path(spec.name[spec.name.rfind("}].") + 3 :])


def _shown(spec: FormField, value: Any) -> list[str]:
    if spec.kind is Kind.CHECK:
        on = spec.default if value is None else value is True
        return ["on"] if on else []
    if spec.kind is Kind.CHECKS:
        return [str(item) for item in value] if isinstance(value, list) else []
    if value is None:
        return [str(spec.default)] if spec.kind is Kind.CHOICE and spec.default else [""]
    if spec.kind in (Kind.LIST, Kind.INT_LIST) and isinstance(value, list):
        return [", ".join(str(item) for item in value)]
    if isinstance(value, Decimal):
        return [_decimal_text(value)]
    return [str(value)]


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


# --- form values -> document -----------------------------------------------------------------


@dataclass
class _Rows:
    """Which form row each row of the built document came from, to put problems back."""

    rules: dict[int, int] = field(default_factory=dict)
    limits: dict[tuple[int, int], int] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)
    perks: dict[tuple[int, int], int] = field(default_factory=dict)


def document_from_form(form: FormData, base: Mapping[str, Any]) -> tuple[dict[str, Any], _Rows]:
    """The document ``form`` describes, on top of ``base`` (the document in force)."""
    document = copy.deepcopy(dict(base))
    rows = _Rows()
    for spec in (*GENERAL, *EXPIRY):
        _write(document, base, parse_path(spec.name), spec, form)
    _prune(document, ("expiry",))
    base_rules = {str(r.get("id")): r for r in _rows(base.get("rules"))}
    rules: list[dict[str, Any]] = []
    for i in range(row_count(form, "rules")):
        rule = _rule(form, i, base_rules, rows, len(rules))
        if rule is not None:
            rows.rules[len(rules)] = i
            rules.append(rule)
    if rules or "rules" in base:
        document["rules"] = rules
    _write_tiers(document, form, base, rows)
    return document, rows


def _write(
    target: dict[str, Any], base: Any, path: Path, spec: FormField, form: FormData, name: str = ""
) -> None:
    """Set one field at ``path`` of ``target``, unless it says what ``base`` already says."""
    sent = list(form.get(name or spec.name, ()))
    value = _parsed(spec, sent)
    if spec.kind is Kind.CHECK and value == spec.default:
        value = None  # a box left at the document's default writes nothing
    before = get_path(base, path)
    if spec.kind is Kind.CHECKS and isinstance(before, list) and value is not None:
        value = before if sorted(value) == sorted(before) else value  # boxes come in page order
    if value == before or (value == spec.default and before is None):
        return
    _set_path(target, path, value)


def _parsed(spec: FormField, sent: list[str]) -> Any:
    """A field's text as the document's value; text that is not a number stays text, so the
    document's own check words the problem ("must be a whole number")."""
    if spec.kind is Kind.CHECK:
        return bool(sent and sent[-1])
    if spec.kind is Kind.CHECKS:
        return [value for value in sent if value] or None
    text = sent[-1].strip() if sent else ""
    if not text:
        return None
    if spec.kind is Kind.INT:
        return _number(text, int)
    if spec.kind is Kind.DECIMAL:
        return _number(text, Decimal)
    if spec.kind is Kind.LIST:
        return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()] or None
    if spec.kind is Kind.INT_LIST:
        parts = [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]
        return [_number(part, int) for part in parts] or None
    if spec.kind is Kind.DATE:
        return _moment(text)
    return text


def _moment(text: str) -> date | datetime | str:
    """A local date or date and time as YAML would read it, so an unchanged date is the same
    value; anything else stays text for the document's check to word."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        return text


def _number(text: str, kind: type[int] | type[Decimal]) -> Any:
    ascii_text = "".join(str(int(ch)) if ch.isdecimal() else ch for ch in text).replace("٫", ".")
    try:
        return kind(ascii_text)
    except (ValueError, InvalidOperation):
        return text


def _blank(form: FormData, specs: Sequence[FormField], **rows: int) -> bool:
    """Nothing typed in a row (a hidden origin or an unticked box is not typing)."""
    for spec in specs:
        if spec.kind in (Kind.HIDDEN, Kind.CHECK, Kind.CHOICE):
            continue
        if any(value.strip() for value in form.get(spec.at(**rows), ())):
            return False
    return True


def _rule(
    form: FormData, i: int, base_rules: Mapping[str, Any], rows: _Rows, at: int
) -> dict[str, Any] | None:
    if _checked(form, f"rules[{i}].remove"):
        return None
    origin = _text(form, f"rules[{i}].origin")
    if not origin and _blank(form, RULE, i=i):
        return None
    base = copy.deepcopy(dict(base_rules.get(origin, {})))
    rule = copy.deepcopy(base)
    new_type = _text(form, f"rules[{i}].effect.type")
    if isinstance(base.get("effect"), Mapping) and base["effect"].get("type") != new_type:
        rule["effect"], base["effect"] = {}, {}  # another kind of effect starts afresh
    for spec in RULE:
        if spec.kind is Kind.HIDDEN or spec.name.endswith(".remove"):
            continue
        _write(rule, base, _relative(spec), spec, form, spec.at(i=i))
    _prune(rule, ("when", "items"))
    limits: list[dict[str, Any]] = []
    for j in range(row_count(form, f"rules[{i}].limits")):
        limit = _limit(form, i, j)
        if limit is not None:
            rows.limits[(at, len(limits))] = j
            limits.append(limit)
    if limits or "limits" in base:
        rule["limits"] = limits
    return rule


#: The fields each kind of limit takes; the others of its row are left out of it.
_LIMIT_FIELDS = {
    "per_customer": ("type", "period", "times", "points"),
    "per_order": ("type", "points"),
    "once_per": ("type", "property"),
}


def _limit(form: FormData, i: int, j: int) -> dict[str, Any] | None:
    kind = _text(form, f"rules[{i}].limits[{j}].type")
    if not kind:
        return None
    limit: dict[str, Any] = {}
    for spec in LIMIT:
        key = spec.name.rsplit(".", 1)[-1]
        value = _parsed(spec, list(form.get(spec.at(i=i, j=j), ())))
        if value is not None and key in _LIMIT_FIELDS.get(kind, ("type",)):
            limit[key] = value
    return limit


def _write_tiers(
    document: dict[str, Any], form: FormData, base: Mapping[str, Any], rows: _Rows
) -> None:
    if not _checked(form, "tiers.enabled"):
        document.pop("tiers", None)
        return
    base_tiers = base.get("tiers") if isinstance(base.get("tiers"), Mapping) else {}
    tiers = copy.deepcopy(dict(base_tiers or {}))
    for spec in TIERS:
        if spec.name != "tiers.enabled":
            _write(tiers, base_tiers, parse_path(spec.name)[1:], spec, form)
    window = tiers.get("window") or {}
    if window.get("calendar_year"):
        window.pop("rolling_months", None)
    _prune(tiers, ("window", "review"))
    base_levels = {str(level.get("id")): level for level in _rows((base_tiers or {}).get("levels"))}
    levels: list[dict[str, Any]] = []
    for j in range(row_count(form, "tiers.levels")):
        level = _level(form, j, base_levels, rows, len(levels))
        if level is not None:
            rows.levels[len(levels)] = j
            levels.append(level)
    tiers["levels"] = levels
    document["tiers"] = tiers


def _level(
    form: FormData, j: int, base_levels: Mapping[str, Any], rows: _Rows, at: int
) -> dict[str, Any] | None:
    if _checked(form, f"tiers.levels[{j}].remove"):
        return None
    origin = _text(form, f"tiers.levels[{j}].origin")
    if not origin and _blank(form, LEVEL, j=j):
        return None
    base = copy.deepcopy(dict(base_levels.get(origin, {})))
    level = copy.deepcopy(base)
    for spec in LEVEL:
        if spec.kind is not Kind.HIDDEN and not spec.name.endswith(".remove"):
            _write(level, base, _relative(spec), spec, form, spec.at(j=j))
    perks: list[dict[str, Any]] = []
    for k in range(row_count(form, f"tiers.levels[{j}].perks")):
        if _blank(form, PERK, j=j, k=k):
            continue
        perk: dict[str, Any] = {}
        for spec in PERK:
            _write(perk, {}, _relative(spec), spec, form, spec.at(j=j, k=k))
        rows.perks[(at, len(perks))] = k
        perks.append(perk)
    if perks or "perks" in base:
        level["perks"] = perks
    return level


def _text(form: FormData, name: str) -> str:
    sent = form.get(name, ())
    return sent[-1].strip() if sent else ""


def _checked(form: FormData, name: str) -> bool:
    return bool(form.get(name))


# --- checking, and problems back beside their fields -----------------------------------------


def check_form(form: FormData, base: Mapping[str, Any], *, version: int = 1) -> FormResult:
    """Build the document and check it as `load_program` does; every problem is put beside
    the field of its path (or the nearest field above it)."""
    document, rows = document_from_form(form, base)
    try:
        program = load_program(document, version=version)
    except ProgramDocumentError as error:
        result = FormResult(document, None)
        names = set(form) | set(form_values(document))
        for problem in error.problems:
            where = _field_of(_form_path(problem.path, rows), names)
            if where is None:
                result.elsewhere.append(f"{format_path(problem.path)}: {problem.reason}")
            else:
                result.errors.setdefault(where, []).append(problem.reason)
        return result
    return FormResult(document, program)


def _form_path(path: Path, rows: _Rows) -> Path:
    """A document path with each row number replaced by the form row it came from."""
    out = list(path)
    if len(out) >= 2 and out[0] == "rules" and isinstance(out[1], int):
        rule = out[1]
        out[1] = rows.rules.get(rule, rule)
        if len(out) >= 4 and out[2] == "limits" and isinstance(out[3], int):
            out[3] = rows.limits.get((rule, out[3]), out[3])
    if len(out) >= 3 and out[:2] == ["tiers", "levels"] and isinstance(out[2], int):
        level = out[2]
        out[2] = rows.levels.get(level, level)
        if len(out) >= 5 and out[3] == "perks" and isinstance(out[4], int):
            out[4] = rows.perks.get((level, out[4]), out[4])
    return tuple(out)


def _field_of(path: Path, names: set[str]) -> str | None:
    """The field a problem at ``path`` is shown beside: the field of that path, else the
    first field inside it (`rules[0].name` -> `rules[0].name.en`), else the nearest above."""
    for length in range(len(path), 0, -1):
        name = format_path(path[:length])
        if name in names:
            return name
        inside = sorted(
            (n for n in names if n.startswith(name + ".") or n.startswith(name + "[")),
            key=_form_order,
        )
        if inside:
            return inside[0]
    return None


_ORDER = {spec.name: n for n, spec in enumerate((*GENERAL, *EXPIRY, *RULE, *LIMIT, *TIERS, *LEVEL))}


def _form_order(name: str) -> tuple[int, str]:
    generic = re.sub(r"\[\d+\]", lambda m: "[{?}]", name)
    for spec, position in _ORDER.items():
        if re.sub(r"\{[ijk]\}", "{?}", spec) == generic:
            return position, name
    return len(_ORDER), name


# --- YAML, for export ----------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Decimals written as the numbers they are, never through a float."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    if value == value.to_integral():
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


_Dumper.add_representer(Decimal, _represent_decimal)


def document_yaml(document: Mapping[str, Any]) -> str:
    """The document as YAML a merchant can keep, edit and load again (`walaa program apply`)."""
    return yaml.dump(
        _plain(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
