"""Writes that wait for the next statement: consecutive writes of a unit of work as one.

A paid order writes a ledger transaction, its postings, a lot, the customer's balances, the
rules it used and the order itself: six statements, six round trips, though none of them needs
an answer from the database. On PostgreSQL a unit of work therefore keeps such writes back and
sends every run of them as ONE statement, a chain of data-modifying common table expressions
(``WITH w0 AS (INSERT ...), w1 AS (UPDATE ...) SELECT 1``), which PostgreSQL executes
exactly once each, in one snapshot, as one statement of the transaction.

Nothing can read around them: the engine's ``before_execute`` hook sends what is kept back
before any other statement of the same connection runs (a read then sees every earlier write,
as if each had been sent at once), and the unit of work sends it before it commits. The
sub-statements of one chain see the same snapshot, so a chain never holds two writes where one
must see the other: a write that changes an existing row (an UPDATE, an upsert) names the row,
and a second write to a row the chain already changes sends the chain first (PostgreSQL would
apply only one of two changes to one row in one statement).

SQLite cannot put writes in a WITH clause, and its statements cost no round trip: there every
write is executed at once, and this module changes nothing.

A unique key a kept-back write breaks is reported when the chain is sent, as `WriteConflict`,
so the order path can assume an order is new, skip looking it up, and look again only when the
database says it was not (`walaa.service.handlers.earning.record_order`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, Executable, Table, bindparam, event, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import UpdateBase

from walaa.service.ports import WriteConflict

#: What each connection of a unit of work keeps back. Keyed by the SQLAlchemy connection (one
#: per checkout), not kept in ``conn.info``, which belongs to the pooled DBAPI connection and
#: outlives the unit of work (and cannot be read once the connection is invalidated).
_KEPT: WeakKeyDictionary[Connection, DeferredWrites] = WeakKeyDictionary()

#: how each database names a broken unique key: PostgreSQL's SQLSTATE unique_violation,
#: SQLite's extended result codes for a UNIQUE or PRIMARY KEY constraint
_UNIQUE_VIOLATIONS = frozenset(
    {"23505", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}
)


@contextmanager
def unique_keys_as_conflicts() -> Iterator[None]:
    """A write in the block that breaks a unique key raises `WriteConflict` (other integrity
    errors, a missing foreign key say, stay what they are)."""
    try:
        yield
    except IntegrityError as exc:
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "sqlite_errorname", None)
        if code in _UNIQUE_VIOLATIONS:
            raise WriteConflict(str(exc.orig)) from exc
        raise


@dataclass(frozen=True, slots=True)
class Template:
    """A write built once, its values named parameters: the order path's writes are the same
    few shapes every time, and building a statement (and its cache key) anew for each order
    cost more CPU than sending it. ``build(prefix, postgres)`` names each parameter
    ``prefix + name``, so several writes of one shape can share a chain."""

    key: Hashable
    build: Callable[[str, bool], UpdateBase]


@cache
def _alone(template: Template, postgres: bool) -> UpdateBase:
    return template.build("", postgres)


@lru_cache(maxsize=1024)
def _chain_of(templates: tuple[Template, ...]) -> Executable:
    """The chain of templates as one statement, built once per sequence of shapes."""
    ctes = [template.build(f"p{i}_", True).cte(f"w{i}") for i, template in enumerate(templates)]
    return select(literal(1)).add_cte(*ctes)


_Write = tuple[UpdateBase | Template, dict[str, Any]]


class DeferredWrites:
    """The writes a unit of work has kept back on one connection, in order."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: list[_Write] = []
        self.changed: set[tuple[Any, ...]] = set()
        self.sending = False

    def add(
        self,
        statement: UpdateBase | Template,
        params: dict[str, Any] | None = None,
        row: tuple[Any, ...] | None = None,
    ) -> None:
        if row is not None:
            if row in self.changed:
                self.send()
            self.changed.add(row)
        self.pending.append((statement, params or {}))

    def send(self) -> None:
        """Send what is kept back as one statement (nothing if nothing is)."""
        if not self.pending or self.sending:
            return
        writes, self.pending = self.pending, []
        self.changed = set()
        self.sending = True
        try:
            with unique_keys_as_conflicts():
                self.conn.execute(*_chained(writes))
        finally:
            self.sending = False

    def drop(self) -> None:
        self.pending, self.changed = [], set()


def _chained(writes: list[_Write]) -> tuple[Executable, dict[str, Any]]:
    """One statement for several writes, with its parameters: the writes as CTEs of a
    ``SELECT 1``. Templates only (the order path): built once per sequence of shapes."""
    if len(writes) == 1:
        statement, params = writes[0]
        if isinstance(statement, Template):
            return _alone(statement, True), params
        return statement, params
    merged: dict[str, Any] = {}
    for i, (_statement, params) in enumerate(writes):
        merged.update({f"p{i}_{name}": value for name, value in params.items()})
    templates = [statement for statement, _ in writes]
    if all(isinstance(template, Template) for template in templates):
        return _chain_of(tuple(templates)), merged
    ctes = [
        (s.build(f"p{i}_", True) if isinstance(s, Template) else s).cte(f"w{i}")
        for i, s in enumerate(templates)
    ]
    return select(literal(1)).add_cte(*ctes), merged


@cache
def insert_template(table: Table, columns: tuple[str, ...], on_conflict: str = "") -> Template:
    """An INSERT of one row into ``table`` with these columns as parameters; with
    ``on_conflict="nothing"``, one that does nothing where the row's key is taken."""

    def build(prefix: str, postgres: bool) -> UpdateBase:
        values = {name: bindparam(prefix + name, type_=table.c[name].type) for name in columns}
        if not on_conflict:
            return table.insert().values(values)
        dialect_insert = postgresql.insert if postgres else sqlite.insert
        return dialect_insert(table).values(values).on_conflict_do_nothing()

    return Template(("insert", table.name, columns, on_conflict), build)


def keep_back(conn: Connection) -> DeferredWrites | None:
    """Start keeping writes back on ``conn`` for one unit of work (PostgreSQL only)."""
    if conn.dialect.name != "postgresql":
        return None
    deferred = DeferredWrites(conn)
    _KEPT[conn] = deferred
    return deferred


def stop_keeping(conn: Connection) -> None:
    """The unit of work is over: forget what it kept back (sent or rolled back by then)."""
    found = _KEPT.pop(conn, None)
    if found is not None:
        found.drop()


def write(
    conn: Connection,
    statement: UpdateBase | Template,
    params: dict[str, Any] | None = None,
    row: tuple[Any, ...] | None = None,
) -> None:
    """Execute a write that needs no answer: kept back where the connection keeps writes
    back, at once elsewhere. A `Template` takes its values from ``params``. ``row`` names
    the existing row an UPDATE or upsert changes (table, then key), so that two changes of
    one row never share a statement."""
    deferred: DeferredWrites | None = _KEPT.get(conn)
    if deferred is not None:
        deferred.add(statement, params, row)
        return
    if isinstance(statement, Template):
        statement = _alone(statement, conn.dialect.name == "postgresql")
    with unique_keys_as_conflicts():
        conn.execute(statement, params or {})


def insert_row(
    conn: Connection, table: Table, row: dict[str, Any], *, on_conflict: str = ""
) -> None:
    """`write` of one new row (`insert_template` names what ``on_conflict`` does)."""
    write(conn, insert_template(table, tuple(row), on_conflict), row)


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """`write` for new rows of one table (every row with the same columns): where writes are
    kept back, a single-row INSERT per row; elsewhere (SQLite) one prepared INSERT executed
    for every row, since SQLite numbers a composite key's id by a subquery that a multi-row
    INSERT would evaluate once for all its rows."""
    if not rows:
        return
    template = insert_template(table, tuple(rows[0]))
    deferred: DeferredWrites | None = _KEPT.get(conn)
    if deferred is None:
        with unique_keys_as_conflicts():
            conn.execute(_alone(template, conn.dialect.name == "postgresql"), rows)
    else:
        for row in rows:
            deferred.add(template, row)


def send_kept(conn: Connection) -> None:
    """Send the writes kept back on ``conn``, if any (before a commit or a savepoint's
    release)."""
    deferred: DeferredWrites | None = _KEPT.get(conn)
    if deferred is not None:
        deferred.send()


def drop_kept(conn: Connection) -> None:
    """Forget the writes kept back on ``conn`` (their savepoint is being rolled back)."""
    deferred: DeferredWrites | None = _KEPT.get(conn)
    if deferred is not None:
        deferred.drop()


def _before_execute(conn: Connection, *_args: Any) -> None:
    deferred: DeferredWrites | None = _KEPT.get(conn)
    if deferred is not None and deferred.pending and not deferred.sending:
        deferred.send()


def watch(engine: Engine) -> None:
    """Have every statement on the engine's connections send the kept-back writes first."""
    if not event.contains(engine, "before_execute", _before_execute):
        event.listen(engine, "before_execute", _before_execute)
