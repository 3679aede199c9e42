#!/usr/bin/env python
"""Expiring 1,000,000 lots on PostgreSQL: the worker against one raw UPDATE, in one run.

    python bench/expiry.py [--lots 1000000] [--customers N] [--batch 10000]
                           [--url postgresql://postgres@127.0.0.1:5432/test]
    python bench/expiry.py --lots 100000        # the quick mode: about a tenth of the time

In a throwaway schema (created, migrated and dropped here) it builds two identical stores with
set-based SQL (generate_series): --customers customers (default: one per 10 lots), --lots earn
transactions with their postings and lots, all past their expiry; one spend per customer that
took half of its oldest lot (a lot movement, so the lots are partly spent); one newer lot per
customer that expires in 30 days; and the customers' cached balances. `walaa audit` must pass
on the first store before anything is timed.

Then, each after a CHECKPOINT and VACUUM ANALYZE off the clock:

* raw SQL -- one `UPDATE lots SET remaining = 0 WHERE <store> AND remaining > 0 AND expires_at
             <= as_of` on the second store, and COMMIT: only the lots change, the books do not
             balance afterwards; it is the floor, the least any expiry has to write;
* worker  -- the worker's expiry job on the first store (`run_timed(..., "expire", ...)`, what
             `walaa worker` runs): it lists the due customers, and per batch of --batch lots
             claims them (FOR UPDATE SKIP LOCKED) and writes, in one statement, one expire
             transaction per customer, its postings, one lot movement per lot, the lots and
             the cached balances; one commit per batch.

It prints both times, lots per second and the ratio worker / raw UPDATE, then checks the first
store's books again with `walaa audit` and that exactly the due lots were expired, once each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_throughput import (  # bench/ is not a package
    DEFAULT_URL,
    environment,
    libpq_url,
    throwaway_schema,
)
from walaa.adapters.db.audit import audit_store
from walaa.bootstrap import App, SystemClock
from walaa.service.handlers.jobs import EXPIRE, JobReport, Worker, WorkerSettings, run_timed
from walaa.service.handlers.stores import create_store

AS_OF = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
EARNED = AS_OF - timedelta(days=400)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lots", type=int, default=1_000_000, help="due lots per store")
    parser.add_argument("--customers", type=int, help="customers (default: lots / 10)")
    parser.add_argument("--batch", type=int, default=10_000, help="due lots per worker batch")
    parser.add_argument(
        "--url",
        default=os.environ.get("WALAA_BENCH_POSTGRES_URL")
        or os.environ.get("WALAA_TEST_POSTGRES_URL")
        or DEFAULT_URL,
        help="PostgreSQL server (default: $WALAA_BENCH_POSTGRES_URL, $WALAA_TEST_POSTGRES_URL, "
        f"{DEFAULT_URL})",
    )
    args = parser.parse_args(argv)
    args.customers = args.customers or max(1, args.lots // 10)
    if min(args.lots, args.customers, args.batch) < 1 or args.customers > args.lots:
        parser.error("--lots, --customers and --batch must be at least 1, customers <= lots")
    return args


# -- the books, built set-based ------------------------------------------------------------------

# %(store)s etc. are psycopg parameters; every row is a function of its number alone, so the
# two stores get identical rows (bar ids and the store).
CUSTOMER = "'c' || lpad(mod({n}, %(customers)s)::text, 7, '0')"
POINTS = "(10 + mod({n}::bigint * 7919, 491))"

BUILD = (
    # customers, balances filled in at the end
    """INSERT INTO customers (store_id, id, available, pending, held, created_at)
       SELECT %(store)s, 'c' || lpad(k::text, 7, '0'), 0, 0, 0, %(earned)s
       FROM generate_series(0, %(customers)s - 1) k""",
    # one earn per due lot, then one per customer for its newer lot
    f"""INSERT INTO ledger_transactions
           (store_id, customer_id, idempotency_key, request_hash, kind, amount, occurred_at)
       SELECT %(store)s, {CUSTOMER.format(n="g")}, 'bench:earn:' || g,
              md5(g::text) || md5(g::text), 'earn', {POINTS.format(n="g")},
              %(earned)s + g * interval '1 millisecond'
       FROM generate_series(0, %(lots)s + %(customers)s - 1) g ORDER BY g""",
    """INSERT INTO postings (store_id, transaction_id, customer_id, account, amount)
       SELECT %(store)s, id, NULL, 'issued', -amount FROM ledger_transactions
       WHERE store_id = %(store)s AND kind = 'earn'
       UNION ALL
       SELECT %(store)s, id, customer_id, 'available', amount FROM ledger_transactions
       WHERE store_id = %(store)s AND kind = 'earn'""",
    # due lots expired up to a day before as_of; the newer ones expire 30 days after it
    """INSERT INTO lots (store_id, customer_id, transaction_id, amount, remaining, pending,
                         available_at, expires_at)
       SELECT %(store)s, customer_id, id, amount, amount, false, NULL,
              CASE WHEN n < %(lots)s THEN %(as_of)s - (1 + mod(n, 1440)) * interval '1 minute'
                   ELSE %(as_of)s + interval '30 days' END
       FROM (SELECT id, customer_id, amount, split_part(idempotency_key, ':', 3)::int AS n
             FROM ledger_transactions WHERE store_id = %(store)s AND kind = 'earn') x
       ORDER BY n""",
    # each customer spent half of its oldest lot (earn number k)
    f"""INSERT INTO ledger_transactions
           (store_id, customer_id, idempotency_key, request_hash, kind, amount, occurred_at)
       SELECT %(store)s, 'c' || lpad(k::text, 7, '0'), 'bench:spend:' || k,
              md5(k::text) || md5(k::text), 'spend', {POINTS.format(n="k")} / 2,
              %(earned)s + interval '1 day'
       FROM generate_series(0, %(customers)s - 1) k ORDER BY k""",
    """INSERT INTO postings (store_id, transaction_id, customer_id, account, amount)
       SELECT %(store)s, id, customer_id, 'available', -amount FROM ledger_transactions
       WHERE store_id = %(store)s AND kind = 'spend'
       UNION ALL
       SELECT %(store)s, id, NULL, 'redeemed', amount FROM ledger_transactions
       WHERE store_id = %(store)s AND kind = 'spend'""",
    """INSERT INTO lot_movements (store_id, lot_id, transaction_id, delta)
       SELECT %(store)s, l.id, s.id, -s.amount
       FROM ledger_transactions s
       JOIN ledger_transactions e ON e.store_id = s.store_id
            AND e.idempotency_key = 'bench:earn:' || split_part(s.idempotency_key, ':', 3)
       JOIN lots l ON l.store_id = e.store_id AND l.transaction_id = e.id
       WHERE s.store_id = %(store)s AND s.kind = 'spend'""",
    """UPDATE lots l SET remaining = l.remaining + m.delta
       FROM lot_movements m WHERE m.store_id = %(store)s AND l.id = m.lot_id""",
    # statistics first: unanalysed, the planner may sum the postings once per customer
    "ANALYZE customers, postings",
    """UPDATE customers c SET available = b.available
       FROM (SELECT customer_id, SUM(amount) AS available FROM postings
             WHERE store_id = %(store)s AND account = 'available' GROUP BY customer_id) b
       WHERE c.store_id = %(store)s AND c.id = b.customer_id""",
)

TABLES = ("customers", "ledger_transactions", "postings", "lots", "lot_movements")

DUE = "store_id = %(store)s AND remaining > 0 AND expires_at <= %(as_of)s"


def build(conn: psycopg.Connection[Any], store_id: str, args: argparse.Namespace) -> None:
    params = {
        "store": store_id,
        "lots": args.lots,
        "customers": args.customers,
        "earned": EARNED,
        "as_of": AS_OF,
    }
    with conn.transaction():
        for statement in BUILD:
            # one type for a parameter used as a value and in comparisons
            conn.execute(statement.replace("%(store)s", "CAST(%(store)s AS varchar)"), params)


def settle(conn: psycopg.Connection[Any]) -> None:
    """Off the clock before each timed path: dirty pages flushed, fresh statistics."""
    conn.execute("CHECKPOINT")
    conn.execute(f"VACUUM ANALYZE {', '.join(TABLES)}")


def due_lots(conn: psycopg.Connection[Any], store_id: str) -> tuple[int, int, int]:
    """(due lots, their remaining points, customers with due lots)."""
    row = conn.execute(
        f"SELECT COUNT(*), COALESCE(SUM(remaining), 0), COUNT(DISTINCT customer_id) "
        f"FROM lots WHERE {DUE}",
        {"store": store_id, "as_of": AS_OF},
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def expired_once(conn: psycopg.Connection[Any], store_id: str) -> tuple[int, int, int, int]:
    """(lots with an expire movement, lots with more than one, expire transactions, points)."""
    row = conn.execute(
        """SELECT COUNT(*), COUNT(*) FILTER (WHERE n > 1) FROM (
               SELECT m.lot_id, COUNT(*) AS n FROM lot_movements m
               JOIN ledger_transactions x ON x.id = m.transaction_id
               WHERE m.store_id = %(store)s AND x.kind = 'expire' GROUP BY m.lot_id) per_lot""",
        {"store": store_id},
    ).fetchone()
    txns = conn.execute(
        """SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM ledger_transactions
           WHERE store_id = %(store)s AND kind = 'expire'""",
        {"store": store_id},
    ).fetchone()
    assert row is not None and txns is not None
    return int(row[0]), int(row[1]), int(txns[0]), int(txns[1])


def raw_update(conn: psycopg.Connection[Any], store_id: str) -> tuple[float, int]:
    started = time.perf_counter()
    with conn.transaction():
        cur = conn.execute(
            f"UPDATE lots SET remaining = 0 WHERE {DUE}", {"store": store_id, "as_of": AS_OF}
        )
    return time.perf_counter() - started, cur.rowcount


def worker_expiry(app: App, store_id: str, batch: int) -> tuple[float, JobReport]:
    worker = Worker(app.uow, app.jobs, app.idempotency, WorkerSettings(batch_lots=batch))
    job = JobReport(EXPIRE)
    started = time.perf_counter()
    run_timed(worker, store_id, EXPIRE, AS_OF, job)
    return time.perf_counter() - started, job


def audit_line(app: App, store_id: str) -> tuple[bool, str]:
    started = time.perf_counter()
    with app.engine.connect() as conn:
        report = audit_store(conn, store_id)
    failed = [check.name for check in report.checks if not check.ok]
    verdict = "ok" if report.ok else "FAILED: " + ", ".join(failed)
    totals = ", ".join(f"{account} {amount:,}" for account, amount in report.totals.items())
    return report.ok, f"{verdict} ({time.perf_counter() - started:.1f} s; {totals})"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with throwaway_schema(args.url) as (engine, schema):
        app = App(engine)
        worker_store = create_store(app.uow(), SystemClock(), "Worker store", "USD", "UTC").id
        raw_store = create_store(app.uow(), SystemClock(), "Raw UPDATE store", "USD", "UTC").id
        print("\n".join(environment(engine)))
        print(
            f"workload    {args.lots:,} due lots of {args.customers:,} customers per store, "
            f"each customer's oldest lot half spent, plus one newer lot per customer; two "
            f"identical stores; worker batches of {args.batch:,} lots; schema {schema}",
            flush=True,
        )
        with psycopg.connect(libpq_url(args.url), options=f"-csearch_path={schema}") as conn:
            conn.autocommit = True
            built = time.perf_counter()
            for store_id in (worker_store, raw_store):
                build(conn, store_id, args)
            settle(conn)
            print(f"built both stores in {time.perf_counter() - built:.1f} s", flush=True)
            due = due_lots(conn, worker_store)
            assert due == due_lots(conn, raw_store), "the two stores differ"
            assert due[0] == args.lots and due[2] == args.customers, due
            ok, line = audit_line(app, worker_store)
            print(f"audit before: {line}", flush=True)
            if not ok:
                return 1

            settle(conn)
            raw_seconds, raw_rows = raw_update(conn, raw_store)
            print(f"raw UPDATE done: {raw_rows:,} rows in {raw_seconds:.2f} s", flush=True)
            settle(conn)
            worker_seconds, job = worker_expiry(app, worker_store, args.batch)
            print(f"worker expiry done: {job.lots:,} lots in {worker_seconds:.2f} s", flush=True)

            left = due_lots(conn, worker_store)[0], due_lots(conn, raw_store)[0]
            lots, twice, txns, points = expired_once(conn, worker_store)
        ok, after = audit_line(app, worker_store)
    checks = [
        ("raw UPDATE emptied every due lot", raw_rows == due[0] and left[1] == 0),
        ("worker expired every due lot", job.lots == lots == due[0] and left[0] == 0),
        ("no lot expired twice", twice == 0),
        ("one expire transaction per customer", txns == job.done == due[2]),
        ("expired points are what the lots held", points == job.points == due[1]),
        ("audit after the worker", ok),
    ]
    width = 58
    print()
    print(f"{'path':<{width}}  {'seconds':>8}  {'lots/s':>10}")
    print(
        f"{'raw SQL: one UPDATE lots SET remaining = 0, one commit':<{width}}  "
        f"{raw_seconds:>8.2f}  {raw_rows / raw_seconds:>10,.0f}"
    )
    label = f"worker: expiry job, {job.batches:,} batches (1 commit each)"
    print(f"{label:<{width}}  {worker_seconds:>8.2f}  {job.lots / worker_seconds:>10,.0f}")
    print()
    print(f"ratio worker / raw UPDATE: {worker_seconds / raw_seconds:.2f}x the time")
    print(
        f"the worker also wrote {job.done:,} expire transactions, {job.done * 2:,} postings "
        f"and {job.lots:,} lot movements and updated {job.done:,} cached balances; the raw "
        "UPDATE leaves its store's books unbalanced"
    )
    print(f"audit after the worker: {after}")
    for name, passed in checks:
        print(f"  {'ok    ' if passed else 'FAILED'} {name}")
    print(f"{time.perf_counter() - started:.0f} s in all, schema dropped")
    return 0 if all(passed for _name, passed in checks) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; the benchmark's schema was dropped", file=sys.stderr)
        sys.exit(130)
