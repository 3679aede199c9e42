#!/usr/bin/env python
"""A customer's tier measure on PostgreSQL: summed from history vs read from monthly counters.

    python bench/tier_counters.py [--orders 10,100,1000,10000] [--reads 300]
                                  [--url postgresql://postgres@127.0.0.1:5432/test]

In a throwaway schema (created, migrated and dropped here): one store with tiers on spend over
a rolling 12 months, and one customer per --orders size N with N orders spread evenly over the
last 400 days (`tier_history`, and `tier_counters` filled from it as migration 0026 does). For each
customer, --reads times and interleaved, on one connection:

* history: what every order did before the counters: the status row, then every history row
  since the window starts, summed in Python (`walaa.domain.tiers.measure_in_window`);
* counters: `SqlTiersRepository.measures`: the status and the measure in one statement, from
  the whole months' counters and the two edge months' history.

Printed: milliseconds per read for both, their ratio, and whether the two answers are equal
(they must be, to the printed decimal).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime

import yaml
from sqlalchemy import Connection, text

from tier_review import DEFAULT_URL, LOAD_COUNTERS, TIERS, environment, throwaway_schema
from walaa.adapters.db.tiers_repository import SqlTiersRepository
from walaa.bootstrap import App, FixedClock
from walaa.demo import PROGRAM
from walaa.domain import tiers as t
from walaa.domain.program import TierPolicy
from walaa.domain.tier_buckets import largest
from walaa.service.handlers.program import apply_program, current_program
from walaa.service.handlers.stores import create_store

LOAD_ORDERS = """
INSERT INTO tier_history (store_id, customer_id, at, spend_e4, points, orders, source_key)
SELECT :store, CAST(:customer AS text), :now - make_interval(secs => k * 34560000.0 / :n),
    ((k::bigint * 104729) % 20001) * 100, ((k::bigint * 104729) % 20001) / 100, 1,
    CAST(:customer AS text) || ':' || k
FROM generate_series(1, :n) AS k"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--orders", default="10,100,1000,10000", help="orders per customer")
    parser.add_argument("--reads", type=int, default=300, help="reads of each kind per customer")
    parser.add_argument(
        "--url",
        default=os.environ.get("WALAA_BENCH_POSTGRES_URL")
        or os.environ.get("WALAA_TEST_POSTGRES_URL")
        or DEFAULT_URL,
    )
    args = parser.parse_args(argv)
    args.orders = [int(n) for n in args.orders.split(",")]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print("\n".join(environment(args.url)), flush=True)
    print(f"{'orders':>7}  {'history ms':>10}  {'counters ms':>11}  {'ratio':>6}  same")
    with throwaway_schema(args.url) as engine:
        app, now = App(engine), datetime.now(UTC).replace(microsecond=0)
        clock = FixedClock(now)
        store = create_store(app.uow(), clock, "Benchmark store", "USD", "Asia/Riyadh")
        document = {**yaml.safe_load(PROGRAM.read_text(encoding="utf-8")), "tiers": TIERS}
        apply_program(app.uow(), clock, store.id, yaml.safe_dump(document, allow_unicode=True))
        with app.uow() as uow:
            program = current_program(uow.earning(store.id))
        assert program is not None and program.tiers is not None
        policy, zone = program.tiers, program.timezone
        window = t.window_at(policy, as_of=now, timezone=zone)
        with engine.begin() as conn:
            for n in args.orders:
                params = {"store": store.id, "customer": f"c{n}", "now": now, "n": n}
                conn.execute(text(LOAD_ORDERS), params)
            conn.execute(text(LOAD_COUNTERS), {"store": store.id})
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE tier_history, tier_counters, customer_tiers")
            )
        with engine.connect() as conn:
            for n in args.orders:
                old, new, same = _compare(conn, store.id, f"c{n}", policy, zone, now, window, args)
                print(f"{n:>7,}  {old:>10.3f}  {new:>11.3f}  {old / new:>5.1f}x  {same}")
                if not same:
                    return 1
    return 0


def _compare(
    conn: Connection,
    store_id: str,
    customer: str,
    policy: TierPolicy,
    zone: str,
    now: datetime,
    window: t.QualifyingWindow,
    args: argparse.Namespace,
) -> tuple[float, float, bool]:
    """Milliseconds per read, history then counters, and whether they agree."""
    spent = {"history": 0.0, "counters": 0.0}
    answers: dict[str, str] = {}
    for _ in range(args.reads):
        started = time.perf_counter()
        repo = SqlTiersRepository(conn, store_id)  # a new unit of work: nothing remembered
        repo.status(customer)
        history = repo.history(customer, window.starts)
        summed = t.measure_in_window(history, policy, as_of=now, timezone=zone)
        spent["history"] += time.perf_counter() - started
        started = time.perf_counter()
        repo = SqlTiersRepository(conn, store_id)
        _, sums = repo.measures(customer, policy.measure.value, [window])
        spent["counters"] += time.perf_counter() - started
        answers = {"history": str(summed), "counters": str(largest(sums))}
    per_read = {kind: seconds / args.reads * 1000 for kind, seconds in spent.items()}
    return per_read["history"], per_read["counters"], answers["history"] == answers["counters"]


if __name__ == "__main__":
    raise SystemExit(main())
