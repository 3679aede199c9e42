"""The SQL of tier counters: count an event into its month, read a window's measure.

`tier_history` is the append-only record (and, by its source key, the "counted once" guard);
`tier_counters` holds its running totals per customer per UTC month
(`walaa.domain.tier_buckets`). Counting adds to the month with one upsert; on PostgreSQL the
history insert and the upsert are ONE statement, a data-modifying CTE whose upsert reads the
rows the insert returned, so a replay (the insert skipped) adds nothing. SQLite has no
data-modifying CTEs: there the upsert is a second statement, sent only when the insert inserted.

A window is read as the counters of its whole months plus the history rows of its two edges,
each a range of `ix_tier_history_customer`; the sums equal a sum of the window's history rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from walaa.adapters.db import tables as t
from walaa.adapters.db.deferred import Template, insert_row, write
from walaa.adapters.db.engine import insert_for
from walaa.domain.tier_buckets import SCALE_STEPS, bucket_of, spend_of, spend_scale, split
from walaa.domain.tiers import QualifyingEvent, QualifyingWindow

E4 = Decimal(10_000)
#: the measure's column in both tables
MEASURE_COLUMN = {"spend": "spend_e4", "points": "points", "orders": "orders"}


def count(
    conn: Connection,
    store_id: str,
    customer_id: str,
    event: QualifyingEvent,
    source_key: str,
    *,
    wait: bool = False,
) -> bool:
    """Record the event once (by `source_key`) and add it to its month's counters. False
    when the key was counted already: nothing is written.

    ``wait``: the caller takes the event to be new (an order or action assumed new, see
    `walaa.service.handlers.earning`), so nothing needs answering: the history row and the
    upsert are writes that may wait for the unit of work's next statement
    (adapters/db/deferred.py), and a source key counted before breaks the history's unique key
    (`WriteConflict`) instead of being skipped. Returns True."""
    spend_e4 = int(event.spend * E4)
    h = t.tier_history
    row = {"spend_e4": spend_e4, "points": event.points, "orders": event.orders}
    bucket, scale = bucket_of(event.at), spend_scale(spend_e4)
    history = {"store_id": store_id, "customer_id": customer_id, "at": event.at}
    if wait:
        insert_row(conn, h, {**history, **row, "source_key": source_key})
        counter = {"store_id": store_id, "customer_id": customer_id, "bucket": bucket}
        params = {**counter, **row, "spend_scale": scale}
        write(conn, _COUNTER_UPSERT, params, row=("tier_counters", customer_id, bucket))
        return True
    recorded = (
        insert_for(conn.dialect, h)
        .values(**history, **row, source_key=source_key)
        .on_conflict_do_nothing()
    )
    if conn.dialect.name != "postgresql":
        if conn.execute(recorded.returning(h.c.id)).first() is None:
            return False
        added = insert_for(conn.dialect, t.tier_counters).values(
            store_id=store_id, customer_id=customer_id, bucket=bucket, spend_scale=scale, **row
        )
        conn.execute(_adding(conn, added))
        return True
    counted = recorded.returning(h.c.store_id, h.c.customer_id, *_amounts(h)).cte("counted")
    added = insert_for(conn.dialect, t.tier_counters).from_select(
        ["store_id", "customer_id", "bucket", "spend_e4", "points", "orders", "spend_scale"],
        select(
            counted.c.store_id,
            counted.c.customer_id,
            literal(bucket, t.tier_counters.c.bucket.type),
            *_amounts(counted),
            literal(scale, Integer),
        ),
    )
    stmt = _adding(conn, added).returning(t.tier_counters.c.bucket).add_cte(counted)
    return conn.execute(stmt).first() is not None


def _counter_upsert(prefix: str, postgres: bool) -> Any:
    """The month's upsert as a template of kept-back writes (adapters/db/deferred.py)."""
    c = t.tier_counters
    columns = ("store_id", "customer_id", "bucket", "spend_e4", "points", "orders", "spend_scale")
    values = {name: bindparam(prefix + name, type_=c.c[name].type) for name in columns}
    dialect_insert = postgresql.insert if postgres else sqlite.insert
    return _adding_on(postgres, dialect_insert(c).values(values))


_COUNTER_UPSERT = Template("tier_counters upsert", _counter_upsert)


def _amounts(table: Any) -> list[Any]:
    """What a history row adds to its month: the columns both tables share."""
    return [table.c.spend_e4, table.c.points, table.c.orders]


def _adding(conn: Connection, stmt: Any) -> Any:
    """The upsert's conflict clause: add to the month's row that is there already."""
    return _adding_on(conn.dialect.name == "postgresql", stmt)


def _adding_on(postgres: bool, stmt: Any) -> Any:
    c, new = t.tier_counters, stmt.excluded
    greatest = func.greatest if postgres else func.max
    return stmt.on_conflict_do_update(
        index_elements=["store_id", "customer_id", "bucket"],
        set_={
            "spend_e4": c.c.spend_e4 + new.spend_e4,
            "points": c.c.points + new.points,
            "orders": c.c.orders + new.orders,
            "spend_scale": greatest(c.c.spend_scale, new.spend_scale),
        },
    )


def _scale(spend_e4: ColumnElement[Any]) -> ColumnElement[int]:
    """`spend_scale` of a history row, in SQL."""
    return case(
        *((spend_e4 % step == 0, digits) for digits, step in enumerate(SCALE_STEPS)),
        else_=len(SCALE_STEPS),
    )


def window_read(
    store_id: str,
    customer_id: str,
    measure: str,
    windows: Sequence[QualifyingWindow],
    *,
    status: bool,
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement reading (k, total, scale) per window `k` that holds anything (the window's
    whole months from the counters, its edges from the history, in one UNION ALL), with the
    customer's status row too when `status`, and its parameters. The statement is built once
    per shape (which edges and whole months the windows have) and reused, so only its
    parameters are new on each order."""
    params: dict[str, Any] = {"store": store_id, "customer": customer_id}
    shape = []
    for key, piece in enumerate(split(window) for window in windows):
        first, last = (edge[0] < edge[1] for edge in (piece.first, piece.last))
        shape.append((first, last, piece.has_whole))
        params.update({f"a{key}_from": piece.first[0], f"a{key}_until": piece.first[1]})
        params.update({f"z{key}_from": piece.last[0], f"z{key}_until": piece.last[1]})
        params.update({f"w{key}_from": piece.whole_from, f"w{key}_to": piece.whole_to})
    return _window_statement(measure, tuple(shape), status), params


@lru_cache(maxsize=256)
def _window_statement(
    measure: str, shape: tuple[tuple[bool, bool, bool], ...], status: bool
) -> Select[Any]:
    column = MEASURE_COLUMN[measure]
    h, c = t.tier_history, t.tier_counters
    scale = _scale(h.c.spend_e4).label("d")
    parts: list[Select[Any]] = []
    for key, (first, last, whole) in enumerate(shape):
        k = literal(key, Integer).label("k")
        for edge, used in (("a", first), ("z", last)):
            if used:
                parts.append(
                    select(k, h.c[column].label("v"), scale).where(
                        h.c.store_id == bindparam("store"),
                        h.c.customer_id == bindparam("customer"),
                        h.c.at >= bindparam(f"{edge}{key}_from"),
                        h.c.at < bindparam(f"{edge}{key}_until"),
                    )
                )
        if whole:
            parts.append(
                select(k, c.c[column].label("v"), c.c.spend_scale.label("d")).where(
                    c.c.store_id == bindparam("store"),
                    c.c.customer_id == bindparam("customer"),
                    c.c.bucket >= bindparam(f"w{key}_from"),
                    c.c.bucket < bindparam(f"w{key}_to"),
                )
            )
    rows = union_all(*parts).subquery("parts")
    sums = select(
        rows.c.k, func.sum(rows.c.v).label("total"), func.max(rows.c.d).label("scale")
    ).group_by(rows.c.k)
    return _with_status(sums) if status else sums


def _with_status(sums: Select[Any]) -> Select[Any]:
    """`sums` and the customer's status row in one statement: one row per window that holds
    anything, or one row of NULL sums; the status columns are NULL without a status row."""
    ct, found = t.customer_tiers, sums.subquery("sums")
    one = select(literal(1, Integer).label("one")).subquery("one")
    mine = (ct.c.store_id == bindparam("store")) & (ct.c.customer_id == bindparam("customer"))
    joined = one.outerjoin(ct, mine).outerjoin(found, true())
    return select(found.c.k, found.c.total, found.c.scale, *ct.c).select_from(joined)


def measure_of(measure: str, total: Any, scale: Any) -> Decimal:
    """A window's sum as the Decimal a Python sum of its history rows gives (possibly below
    zero; ZERO for a window that holds nothing)."""
    if total is None:
        return Decimal(0)
    if measure == "spend":
        return spend_of(int(total), int(scale))
    return Decimal(int(total))


def window_sums(
    conn: Connection, store_id: str, measure: str, bounds: Sequence[tuple[str, datetime, datetime]]
) -> dict[str, tuple[int, int]]:
    """Each customer's (total, scale) in their own window, in ONE grouped query; the windows
    are a parameter (unnest() of arrays on PostgreSQL, json_each on SQLite)."""
    rows = []
    for customer_id, starts, ends in bounds:
        piece = split(QualifyingWindow(starts, ends))
        rows.append((customer_id, *piece.first, *piece.last, piece.whole_from, piece.whole_to))
    params: dict[str, Any] = {"store": store_id}
    if conn.dialect.name == "postgresql":
        source = _PG_BOUNDS
        for index, name in enumerate(_BOUND_NAMES):
            params[name] = [row[index] for row in rows]
    else:
        source = _SQLITE_BOUNDS
        params["bounds"] = json.dumps([[r[0], *map(_sqlite_text, r[1:])] for r in rows])
    sql = _WINDOW_SUMS.format(source=source, column=MEASURE_COLUMN[measure], scale=SCALE_SQL)
    return {
        customer_id: (int(total), int(scale))
        for customer_id, total, scale in conn.execute(text(sql), params)
    }


_BOUND_NAMES = ("ids", "a_from", "a_until", "z_from", "z_until", "whole_from", "whole_to")
_PG_BOUNDS = """SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:a_from AS timestamptz[]),
    CAST(:a_until AS timestamptz[]), CAST(:z_from AS timestamptz[]),
    CAST(:z_until AS timestamptz[]), CAST(:whole_from AS date[]), CAST(:whole_to AS date[]))
    AS u(customer_id, a_from, a_until, z_from, z_until, whole_from, whole_to)"""
_SQLITE_BOUNDS = """SELECT json_extract(value, '$[0]') AS customer_id,
    json_extract(value, '$[1]') AS a_from, json_extract(value, '$[2]') AS a_until,
    json_extract(value, '$[3]') AS z_from, json_extract(value, '$[4]') AS z_until,
    json_extract(value, '$[5]') AS whole_from, json_extract(value, '$[6]') AS whole_to
    FROM json_each(:bounds)"""
#: `spend_scale` of a history row `h`, as SQL text
SCALE_SQL = (
    "CASE "
    + " ".join(f"WHEN h.spend_e4 % {step} = 0 THEN {d}" for d, step in enumerate(SCALE_STEPS))
    + f" ELSE {len(SCALE_STEPS)} END"
)
_EDGE = """
    SELECT b.customer_id, h.{{column}} AS v, {{scale}} AS d
    FROM b
    JOIN tier_history AS h ON h.store_id = :store AND h.customer_id = b.customer_id
        AND h.at >= b.{edge}_from AND h.at < b.{edge}_until"""
_WINDOW_SUMS = f"""WITH b AS ({{source}})
SELECT p.customer_id, SUM(p.v) AS total, MAX(p.d) AS scale FROM (
    {_EDGE.format(edge="a")}
    UNION ALL {_EDGE.format(edge="z")}
    UNION ALL
    SELECT b.customer_id, c.{{column}} AS v, c.spend_scale AS d
    FROM b
    JOIN tier_counters AS c ON c.store_id = :store AND c.customer_id = b.customer_id
        AND c.bucket >= b.whole_from AND c.bucket < b.whole_to
) AS p
GROUP BY p.customer_id"""


def _sqlite_text(value: datetime | Any) -> str:
    """A UTC time or a date as SQLAlchemy stores it in SQLite, so text comparison orders it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return str(value.isoformat())
