"""Creating engines for SQLite (the embedded default) and PostgreSQL (production)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Dialect, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

#: A pooled PostgreSQL connection that sat unused longer than this is asked `SELECT 1` before
#: it is handed out; one used more recently is handed out as it is.
IDLE_PING_SECONDS = 10.0
#: A pooled PostgreSQL connection older than this is closed and replaced when next checked out
#: (no round trip): it bounds how long a connection outlives a proxy's or a server's change.
RECYCLE_SECONDS = 1800
_CHECKED_IN = "walaa_checked_in"


def normalise_url(url: str) -> str:
    """Accept the plain ``postgresql://`` form people copy around; Walaa speaks psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(
    url: str,
    *,
    idle_ping_seconds: float = IDLE_PING_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
    **options: Any,
) -> Engine:
    """An engine for ``url``; ``options`` go to `create_engine`. On PostgreSQL a connection
    idle past ``idle_ping_seconds`` (read on ``monotonic``) is pinged on checkout (see
    `ping_when_idle`)."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, **options)
    options.setdefault("pool_size", 10)
    options.setdefault("max_overflow", 60)
    options.setdefault("pool_recycle", RECYCLE_SECONDS)
    engine = create_engine(url, **options)
    ping_when_idle(engine, idle_ping_seconds, monotonic)
    return engine


def ping_when_idle(engine: Engine, idle_seconds: float, monotonic: Callable[[], float]) -> None:
    """Check a pooled connection with `SELECT 1` on checkout only if it sat idle a while.

    `pool_pre_ping` would ask on every checkout: a round trip per request for a connection
    that answered a moment ago. A connection in steady use is handed out unasked; one idle
    past ``idle_seconds`` (the kind a restarted database or a proxy's idle timeout has
    silently closed) is pinged, and if the ping fails, `DisconnectionError` has the pool
    throw it away and connect afresh, so the request that checked it out still succeeds.

    A connection killed while in steady use fails the statement that finds it dead (a 503
    with Retry-After to that one request); SQLAlchemy then invalidates the pool's older
    connections, so the next requests get new ones.
    """

    @event.listens_for(engine, "checkin")
    def _stamp(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None:  # None: the pool invalidated it on the way back
            record.info[_CHECKED_IN] = monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_CHECKED_IN)  # None: connected just now, for this checkout
        if since is None or monotonic() - since < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()  # leave no transaction open behind the pool's back
        except Exception as exc:  # any failure of the driver means the connection is unusable
            raise DisconnectionError(f"a pooled connection idle since then is gone: {exc}") from exc


def _sqlite_engine(url: str, **options: Any) -> Engine:
    """SQLite with foreign keys on, WAL, and writers that queue instead of failing.

    Every transaction starts with BEGIN IMMEDIATE, taking the write lock up front: a read
    followed by a write in a deferred transaction can deadlock two writers, and the ledger
    always reads the balance before it writes it.
    """
    options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook issue BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if ":memory:" not in url and "mode=memory" not in url:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def insert_for(dialect: Dialect, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT, for whichever of the two databases is connected.

    Both dialects spell upserts the same way (`on_conflict_do_nothing/_do_update`), but each
    needs its own `insert` construct.
    """
    module = postgresql if dialect.name == "postgresql" else sqlite
    return module.insert(table)
