#!/usr/bin/env python
"""A valid client's latency through `walaa serve`, with and without a flood of strangers.

    python bench/flood.py [--requests 300] [--rounds 3] [--flood-concurrency 32]
                          [--workers 1] [--unlimited] [--url postgresql://...]

What it does, end to end:

1. creates a schema of its own (`walaa_bench_<random>`), migrates it, creates a store, a
   customer and a `read` API key;
2. starts `walaa serve` as a subprocess on a free loopback port (the server's default limits
   before authentication; the key's own limit raised out of the way), waits for /readyz;
3. in --rounds rounds, runs two phases back to back, in an order that alternates:
   *quiet*: the valid client sends --requests GET /v1/customers/{id}, one at a time, timing
   each; *flood*: the same, while another process keeps --flood-concurrency requests in flight
   from the same loopback address, a third each without a key, with one unknown key, and with
   a fresh made-up key every time;
4. prints the valid client's median and p95 latency per phase and the ratio flood / quiet (the
   median of the rounds' own ratios), and what the flood got: requests per second answered,
   and how many were 401 (refused after a look at the key) and 429 (refused by the client
   address's bucket, without asking the database);
5. with --unlimited, does it all again on a second server whose address bucket is too large to
   ever refuse, to show what the limit buys;
6. stops the servers and drops the schema, even on Ctrl-C.

On loopback the valid client and the flood share one address: the valid key is not slowed by
the address bucket because a key that authenticated recently skips it (docs/operations.md,
"Limits"). The flood, the server and PostgreSQL share the machine's cores, so some of the
slowdown is plain CPU contention: the flood's rate and the server's CPU per phase are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import secrets
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_earn import (  # bench/ is not a package
    group_cpu,
    percentile,
    run,
    schema_url,
    walaa_serve,
)
from ledger_throughput import default_url, environment, throwaway_schema
from walaa.bootstrap import App, SystemClock
from walaa.domain.customers import Profile
from walaa.domain.keys import parse_scopes
from walaa.service.handlers.customers import upsert_customer
from walaa.service.handlers.keys import create_key
from walaa.service.handlers.stores import create_store

CUSTOMER = "amal-1001"
#: Well formed, never issued: the server must look it up once, then remembers it.
UNKNOWN = "wk_test_0badc0de_" + "x" * 32


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    counts = (
        ("--requests", 300, "valid requests per phase"),
        ("--rounds", 3, "rounds of a quiet and a flood phase each"),
        ("--flood-concurrency", 32, "flood requests kept in flight"),
        ("--workers", 1, "`walaa serve --workers N`"),
    )
    for name, default, what in counts:
        parser.add_argument(name, type=int, default=default, help=what)
    parser.add_argument(
        "--unlimited",
        action="store_true",
        help="also measure a server whose address bucket never refuses",
    )
    parser.add_argument(
        "--url",
        default=default_url(),
        help="PostgreSQL server, found as bench/ledger_throughput.py finds it",
    )
    args = parser.parse_args(argv)
    if min(args.requests, args.rounds, args.flood_concurrency, args.workers) < 1:
        parser.error("--requests, --rounds, --flood-concurrency and --workers must be >= 1")
    return args


def set_up(app: App) -> str:
    """A store with one customer and a read key; the key's secret."""
    clock = SystemClock()
    store = create_store(app.uow(), clock, "Flood benchmark", "USD", "Asia/Riyadh")
    upsert_customer(app.uow(), clock, store.id, CUSTOMER, Profile(name="Amal"))
    issued = create_key(app.uow(), clock, store.id, parse_scopes(["read"]), mode="test")
    return issued.secret


# -- the flood, in a process of its own ----------------------------------------------------------


def stranger_request(i: int) -> bytes:
    """The i-th flood request: a third without a key, with one unknown key, with a new one."""
    kind = i % 3
    if kind == 0:
        auth = b""
    elif kind == 1:
        auth = f"Authorization: Bearer {UNKNOWN}\r\n".encode()
    else:
        made_up = f"wk_test_{secrets.token_hex(4)}_{secrets.token_urlsafe(24)}"
        auth = f"Authorization: Bearer {made_up}\r\n".encode()
    return b"GET /v1/customers/%s HTTP/1.1\r\nHost: bench\r\n%s\r\n" % (CUSTOMER.encode(), auth)


def flood(base: str, concurrency: int, stop: Event, results: multiprocessing.Queue[Any]) -> None:
    """Keep `concurrency` stranger requests in flight until told to stop; report statuses.

    A bare HTTP/1.1 keep-alive client on asyncio streams, because a flood is cheap to send:
    an httpx client would spend more CPU per request than the server spends refusing it."""
    statuses: Counter[int] = Counter()
    host, port = base.removeprefix("http://").split(":")

    async def one_lane(lane: int) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        i = lane
        while not stop.is_set():
            writer.write(stranger_request(i))
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            statuses[int(head.split(b" ", 2)[1])] += 1
            i += concurrency
        writer.close()

    async def lanes() -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one_lane(lane) for lane in range(concurrency)))
        return time.perf_counter() - started, time.process_time() - cpu

    seconds, cpu = asyncio.run(lanes())
    results.put((dict(statuses), seconds, cpu))


@contextmanager
def flooding(base: str, concurrency: int) -> Iterator[dict[str, float]]:
    """A flood running for the body of the with; its statuses and rate filled in at the end."""
    context = multiprocessing.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    process = context.Process(target=flood, args=(base, concurrency, stop, results))
    process.start()
    report: dict[str, float] = {}
    try:
        time.sleep(1.0)  # let it reach its pace before anything is timed
        yield report
    finally:
        stop.set()
        statuses, seconds, cpu = results.get(timeout=60)
        process.join(timeout=30)
        total = sum(statuses.values())
        report.update({str(k): float(v) for k, v in statuses.items()})
        report["rate"] = total / seconds if seconds else 0.0
        report["cpu"] = cpu / seconds if seconds else 0.0


# -- the valid client ----------------------------------------------------------------------------


@dataclass
class Phase:
    latencies: list[float]
    server_cpu: float | None
    wall: float


def timed(base: str, secret: str, n: int, pgid: int) -> Phase:
    headers = {"Authorization": f"Bearer {secret}"}
    latencies = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        client.get(f"/v1/customers/{CUSTOMER}").raise_for_status()  # the connection is open
        cpu, wall = group_cpu(pgid), time.perf_counter()
        for _ in range(n):
            started = time.perf_counter()
            answer = client.get(f"/v1/customers/{CUSTOMER}")
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200:
                raise RuntimeError(f"the valid client got {answer.status_code}: {answer.text}")
        wall = time.perf_counter() - wall
        after = group_cpu(pgid)
    return Phase(latencies, None if cpu is None or after is None else after - cpu, wall)


@dataclass
class Result:
    label: str
    quiet: list[Phase] = field(default_factory=list)
    flooded: list[Phase] = field(default_factory=list)
    floods: list[dict[str, float]] = field(default_factory=list)


def measure(args: argparse.Namespace, label: str, base: str, pgid: int, secret: str) -> Result:
    result = Result(label)
    for round_ in range(args.rounds):
        for flooded in (False, True) if round_ % 2 == 0 else (True, False):
            if not flooded:
                result.quiet.append(timed(base, secret, args.requests, pgid))
                continue
            with flooding(base, args.flood_concurrency) as report:
                result.flooded.append(timed(base, secret, args.requests, pgid))
            result.floods.append(report)
        print(f"  {label}: round {round_ + 1} of {args.rounds} done", flush=True)
    return result


def ms(phase: Phase, q: float) -> float:
    return percentile(sorted(phase.latencies), q) * 1000


def report(result: Result) -> list[str]:
    out = [f"{result.label}:"]
    for name, phases in (("quiet", result.quiet), ("flood", result.flooded)):
        medians = ", ".join(f"{ms(p, 50):.2f}" for p in phases)
        p95 = ", ".join(f"{ms(p, 95):.2f}" for p in phases)
        cpu = [p.server_cpu / p.wall for p in phases if p.server_cpu is not None]
        share = f"; server CPU {statistics.median(cpu):.0%} of a core" if cpu else ""
        out.append(f"  {name:<6} valid client p50 ms [{medians}], p95 ms [{p95}]{share}")
    ratios = [ms(f, 50) / ms(q, 50) for q, f in zip(result.quiet, result.flooded, strict=True)]
    ratios95 = [ms(f, 95) / ms(q, 95) for q, f in zip(result.quiet, result.flooded, strict=True)]
    out.append(
        f"  ratio flood / quiet: p50 {statistics.median(ratios):.2f} "
        f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}), p95 {statistics.median(ratios95):.2f}"
    )
    rate = statistics.median(f["rate"] for f in result.floods)
    client = statistics.median(f["cpu"] for f in result.floods)
    answered = Counter[str]()
    for f in result.floods:
        answered.update({k: int(v) for k, v in f.items() if k not in ("rate", "cpu")})
    total = sum(answered.values()) or 1
    shares = ", ".join(f"{k}: {v / total:.1%}" for k, v in sorted(answered.items()))
    out.append(
        f"  the flood: {rate:,.0f} requests/s answered ({client:.0%} of a core to send them); "
        f"statuses {shares}"
    )
    return out


@contextmanager
def address_limits(unlimited: bool) -> Iterator[None]:
    """`walaa serve` reads its settings from the environment it is started with."""
    names = ("WALAA_ADDRESS_RATE_LIMIT_PER_SECOND", "WALAA_ADDRESS_RATE_LIMIT_BURST")
    saved = {name: os.environ.get(name) for name in names}
    if unlimited:
        os.environ.update(dict.fromkeys(names, "1000000"))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results = []
    with throwaway_schema(args.url) as (engine, schema):
        secret = set_up(App(engine))
        print("\n".join(environment(engine)))
        print(f"schema      {schema}, served by walaa serve on loopback", flush=True)
        configs = [("default limits", False)] + ([("no address limit", True)] * args.unlimited)
        for label, unlimited in configs:
            with (
                address_limits(unlimited),
                walaa_serve(schema_url(args.url, schema), args.workers) as (base, pgid),
            ):
                results.append(measure(args, label, base, pgid, secret))
    print()
    for result in results:
        print("\n".join(report(result)))
    print(f"\nservers stopped, schema dropped; {time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    run(main, "interrupted; the servers were stopped and the schema dropped")
