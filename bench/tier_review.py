#!/usr/bin/env python
"""Tier review of many customers on PostgreSQL: the set-based batch, at two sizes.

    python bench/tier_review.py [--sizes 100000,1000000 | --quick] [--limit 10000]
                                [--sample 2000] [--url postgresql://postgres@127.0.0.1:5432/test]

For each size N, in a throwaway schema of its own (created, migrated and dropped here): one
store, a program with three tiers (eligible spend, rolling 12 months, reviewed monthly,
one step down), and N customers loaded with INSERT ... SELECT generate_series: a
`customer_tiers` row each (a mix of the three tiers, joined 32 to 58 days ago, so exactly one
review is due and overdue) and three `tier_history` orders each, spread over 400 days, so
reviews upgrade, keep and downgrade. Then, on the clock: `review_batch()` in batches of
--limit until nobody is due. Before that, --sample customers are reviewed one by one with
`review()` (a transaction each, what the worker did before) for comparison.

Printed: load time, customers reviewed, tier events written, seconds per 100k customers for
both paths at each size, and the ratio of the batch's cost per 100k at the largest size to
the smallest (1.0 = linear growth). The tables are analysed after loading, off the clock.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy
import yaml
from sqlalchemy import Engine, text

from walaa.adapters.db.engine import make_engine
from walaa.adapters.db.migrate import upgrade
from walaa.adapters.db.tier_counters import SCALE_SQL
from walaa.bootstrap import App, FixedClock
from walaa.demo import PROGRAM
from walaa.service.handlers.program import apply_program
from walaa.service.handlers.stores import create_store
from walaa.service.handlers.tiers import review, review_batch

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
TIERS = {
    "measure": "spend",
    "window": {"rolling_months": 12},
    "downgrade": "one_step",
    "grace_days": 0,
    "review": {"every_months": 1},
    "levels": [
        {"id": "bouncy", "name": {"en": "Bouncy"}, "threshold": 0},
        {"id": "dewy", "name": {"en": "Dewy"}, "threshold": 100, "multiplier": 1.5},
        {"id": "ultimate", "name": {"en": "Ultimate"}, "threshold": 300, "multiplier": 2},
    ],
}
HISTORY_PER_CUSTOMER = 3


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="100000,1000000", help="customer counts, comma-separated"
    )
    parser.add_argument("--quick", action="store_true", help="sizes 20000,100000")
    parser.add_argument("--limit", type=int, default=10_000, help="customers per batch")
    parser.add_argument(
        "--sample", type=int, default=2000, help="customers reviewed one by one, for comparison"
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("WALAA_BENCH_POSTGRES_URL")
        or os.environ.get("WALAA_TEST_POSTGRES_URL")
        or DEFAULT_URL,
        help="PostgreSQL server (default: $WALAA_BENCH_POSTGRES_URL, $WALAA_TEST_POSTGRES_URL, "
        f"{DEFAULT_URL})",
    )
    args = parser.parse_args(argv)
    args.sizes = [20_000, 100_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    if min(args.sizes) < 1 or args.limit < 1 or args.sample < 0:
        parser.error("sizes and --limit must be at least 1, --sample at least 0")
    if args.sample >= min(args.sizes):
        parser.error("--sample must be smaller than the smallest size")
    return args


@contextmanager
def throwaway_schema(url: str) -> Iterator[Engine]:
    """A fresh, migrated schema of our own, dropped at the end whatever happens."""
    schema = f"walaa_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url, pool_size=1)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


LOAD_CUSTOMERS = """
INSERT INTO customers (store_id, id, available, pending, held, created_at)
SELECT :store, 'c' || lpad(i::text, 8, '0'), 0, 0, 0, :now - interval '400 days'
FROM generate_series(1, :n) AS i"""
# since: 32 to 58 days ago, so the monthly review (since + 1 month) is due and the next is not
LOAD_TIERS = """
INSERT INTO customer_tiers (store_id, customer_id, level_id, since, pinned, pin_reason,
    pinned_until, grace_until, reviewed_at, next_review_at)
SELECT :store, 'c' || lpad(i::text, 8, '0'),
    (ARRAY['bouncy', 'dewy', 'ultimate'])[1 + i % 3], s.since, false, NULL, NULL, NULL, NULL,
    s.since + interval '1 month'
FROM generate_series(1, :n) AS i,
    LATERAL (SELECT :now - make_interval(days => 32 + i % 27, secs => i % 86400) AS since) AS s"""
# three orders each, 0 to 200.00 with cents, spread over the last 400 days
LOAD_HISTORY = """
INSERT INTO tier_history (store_id, customer_id, at, spend_e4, points, orders, source_key)
SELECT :store, 'c' || lpad(i::text, 8, '0'),
    :now - make_interval(days => (i * 7 + k * 131) % 400, secs => (i * 13 + k) % 86400),
    ((i::bigint * 7919 + k * 104729) % 20001) * 100,
    ((i::bigint * 7919 + k * 104729) % 20001) / 100, 1,
    'bench:' || i || ':' || k
FROM generate_series(1, :n) AS i, generate_series(1, :k) AS k"""
# the running totals per month the orders add to (what migration 0026 fills from history)
LOAD_COUNTERS = f"""
INSERT INTO tier_counters (store_id, customer_id, bucket, spend_e4, points, orders, spend_scale)
SELECT h.store_id, h.customer_id, CAST(date_trunc('month', h.at AT TIME ZONE 'UTC') AS date),
    SUM(h.spend_e4), SUM(h.points), SUM(h.orders), MAX({SCALE_SQL})
FROM tier_history AS h WHERE h.store_id = :store
GROUP BY 1, 2, 3"""


@dataclass
class Result:
    size: int
    load_s: float
    sample: int
    sample_s: float
    reviewed: int
    batch_s: float
    batches: int
    events: int
    left_due: int

    def per_100k(self, seconds: float, customers: int) -> float:
        return seconds / customers * 100_000


def run_size(url: str, size: int, limit: int, sample: int) -> Result:
    with throwaway_schema(url) as engine:
        app = App(engine)
        now = datetime.now(UTC).replace(microsecond=0)
        clock = FixedClock(now)
        store = create_store(app.uow(), clock, "Benchmark store", "USD", "Asia/Riyadh")
        document = {**yaml.safe_load(PROGRAM.read_text(encoding="utf-8")), "tiers": TIERS}
        apply_program(app.uow(), clock, store.id, yaml.safe_dump(document, allow_unicode=True))

        started = time.perf_counter()
        params = {"store": store.id, "now": now, "n": size, "k": HISTORY_PER_CUSTOMER}
        with engine.begin() as conn:
            for sql in (LOAD_CUSTOMERS, LOAD_TIERS, LOAD_HISTORY, LOAD_COUNTERS):
                conn.execute(text(sql), params)
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text(
                    "VACUUM ANALYZE customers, customer_tiers, tier_history, tier_counters, "
                    "tier_events"
                )
            )
        load_s = time.perf_counter() - started
        print(f"  {size:>9,} customers loaded in {load_s:,.1f} s", flush=True)

        # one by one, the old way, on the first --sample customers
        started = time.perf_counter()
        for i in range(1, sample + 1):
            review(app.uow(), clock, store.id, f"c{i:08}")
        sample_s = time.perf_counter() - started

        reviewed = batches = 0
        started = time.perf_counter()
        while done := review_batch(app.uow(), clock, store.id, limit=limit):
            reviewed += done
            batches += 1
        batch_s = time.perf_counter() - started

        with engine.connect() as conn:
            events = conn.execute(text("SELECT count(*) FROM tier_events")).scalar_one()
            left_due = conn.execute(
                text("SELECT count(*) FROM customer_tiers WHERE next_review_at <= :now"),
                {"now": now},
            ).scalar_one()
        return Result(size, load_s, sample, sample_s, reviewed, batch_s, batches, events, left_due)


def environment(url: str) -> list[str]:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            server = conn.execute(text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    return [
        f"python      {sys.version.split()[0]} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; SQLAlchemy {sqlalchemy.__version__}",
        f"postgresql  {server}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print("\n".join(environment(args.url)))
    print(
        f"workload    tiers on spend, rolling 12 months, monthly review; "
        f"{HISTORY_PER_CUSTOMER} orders per customer; batches of {args.limit:,}; "
        f"{args.sample:,} reviewed one by one first",
        flush=True,
    )
    results = [run_size(args.url, size, args.limit, args.sample) for size in args.sizes]
    print()
    print(
        f"{'customers':>10}  {'load s':>8}  {'batches':>7}  {'reviewed':>9}  {'events':>8}  "
        f"{'batch s':>8}  {'batch s/100k':>12}  {'one-by-one s/100k':>17}  {'speed-up':>8}"
    )
    for r in results:
        batch = r.per_100k(r.batch_s, r.reviewed)
        single = r.per_100k(r.sample_s, r.sample) if r.sample else float("nan")
        print(
            f"{r.size:>10,}  {r.load_s:>8.1f}  {r.batches:>7,}  {r.reviewed + r.sample:>9,}  "
            f"{r.events:>8,}  {r.batch_s:>8.1f}  {batch:>12.2f}  {single:>17.2f}  "
            f"{single / batch:>7.1f}x"
        )
        if r.left_due or r.reviewed + r.sample != r.size:
            print(f"  !! {r.left_due:,} customers still due at {r.size:,}", file=sys.stderr)
            return 1
    small, large = results[0], results[-1]
    growth = large.per_100k(large.batch_s, large.reviewed) / small.per_100k(
        small.batch_s, small.reviewed
    )
    print(
        f"\ncost per 100k customers grows x{growth:.2f} from {small.size:,} to {large.size:,} "
        "customers (1.00 = linear)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
