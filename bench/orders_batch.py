#!/usr/bin/env python
"""POST /v1/orders/batch and earn_many against COPY of the same ledger rows, in one run.

    python bench/orders_batch.py [--orders 1000] [--batch 500] [--rounds 3] [--workers 1]
                                 [--url postgresql://postgres@127.0.0.1:5432/test]

In a throwaway PostgreSQL schema (`ledger_throughput.throwaway_schema`) it sets up the store of
`http_earn.py` (demo program, `write` key, its customers) and a raw-SQL store, starts
`walaa serve` on that schema, and in every round times, back to back and in an order that
alternates:

- **batch**: the round's paid orders (built by `http_earn.make_orders` before the clock starts)
  sent to `POST /v1/orders/batch`, `--batch` per call, one call in flight; every order must
  answer 201;
- **single**: as many other paid orders sent to `POST /v1/orders` one at a time, one in
  flight (the same server, the same rules);
- **bulk**: as many earns through `earn_many`, `--batch` per database transaction;
- **COPY**: the same earns' ledger rows (transaction, two postings, lot) by `COPY ... FROM
  STDIN`, `--batch` per transaction, and one set-based balance UPDATE (`RawSql.copy`).

COPY writes only the ledger rows; an order also writes its order row, rule uses, tier counters
and whatever the program asks (giving, games), and is evaluated against every rule first, so
batch / COPY is the share of the database's floor the whole order path reaches. It prints each
path's orders (or earns) per second per round and the ratios batch/COPY, bulk/COPY and
batch/single as the median of each round's own ratio, then checks the books of both stores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_earn import make_orders, schema_url, set_up, walaa_serve  # bench/ is not a package
from ledger_throughput import (
    RawSql,
    bulk_path,
    customer_ids,
    default_url,
    environment,
    libpq_url,
    make_earns,
    rows_of,
    throwaway_schema,
)
from walaa.adapters.db.audit import audit_store
from walaa.bootstrap import App

PATHS = ("batch", "single", "bulk", "copy")


def post_batches(base: str, secret: str, bodies: list[bytes], batch: int) -> None:
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
        for start in range(0, len(bodies), batch):
            payload = b'{"orders":[' + b",".join(bodies[start : start + batch]) + b"]}"
            answer = client.post("/v1/orders/batch", content=payload)
            assert answer.status_code == 200, answer.text[:500]
            statuses = {r["status"] for r in answer.json()["results"]}
            assert statuses == {201}, answer.text[:500]


def post_singles(base: str, secret: str, bodies: list[bytes]) -> None:
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for body in bodies:
            answer = client.post("/v1/orders", content=body)
            assert answer.status_code == 201, answer.text[:500]


def timed(work: Callable[[], None], n: int) -> float:
    started = time.perf_counter()
    work()
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000, help="per path per round")
    parser.add_argument("--batch", type=int, default=500, help="orders per call, earns per txn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="`walaa serve --workers N`")
    parser.add_argument("--url", default=default_url(), help="PostgreSQL server")
    args = parser.parse_args()
    customers = customer_ids(args.customers)
    rates: dict[str, list[float]] = {name: [] for name in PATHS}
    with throwaway_schema(args.url) as (engine, schema):
        for line in environment(engine):
            print(line)
        setup = set_up(engine, customers)
        app = App(engine)
        with (
            walaa_serve(schema_url(args.url, schema), args.workers) as (base, _pid),
            psycopg.connect(
                libpq_url(args.url), autocommit=True, options=f"-csearch_path={schema}"
            ) as pg,
        ):
            raw = RawSql(pg, setup.raw_store_id)
            warm = make_orders("warm", "w", 50, customers, 0)
            post_batches(base, setup.secret, warm, args.batch)
            for r in range(args.rounds):
                batch_bodies = make_orders(f"r{r}", "batch", args.orders, customers, r)
                single_bodies = make_orders(f"r{r}", "single", args.orders, customers, r)
                earns = make_earns(setup.raw_store_id, f"bulk{r}", args.orders, customers, r)
                copies = rows_of(
                    make_earns(setup.raw_store_id, f"copy{r}", args.orders, customers, r)
                )
                work = {
                    "batch": partial(post_batches, base, setup.secret, batch_bodies, args.batch),
                    "single": partial(post_singles, base, setup.secret, single_bodies),
                    "bulk": partial(bulk_path, app, earns, args.batch),
                    "copy": partial(raw.copy, copies, args.batch),
                }
                for name in PATHS if r % 2 == 0 else PATHS[::-1]:
                    rates[name].append(timed(work[name], args.orders))
                    print(f"round {r + 1}: {name:<6} {rates[name][-1]:8.0f} /s", flush=True)
        print(
            f"\n{args.orders} per path per round, --batch {args.batch}, {args.rounds} rounds, "
            f"walaa serve --workers {args.workers}"
        )
        print(f"{'path':<40} {'median /s':>10} {'best /s':>10}")
        labels = {
            "batch": f"POST /v1/orders/batch, {args.batch} per call",
            "single": "POST /v1/orders, one at a time",
            "bulk": f"earn_many(), {args.batch} per db txn",
            "copy": f"COPY + set-based UPDATE, {args.batch} per txn",
        }
        for name in PATHS:
            print(
                f"{labels[name]:<40} {statistics.median(rates[name]):>10.0f} "
                f"{max(rates[name]):>10.0f}"
            )
        print("\nratios (median of each round's own ratio)")
        for a, b in (("batch", "copy"), ("bulk", "copy"), ("batch", "single")):
            per_round = [x / y for x, y in zip(rates[a], rates[b], strict=True)]
            print(f"  {a} / {b:<8} {statistics.median(per_round):.3f}")
        with engine.connect() as conn:
            for store_id in (setup.store_id, setup.raw_store_id):
                audit = audit_store(conn, store_id)
                print(f"walaa audit {store_id}: {'ok' if audit.ok else 'FAILED'}")


if __name__ == "__main__":
    main()
