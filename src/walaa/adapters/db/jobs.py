"""The worker's set-based SQL: ripen and expire lots, and warn before points expire.

A batch is one database transaction over a set of customers the caller has claimed (their rows
locked, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never take the same customer;
every ledger write locks that row first, so nothing else moves their lots meanwhile). Within
it, each customer with something due gets one ledger transaction, written with its postings,
one lot movement per lot, the lots and the cached balances by a handful of INSERT ... SELECT
and UPDATE ... FROM statements: the work is proportional to the lots, but no lot makes a trip
between Python and the database.

PostgreSQL runs a batch as one statement of data-modifying CTEs, with the claimed customers
passed as arrays. SQLite has neither, so it fills a temporary table with the batch and runs the
same steps one statement at a time; BEGIN IMMEDIATE already serialises its writers.

A customer whose idempotency key is already taken (the same job at the same moment, by this
worker or by ``expire_points``) is left alone, which is what makes a rerun a no-op. Time is
always an argument: no statement here reads the database's clock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import TextClause

from walaa.adapters.db.ids import sqlite_ids
from walaa.adapters.db.tables import UtcDateTime
from walaa.domain.expiry import WarningWindow
from walaa.service.ports import BatchOutcome, DueCustomer, TimedKey

#: What an inactivity expiry refers to, in the ledger's `reference`.
INACTIVITY_REFERENCE = "inactivity"

MATURE, EXPIRE, INACTIVE = "mature", "expire", "inactive"

#: What makes a lot due, per job: the predicates of the partial indexes that find them. An
#: inactive customer's every lot is due: they last earned or spent at or before ``cutoff``.
_DUE = {
    MATURE: "l.pending AND l.remaining > 0 AND l.available_at <= :as_of",
    EXPIRE: "l.remaining > 0 AND l.expires_at <= :as_of",
    INACTIVE: """l.remaining > 0 AND l.customer_id IN (
        SELECT c.id FROM customers c
        WHERE c.store_id = :store AND c.last_activity_at <= :cutoff)""",
}

#: The ledger transactions' kind, per job: inactivity is an expiry with its own explanation.
_KIND = {MATURE: "mature", EXPIRE: "expire", INACTIVE: "expire"}

_MOMENTS = ("as_of", "until", "cutoff", "after", "latest")


def _sql(sql: str, **types: Any) -> TextClause:
    """A statement and its parameters' types; moments are bound as UTC on every database."""
    binds = [bindparam(n, type_=UtcDateTime()) for n in _MOMENTS if f":{n}" in sql]
    binds += [bindparam(name, type_=kind) for name, kind in types.items()]
    return text(sql).bindparams(*binds)


def _due_customers(job: str) -> TextClause:
    return _sql(
        f"""SELECT l.customer_id, COUNT(*) FROM lots l WHERE l.store_id = :store AND {_DUE[job]}
            GROUP BY l.customer_id ORDER BY l.customer_id"""
    )


_DUE_CUSTOMERS = {job: _due_customers(job) for job in _DUE}


# -- PostgreSQL: one statement per batch ---------------------------------------------------------

_PG_BATCH = """
    batch AS (
        SELECT * FROM unnest(CAST(:customers AS varchar[]), CAST(:keys AS varchar[]),
                             CAST(:hashes AS varchar[])) AS b (customer_id, key, hash)
    )"""

_PG_TRANSACTIONS = """
    txns AS (
        INSERT INTO ledger_transactions
            (store_id, customer_id, idempotency_key, request_hash, kind, amount, occurred_at,
             reference, details)
        SELECT :store, t.customer_id, b.key, b.hash, :kind, t.total, :as_of,
               :reference, CAST(:details AS json)
        FROM totals t JOIN batch b ON b.customer_id = t.customer_id
        ORDER BY t.customer_id
        ON CONFLICT (store_id, idempotency_key) DO NOTHING
        RETURNING id, customer_id, amount
    )"""

# Repeated on every scan of lots and customers, though the joins imply it: an index condition
# the planner can see, so a batch reads its customers' rows and never the whole store's.
_CLAIMED = "l.customer_id = ANY(CAST(:customers AS varchar[]))"
_CLAIMED_ROWS = "c.id = ANY(CAST(:customers AS varchar[]))"

_PG_TYPES: dict[str, Any] = {
    "customers": ARRAY(String),
    "keys": ARRAY(String),
    "hashes": ARRAY(String),
}


def _pg_expire(job: str) -> TextClause:
    """Expire the claimed customers' due lots: those past their date, or an inactive
    customer's every lot."""
    return _sql(
        f"""
    WITH {_PG_BATCH},
    due AS (
        SELECT l.id, l.customer_id, l.remaining, l.pending FROM lots l
        WHERE l.store_id = :store AND {_CLAIMED} AND {_DUE[job]}
    ),
    totals AS (
        SELECT customer_id, SUM(remaining) AS total,
               SUM(CASE WHEN pending THEN remaining ELSE 0 END) AS from_pending,
               SUM(CASE WHEN pending THEN 0 ELSE remaining END) AS from_available
        FROM due GROUP BY customer_id
    ),
    {_PG_TRANSACTIONS},
    written AS (
        SELECT x.id AS txn_id, t.customer_id, t.total, t.from_pending, t.from_available
        FROM txns x JOIN totals t ON t.customer_id = x.customer_id
    ),
    posted AS (
        INSERT INTO postings (store_id, transaction_id, customer_id, account, amount)
        SELECT :store, txn_id, NULL, 'expired', total FROM written
        UNION ALL
        SELECT :store, txn_id, customer_id, 'pending', -from_pending
        FROM written WHERE from_pending > 0
        UNION ALL
        SELECT :store, txn_id, customer_id, 'available', -from_available
        FROM written WHERE from_available > 0
    ),
    moved AS (
        INSERT INTO lot_movements (store_id, lot_id, transaction_id, delta)
        SELECT :store, d.id, w.txn_id, -d.remaining
        FROM due d JOIN written w ON w.customer_id = d.customer_id
        ORDER BY d.id
        RETURNING 1
    ),
    emptied AS (
        UPDATE lots l SET remaining = 0
        FROM due d JOIN written w ON w.customer_id = d.customer_id
        WHERE l.id = d.id AND l.store_id = :store AND {_CLAIMED} AND {_DUE[job]}
    ),
    balances AS (
        UPDATE customers c
        SET available = c.available - w.from_available, pending = c.pending - w.from_pending
        FROM written w WHERE c.store_id = :store AND c.id = w.customer_id AND {_CLAIMED_ROWS}
    )
    SELECT (SELECT COUNT(*) FROM written), (SELECT COUNT(*) FROM moved),
           (SELECT COALESCE(SUM(total), 0) FROM written)
    """,
        **_PG_TYPES,
    )


_PG_EXPIRES = {job: _pg_expire(job) for job in (EXPIRE, INACTIVE)}

# Matured points repay a debt first, oldest ripe lot first (ledger.mature): a lot gives what the
# debt still lacks after the lots before it, and never more than it holds.
_PG_MATURE = _sql(
    f"""
    WITH {_PG_BATCH},
    ripe AS (
        SELECT l.id, l.customer_id, l.remaining FROM lots l
        WHERE l.store_id = :store AND {_CLAIMED} AND {_DUE[MATURE]}
    ),
    totals AS (SELECT customer_id, SUM(remaining) AS total FROM ripe GROUP BY customer_id),
    {_PG_TRANSACTIONS},
    posted AS (
        INSERT INTO postings (store_id, transaction_id, customer_id, account, amount)
        SELECT :store, id, customer_id, 'pending', -amount FROM txns
        UNION ALL
        SELECT :store, id, customer_id, 'available', amount FROM txns
    ),
    repaid AS (
        SELECT r.id, x.id AS txn_id,
               LEAST(r.remaining, GREATEST(0, GREATEST(0, -c.available) - COALESCE(
                   SUM(r.remaining) OVER (PARTITION BY r.customer_id ORDER BY r.id
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                   0))) AS take
        FROM ripe r JOIN txns x ON x.customer_id = r.customer_id
        JOIN customers c ON c.store_id = :store AND c.id = r.customer_id AND {_CLAIMED_ROWS}
    ),
    moved AS (
        INSERT INTO lot_movements (store_id, lot_id, transaction_id, delta)
        SELECT :store, id, txn_id, -take FROM repaid WHERE take > 0 ORDER BY id
    ),
    ripened AS (
        UPDATE lots l SET pending = false, remaining = l.remaining - r.take
        FROM repaid r
        WHERE l.id = r.id AND l.store_id = :store AND {_CLAIMED} AND {_DUE[MATURE]}
    ),
    balances AS (
        UPDATE customers c
        SET pending = c.pending - x.amount, available = c.available + x.amount
        FROM txns x WHERE c.store_id = :store AND c.id = x.customer_id AND {_CLAIMED_ROWS}
    )
    SELECT (SELECT COUNT(*) FROM txns), (SELECT COUNT(*) FROM repaid),
           (SELECT COALESCE(SUM(amount), 0) FROM txns)
    """,
    **_PG_TYPES,
)

_PG_CLAIM = text(
    """SELECT id FROM customers WHERE store_id = :store AND id = ANY(CAST(:customers AS varchar[]))
       ORDER BY id FOR UPDATE SKIP LOCKED"""
).bindparams(bindparam("customers", type_=ARRAY(String)))

_PG_CLAIM_JOB = text("SELECT pg_try_advisory_xact_lock(:lock)")

_PG_WARN = _sql(
    r"""
    WITH due AS (
        SELECT l.customer_id, to_char(l.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS expires_on,
               SUM(l.remaining) AS points, MIN(l.expires_at) AS first_at
        FROM lots l
        WHERE l.store_id = :store AND l.remaining > 0
          AND l.expires_at > :as_of AND l.expires_at <= :until
        GROUP BY l.customer_id, expires_on
    ),
    fresh AS (
        INSERT INTO notices (store_id, customer_id, kind, key, payload, created_at)
        SELECT :store, d.customer_id, 'points_expiring',
               'expiring\:' || d.customer_id || '\:' || d.expires_on,
               json_build_object(
                   'points', d.points, 'expires_on', d.expires_on,
                   'expires_at', to_char(d.first_at AT TIME ZONE 'UTC',
                                         'YYYY-MM-DD"T"HH24\:MI\:SS"Z"')),
               :as_of
        FROM due d
        WHERE NOT EXISTS (
            SELECT 1 FROM notices n
            WHERE n.store_id = :store
              AND n.key = 'expiring\:' || d.customer_id || '\:' || d.expires_on)
        ORDER BY d.customer_id, d.expires_on
        ON CONFLICT (store_id, key) DO NOTHING
        RETURNING 1
    )
    SELECT COUNT(*) FROM fresh
    """,
)


# -- SQLite: the same steps, one statement at a time over a temporary table -------------------

_SQLITE_BATCH_TABLE = text(
    """CREATE TEMP TABLE IF NOT EXISTS walaa_job_batch (
           customer_id TEXT PRIMARY KEY, key TEXT NOT NULL, hash TEXT NOT NULL, txn_id INTEGER)"""
)
_SQLITE_CLEAR = text("DELETE FROM walaa_job_batch")
_SQLITE_FILL = text(
    "INSERT INTO walaa_job_batch (customer_id, key, hash) VALUES (:customer, :key, :hash)"
)

#: The claimed customers' due lots, in every step below: {lots} WHERE {due}.
_SQLITE_LOTS = """walaa_job_batch b
    JOIN lots l ON l.store_id = :store AND l.customer_id = b.customer_id"""

_SQLITE_START = (
    # a key already taken: this job already ran for the customer at this moment
    """DELETE FROM walaa_job_batch WHERE EXISTS (
           SELECT 1 FROM ledger_transactions x
           WHERE x.store_id = :store AND x.idempotency_key = walaa_job_batch.key)""",
    """INSERT INTO ledger_transactions
           (rowid, id, store_id, customer_id, idempotency_key, request_hash, kind, amount,
            occurred_at, reference, details)
       SELECT """
    + sqlite_ids("ledger_transactions", "b.customer_id")
    + """, :store, b.customer_id, b.key, b.hash,
              :kind, SUM(l.remaining), :as_of, :reference, :details
       FROM {lots} WHERE {due}
       GROUP BY b.customer_id, b.key, b.hash ORDER BY b.customer_id""",
    """UPDATE walaa_job_batch SET txn_id = (
           SELECT x.id FROM ledger_transactions x
           WHERE x.store_id = :store AND x.idempotency_key = walaa_job_batch.key)""",
    "DELETE FROM walaa_job_batch WHERE txn_id IS NULL",
)

_SQLITE_EXPIRE_POSTINGS = (
    """INSERT INTO postings (rowid, id, store_id, transaction_id, customer_id, account, amount)
       SELECT """
    + sqlite_ids("postings", "x.id")
    + """, :store, x.id, NULL, 'expired', x.amount
       FROM walaa_job_batch b
       JOIN ledger_transactions x ON x.store_id = :store AND x.id = b.txn_id""",
    """INSERT INTO postings (rowid, id, store_id, transaction_id, customer_id, account, amount)
       SELECT """
    + sqlite_ids("postings", "b.txn_id, l.pending")
    + """, :store, b.txn_id, b.customer_id,
              CASE WHEN l.pending THEN 'pending' ELSE 'available' END, -SUM(l.remaining)
       FROM {lots} WHERE {due} GROUP BY b.txn_id, b.customer_id, l.pending""",
    """INSERT INTO lot_movements (rowid, id, store_id, lot_id, transaction_id, delta)
       SELECT """
    + sqlite_ids("lot_movements", "l.id")
    + """, :store, l.id, b.txn_id, -l.remaining
       FROM {lots} WHERE {due} ORDER BY l.id""",
    """UPDATE customers
       SET available = available - s.from_available, pending = pending - s.from_pending
       FROM (SELECT b.customer_id,
                    SUM(CASE WHEN l.pending THEN 0 ELSE l.remaining END) AS from_available,
                    SUM(CASE WHEN l.pending THEN l.remaining ELSE 0 END) AS from_pending
             FROM {lots} WHERE {due} GROUP BY b.customer_id) AS s
       WHERE customers.store_id = :store AND customers.id = s.customer_id""",
)
_SQLITE_EXPIRE_LOTS = """
    UPDATE lots AS l SET remaining = 0
    WHERE l.store_id = :store AND {due}
      AND l.customer_id IN (SELECT customer_id FROM walaa_job_batch)"""

_SQLITE_MATURE_POSTINGS = (
    """INSERT INTO postings (rowid, id, store_id, transaction_id, customer_id, account, amount)
       SELECT """
    + sqlite_ids("postings", "x.id")
    + """, :store, x.id, x.customer_id, 'pending', -x.amount
       FROM walaa_job_batch b
       JOIN ledger_transactions x ON x.store_id = :store AND x.id = b.txn_id""",
    """INSERT INTO postings (rowid, id, store_id, transaction_id, customer_id, account, amount)
       SELECT """
    + sqlite_ids("postings", "x.id")
    + """, :store, x.id, x.customer_id, 'available', x.amount
       FROM walaa_job_batch b
       JOIN ledger_transactions x ON x.store_id = :store AND x.id = b.txn_id""",
    # the debt repayment of _PG_MATURE, from the balances before the last step moves them
    """INSERT INTO lot_movements (rowid, id, store_id, lot_id, transaction_id, delta)
       SELECT """
    + sqlite_ids("lot_movements", "id")
    + """, :store, id, txn_id, -take FROM (
           SELECT l.id, b.txn_id,
                  MIN(l.remaining, MAX(0, MAX(0, -c.available) - COALESCE(
                      SUM(l.remaining) OVER (PARTITION BY l.customer_id ORDER BY l.id
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                      0))) AS take
           FROM {lots} JOIN customers c ON c.store_id = :store AND c.id = b.customer_id
           WHERE {due})
       WHERE take > 0 ORDER BY id""",
)
_SQLITE_MATURE_LOTS = """
    UPDATE lots AS l
    SET pending = 0, remaining = l.remaining + COALESCE((
        SELECT SUM(m.delta)
        FROM lot_movements m JOIN walaa_job_batch b ON b.txn_id = m.transaction_id
        WHERE m.store_id = :store AND m.lot_id = l.id), 0)
    WHERE l.store_id = :store AND {due}
      AND l.customer_id IN (SELECT customer_id FROM walaa_job_batch)"""
_SQLITE_MATURE_BALANCES = """
    UPDATE customers SET pending = pending - x.amount, available = available + x.amount
    FROM walaa_job_batch b JOIN ledger_transactions x ON x.id = b.txn_id
    WHERE customers.store_id = :store AND customers.id = b.customer_id"""


def _sqlite(job: str, *steps: str) -> tuple[TextClause, ...]:
    return tuple(_sql(step.format(lots=_SQLITE_LOTS, due=_DUE[job])) for step in steps)


#: Per job: the steps before the lots change, the UPDATE of the lots (its row count is the
#: number of lots the batch moved), and the steps after it.
_SQLITE_STEPS = {
    EXPIRE: (
        _sqlite(EXPIRE, *_SQLITE_START, *_SQLITE_EXPIRE_POSTINGS),
        _sqlite(EXPIRE, _SQLITE_EXPIRE_LOTS)[0],
        (),
    ),
    INACTIVE: (
        _sqlite(INACTIVE, *_SQLITE_START, *_SQLITE_EXPIRE_POSTINGS),
        _sqlite(INACTIVE, _SQLITE_EXPIRE_LOTS)[0],
        (),
    ),
    MATURE: (
        _sqlite(MATURE, *_SQLITE_START, *_SQLITE_MATURE_POSTINGS),
        _sqlite(MATURE, _SQLITE_MATURE_LOTS)[0],
        _sqlite(MATURE, _SQLITE_MATURE_BALANCES),
    ),
}

_SQLITE_OUTCOME = text(
    """SELECT COUNT(*), COALESCE(SUM(x.amount), 0)
       FROM walaa_job_batch b JOIN ledger_transactions x ON x.id = b.txn_id"""
)

_SQLITE_WARN = _sql(
    """
    INSERT INTO notices (rowid, id, store_id, customer_id, kind, key, payload, created_at)
    SELECT """
    + sqlite_ids("notices", "d.customer_id, d.expires_on")
    + """, :store, d.customer_id, 'points_expiring',
           'expiring:' || d.customer_id || ':' || d.expires_on,
           json_object('points', d.points, 'expires_on', d.expires_on,
                       'expires_at', strftime('%Y-%m-%dT%H:%M:%SZ', d.first_at)),
           :as_of
    FROM (
        SELECT l.customer_id, date(l.expires_at) AS expires_on, SUM(l.remaining) AS points,
               MIN(l.expires_at) AS first_at
        FROM lots l
        WHERE l.store_id = :store AND l.remaining > 0
          AND l.expires_at > :as_of AND l.expires_at <= :until
        GROUP BY l.customer_id, date(l.expires_at)
    ) AS d
    WHERE NOT EXISTS (
        SELECT 1 FROM notices n
        WHERE n.store_id = :store AND n.key = 'expiring:' || d.customer_id || ':' || d.expires_on)
    ORDER BY d.customer_id, d.expires_on
    ON CONFLICT (store_id, key) DO NOTHING
    RETURNING id
    """,
)


# -- warnings before inactivity takes a customer's points ------------------------------------
# The key names the customer, the deadline's date and the warning: each is recorded once, and
# an activity that moves the deadline makes the next warning a new one.

_INACTIVE_WHERE = """
    FROM customers c
    WHERE c.store_id = :store AND c.closed_at IS NULL AND c.available + c.pending > 0
      AND c.last_activity_at > :after AND c.last_activity_at <= :latest"""

_PG_WARN_INACTIVE = _sql(
    rf"""
    WITH due AS (
        SELECT c.id AS customer_id, c.available + c.pending AS points,
               (c.last_activity_at + CAST(:days AS integer) * interval '1 day')
                   AT TIME ZONE 'UTC' AS deadline
        {_INACTIVE_WHERE}
    )
    INSERT INTO notices (store_id, customer_id, kind, key, payload, created_at)
    SELECT :store, d.customer_id, 'points_inactive',
           'inactive\:' || d.customer_id || '\:' || to_char(d.deadline, 'YYYY-MM-DD')
               || '\:' || CAST(:before AS integer),
           json_build_object(
               'points', d.points, 'days_before', CAST(:before AS integer),
               'inactive_days', CAST(:days AS integer),
               'expires_on', to_char(d.deadline, 'YYYY-MM-DD'),
               'expires_at', to_char(d.deadline, 'YYYY-MM-DD"T"HH24\:MI\:SS"Z"')),
           :as_of
    FROM due d ORDER BY d.customer_id
    ON CONFLICT (store_id, key) DO NOTHING
    RETURNING 1
    """
)

_SQLITE_WARN_INACTIVE = _sql(
    f"""
    INSERT INTO notices (rowid, id, store_id, customer_id, kind, key, payload, created_at)
    SELECT {sqlite_ids("notices", "d.customer_id")}, :store, d.customer_id, 'points_inactive',
           'inactive:' || d.customer_id || ':' || date(d.deadline) || ':' || :before,
           json_object('points', d.points, 'days_before', :before, 'inactive_days', :days,
                       'expires_on', date(d.deadline),
                       'expires_at', strftime('%Y-%m-%dT%H:%M:%SZ', d.deadline)),
           :as_of
    FROM (
        SELECT c.id AS customer_id, c.available + c.pending AS points,
               datetime(c.last_activity_at, '+' || :days || ' days') AS deadline
        {_INACTIVE_WHERE}
    ) AS d
    WHERE true
    ORDER BY d.customer_id
    ON CONFLICT (store_id, key) DO NOTHING
    RETURNING id
    """
)


def advisory_lock_id(*parts: str) -> int:
    """A stable signed 64-bit id for ``pg_try_advisory_xact_lock``."""
    digest = hashlib.sha256(":".join(("walaa", *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SqlScheduledJobs:
    """One database transaction of the worker: ``with jobs: ...; jobs.commit()``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the worker's transaction is used outside its `with` block")
        return self._conn

    @property
    def _postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def __enter__(self) -> SqlScheduledJobs:
        self._conn = self.engine.connect()
        self._tx = self._conn.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx is not None and self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()
            self._conn = self._tx = None

    def commit(self) -> None:
        assert self._tx is not None
        self._tx.commit()

    # -- finding and claiming work -------------------------------------------------------------

    def due_customers(
        self, store_id: str, job: str, as_of: datetime, *, cutoff: datetime | None = None
    ) -> list[DueCustomer]:
        params = {"store": store_id, "as_of": as_of, "cutoff": cutoff}
        rows = self.conn.execute(_DUE_CUSTOMERS[job], params)
        return [DueCustomer(customer_id, int(lots)) for customer_id, lots in rows]

    def claim_customers(self, store_id: str, customer_ids: Sequence[str]) -> list[str]:
        if not self._postgres:
            return list(customer_ids)  # BEGIN IMMEDIATE: this transaction is the only writer
        rows = self.conn.execute(_PG_CLAIM, {"store": store_id, "customers": list(customer_ids)})
        return list(rows.scalars())

    def claim_job(self, store_id: str, job: str) -> bool:
        if not self._postgres:
            return True
        lock = advisory_lock_id(job, store_id)
        return bool(self.conn.execute(_PG_CLAIM_JOB, {"lock": lock}).scalar_one())

    # -- the jobs ------------------------------------------------------------------------------

    def mature(self, store_id: str, keys: Sequence[TimedKey], as_of: datetime) -> BatchOutcome:
        return self._batch(MATURE, store_id, keys, {"as_of": as_of})

    def expire(self, store_id: str, keys: Sequence[TimedKey], as_of: datetime) -> BatchOutcome:
        return self._batch(EXPIRE, store_id, keys, {"as_of": as_of})

    def expire_inactive(
        self, store_id: str, keys: Sequence[TimedKey], as_of: datetime, inactive_days: int
    ) -> BatchOutcome:
        why = {"refers_to": {"inactive_days": str(inactive_days)}}
        params = {
            "as_of": as_of,
            "cutoff": as_of - timedelta(days=inactive_days),
            "reference": INACTIVITY_REFERENCE,
            "details": json.dumps(why),
        }
        return self._batch(INACTIVE, store_id, keys, params)

    def _batch(
        self, job: str, store_id: str, keys: Sequence[TimedKey], params: dict[str, Any]
    ) -> BatchOutcome:
        if not keys:
            return BatchOutcome()
        values = {"store": store_id, "kind": _KIND[job], "reference": None, "details": None}
        values.update(params)
        if self._postgres:
            return self._pg_batch(job, keys, values)
        return self._sqlite_batch(job, keys, values)

    def _pg_batch(self, job: str, keys: Sequence[TimedKey], params: dict[str, Any]) -> BatchOutcome:
        stmt = _PG_MATURE if job == MATURE else _PG_EXPIRES[job]
        params = {
            **params,
            "customers": [k.customer_id for k in keys],
            "keys": [k.idempotency_key for k in keys],
            "hashes": [k.request_hash for k in keys],
        }
        transactions, lots, points = self.conn.execute(stmt, params).one()
        return BatchOutcome(int(transactions), int(lots), int(points))

    def _sqlite_batch(
        self, job: str, keys: Sequence[TimedKey], params: dict[str, Any]
    ) -> BatchOutcome:
        conn = self.conn
        conn.execute(_SQLITE_BATCH_TABLE)
        conn.execute(_SQLITE_CLEAR)
        conn.execute(
            _SQLITE_FILL,
            [
                {"customer": k.customer_id, "key": k.idempotency_key, "hash": k.request_hash}
                for k in keys
            ],
        )
        before, move_lots, after = _SQLITE_STEPS[job]
        for step in before:
            conn.execute(step, params)
        lots = conn.execute(move_lots, params).rowcount
        for step in after:
            conn.execute(step, params)
        transactions, points = conn.execute(_SQLITE_OUTCOME).one()
        return BatchOutcome(int(transactions), int(lots), int(points))

    # -- warnings ------------------------------------------------------------------------------

    def warn_expiring(self, store_id: str, as_of: datetime, until: datetime) -> int:
        params = {"store": store_id, "as_of": as_of, "until": until}
        if self._postgres:
            return int(self.conn.execute(_PG_WARN, params).scalar_one())
        return len(self.conn.execute(_SQLITE_WARN, params).all())

    def warn_inactive(
        self, store_id: str, as_of: datetime, windows: Sequence[WarningWindow], inactive_days: int
    ) -> int:
        """One notice per customer, deadline and warning, for customers with points whose
        last activity puts them in a warning's window; returns how many were new."""
        stmt = _PG_WARN_INACTIVE if self._postgres else _SQLITE_WARN_INACTIVE
        recorded = 0
        for window in windows:
            params = {
                "store": store_id,
                "as_of": as_of,
                "after": window.after,
                "latest": window.latest,
                "days": inactive_days,
                "before": window.days_before,
            }
            recorded += len(self.conn.execute(stmt, params).all())
        return recorded
