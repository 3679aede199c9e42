"""Stored responses for the HTTP `Idempotency-Key` header.

The first request with a key reserves it (a row with no response yet); the response is saved
when it finishes. A replay with the same request gets the saved response; one that arrives while
the first is still running waits for it. A reservation left behind by a crashed process is taken
over after ``stale_after``: safe, because every write below is idempotent by its own key too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, delete, select, update

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.errors import Conflict, IdempotencyConflict

RETENTION = timedelta(hours=24)


class RequestInProgress(Conflict):
    code = "idempotency-in-progress"


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    body: str


class SqlIdempotencyStore:
    def __init__(
        self,
        engine: Engine,
        *,
        wait: float = 10.0,
        stale_after: timedelta = timedelta(seconds=60),
    ) -> None:
        self.engine, self.wait, self.stale_after = engine, wait, stale_after

    def begin(self, store_id: str, key: str, request_hash: str) -> StoredResponse | None:
        """None: go ahead, the key is yours. A response: replay it."""
        deadline = time.monotonic() + self.wait
        while True:
            if self._reserve(store_id, key, request_hash):
                return None
            found = self._read(store_id, key)
            if found is None:
                continue  # abandoned and deleted between our insert and read: try again
            stored_hash, status, body, created = found
            if stored_hash != request_hash:
                raise IdempotencyConflict(
                    "this Idempotency-Key was already used with a different request"
                )
            if status is not None:
                return StoredResponse(status, body or "")
            if datetime.now(UTC) - created > self.stale_after and self._take_over(store_id, key):
                return None
            if time.monotonic() > deadline:
                raise RequestInProgress("a request with this Idempotency-Key is still running")
            time.sleep(0.05)

    def _reserve(self, store_id: str, key: str, request_hash: str) -> bool:
        stmt = (
            insert_for(self.engine.dialect, t.idempotency_records)
            .values(
                store_id=store_id, key=key, request_hash=request_hash, created_at=datetime.now(UTC)
            )
            .on_conflict_do_nothing()
            .returning(t.idempotency_records.c.key)
        )
        with self.engine.begin() as conn:
            # rowcount is not reliable for INSERT ... ON CONFLICT on every driver; RETURNING is.
            return conn.execute(stmt).first() is not None

    def _read(self, store_id: str, key: str) -> tuple[str, int | None, str | None, datetime] | None:
        r = t.idempotency_records
        with self.engine.connect() as conn:
            row = conn.execute(
                select(r.c.request_hash, r.c.status_code, r.c.response_body, r.c.created_at).where(
                    r.c.store_id == store_id, r.c.key == key
                )
            ).first()
        return (row[0], row[1], row[2], row[3]) if row else None

    def _take_over(self, store_id: str, key: str) -> bool:
        r = t.idempotency_records
        cutoff = datetime.now(UTC) - self.stale_after
        with self.engine.begin() as conn:
            done = conn.execute(
                update(r)
                .where(
                    r.c.store_id == store_id,
                    r.c.key == key,
                    r.c.status_code.is_(None),
                    r.c.created_at < cutoff,
                )
                .values(created_at=datetime.now(UTC))
            )
            return done.rowcount == 1

    def finish(self, store_id: str, key: str, status_code: int, body: str) -> None:
        r = t.idempotency_records
        with self.engine.begin() as conn:
            conn.execute(
                update(r)
                .where(r.c.store_id == store_id, r.c.key == key)
                .values(status_code=status_code, response_body=body)
            )

    def abandon(self, store_id: str, key: str) -> None:
        """Forget a reservation whose request failed unexpectedly, so a retry runs again."""
        r = t.idempotency_records
        with self.engine.begin() as conn:
            conn.execute(
                delete(r).where(r.c.store_id == store_id, r.c.key == key, r.c.status_code.is_(None))
            )

    def purge(self, now: datetime, retention: timedelta = RETENTION) -> int:
        """Drop finished records older than the retention (at least 24 hours)."""
        r = t.idempotency_records
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(r).where(and_(r.c.created_at < now - retention, r.c.status_code.isnot(None)))
            )
            return done.rowcount
