#!/usr/bin/env python
"""Paid orders through `walaa serve` on PostgreSQL against the raw-SQL floor, in one run.

    python bench/http_earn.py [--seconds 20] [--orders N] [--concurrency 16] [--workers 2]
                              [--rounds 4] [--customers 500] [--warmup 200] [--idempotency-key]
                              [--url postgresql://postgres@127.0.0.1:5432/test]

What it does, end to end:

1. creates a schema of its own (`walaa_bench_<random>`), migrates it, creates a store, applies
   the demo program (src/walaa/demo/program.yaml, USD) and creates a `write` API key;
2. starts `walaa serve --workers N` as a subprocess on a free loopback port, with
   WALAA_DATABASE_URL pointing into that schema (`?options=-csearch_path%3D<schema>`) and the
   rate limit raised so it never throttles, and waits for /readyz;
3. posts --warmup untimed orders, then --orders timed ones (by default as many as the warm-up
   rate says fit in --seconds): paid orders with distinct ids and 2-4 lines each, spread over
   --customers, to POST /v1/orders from an asyncio + httpx client keeping --concurrency
   requests in flight, timing each; every answer must be 201 Created;
4. in the same rounds writes as many earn transactions with the raw-SQL path of
   bench/ledger_throughput.py (`RawSql`: BEGIN, 4 prepared statements, COMMIT): on one
   connection (that benchmark's baseline), and on --concurrency connections at once (the same
   concurrency as the HTTP clients), into a second store of the same schema;
5. stops the server and checks the books: `audit_store` passes for both stores, every order
   posted is in the schema, and the customers' pending points add up to the points the
   responses announced;
6. drops the schema, even on Ctrl-C or failure.

The machine may be shared and noisy, so the work is split into rounds; in each round the paths
run back to back, in an order that alternates, and a ratio is the median of the rounds' own
ratios. The load generator shares the cores with the server and PostgreSQL: the share of a core
it used is printed, so you can tell when it, rather than the server, is the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_throughput import (  # bench/ is not a package
    RawSql,
    Row,
    customer_ids,
    environment,
    libpq_url,
    make_earns,
    rows_of,
    throwaway_schema,
)
from walaa.adapters.db.audit import audit_store
from walaa.bootstrap import App, SystemClock
from walaa.demo import PROGRAM
from walaa.domain.keys import parse_scopes
from walaa.service.commands import Earn
from walaa.service.handlers.keys import create_key
from walaa.service.handlers.ledger import earn_many
from walaa.service.handlers.program import apply_program
from walaa.service.handlers.stores import create_store

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--orders",
        type=int,
        default=0,
        help="timed orders, and raw earns per raw path (default: what fits in --seconds)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=20,
        help="without --orders: size the timed HTTP work to take about this long",
    )
    parser.add_argument("--customers", type=int, default=500, help="customers orders spread over")
    parser.add_argument("--concurrency", type=int, default=16, help="requests kept in flight")
    parser.add_argument("--workers", type=int, default=2, help="`walaa serve --workers N`")
    parser.add_argument("--rounds", type=int, default=4, help="rounds the work is split in")
    parser.add_argument("--warmup", type=int, default=200, help="untimed orders posted first")
    parser.add_argument(
        "--idempotency-key",
        action="store_true",
        help="send an Idempotency-Key with every order (adds the stored-response writes)",
    )
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
    if min(args.customers, args.concurrency, args.workers, args.rounds, args.seconds) <= 0:
        parser.error("--customers, --concurrency, --workers, --rounds, --seconds must be > 0")
    if args.warmup < 1 or args.orders < 0 or (args.orders and args.orders < args.rounds):
        parser.error("--warmup must be at least 1, and --orders (if given) at least --rounds")
    return args


# -- the orders ----------------------------------------------------------------------------------

#: A skincare shop's shelf, in the demo program's categories (serum earns a bonus).
CATALOGUE = (
    ("cleanser-gel", "cleanser", "14.50"),
    ("cleanser-oil", "cleanser", "22.00"),
    ("toner-rose", "toner", "18.00"),
    ("serum-vitc", "serum", "48.00"),
    ("serum-niacin", "serum", "29.90"),
    ("cream-day", "moisturiser", "35.00"),
    ("cream-night", "moisturiser", "41.00"),
    ("spf-50", "sunscreen", "24.00"),
    ("mask-clay", "mask", "16.75"),
    ("lip-balm", "lips", "6.90"),
)


ONE, TEN_OFF, CENT = Decimal(1), Decimal("0.9"), Decimal("0.01")


def make_orders(run: str, tag: str, n: int, customers: list[str], seed: int) -> list[bytes]:
    """N paid orders as JSON bodies (built before any clock starts), 2-4 lines each."""
    rng = random.Random(f"{seed}:{tag}")
    now = datetime.now(UTC)
    bodies = []
    for i in range(n):
        picked = rng.sample(CATALOGUE, rng.randint(2, 4))
        lines: list[dict[str, Any]] = []
        for number, (product, category, price) in enumerate(picked, 1):
            quantity = rng.choice((1, 1, 1, 2, 3))
            discount = rng.choice((ONE, ONE, ONE, TEN_OFF))  # some lines are discounted
            paid = (Decimal(price) * quantity * discount).quantize(CENT)
            lines.append(
                {
                    "id": f"l{number}",
                    "product_id": product,
                    "paid": str(paid),
                    "quantity": quantity,
                    "categories": [category],
                }
            )
        if rng.random() < 0.3:  # a shipping line instead of the last product: earns nothing
            lines[-1] = {"id": f"l{len(lines)}", "paid": "5.00", "kind": "shipping"}
        body = {
            "id": f"{run}-{tag}-{i:06}",
            "customer_id": rng.choice(customers),
            "placed_at": (now - timedelta(minutes=rng.randint(0, 600))).isoformat(),
            "currency": "USD",
            "channel": rng.choice(("online", "online", "online", "in_store")),
            "status": "paid",
            "lines": lines,
        }
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
    return bodies


# -- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def schema_url(url: str, schema: str) -> str:
    """The server's WALAA_DATABASE_URL: the same server, every session in our schema."""
    parsed = make_url(url)
    query = {**parsed.query, "options": f"-csearch_path={schema}"}
    return parsed.set(query=query).render_as_string(hide_password=False)


def walaa_command() -> list[str]:
    script = Path(sys.executable).with_name("walaa")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from walaa.entrypoints.cli import main; main()"]


@contextmanager
def walaa_serve(database_url: str, workers: int) -> Iterator[tuple[str, int]]:
    """`walaa serve` in a process group of its own; stopped (the whole group) at the end."""
    port = free_port()
    env = {
        **os.environ,
        "WALAA_DATABASE_URL": database_url,
        "WALAA_RATE_LIMIT_PER_SECOND": "1000000",
        "WALAA_RATE_LIMIT_BURST": "1000000",
    }
    env.pop("WALAA_REDIS_URL", None)  # in-process buckets; the limit is out of the way anyway
    fd, log = tempfile.mkstemp(prefix="walaa-serve-", suffix=".log")
    command = [*walaa_command(), "serve", "--port", str(port), "--workers", str(workers)]
    with open(fd, "w") as out:
        server = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server, Path(log))
        yield base, server.pid
    except Exception:
        print(f"the server's log is kept in {log}", file=sys.stderr)
        raise
    except BaseException:
        os.unlink(log)
        raise
    else:
        stop(server)
        report_server_log(Path(log))
        os.unlink(log)
    finally:
        stop(server)


def report_server_log(log: Path) -> None:
    """Say so if uvicorn restarted a worker or the server logged an error during the run."""
    worrying = [
        line.strip()
        for line in log.read_text(errors="replace").splitlines()
        if "died" in line or "ERROR" in line or line.startswith("Traceback")
    ]
    for line in worrying[:5]:
        print(f"server log: {line}")


def wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"walaa serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"walaa serve was not ready within 60 s:\n{log.read_text()}")


def group_cpu(pgid: int) -> float | None:
    """CPU seconds used so far by the processes of a group (uvicorn and its workers), from
    /proc; None where there is no /proc."""
    if not os.path.isdir("/proc"):
        return None
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid:  # pgrp; utime and stime follow at 11 and 12
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's own process group (uvicorn and its workers), then SIGKILL."""
    if server.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


# -- the HTTP client -----------------------------------------------------------------------------


@dataclass
class Posted:
    """What one batch of orders got back."""

    wall: float
    cpu: float
    latencies: list[float]
    points: int
    bad: list[str]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.wall


@dataclass(frozen=True)
class Client:
    base: str
    secret: str
    concurrency: int
    idempotency_key: bool

    def post(self, bodies: list[bytes]) -> Posted:
        return asyncio.run(self._post_all(bodies))

    async def _post_all(self, bodies: list[bytes]) -> Posted:
        """POST every body, --concurrency at a time, on a pool of keep-alive connections.

        A client per batch: uvicorn closes a connection idle for 5 s, and a request sent on
        one it is closing fails, which would be the benchmark's fault, not the server's."""
        latencies, points, bad = [0.0] * len(bodies), [0] * len(bodies), []
        todo = iter(range(len(bodies)))  # shared by the tasks: one event loop, no lock needed
        limits = httpx.Limits(
            max_connections=self.concurrency, max_keepalive_connections=self.concurrency
        )
        headers = {"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"}
        async with httpx.AsyncClient(
            base_url=self.base, limits=limits, timeout=120, headers=headers
        ) as http:

            async def worker() -> None:
                for i in todo:
                    extra = (
                        {"Idempotency-Key": hashlib.sha256(bodies[i]).hexdigest()}
                        if self.idempotency_key
                        else None
                    )
                    started = time.perf_counter()
                    try:
                        response = await http.post("/v1/orders", content=bodies[i], headers=extra)
                    except httpx.HTTPError as exc:
                        bad.append(f"{type(exc).__name__}: {exc}")
                        continue
                    finally:
                        latencies[i] = time.perf_counter() - started
                    if response.status_code == 201:
                        points[i] = response.json()["points"]
                    else:
                        bad.append(f"{response.status_code} {response.text[:300]}")

            wall, cpu = time.perf_counter(), time.process_time()
            await asyncio.gather(*(worker() for _ in range(self.concurrency)))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        return Posted(wall, cpu, latencies, sum(points), bad)


# -- the raw-SQL floor ---------------------------------------------------------------------------


class RawConcurrent:
    """RawSql.one_by_one on several connections at once, a thread each (psycopg releases the
    GIL while it waits for the server): the floor at the HTTP clients' concurrency."""

    CHUNK = 25  # rows between two looks at `stopping`, so Ctrl-C never waits long

    def __init__(self, url: str, schema: str, store_id: str, connections: int) -> None:
        self.conns = [connect(url, schema) for _ in range(connections)]
        self.writers = [RawSql(conn, store_id) for conn in self.conns]
        self.threads: list[threading.Thread] = []
        self.stopping = threading.Event()

    def one_by_one(self, rows: Sequence[Row]) -> None:
        n = len(self.writers)
        self.threads = [
            threading.Thread(target=self._write, args=(writer, rows[i::n]))
            for i, writer in enumerate(self.writers)
        ]
        for thread in self.threads:
            thread.start()
        for thread in self.threads:
            thread.join()

    def _write(self, writer: RawSql, rows: Sequence[Row]) -> None:
        for start in range(0, len(rows), self.CHUNK):
            if self.stopping.is_set():
                return
            writer.one_by_one(rows[start : start + self.CHUNK])

    def close(self) -> None:
        """Let the threads finish their chunk (after Ctrl-C), then close the connections."""
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        for conn in self.conns:
            conn.close()


def connect(url: str, schema: str) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(url), autocommit=True, options=f"-csearch_path={schema}")


def timed_rate(write: Callable[[Sequence[Row]], None], rows: Sequence[Row]) -> float:
    started = time.perf_counter()
    write(rows)
    return len(rows) / (time.perf_counter() - started)


def vacuum_analyze(conn: psycopg.Connection[Any], schema: str) -> None:
    """As pgbench does before a run, off the clock: every table of our schema."""
    tables = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", (schema,)
    ).fetchall()
    conn.execute("VACUUM ANALYZE " + ", ".join(f"{schema}.{name}" for (name,) in tables))


# -- the run -------------------------------------------------------------------------------------


@dataclass
class Run:
    """Everything measured, and what the books must show at the end."""

    http: list[float] = field(default_factory=list)
    raw1: list[float] = field(default_factory=list)
    raw_c: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)
    server_cpu: list[float] = field(default_factory=list)  # seconds per order, per round
    orders: int = 0
    points: int = 0
    bad: list[str] = field(default_factory=list)

    def posted(self, batch: Posted, *, timed: bool) -> None:
        self.orders += len(batch.latencies)
        self.points += batch.points
        self.bad += batch.bad
        if timed:
            self.http.append(batch.rate)
            self.latencies += batch.latencies
            self.client_cpu.append(batch.cpu / batch.wall)


@dataclass(frozen=True)
class Setup:
    store_id: str
    secret: str
    raw_store_id: str


def set_up(engine: Engine, customers: list[str]) -> Setup:
    """The store the server writes to (demo program, write key) and the raw-SQL store."""
    app, clock = App(engine), SystemClock()
    store = create_store(app.uow(), clock, "HTTP benchmark", "USD", "Asia/Riyadh")
    apply_program(app.uow(), clock, store.id, PROGRAM.read_text(encoding="utf-8"))
    issued = create_key(
        app.uow(), clock, store.id, parse_scopes(["write"]), mode="test", name="bench"
    )
    raw_store = create_store(app.uow(), clock, "Raw SQL floor", "USD", "Asia/Riyadh")
    # RawSql updates existing balance rows: its customers exist before anything is timed.
    earn_many(app.uow(), clock, [Earn(raw_store.id, c, f"seed:{c}", 1) for c in customers])
    return Setup(store.id, issued.secret, raw_store.id)


def measure(args: argparse.Namespace, setup: Setup, schema: str, base: str, pgid: int) -> Run:
    customers, run, tag = customer_ids(args.customers), Run(), uuid.uuid4().hex[:6]
    client = Client(base, setup.secret, args.concurrency, args.idempotency_key)
    with connect(args.url, schema) as conn:
        raw1 = RawSql(conn, setup.raw_store_id)
        raw_c = RawConcurrent(args.url, schema, setup.raw_store_id, args.concurrency)
        try:
            # Untimed: every path runs once; the server's pools fill and its workers warm up.
            warm = client.post(make_orders(tag, "warm", args.warmup, customers, args.seed))
            run.posted(warm, timed=False)
            for name, path in (("warm1", raw1), ("warmc", raw_c)):
                path.one_by_one(rows_of(make_earns(setup.raw_store_id, name, 200, customers, 0)))
            total = args.orders or max(args.rounds * 25, round(warm.rate * args.seconds))
            per_round = total // args.rounds
            print(
                f"workload    {per_round * args.rounds:,} timed orders (warm-up: "
                f"{args.warmup:,} at {warm.rate:,.0f}/s) and as many raw earns per raw path, in "
                f"{args.rounds} rounds of {per_round:,}; {args.customers:,} customers; "
                f"{args.concurrency} in flight; walaa serve --workers {args.workers}; "
                f"Idempotency-Key {'sent' if args.idempotency_key else 'not sent'}",
                flush=True,
            )
            for round_no in range(args.rounds):
                bodies = make_orders(tag, f"r{round_no}", per_round, customers, args.seed)
                rows1, rows_c = (
                    rows_of(
                        make_earns(setup.raw_store_id, f"{t}{round_no}", per_round, customers, 0)
                    )
                    for t in ("one", "many")
                )
                vacuum_analyze(conn, schema)
                order = ["http", "raw1", "raw_c"]
                for name in order if round_no % 2 == 0 else order[::-1]:
                    if name == "http":
                        before = group_cpu(pgid)
                        run.posted(client.post(bodies), timed=True)
                        after = group_cpu(pgid)
                        if before is not None and after is not None:
                            run.server_cpu.append((after - before) / len(bodies))
                    elif name == "raw1":
                        run.raw1.append(timed_rate(raw1.one_by_one, rows1))
                    else:
                        run.raw_c.append(timed_rate(raw_c.one_by_one, rows_c))
                print(
                    f"round {round_no + 1}/{args.rounds}: HTTP {run.http[-1]:,.0f} orders/s; "
                    f"raw SQL {run.raw1[-1]:,.0f} earns/s on 1 connection, "
                    f"{run.raw_c[-1]:,.0f} on {args.concurrency}",
                    flush=True,
                )
        finally:
            raw_c.close()
    return run


# -- reporting -----------------------------------------------------------------------------------


def percentile(ascending: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    rank = -(-len(ascending) * q // 100)  # ceil without floats drifting
    return ascending[max(0, min(len(ascending), int(rank)) - 1)]


def report(args: argparse.Namespace, run: Run) -> list[str]:
    ms = sorted(x * 1000 for x in run.latencies)
    p50, p95, p99 = (percentile(ms, q) for q in (50, 95, 99))
    workers = f"{args.workers} worker{'s' if args.workers > 1 else ''}"
    paths = (
        (f"HTTP POST /v1/orders, {workers}, {args.concurrency} in flight", run.http),
        ("raw SQL earn, 1 connection (ledger_throughput)", run.raw1),
        (f"raw SQL earn, {args.concurrency} connections", run.raw_c),
    )
    width = max(len(label) for label, _ in paths)
    lines = [
        f"{'path':<{width}}  {'per s':>7}  {'p50 ms':>6}  {'p95 ms':>6}  {'p99 ms':>6}  per round"
    ]
    for i, (label, rates) in enumerate(paths):
        latency = (
            f"{p50:>6.1f}  {p95:>6.1f}  {p99:>6.1f}" if i == 0 else f"{'':>6}  " * 2 + f"{'':>6}"
        )
        rounds = " / ".join(f"{r:,.0f}" for r in rates)
        lines.append(f"{label:<{width}}  {statistics.median(rates):>7,.0f}  {latency}  {rounds}")
    lines += ["", f"{'ratio':<40}  {'median of rounds':>16}  {'best/best':>9}"]
    for label, rates in paths[1:]:
        per_round = statistics.median(a / b for a, b in zip(run.http, rates, strict=True))
        best = max(run.http) / max(rates)
        name = "HTTP / " + label.split(" (")[0].replace("raw SQL earn", "raw SQL")
        lines.append(f"{name:<40}  {per_round:>16.3f}  {best:>9.3f}")
    lines += [
        "",
        "per s: median of the rounds (HTTP orders/s, raw SQL earns/s). Latency: client side, "
        f"over all {len(ms):,} timed requests. The load generator used "
        f"{statistics.median(run.client_cpu):.0%} of a core while posting"
        + (
            f"; the server's processes {statistics.median(run.server_cpu) * 1000:.1f} ms of "
            "CPU per order (median of rounds; PostgreSQL's not included)."
            if run.server_cpu
            else "."
        ),
    ]
    return lines


def check_books(engine: Engine, setup: Setup, run: Run) -> list[tuple[bool, str]]:
    """(passed, what was checked) for the books the run left."""
    checks = []
    with engine.connect() as conn:

        def one(sql: str, store: str) -> int:
            return int(conn.execute(text(sql), {"s": store}).scalar_one())

        for label, store in (("HTTP", setup.store_id), ("raw SQL", setup.raw_store_id)):
            audit = audit_store(conn, store)
            written = one("SELECT COUNT(*) FROM ledger_transactions WHERE store_id = :s", store)
            failed = ", ".join(c.name for c in audit.checks if not c.ok)
            checks.append(
                (
                    audit.ok,
                    f"audit_store of the {label} store: {written:,} transactions, "
                    + (f"FAILED: {failed}" if failed else "books balance"),
                )
            )
        paid = one(
            "SELECT COUNT(*) FROM orders WHERE store_id = :s AND status = 'paid'", setup.store_id
        )
        checks.append(
            (paid == run.orders, f"paid orders in the schema: {paid:,}, posted: {run.orders:,}")
        )
        pending = one(
            "SELECT COALESCE(SUM(pending), 0) FROM customers WHERE store_id = :s", setup.store_id
        )
        checks.append(
            (
                pending == run.points,
                f"customers' pending points: {pending:,}, points in the responses: {run.points:,}",
            )
        )
    return checks


# -- main ----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with throwaway_schema(args.url) as (engine, schema):
        setup = set_up(engine, customer_ids(args.customers))
        print("\n".join(environment(engine)))
        print(f"schema      {schema}, served by walaa serve on loopback", flush=True)
        with walaa_serve(schema_url(args.url, schema), args.workers) as (base, pgid):
            run = measure(args, setup, schema, base, pgid)
        # The server has stopped: everything it wrote is committed.
        checks = check_books(engine, setup, run)
    print()
    print("\n".join(report(args, run)))
    print()
    if run.bad:
        print(
            f"FAIL  {len(run.bad):,} of {run.orders:,} orders were not 201 Created; "
            f"first: {run.bad[0]}"
        )
    else:
        print(f"ok    all {run.orders:,} orders were answered 201 Created")
    for ok, what in checks:
        print(f"{'ok  ' if ok else 'FAIL'}  {what}")
    passed = not run.bad and all(ok for ok, _ in checks)
    print(
        f"{'verified' if passed else 'VERIFICATION FAILED'}; server stopped, schema dropped; "
        f"{time.perf_counter() - started:.0f} s in all"
    )
    return 0 if passed else 1


def terminated(_signum: int, _frame: object) -> None:
    """`kill` is Ctrl-C: the server is stopped and the schema dropped (asyncio included)."""
    signal.raise_signal(signal.SIGINT)


def run(main: Callable[[], int], interrupted: str) -> None:
    """Run a benchmark's main so that Ctrl-C and `kill` unwind it (its `finally`s run)."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with `&`
    signal.signal(signal.SIGTERM, terminated)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print(interrupted, file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    run(main, "interrupted; the server was stopped and the schema dropped")
