"""Stored responses for the HTTP `Idempotency-Key` header.

The first request with a key reserves it (a row with no response yet); the response is saved
when it finishes. A replay with the same request gets the saved response; one that arrives while
the first is still running waits for it.

A reservation carries a lease: the process that owns it renews the leases of all the keys it is
running, once every ``lease / 3``, from one background thread. A process that dies stops
renewing, so its reservations are known abandoned at most ``lease`` after it died, and the next
retry takes them over then, within its own wait (``lease`` < ``wait``), instead of answering
409. Taking over is safe even if the owner was only stalled: every write behind a key is
idempotent by its own key or natural id too, in the same transaction as its effect, so a second
run answers the effect of the first (see docs/operations.md, "Retries after a crash").
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Engine, and_, delete, or_, select, update

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.domain.errors import Conflict, IdempotencyConflict

RETENTION = timedelta(hours=24)
#: How long a reservation outlives the last sign of life of the process running it.
LEASE = timedelta(seconds=3)

log = logging.getLogger(__name__)


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
        lease: timedelta = LEASE,
    ) -> None:
        self.engine, self.wait, self.lease = engine, wait, lease
        self._held: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._beat: threading.Thread | None = None

    def begin(self, store_id: str, key: str, request_hash: str) -> StoredResponse | None:
        """None: go ahead, the key is yours. A response: replay it."""
        deadline = time.monotonic() + self.wait
        while True:
            if self._reserve(store_id, key, request_hash):
                return None
            found = self._read(store_id, key)
            if found is None:
                continue  # abandoned and deleted between our insert and read: try again
            stored_hash, status, body, lease_until = found
            if stored_hash != request_hash:
                raise IdempotencyConflict(
                    "this Idempotency-Key was already used with a different request"
                )
            if status is not None:
                return StoredResponse(status, body or "")
            if (lease_until is None or lease_until < datetime.now(UTC)) and self._take_over(
                store_id, key
            ):
                return None
            if time.monotonic() > deadline:
                raise RequestInProgress("a request with this Idempotency-Key is still running")
            time.sleep(0.05)

    def _reserve(self, store_id: str, key: str, request_hash: str) -> bool:
        now = datetime.now(UTC)
        stmt = (
            insert_for(self.engine.dialect, t.idempotency_records)
            .values(
                store_id=store_id,
                key=key,
                request_hash=request_hash,
                created_at=now,
                lease_until=now + self.lease,
            )
            .on_conflict_do_nothing()
            .returning(t.idempotency_records.c.key)
        )
        with self.engine.begin() as conn:
            # rowcount is not reliable for INSERT ... ON CONFLICT on every driver; RETURNING is.
            mine = conn.execute(stmt).first() is not None
        if mine:
            self._hold(store_id, key)
        return mine

    def _read(
        self, store_id: str, key: str
    ) -> tuple[str, int | None, str | None, datetime | None] | None:
        r = t.idempotency_records
        with self.engine.connect() as conn:
            row = conn.execute(
                select(r.c.request_hash, r.c.status_code, r.c.response_body, r.c.lease_until).where(
                    r.c.store_id == store_id, r.c.key == key
                )
            ).first()
        return (row[0], row[1], row[2], row[3]) if row else None

    def _take_over(self, store_id: str, key: str) -> bool:
        """Claim a reservation whose lease ran out; of several retries, one wins."""
        r = t.idempotency_records
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            done = conn.execute(
                update(r)
                .where(
                    r.c.store_id == store_id,
                    r.c.key == key,
                    r.c.status_code.is_(None),
                    or_(r.c.lease_until.is_(None), r.c.lease_until < now),
                )
                .values(lease_until=now + self.lease)
            )
            mine = done.rowcount == 1
        if mine:
            self._hold(store_id, key)
        return mine

    def finish(self, store_id: str, key: str, status_code: int, body: str) -> None:
        r = t.idempotency_records
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    update(r)
                    .where(r.c.store_id == store_id, r.c.key == key)
                    .values(status_code=status_code, response_body=body, lease_until=None)
                )
        finally:
            self._release(store_id, key)

    def abandon(self, store_id: str, key: str) -> None:
        """Forget a reservation whose request failed unexpectedly, so a retry runs again."""
        r = t.idempotency_records
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    delete(r).where(
                        r.c.store_id == store_id, r.c.key == key, r.c.status_code.is_(None)
                    )
                )
        finally:
            self._release(store_id, key)

    def purge(self, store_id: str, now: datetime, retention: timedelta = RETENTION) -> int:
        """Drop the store's finished records older than the retention (at least 24 hours).

        One store at a time, like every other job, so a store's shard answers it alone."""
        r = t.idempotency_records
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(r).where(
                    r.c.store_id == store_id,
                    r.c.created_at < now - retention,
                    r.c.status_code.isnot(None),
                )
            )
            return done.rowcount

    # -- the lease: one thread renews every key this process is running ---------------------

    def _hold(self, store_id: str, key: str) -> None:
        with self._lock:
            self._held.add((store_id, key))
            if self._beat is None or not self._beat.is_alive():  # none yet, or lost in a fork
                self._beat = threading.Thread(
                    target=self._renew_while_held, name="walaa-idempotency-lease", daemon=True
                )
                self._beat.start()

    def _release(self, store_id: str, key: str) -> None:
        with self._lock:
            self._held.discard((store_id, key))

    def _renew_while_held(self) -> None:
        """Renew leases every third of a lease; end when nothing is held (restarted on demand)."""
        while True:
            time.sleep(self.lease.total_seconds() / 3)
            with self._lock:
                held = sorted(self._held)
                if not held:
                    self._beat = None
                    return
            try:
                self.renew(held)
            except Exception:  # the database may be away for a moment: try again next beat
                log.warning("could not renew Idempotency-Key leases", exc_info=True)

    def renew(self, held: list[tuple[str, str]]) -> int:
        """Extend the leases of these unanswered reservations; how many were still open."""
        r = t.idempotency_records
        mine: list[ColumnElement[bool]] = [
            and_(r.c.store_id == store_id, r.c.key == key) for store_id, key in held
        ]
        with self.engine.begin() as conn:
            done = conn.execute(
                update(r)
                .where(r.c.status_code.is_(None), or_(*mine))
                .values(lease_until=datetime.now(UTC) + self.lease)
            )
            return done.rowcount
