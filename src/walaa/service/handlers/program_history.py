"""The program's version history as the dashboard shows it, and returning to a version.

Versions are never edited: returning to version 3 publishes a new version whose document is
version 3's, so the history still shows everything that was in force and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from walaa.domain.errors import NotFound, ValidationFailed
from walaa.program_document.changes import Change, document_changes
from walaa.service.handlers.program import RETURNED_TO, ProgramVersion, apply_program
from walaa.service.ports import Clock, UnitOfWork

MAX_HISTORY = 100


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    version: int
    created_at: datetime
    author: str | None
    #: the version this one returned to, if it was a return
    returned_to: int | None
    changes: list[Change]
    #: whether it is the version in force (the newest)
    current: bool


def program_history(uow: UnitOfWork, store_id: str, limit: int = 20) -> list[HistoryEntry]:
    """The newest ``limit`` versions, newest first, each with what changed from the one before."""
    if not 1 <= limit <= MAX_HISTORY:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_HISTORY}")
    with uow:
        versions = uow.earning(store_id).program_versions(limit + 1)
    entries = []
    for index, stored in enumerate(versions[:limit]):
        before = versions[index + 1].source if index + 1 < len(versions) else None
        returned = _returned_to(stored.note)
        entries.append(
            HistoryEntry(
                stored.version,
                stored.created_at,
                stored.author,
                returned,
                document_changes(before, stored.source),
                index == 0,
            )
        )
    return entries


def _returned_to(note: str | None) -> int | None:
    if note is None or not note.startswith(RETURNED_TO):
        return None
    number = note.removeprefix(RETURNED_TO)
    return int(number) if number.isdigit() else None


def return_to_version(
    uow: UnitOfWork, clock: Clock, store_id: str, version: int, *, author: str | None
) -> ProgramVersion:
    """Publish ``version``'s document again as the newest version (a no-op if it already is
    the document in force)."""
    with uow:
        stored = uow.earning(store_id).program_version(version)
    if stored is None:
        raise NotFound(f"this store has no program version {version}")
    return apply_program(
        uow, clock, store_id, stored.source, author=author, note=f"{RETURNED_TO}{version}"
    )
