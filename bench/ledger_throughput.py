#!/usr/bin/env python
"""Ledger write throughput on PostgreSQL: the service layer against raw SQL, in one run.

    python bench/ledger_throughput.py [--n 5000] [--customers 500] [--rounds 5] [--batch 1000]
                                      [--url postgresql://postgres@127.0.0.1:5432/test]

Four ways to write the same N earn transactions, each as one `ledger_transactions` row, two
postings (issued -p, the customer's available +p), one lot, and the customer's cached balance:

* service  -- `earn()` through a unit of work per transaction, exactly as the API will call it;
* raw SQL  -- pgbench-style: BEGIN, four prepared statements (UPDATE the balance row, INSERT the
              transaction, its postings, its lot), COMMIT; psycopg 3, no SQLAlchemy;
* bulk     -- `earn_many()`: --batch earns per database transaction through the service layer;
* COPY     -- the same rows per --batch by `COPY ... FROM STDIN`, ids reserved from the
              sequence, and one set-based UPDATE of the balances.

All four write into the same tables of one throwaway schema (created, migrated and dropped
here), to the same customers, so every path pays for the same indexes and table sizes; `walaa
audit` must pass at the end, which shows the raw paths wrote books as correct as the service's.
The machine may be shared and noisy, so each path's N earns are split in rounds, each pair
(service and raw SQL, bulk and COPY) runs back to back, in an order that alternates from round
to round, and a ratio is the median of each round's own ratio. Like pgbench, the tables are
vacuumed and analysed before every round, outside the clock: without statistics PostgreSQL
may plan the idempotency-key lookup on the wrong index (and autovacuum may be off).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from walaa.adapters.db.audit import StoreAudit, audit_store
from walaa.adapters.db.engine import make_engine
from walaa.adapters.db.migrate import upgrade
from walaa.bootstrap import App, SystemClock
from walaa.service.commands import Earn
from walaa.service.handlers.ledger import earn, earn_many, request_hash
from walaa.service.handlers.stores import create_store

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def default_url() -> str:
    """The PostgreSQL server a benchmark uses when not given --url."""
    return (
        os.environ.get("WALAA_BENCH_POSTGRES_URL")
        or os.environ.get("WALAA_TEST_POSTGRES_URL")
        or DEFAULT_URL
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="earns per path, over all rounds")
    parser.add_argument(
        "--customers", type=int, default=500, help="customers the earns spread over"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds the earns are split in")
    parser.add_argument("--batch", type=int, default=1000, help="earns per bulk/COPY transaction")
    parser.add_argument(
        "--url",
        default=os.environ.get("WALAA_BENCH_POSTGRES_URL")
        or os.environ.get("WALAA_TEST_POSTGRES_URL")
        or DEFAULT_URL,
        help="PostgreSQL server (default: $WALAA_BENCH_POSTGRES_URL, $WALAA_TEST_POSTGRES_URL, "
        f"{DEFAULT_URL})",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if min(args.n, args.customers, args.rounds, args.batch) < 1:
        parser.error("--n, --customers, --rounds and --batch must be at least 1")
    if args.n < args.rounds:
        parser.error("--n must be at least --rounds")
    return args


# -- the schema ----------------------------------------------------------------------------------


@contextmanager
def throwaway_schema(url: str) -> Iterator[tuple[Engine, str]]:
    """A fresh, migrated schema of our own, dropped at the end whatever happens."""
    schema = f"walaa_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine, schema
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def libpq_url(url: str) -> str:
    """The same server as a URL libpq understands (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


VACUUMED = ("customers", "ledger_transactions", "postings", "lots", "lot_movements")


def vacuum_analyze(conn: psycopg.Connection[Any]) -> None:
    """What pgbench does before a run: fresh statistics and visibility maps, off the clock."""
    conn.execute(f"VACUUM ANALYZE {', '.join(VACUUMED)}")


# -- the workload --------------------------------------------------------------------------------


def customer_ids(count: int) -> list[str]:
    return [f"customer-{i:05}" for i in range(count)]


def make_earns(store_id: str, tag: str, n: int, customers: list[str], seed: int) -> list[Earn]:
    """N earns spread at random over the customers, each with its own idempotency key."""
    rng = random.Random(f"{seed}:{tag}")
    expires_at = datetime.now(UTC) + timedelta(days=365)
    return [
        Earn(
            store_id,
            rng.choice(customers),
            f"bench:{tag}:{i}",
            rng.randint(1, 500),
            expires_at=expires_at,
        )
        for i in range(n)
    ]


@dataclass(frozen=True, slots=True)
class Row:
    """One earn as the raw paths write it: the service's own values, hash included."""

    customer_id: str
    key: str
    request_hash: str
    points: int
    expires_at: datetime | None


def rows_of(earns: Sequence[Earn]) -> list[Row]:
    return [
        Row(e.customer_id, e.idempotency_key, request_hash(e), e.points, e.expires_at)
        for e in earns
    ]


# -- the four paths ------------------------------------------------------------------------------


def service_path(app: App, earns: Sequence[Earn]) -> None:
    clock = SystemClock()
    for command in earns:
        earn(app.uow(), clock, command)


def bulk_path(app: App, earns: Sequence[Earn], batch: int) -> None:
    clock = SystemClock()
    for start in range(0, len(earns), batch):
        earn_many(app.uow(), clock, earns[start : start + batch])


UPDATE_BALANCE = "UPDATE customers SET available = available + %s WHERE store_id = %s AND id = %s"
INSERT_TRANSACTION = """
    INSERT INTO ledger_transactions
        (store_id, customer_id, idempotency_key, request_hash, kind, amount, occurred_at)
    VALUES (%s, %s, %s, %s, 'earn', %s, %s) RETURNING id"""
INSERT_POSTINGS = """
    INSERT INTO postings (store_id, transaction_id, customer_id, account, amount)
    VALUES (%s, %s, NULL, 'issued', %s), (%s, %s, %s, 'available', %s)"""
INSERT_LOT = """
    INSERT INTO lots
        (store_id, customer_id, transaction_id, amount, remaining, pending, expires_at)
    VALUES (%s, %s, %s, %s, %s, false, %s)"""

RESERVE_IDS = "SELECT nextval(%s::regclass) FROM generate_series(1, %s)"
COPY_TRANSACTIONS = """COPY ledger_transactions
    (id, store_id, customer_id, idempotency_key, request_hash, kind, amount, occurred_at)
    FROM STDIN"""
COPY_POSTINGS = "COPY postings (store_id, transaction_id, customer_id, account, amount) FROM STDIN"
COPY_LOTS = """COPY lots
    (store_id, customer_id, transaction_id, amount, remaining, pending, expires_at) FROM STDIN"""
UPDATE_BALANCES = """
    UPDATE customers AS c SET available = c.available + d.delta
    FROM unnest(%s::text[], %s::bigint[]) AS d(id, delta)
    WHERE c.store_id = %s AND c.id = d.id"""


@dataclass
class RawSql:
    """The floor: the same rows written with psycopg 3 and nothing in between."""

    conn: psycopg.Connection[Any]
    store_id: str
    sequence: str = field(init=False)

    def __post_init__(self) -> None:
        found = self.conn.execute(
            "SELECT pg_get_serial_sequence('ledger_transactions', 'id')"
        ).fetchone()
        assert found is not None and found[0], "ledger_transactions.id has no sequence"
        self.sequence = found[0]

    def one_by_one(self, rows: Sequence[Row]) -> None:
        store, cur = self.store_id, self.conn.cursor()
        for r in rows:
            with self.conn.transaction():
                now = datetime.now(UTC)
                cur.execute(UPDATE_BALANCE, (r.points, store, r.customer_id), prepare=True)
                cur.execute(
                    INSERT_TRANSACTION,
                    (store, r.customer_id, r.key, r.request_hash, r.points, now),
                    prepare=True,
                )
                inserted = cur.fetchone()
                assert inserted is not None
                txn_id = inserted[0]
                cur.execute(
                    INSERT_POSTINGS,
                    (store, txn_id, -r.points, store, txn_id, r.customer_id, r.points),
                    prepare=True,
                )
                cur.execute(
                    INSERT_LOT,
                    (store, r.customer_id, txn_id, r.points, r.points, r.expires_at),
                    prepare=True,
                )

    def copy(self, rows: Sequence[Row], batch: int) -> None:
        for start in range(0, len(rows), batch):
            with self.conn.transaction():
                self._copy_batch(rows[start : start + batch])

    def _copy_batch(self, rows: Sequence[Row]) -> None:
        store, cur, now = self.store_id, self.conn.cursor(), datetime.now(UTC)
        cur.execute(RESERVE_IDS, (self.sequence, len(rows)), prepare=True)
        ids = [txn_id for (txn_id,) in cur.fetchall()]
        with cur.copy(COPY_TRANSACTIONS) as copy:
            for txn_id, r in zip(ids, rows, strict=True):
                copy.write_row(
                    (txn_id, store, r.customer_id, r.key, r.request_hash, "earn", r.points, now)
                )
        with cur.copy(COPY_POSTINGS) as copy:
            for txn_id, r in zip(ids, rows, strict=True):
                copy.write_row((store, txn_id, None, "issued", -r.points))
                copy.write_row((store, txn_id, r.customer_id, "available", r.points))
        with cur.copy(COPY_LOTS) as copy:
            for txn_id, r in zip(ids, rows, strict=True):
                copy.write_row(
                    (store, r.customer_id, txn_id, r.points, r.points, False, r.expires_at)
                )
        totals: dict[str, int] = {}
        for r in rows:
            totals[r.customer_id] = totals.get(r.customer_id, 0) + r.points
        customers = sorted(totals)
        cur.execute(
            UPDATE_BALANCES, (customers, [totals[c] for c in customers], store), prepare=True
        )


# -- measuring -----------------------------------------------------------------------------------


Write = Callable[[list[Earn], list[Row]], None]


@dataclass
class Path:
    name: str
    label: str
    write: Write
    rates: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)

    def measure(self, earns: list[Earn], rows: list[Row]) -> None:
        """Time the writing only: the inputs were built before the clock started."""
        wall, cpu = time.perf_counter(), time.process_time()
        self.write(earns, rows)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        self.rates.append(len(earns) / wall)
        self.cpu_us.append(cpu / len(earns) * 1e6)


def make_paths(app: App, raw: RawSql, batch: int) -> dict[str, Path]:
    paths = [
        Path("service", "service: earn(), 1 db txn each", lambda e, _r: service_path(app, e)),
        Path("raw", "raw SQL: 4 prepared stmts, 1 db txn each", lambda _e, r: raw.one_by_one(r)),
        Path(
            "bulk", f"bulk: earn_many(), {batch} per db txn", lambda e, _r: bulk_path(app, e, batch)
        ),
        Path("copy", f"COPY + set-based UPDATE, {batch} per txn", lambda _e, r: raw.copy(r, batch)),
    ]
    return {path.name: path for path in paths}


def round_order(round_no: int) -> list[str]:
    """Each pair runs back to back; who goes first alternates, and so does the pair order."""
    pairs = [["service", "raw"], ["bulk", "copy"]]
    if round_no % 2:
        pairs = [pair[::-1] for pair in pairs[::-1]]
    return [name for pair in pairs for name in pair]


def statements_per_earn(app: App, store_id: str, customers: list[str]) -> tuple[float, float]:
    """SQL statements SQLAlchemy sends per earn, one by one and in a batch (untimed)."""
    count = 0

    def counter(*_args: Any) -> None:
        nonlocal count
        count += 1

    event.listen(app.engine, "before_cursor_execute", counter)
    try:
        service_path(app, make_earns(store_id, "count:service", 100, customers, 0))
        single, count = count / 100, 0
        bulk_path(app, make_earns(store_id, "count:bulk", 100, customers, 0), 100)
        return single, count / 100
    finally:
        event.remove(app.engine, "before_cursor_execute", counter)


# -- reporting -----------------------------------------------------------------------------------


def environment(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        server = conn.execute(text("SHOW server_version")).scalar_one()
        rows = conn.execute(
            text(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('synchronous_commit', 'fsync', 'shared_buffers')"
            )
        ).all()
    settings: dict[str, str] = {name: setting for name, setting in rows}
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return [
        f"machine     {os.cpu_count()} cores ({affinity} usable), load average {load}, "
        f"{platform.machine()} {platform.system()} {platform.release()}",
        f"postgresql  {server}; synchronous_commit={settings.get('synchronous_commit')}, "
        f"fsync={settings.get('fsync')}, shared_buffers={settings.get('shared_buffers')} x 8kB",
        f"client      Python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"psycopg {psycopg.__version__} (libpq {psycopg.pq.version()})",
    ]


def ratio(a: Path, b: Path) -> tuple[float, float]:
    """(median of the per-round ratios, best over best)."""
    per_round = [x / y for x, y in zip(a.rates, b.rates, strict=True)]
    return statistics.median(per_round), max(a.rates) / max(b.rates)


def report(paths: dict[str, Path], statements: tuple[float, float]) -> list[str]:
    width = max(len(path.label) for path in paths.values())
    lines = [
        f"{'path':<{width}}  {'best tx/s':>9}  {'median tx/s':>11}  {'client CPU/earn':>15}"
        "  tx/s per round",
    ]
    for path in paths.values():
        rounds = " / ".join(f"{rate:,.0f}" for rate in path.rates)
        cpu = f"{statistics.median(path.cpu_us):,.0f} us"
        lines.append(
            f"{path.label:<{width}}  {max(path.rates):>9,.0f}  "
            f"{statistics.median(path.rates):>11,.0f}  {cpu:>15}  {rounds}"
        )
    lines.append("")
    note_width = 47
    lines.append(f"{'ratio':<16}{'':<{note_width}}  {'median of rounds':>16}  {'best/best':>9}")
    for a, b, note in (
        ("service", "raw", "service layer vs raw SQL, one db txn per earn"),
        ("bulk", "copy", "earn_many vs COPY, one db txn per batch"),
        ("bulk", "service", "what batching buys the service layer"),
        ("copy", "raw", "what batching buys raw SQL"),
    ):
        med, best = ratio(paths[a], paths[b])
        lines.append(f"{a + ' / ' + b:<16}{note:<{note_width}}  {med:>16.3f}  {best:>9.3f}")
    lines.append("")
    lines.append(
        f"SQL statements per earn from the service: {statements[0]:.1f} one by one, "
        f"{statements[1]:.1f} in earn_many (plus BEGIN, COMMIT and the pool's pre-ping per unit "
        "of work); raw SQL: 4 plus BEGIN and COMMIT"
    )
    return lines


def check_books(engine: Engine, store_id: str) -> tuple[StoreAudit, int]:
    """`walaa audit` over everything the four paths wrote, and how much that was."""
    with engine.connect() as conn:
        written = conn.execute(
            text("SELECT COUNT(*) FROM ledger_transactions WHERE store_id = :s"), {"s": store_id}
        ).scalar_one()
        return audit_store(conn, store_id), int(written)


# -- main ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    customers = customer_ids(args.customers)
    started = time.perf_counter()
    with throwaway_schema(args.url) as (engine, schema):
        app = App(engine)
        store = create_store(app.uow(), SystemClock(), "Benchmark store", "USD", "UTC")
        with psycopg.connect(
            libpq_url(args.url), autocommit=True, options=f"-csearch_path={schema}"
        ) as conn:
            raw = RawSql(conn, store.id)
            paths = make_paths(app, raw, args.batch)
            per_round = args.n // args.rounds
            print("\n".join(environment(engine)))
            print(
                f"workload    {per_round * args.rounds:,} earns per path in {args.rounds} rounds "
                f"of {per_round:,}, over {args.customers:,} customers; bulk and COPY batches "
                f"of {args.batch:,}; schema {schema}",
                flush=True,
            )
            # Every customer exists and every path has run once before the clock starts.
            bulk_path(app, [Earn(store.id, c, f"seed:{c}", 1) for c in customers], 1000)
            warm = min(args.n, 200)
            for name, path in paths.items():
                earns = make_earns(store.id, f"warm:{name}", warm, customers, args.seed)
                path.write(earns, rows_of(earns))
            statements = statements_per_earn(app, store.id, customers)
            for round_no in range(args.rounds):
                vacuum_analyze(conn)
                for name in round_order(round_no):
                    tag = f"{name}:{round_no}"
                    earns = make_earns(store.id, tag, per_round, customers, args.seed)
                    paths[name].measure(earns, rows_of(earns))
                print(
                    f"round {round_no + 1}/{args.rounds}: "
                    + ", ".join(
                        f"{n} {paths[n].rates[-1]:,.0f} tx/s" for n in round_order(round_no)
                    ),
                    flush=True,
                )
        audit, written = check_books(engine, store.id)
    print()
    print("\n".join(report(paths, statements)))
    print()
    verdict = "ok" if audit.ok else "FAILED: " + ", ".join(c.name for c in audit.checks if not c.ok)
    print(
        f"audit of the {written:,} transactions written: {verdict}; "
        f"{time.perf_counter() - started:.0f} s in all, schema dropped"
    )
    return 0 if audit.ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; the benchmark's schema was dropped", file=sys.stderr)
        sys.exit(130)
