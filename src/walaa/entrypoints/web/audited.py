"""A screen's action and its audit line in one transaction, through the handlers the API uses.

The service layer's handlers open their unit of work, write and commit. Wrapped in `Audited`,
the first commit writes the audit line (who, when, from where, what, before and after) into
the same transaction just before it commits: the line exists exactly when the change does, and
a handler that refuses (insufficient points, a code already used) leaves neither.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from starlette.requests import Request

from walaa.entrypoints.web.auth import Viewer, client_address, walaa_of
from walaa.service.handlers.staff import append_audit
from walaa.service.ports import UnitOfWork


class Audited:
    """A unit of work that also writes one audit line, with its first commit."""

    def __init__(
        self,
        inner: UnitOfWork,
        at: datetime,
        who: Viewer,
        address: str,
        action: str,
        subject: str | None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        self._inner = inner
        self._at = at
        self._line = (who, address, action, subject, before, after)
        self.written = False

    def __enter__(self) -> Audited:
        self._inner.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def commit(self) -> None:
        if not self.written:
            who, address, action, subject, before, after = self._line
            append_audit(
                self._inner,
                self._at,
                who.member,
                who.store.id,
                action,
                subject,
                before,
                after,
                address,
            )
            self.written = True
        self._inner.commit()


def audited(
    request: Request,
    who: Viewer,
    action: str,
    subject: str | None,
    before: Any = None,
    after: Any = None,
) -> UnitOfWork:
    """A unit of work for one staff action, audited as ``action`` on ``subject``."""
    walaa = walaa_of(request)
    line = Audited(
        walaa.uow(), walaa.clock.now(), who, client_address(request), action, subject, before, after
    )
    return cast(UnitOfWork, line)
