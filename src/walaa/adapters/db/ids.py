"""Ids for the append-only tables whose key is (store_id, id): who assigns the next ``id``.

Every primary key starts with ``store_id`` so the schema can be distributed by store
(docs/scaling.md). The ledger's tables (transactions, postings, lots, ...) still want a
numeric ``id`` that grows with time (pages and cursors, FIFO spending, "newest first") and is
unique in the whole database (the audit joins on it). PostgreSQL keeps its sequences: a
composite key does not stop a column defaulting to ``nextval``. SQLite only numbers a column
by itself when it is the table's whole ``INTEGER PRIMARY KEY``, so there the insert assigns the
id itself, from the table's hidden ``rowid``:

    INSERT INTO lots (store_id, id, ...)
    VALUES (?, (SELECT coalesce(max(rowid), 0) + 1 FROM lots), ...)

``max(rowid)`` is read from the end of the table's b-tree (no scan), and SQLite gives the new
row that same ``rowid`` (the largest plus one), so ``id`` and ``rowid`` stay equal; the
migration that made these keys composite copied every row with ``rowid = id`` for that. It is
safe across processes because every SQLite transaction Walaa opens is ``BEGIN IMMEDIATE``
(adapters/db/engine.py): the writer that reads ``max(rowid)`` holds the database's one write
lock until it commits. One row per statement: a multi-row ``VALUES`` would read the same
``max(rowid)`` for each row (an ``executemany`` of a one-row INSERT, which SQLAlchemy uses for
a list of parameters without RETURNING, runs the statement once per row and is fine). A
set-based ``INSERT ... SELECT`` on SQLite (the worker's jobs) names ``rowid`` and ``id`` itself
with `sqlite_ids`: both numbered on from ``max(rowid)`` in the order given.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class NextId(ColumnElement[int]):
    """The next id of ``table``, as a SQL expression the INSERT evaluates (see the module)."""

    inherit_cache = True
    _traverse_internals = [("table", InternalTraversal.dp_string)]  # noqa: RUF012
    type = BigInteger()

    def __init__(self, table: str) -> None:
        self.table = table


@compiles(NextId)
def _from_rowid(element: NextId, compiler: SQLCompiler, **_kw: Any) -> str:
    return f"(SELECT coalesce(max(rowid), 0) + 1 FROM {compiler.preparer.quote(element.table)})"


@compiles(NextId, "postgresql")
def _from_sequence(element: NextId, compiler: SQLCompiler, **_kw: Any) -> str:
    return f"nextval('{element.table}_id_seq')"


def sqlite_ids(table: str, order: str) -> str:
    """The values of ``rowid, id`` for an ``INSERT INTO table (rowid, id, ...) SELECT`` on
    SQLite: the rows numbered in ``order`` on from the table's largest rowid, the same number
    twice so that ``rowid = id`` holds even when ON CONFLICT skips some of them. The subquery
    is read once, before the first row goes in (it is not correlated)."""
    number = f"(SELECT coalesce(max(rowid), 0) FROM {table}) + row_number() OVER (ORDER BY {order})"
    return f"{number}, {number}"
