#!/usr/bin/env python
"""How to serve: sync or async routes, and how many workers, measured side by side in one run.

    python bench/serving.py [--requests 2000] [--concurrency 16] [--rounds 3] [--orders]
                            [--url postgresql://postgres@127.0.0.1:5432/test]

In a throwaway PostgreSQL schema (as `ledger_throughput.py` makes one) it creates a store with
the demo program and --customers customers, then serves `bench/serving_app.py` (Walaa's app plus
one customer read written as a sync route, an async route calling the sync code on the event
loop, and an async route handing it to the thread pool) with uvicorn, first with one worker and
then with one per core. An asyncio + httpx client keeps --concurrency requests in flight and
times each. In every round each variant runs back to back (the order alternates); a ratio is
the median of the rounds' own ratios. The load generator shares the cores with the server.

With --orders the requests are paid orders (as `http_earn.py` makes them, distinct ids, spread
over the customers) sent with a `write` key, and the two variants are Walaa's own sync
``POST /v1/orders`` and the same route function called from an ``async def`` route on the event
loop; the server's CPU per order (its process group's, from /proc) is printed beside each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_earn import (  # bench/ is not a package
    free_port,
    group_cpu,
    make_orders,
    schema_url,
    stop,
    wait_ready,
)
from ledger_throughput import customer_ids, default_url, environment, throwaway_schema
from walaa.bootstrap import App, SystemClock
from walaa.demo import PROGRAM
from walaa.domain.keys import parse_scopes
from walaa.service.commands import Earn
from walaa.service.handlers.keys import create_key
from walaa.service.handlers.ledger import earn_many
from walaa.service.handlers.program import apply_program
from walaa.service.handlers.stores import create_store

ROUTES = ("sync", "async-blocking", "async-thread")
#: --orders: where each variant's paid orders go
ORDER_PATHS = {"sync": "/v1/orders", "async-blocking": "/v1/bench/orders/async-blocking"}


@contextmanager
def served(database_url: str, store: str, workers: int) -> Iterator[tuple[str, int]]:
    """The server's base URL and process group."""
    port = free_port()
    env = {**os.environ, "WALAA_DATABASE_URL": database_url, "WALAA_BENCH_STORE": store}
    env |= {"WALAA_RATE_LIMIT_PER_SECOND": "1000000", "WALAA_RATE_LIMIT_BURST": "1000000"}
    env.pop("WALAA_REDIS_URL", None)
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), env.get("PYTHONPATH", "")])
    log = Path(f"/tmp/walaa-serving-{port}.log")
    command = [sys.executable, "-m", "uvicorn", "serving_app:app", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log", "--no-proxy-headers"]
    with log.open("w") as out:
        server = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server, log)
        yield base, server.pid
    finally:
        stop(server)
        log.unlink(missing_ok=True)


async def drive(
    base: str, path: str, n: int, concurrency: int, customers: list[str]
) -> tuple[float, float]:
    """(requests per second, p95 latency in ms) for n GETs of `path`, `concurrency` at a time."""
    rng = random.Random(n)
    requests = [("GET", f"/bench/{path}/{rng.choice(customers)}", None) for _ in range(n)]
    return await send_all(base, requests, concurrency, {}, 200)


async def drive_orders(
    base: str, path: str, bodies: list[bytes], concurrency: int, secret: str
) -> tuple[float, float]:
    """(orders per second, p95 latency in ms) for POSTs of ``bodies`` to ``path``."""
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    return await send_all(base, [("POST", path, b) for b in bodies], concurrency, headers, 201)


async def send_all(
    base: str,
    requests: list[tuple[str, str, bytes | None]],
    concurrency: int,
    headers: dict[str, str],
    expected: int,
) -> tuple[float, float]:
    """Send ``requests`` (method, path, body), ``concurrency`` at a time on keep-alive
    connections; each must be answered ``expected``. (requests per second, p95 latency in ms)."""
    latencies: list[float] = []
    todo = iter(requests)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=120, headers=headers
    ) as client:

        async def worker() -> None:
            for method, path, body in todo:
                start = time.perf_counter()
                answer = await client.request(method, path, content=body)
                latencies.append(time.perf_counter() - start)
                if answer.status_code != expected:
                    raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return len(requests) / elapsed, statistics.quantiles(latencies, n=20)[18] * 1000


@dataclass(frozen=True)
class Load:
    """One server's requests: customer reads, or with --orders paid orders with new ids."""

    args: argparse.Namespace
    base: str
    customers: list[str]
    secret: str
    tag: str

    def run(self, route: str, n: int, tag: str) -> tuple[float, float]:
        concurrency = self.args.concurrency
        if not self.args.orders:
            return asyncio.run(drive(self.base, route, n, concurrency, self.customers))
        bodies = make_orders(f"{self.tag}{tag}", route, n, self.customers, 7)
        path = ORDER_PATHS[route]
        return asyncio.run(drive_orders(self.base, path, bodies, concurrency, self.secret))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per variant per round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--url", default=default_url(), help="PostgreSQL server")
    parser.add_argument(
        "--orders", action="store_true", help="paid orders (sync vs async route), not reads"
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    customers = customer_ids(args.customers)
    rates: dict[str, list[float]] = {}
    p95s: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    with throwaway_schema(args.url) as (engine, schema):
        for line in environment(engine):
            print(line)
        app, clock = App(engine), SystemClock()
        store = create_store(app.uow(), clock, "Serving benchmark", "USD", "Asia/Riyadh")
        apply_program(app.uow(), clock, store.id, PROGRAM.read_text(encoding="utf-8"))
        earn_many(app.uow(), clock, [Earn(store.id, c, f"seed:{c}", 10) for c in customers])
        secret = create_key(app.uow(), clock, store.id, parse_scopes(["write"]), mode="test").secret
        url = schema_url(args.url, schema)
        routes = tuple(ORDER_PATHS) if args.orders else ROUTES
        for workers in sorted({1, cores}):
            with served(url, store.id, workers) as (base, pgid):
                load = Load(args, base, customers, secret, str(workers))
                load.run("sync", 200, "warm")
                for r in range(args.rounds):
                    order = routes if r % 2 == 0 else routes[::-1]
                    for route in order if workers == 1 or args.orders else ("sync",):
                        before = group_cpu(pgid) or 0.0
                        rate, p95 = load.run(route, args.requests, f"r{r}")
                        used = (group_cpu(pgid) or 0.0) - before
                        name = f"{route}, {workers} worker{'s' * (workers > 1)}"
                        rates.setdefault(name, []).append(rate)
                        p95s.setdefault(name, []).append(p95)
                        cpus.setdefault(name, []).append(used / args.requests * 1000)
    what = "orders" if args.orders else "reads"
    print(
        f"\n{args.requests} {what} per variant per round, {args.concurrency} in flight, "
        f"{args.rounds} rounds (median of rounds)"
    )
    print(f"{'variant':<32} {'req/s':>8} {'p95 ms':>8} {'server CPU ms':>14}")
    for name in rates:
        print(
            f"{name:<32} {statistics.median(rates[name]):>8.0f} "
            f"{statistics.median(p95s[name]):>8.1f} {statistics.median(cpus[name]):>14.2f}"
        )
    base_name = "sync, 1 worker"
    print("\nratios (median of each round's own ratio) against", base_name)
    for name in rates:
        if name != base_name:
            per_round = [a / b for a, b in zip(rates[name], rates[base_name], strict=True)]
            print(f"  {name:<30} {statistics.median(per_round):.2f}")


if __name__ == "__main__":
    main()
