"""What changed between two versions of a settings document, setting by setting.

The version history says "earn_rate.points: 1 → 2" and "rules[weekend].effect.factor: 2 → 3"
rather than showing two YAML files: lists of things with ids (rules, tiers, perks, games) are
compared by id, so adding a rule in front does not read as every rule changing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from walaa.program_document import read_document

#: Not a setting a merchant changes: where the document's schema lives.
_IGNORED = frozenset({"$schema"})


@dataclass(frozen=True, slots=True)
class Change:
    """One setting: its path in the document, and its value before and after (None: absent)."""

    path: str
    before: str | None
    after: str | None


def document_changes(before: str | None, after: str) -> list[Change]:
    """Every setting that differs, in document order; a first version changes everything
    it sets."""
    old = _flatten(read_document(before)) if before is not None else {}
    new = _flatten(read_document(after))
    paths = list(dict.fromkeys([*new, *old]))
    return [
        Change(path, old.get(path), new.get(path))
        for path in paths
        if old.get(path) != new.get(path)
    ]


def _flatten(data: Any, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key in _IGNORED:
                continue
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(_has_id(item) for item in data):
        for item in data:
            out.update(_flatten(item, f"{prefix}[{item['id']}]"))
    else:
        out[prefix] = _text(data)
    return out


def _has_id(item: Any) -> bool:
    return isinstance(item, Mapping) and isinstance(item.get("id"), str)


def _text(value: Any) -> str:
    """A value as the history prints it: numbers without float noise, lists comma-separated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_text(item)}" for key, item in value.items())
    return "" if value is None else str(value)
