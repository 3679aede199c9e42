"""The worker's jobs on SQLite and PostgreSQL: ripening, holds, expiry, warnings, reruns.

Every test ends with `walaa audit` passing. The PostgreSQL-only tests at the end show what
several workers need: a customer another transaction holds is skipped, not waited for, and two
workers over the same due work expire every lot exactly once.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from tests.builders import audit, balances, give, key, take
from tests.conftest import postgres_engine
from walaa.adapters.db import tables as t
from walaa.adapters.db.jobs import SqlScheduledJobs
from walaa.bootstrap import App, FixedClock
from walaa.domain.errors import WalaaError
from walaa.domain.ledger import Kind
from walaa.service.commands import Earn, PlaceHold, Reverse, Spend
from walaa.service.handlers import ledger as h
from walaa.service.handlers.jobs import (
    EXPIRE,
    JobReport,
    PassReport,
    Worker,
    WorkerSettings,
    run_pass,
    run_timed,
)
from walaa.service.handlers.stores import create_store

DAY = timedelta(days=1)


def worker(app: App, jobs: Any = None, **settings: Any) -> Worker:
    return Worker(app.uow, jobs or app.jobs, app.idempotency, WorkerSettings(**settings))


def run(app: App, store_id: str, as_of: datetime, **settings: Any) -> PassReport:
    report = run_pass(worker(app, **settings), as_of, stores=[store_id])
    assert report.ok, {name: job.failures for name, job in report.jobs.items()}
    return report


def lots_of(app: App, store_id: str, customer: str) -> list[tuple[int, bool]]:
    """(remaining, pending) of each of the customer's lots, oldest first."""
    lots = t.lots
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(lots.c.remaining, lots.c.pending)
            .where(lots.c.store_id == store_id, lots.c.customer_id == customer)
            .order_by(lots.c.id)
        ).all()
    return [(r.remaining, r.pending) for r in rows]


def kinds(app: App, store_id: str, customer: str) -> list[str]:
    x = t.ledger_transactions
    with app.engine.connect() as conn:
        return list(
            conn.execute(
                select(x.c.kind)
                .where(x.c.store_id == store_id, x.c.customer_id == customer)
                .order_by(x.c.id)
            ).scalars()
        )


def postings_of(app: App, store_id: str, kind: str) -> Counter[tuple[str | None, str]]:
    """The (customer, account) -> amount of every posting of the store's `kind` transactions."""
    p, x = t.postings, t.ledger_transactions
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(p.c.customer_id, p.c.account, p.c.amount)
            .join(x, x.c.id == p.c.transaction_id)
            .where(p.c.store_id == store_id, x.c.kind == kind)
        ).all()
    totals: Counter[tuple[str | None, str]] = Counter()
    for customer, account, amount in rows:
        totals[customer, account] += amount
    return totals


def row_counts(app: App) -> dict[str, int]:
    names = ("ledger_transactions", "postings", "lots", "lot_movements", "notices")
    with app.engine.connect() as conn:
        return {n: conn.execute(text(f"SELECT COUNT(*) FROM {n}")).scalar_one() for n in names}


def notices(app: App, store_id: str) -> list[tuple[str, str, dict[str, Any], datetime]]:
    n = t.notices
    with app.engine.connect() as conn:
        rows = conn.execute(
            select(n.c.key, n.c.kind, n.c.payload, n.c.created_at)
            .where(n.c.store_id == store_id)
            .order_by(n.c.key)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def hold(app: App, clock: FixedClock, store_id: str, customer: str, points: int, ttl: timedelta):
    return h.place_hold(app.uow(), clock, PlaceHold(store_id, customer, key("hold"), points, ttl))


# -- maturing ---------------------------------------------------------------------------------


def test_pending_points_become_available_when_their_return_window_passes(app, clock, store):
    give(app, clock, store.id, "amal", 80, available_at=clock.now() + 14 * DAY)
    give(app, clock, store.id, "amal", 20, available_at=clock.now() + 21 * DAY)
    clock.current += 13 * DAY
    assert run(app, store.id, clock.now()).jobs["mature"].done == 0
    clock.current += DAY
    report = run(app, store.id, clock.now()).jobs["mature"]
    assert (report.done, report.lots, report.points) == (1, 1, 80)
    b = balances(app, store.id, "amal")
    assert (b.available, b.pending) == (80, 20)
    assert lots_of(app, store.id, "amal") == [(80, False), (20, True)]
    assert audit(app, store.id).ok
    clock.current += 7 * DAY
    run(app, store.id, clock.now())
    assert balances(app, store.id, "amal").available == 100
    take(app, clock, store.id, "amal", 100)
    assert audit(app, store.id).ok


def test_matured_points_repay_a_debt_first_from_the_oldest_ripe_lot(app, clock, store):
    first = give(app, clock, store.id, "amal", 100)
    take(app, clock, store.id, "amal", 90)
    give(app, clock, store.id, "amal", 50, available_at=clock.now() + 14 * DAY)
    give(app, clock, store.id, "amal", 60, available_at=clock.now() + 14 * DAY)
    h.reverse(app.uow(), clock, Reverse(store.id, "amal", key(), first.transaction_id))
    assert balances(app, store.id, "amal").available == -90  # 90 points spent, then refunded
    assert audit(app, store.id).ok
    clock.current += 14 * DAY
    run(app, store.id, clock.now())
    b = balances(app, store.id, "amal")
    assert (b.available, b.pending) == (20, 0)
    # the older lot repaid 50 of the debt, the newer one the other 40
    assert lots_of(app, store.id, "amal")[-2:] == [(0, False), (20, False)]
    assert audit(app, store.id).ok


def test_a_debt_larger_than_the_ripe_points_stays_a_smaller_debt(app, clock, store):
    first = give(app, clock, store.id, "amal", 100)
    take(app, clock, store.id, "amal", 100)
    give(app, clock, store.id, "amal", 30, available_at=clock.now() + DAY)
    h.reverse(app.uow(), clock, Reverse(store.id, "amal", key(), first.transaction_id))
    clock.current += DAY
    run(app, store.id, clock.now())
    assert balances(app, store.id, "amal").available == -70
    assert lots_of(app, store.id, "amal")[-1] == (0, False)
    assert audit(app, store.id).ok


# -- holds ------------------------------------------------------------------------------------


def test_a_hold_past_its_timeout_is_released_by_the_worker(app, clock, store):
    give(app, clock, store.id, "amal", 300)
    hold(app, clock, store.id, "amal", 250, timedelta(minutes=10))
    clock.current += timedelta(minutes=9)
    assert run(app, store.id, clock.now()).jobs["holds"].done == 0
    clock.current += timedelta(minutes=2)
    assert run(app, store.id, clock.now()).jobs["holds"].done == 1
    assert run(app, store.id, clock.now()).jobs["holds"].done == 0
    b = balances(app, store.id, "amal")
    assert (b.available, b.held) == (300, 0)
    assert audit(app, store.id).ok


def test_holds_are_released_in_scans_until_none_is_due(app, clock, store):
    give(app, clock, store.id, "amal", 100)
    for _ in range(5):
        hold(app, clock, store.id, "amal", 10, timedelta(minutes=1))
    clock.current += timedelta(minutes=2)
    assert run(app, store.id, clock.now(), hold_batch=2).jobs["holds"].done == 5
    assert balances(app, store.id, "amal").held == 0
    assert audit(app, store.id).ok


# -- expiry -----------------------------------------------------------------------------------


def test_expiry_takes_only_what_is_left_in_expired_lots(app, clock, store):
    give(app, clock, store.id, "amal", 100, expires_at=clock.now() + 30 * DAY)
    give(app, clock, store.id, "amal", 100, expires_at=clock.now() + 90 * DAY)
    take(app, clock, store.id, "amal", 70)  # from the oldest lot
    clock.current += 31 * DAY
    report = run(app, store.id, clock.now()).jobs["expire"]
    assert (report.done, report.lots, report.points) == (1, 1, 30)
    assert balances(app, store.id, "amal").available == 100
    assert lots_of(app, store.id, "amal") == [(0, False), (100, False)]
    assert postings_of(app, store.id, "expire") == {
        (None, "expired"): 30,
        ("amal", "available"): -30,
    }
    books = audit(app, store.id)
    assert books.ok and books.totals["expired"] == 30


def test_expiry_of_a_lot_partly_spent_and_partly_held(app, clock, store):
    give(app, clock, store.id, "amal", 100, expires_at=clock.now() + 30 * DAY)
    give(app, clock, store.id, "amal", 100, expires_at=clock.now() + 90 * DAY)
    take(app, clock, store.id, "amal", 30)
    clock.current += 5 * DAY
    hold(app, clock, store.id, "amal", 50, timedelta(days=30))  # times out on day 35
    assert lots_of(app, store.id, "amal") == [(20, False), (100, False)]

    clock.current += 26 * DAY  # day 31: the lot has expired, the hold is still open
    assert run(app, store.id, clock.now()).jobs["expire"].points == 20
    b = balances(app, store.id, "amal")
    assert (b.available, b.held) == (100, 50)
    assert audit(app, store.id).ok

    clock.current += 5 * DAY  # day 36: the hold times out; its points go back to the old lot,
    report = run(app, store.id, clock.now())  # which has expired: the same pass takes them
    assert report.jobs["holds"].done == 1
    assert report.jobs["expire"].points == 50
    b = balances(app, store.id, "amal")
    assert (b.available, b.held) == (100, 0)
    assert lots_of(app, store.id, "amal") == [(0, False), (100, False)]
    books = audit(app, store.id)
    assert books.ok and books.totals["expired"] == 70 and books.totals["redeemed"] == 30


def test_points_still_pending_at_their_expiry_expire_from_pending(app, clock, store):
    give(
        app,
        clock,
        store.id,
        "amal",
        40,
        available_at=clock.now() + 10 * DAY,
        expires_at=clock.now() + 20 * DAY,
    )
    clock.current += 21 * DAY
    job = JobReport(EXPIRE)  # the expiry job alone: the pass would have ripened them first
    run_timed(worker(app), store.id, EXPIRE, clock.now(), job)
    assert (job.done, job.points) == (1, 40)
    b = balances(app, store.id, "amal")
    assert (b.available, b.pending) == (0, 0)
    assert postings_of(app, store.id, "expire") == {(None, "expired"): 40, ("amal", "pending"): -40}
    assert audit(app, store.id).ok


def test_each_customer_gets_one_expiry_transaction_for_all_its_due_lots(app, clock, store):
    for days in (10, 11, 12):
        give(app, clock, store.id, "amal", 10, expires_at=clock.now() + days * DAY)
    give(app, clock, store.id, "badr", 5, expires_at=clock.now() + 10 * DAY)
    give(app, clock, store.id, "badr", 7)  # never expires
    clock.current += 13 * DAY
    report = run(app, store.id, clock.now()).jobs["expire"]
    assert (report.done, report.lots, report.points) == (2, 4, 35)
    assert kinds(app, store.id, "amal").count("expire") == 1
    assert balances(app, store.id, "badr").available == 7
    assert audit(app, store.id).ok


def test_a_pass_serves_every_store(app, clock, store):
    other = create_store(app.uow(), clock, "Other shop", "USD", "UTC")
    for shop in (store.id, other.id):
        give(app, clock, shop, "amal", 10, expires_at=clock.now() + DAY)
    clock.current += 2 * DAY
    report = run_pass(worker(app), clock.now())
    assert report.ok and report.jobs["expire"].done >= 2
    for shop in (store.id, other.id):
        assert balances(app, shop, "amal").available == 0
        assert audit(app, shop).ok


# -- warnings ---------------------------------------------------------------------------------


def test_expiry_warnings_are_recorded_once_across_reruns(app, clock, store):
    now = clock.now()  # 2026-03-01 09:00 UTC
    give(app, clock, store.id, "amal", 100, expires_at=now + 10 * DAY)
    give(app, clock, store.id, "amal", 40, expires_at=now + 10 * DAY + timedelta(hours=1))
    give(app, clock, store.id, "amal", 70, expires_at=now + 40 * DAY)
    give(app, clock, store.id, "badr", 25, expires_at=now + 13 * DAY)
    give(app, clock, store.id, "cala", 25, expires_at=now + 15 * DAY)  # beyond 14 days

    assert run(app, store.id, now).jobs["warn"].done == 2
    assert notices(app, store.id) == [
        (
            "expiring:amal:2026-03-11",
            "points_expiring",
            {"points": 140, "expires_on": "2026-03-11", "expires_at": "2026-03-11T09:00:00Z"},
            now,
        ),
        (
            "expiring:badr:2026-03-14",
            "points_expiring",
            {"points": 25, "expires_on": "2026-03-14", "expires_at": "2026-03-14T09:00:00Z"},
            now,
        ),
    ]
    assert run(app, store.id, now).jobs["warn"].done == 0
    clock.current += DAY
    assert run(app, store.id, clock.now()).jobs["warn"].done == 1  # cala's turn
    assert run(app, store.id, clock.now()).jobs["warn"].done == 0
    clock.current += 26 * DAY  # amal's third lot is now 13 days away
    assert run(app, store.id, clock.now()).jobs["warn"].done == 1
    assert len(notices(app, store.id)) == 4
    assert audit(app, store.id).ok


def test_no_warning_for_points_already_spent_or_with_warnings_off(app, clock, store):
    give(app, clock, store.id, "amal", 100, expires_at=clock.now() + 5 * DAY)
    take(app, clock, store.id, "amal", 100)
    give(app, clock, store.id, "badr", 10, expires_at=clock.now() + 5 * DAY)
    assert run(app, store.id, clock.now(), warn_days=0).jobs["warn"].done == 0
    assert run(app, store.id, clock.now()).jobs["warn"].done == 1
    assert [n[0] for n in notices(app, store.id)] == ["expiring:badr:2026-03-06"]


# -- idempotency ------------------------------------------------------------------------------


class PowerCut(Exception):
    pass


def crashing_jobs(app: App, on_commit: int) -> Any:
    """The worker's transactions, the `on_commit`-th of which dies just before committing."""
    commits = itertools.count(1)

    class Crashing(SqlScheduledJobs):
        def commit(self) -> None:
            if next(commits) == on_commit:
                raise PowerCut("the worker died before this batch committed")
            super().commit()

    return lambda: Crashing(app.engine)


def test_a_rerun_after_a_crash_finishes_the_work_once(app, clock, store):
    for n in range(5):
        give(app, clock, store.id, f"c{n}", 10 + n, expires_at=clock.now() + DAY)
        give(app, clock, store.id, f"c{n}", 10 + n, expires_at=clock.now() + DAY)
    clock.current += 2 * DAY
    as_of = clock.now()
    crashed = run_pass(
        worker(app, crashing_jobs(app, on_commit=2), batch_lots=4), as_of, stores=[store.id]
    )
    (failure,) = crashed.jobs["expire"].failures
    assert "PowerCut" in failure
    assert crashed.jobs["expire"].done == 2  # the first batch committed: two customers
    assert audit(app, store.id).ok
    done = sum(kinds(app, store.id, f"c{n}").count("expire") for n in range(5))
    assert done == 2

    rerun = run(app, store.id, as_of, batch_lots=4)  # the same moment, the same keys
    assert rerun.jobs["expire"].done == 3
    for n in range(5):
        assert kinds(app, store.id, f"c{n}").count("expire") == 1
        assert balances(app, store.id, f"c{n}").available == 0
    assert audit(app, store.id).ok


def test_a_rerun_of_a_finished_pass_writes_nothing(app, clock, store):
    give(app, clock, store.id, "amal", 50, available_at=clock.now() + DAY)
    give(app, clock, store.id, "amal", 60, expires_at=clock.now() + DAY)
    give(app, clock, store.id, "badr", 70, expires_at=clock.now() + 10 * DAY)
    hold(app, clock, store.id, "badr", 20, timedelta(minutes=5))
    clock.current += 2 * DAY
    first = run(app, store.id, clock.now())
    assert [first.jobs[j].done for j in ("holds", "mature", "expire", "warn")] == [1, 1, 1, 1]
    before = row_counts(app)
    again = run(app, store.id, clock.now())
    assert {name: job.done for name, job in again.jobs.items() if job.done} == {}
    assert row_counts(app) == before
    assert audit(app, store.id).ok


def test_expire_points_at_the_same_moment_finds_the_workers_transaction(app, clock, store):
    give(app, clock, store.id, "amal", 50, available_at=clock.now() + DAY)
    give(app, clock, store.id, "amal", 60, expires_at=clock.now() + DAY)
    clock.current += 2 * DAY
    run(app, store.id, clock.now())
    matured = h.mature_points(app.uow(), store.id, "amal", clock.now())
    expired = h.expire_points(app.uow(), store.id, "amal", clock.now())
    assert matured is not None and matured.replayed and matured.kind is Kind.MATURE
    assert expired is not None and expired.replayed and expired.amount == 60
    assert kinds(app, store.id, "amal") == ["earn", "earn", "mature", "expire"]


def test_idempotency_records_older_than_a_day_are_purged(app, clock, store):
    app.idempotency.begin(store.id, "old-request", "hash")
    app.idempotency.finish(store.id, "old-request", 201, "{}")
    now = datetime.now(UTC)
    assert run(app, store.id, now + timedelta(hours=23)).jobs["purge"].done == 0
    assert run(app, store.id, now + timedelta(hours=25)).jobs["purge"].done >= 1
    r = t.idempotency_records
    with app.engine.connect() as conn:
        left = conn.execute(
            select(func.count()).where(r.c.store_id == store.id, r.c.key == "old-request")
        ).scalar_one()
    assert left == 0


def test_the_purge_runs_store_by_store(app, clock, store):
    other = create_store(app.uow(), clock, "Other", "USD", "UTC")
    for store_id in (store.id, other.id):
        app.idempotency.begin(store_id, "old-request", "hash")
        app.idempotency.finish(store_id, "old-request", 201, "{}")
    later = datetime.now(UTC) + timedelta(hours=25)
    assert run(app, store.id, later).jobs["purge"].done == 1
    r = t.idempotency_records
    with app.engine.connect() as conn:
        left = conn.execute(select(r.c.store_id).where(r.c.key == "old-request")).scalars()
        assert left.all() == [other.id]
    assert run(app, other.id, later).jobs["purge"].done == 1


# -- the set-based SQL against the domain ----------------------------------------------------


def _books(app: App, store_id: str) -> dict[str, Any]:
    """Everything the jobs change, without ids: balances and lots per customer, totals."""
    c, lots = t.customers, t.lots
    with app.engine.connect() as conn:
        people = conn.execute(
            select(c.c.id, c.c.available, c.c.pending, c.c.held)
            .where(c.c.store_id == store_id)
            .order_by(c.c.id)
        ).all()
        kept = conn.execute(
            select(lots.c.customer_id, lots.c.amount, lots.c.remaining, lots.c.pending)
            .where(lots.c.store_id == store_id)
            .order_by(lots.c.customer_id, lots.c.id)
        ).all()
    return {
        "customers": [tuple(row) for row in people],
        "lots": [tuple(row) for row in kept],
        "totals": audit(app, store_id).totals,
    }


def _act(app: App, clock: FixedClock, shop: str, op: str, name: str, tag: str, arg: Any) -> Any:
    """One step of a history, in one store; a refusal is an outcome too."""
    try:
        if op == "earn":
            points, ripe, expiry = arg
            command = Earn(shop, name, tag, points, available_at=ripe, expires_at=expiry)
            return h.earn(app.uow(), clock, command).transaction_id
        if op == "spend":
            return h.spend(app.uow(), clock, Spend(shop, name, tag, arg)).amount
        if op == "reverse":
            whose, txn, points = arg
            return h.reverse(app.uow(), clock, Reverse(shop, whose, tag, txn, points)).amount
        return hold(app, clock, shop, name, *arg).amount
    except WalaaError as refused:
        return type(refused)


# seeds whose histories include matured points repaying a debt and holds released into lots
# that had expired meanwhile
@pytest.mark.parametrize("seed", [2, 10, 11])
def test_the_worker_writes_what_the_domain_decides_customer_by_customer(app, clock, store, seed):
    """The same history in two stores: one kept by the worker's set-based SQL, the other by
    `mature_points`/`expire_points` (ledger.mature/ledger.expire) one customer at a time."""
    twin = create_store(app.uow(), clock, "Twin", "USD", "UTC")
    rng = random.Random(seed)
    earns: list[tuple[str, int, int]] = []  # (customer, transaction here, in the twin)
    for step in range(160):
        name, tag, now, roll = f"c{rng.randrange(6)}", f"s{step}", clock.now(), rng.random()
        if roll < 0.8:
            if roll < 0.4:
                ripe = now + rng.choice([0, 1, 3, 6]) * DAY if rng.random() < 0.5 else None
                expiry = now + rng.randint(7, 25) * DAY if rng.random() < 0.8 else None
                op, arg = "earn", (rng.randint(1, 120), ripe, expiry)
            elif roll < 0.55:
                op, arg = "spend", rng.randint(1, 150)
            elif roll < 0.7 and earns:
                whose, mine, theirs = rng.choice(earns)
                op, arg = "reverse", (whose, (mine, theirs), rng.choice([None, 10, 40]))
            else:
                op, arg = "hold", (rng.randint(1, 60), rng.choice([1, 2]) * DAY)
            outcomes = []
            for number, shop in enumerate((store.id, twin.id)):
                if op == "reverse":
                    whose, pair, points = arg
                    outcomes.append(
                        _act(app, clock, shop, op, name, tag, (whose, pair[number], points))
                    )
                else:
                    outcomes.append(_act(app, clock, shop, op, name, tag, arg))
            if op == "earn":
                assert type(outcomes[0]) is type(outcomes[1])
                if isinstance(outcomes[0], int):
                    earns.append((name, outcomes[0], outcomes[1]))
            else:
                assert outcomes[0] == outcomes[1], f"step {step}: {op}"
            continue
        clock.current += rng.choice([1, 2, 4]) * DAY
        now = clock.now()
        run(app, store.id, now, batch_lots=rng.choice([1, 3, 50]))
        h.release_expired_holds(app.uow(), clock, twin.id)
        h.run_due(app.uow(), twin.id, now)
        assert _books(app, store.id) == _books(app, twin.id), f"step {step}"
        assert audit(app, store.id).ok and audit(app, twin.id).ok
    assert _books(app, store.id)["totals"].get("expired", 0) > 0
    with app.engine.connect() as conn:
        repaid = conn.execute(
            text(
                """SELECT COUNT(*) FROM lot_movements m
                   JOIN ledger_transactions x ON x.id = m.transaction_id
                   WHERE x.store_id = :s AND x.kind = 'mature'"""
            ),
            {"s": store.id},
        ).scalar_one()
    assert repaid > 0, "no matured points repaid a debt: the history missed the case"


# -- several workers (PostgreSQL) -------------------------------------------------------------


@pytest.fixture
def pg(postgres_schema: str) -> Any:
    engine = postgres_engine(postgres_schema)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_a_customer_another_transaction_holds_is_skipped_then_done_next_pass(pg: Engine):
    app, clock = App(pg), FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    store = create_store(app.uow(), clock, "Locked shop", "USD", "UTC")
    for name in ("amal", "badr"):
        give(app, clock, store.id, name, 10, expires_at=clock.now() + DAY)
    clock.current += 2 * DAY
    with pg.connect() as other:  # a ledger write for amal is in flight
        other.execute(
            text("SELECT 1 FROM customers WHERE store_id = :s AND id = 'amal' FOR UPDATE"),
            {"s": store.id},
        )
        report = run(app, store.id, clock.now())
        assert (report.jobs["expire"].done, report.jobs["expire"].skipped) == (1, 1)
        other.rollback()
    assert balances(app, store.id, "amal").available == 10
    clock.current += timedelta(minutes=1)
    assert run(app, store.id, clock.now()).jobs["expire"].done == 1
    assert balances(app, store.id, "amal").available == 0
    assert audit(app, store.id).ok


def _due_work(app: App, clock: FixedClock, store_id: str, lots: int, customers: int) -> None:
    """`lots` lots expiring within a day, spread over `customers`; some partly spent, some
    pending (to ripen first), and one more lot each that expires in 8 days (to warn about)."""
    now = clock.now()
    earns = [
        Earn(
            store_id,
            f"c{n % customers:03d}",
            f"due:{n}",
            10 + n % 41,
            available_at=now + timedelta(hours=6) if n % 10 == 0 else None,
            expires_at=now + timedelta(hours=12 + n % 12),
        )
        for n in range(lots)
    ]
    earns += [
        Earn(store_id, f"c{c:03d}", f"later:{c}", 100, expires_at=now + 8 * DAY)
        for c in range(customers)
    ]
    for start in range(0, len(earns), 500):
        h.earn_many(app.uow(), clock, earns[start : start + 500])
    for c in range(0, customers, 3):
        take(app, clock, store_id, f"c{c:03d}", 15)  # from the oldest lot


def _expiries(engine: Engine, store_id: str) -> tuple[Counter[int], Counter[str]]:
    """How many expire movements each lot has, and expire transactions each customer."""
    with engine.connect() as conn:
        moved = conn.execute(
            text(
                """SELECT m.lot_id FROM lot_movements m
                   JOIN ledger_transactions x ON x.id = m.transaction_id
                   WHERE m.store_id = :s AND x.kind = 'expire'"""
            ),
            {"s": store_id},
        ).scalars()
        per_lot = Counter(moved)
        txns = conn.execute(
            text(
                """SELECT customer_id FROM ledger_transactions
                   WHERE store_id = :s AND kind = 'expire'"""
            ),
            {"s": store_id},
        ).scalars()
        return per_lot, Counter(txns)


@pytest.mark.postgres
def test_two_workers_over_the_same_due_work_expire_every_lot_exactly_once(pg: Engine):
    app, clock = App(pg), FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    store = create_store(app.uow(), clock, "Busy shop", "USD", "UTC")
    _due_work(app, clock, store.id, lots=2000, customers=300)
    as_of = clock.now() + 2 * DAY
    with pg.connect() as conn:
        due = dict(
            conn.execute(
                text(
                    """SELECT id, remaining FROM lots
                       WHERE store_id = :s AND remaining > 0 AND expires_at <= :t"""
                ),
                {"s": store.id, "t": as_of},
            ).all()
        )
        pending = conn.execute(
            text("SELECT COUNT(DISTINCT customer_id) FROM lots WHERE store_id = :s AND pending"),
            {"s": store.id},
        ).scalar_one()
    assert len(due) > 1900 and pending == 30  # a few lots were spent in full
    assert audit(app, store.id).ok

    # Different moments, so different keys: only the row locks can keep the two apart.
    moments = [as_of, as_of + timedelta(seconds=1)]
    reports: list[PassReport] = []
    start = threading.Barrier(2)

    def work(moment: datetime) -> None:
        start.wait()
        reports.append(run_pass(worker(app, batch_lots=100), moment, stores=[store.id]))

    threads = [threading.Thread(target=work, args=(moment,)) for moment in moments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(reports) == 2, "a worker thread died"
    assert all(r.ok for r in reports), [job.failures for r in reports for job in r.jobs.values()]
    per_lot, per_customer = _expiries(pg, store.id)
    assert set(per_lot) == set(due) and set(per_lot.values()) == {1}  # every lot, once
    assert len(per_customer) == 300 and set(per_customer.values()) == {1}
    expire = [r.jobs["expire"] for r in reports]
    assert sum(j.lots for j in expire) == len(due)
    assert sum(j.points for j in expire) == sum(due.values())
    assert sum(j.done for j in expire) == 300
    mature = [r.jobs["mature"] for r in reports]
    assert sum(j.done for j in mature) == 30 == len(_kind_per_customer(pg, store.id, "mature"))
    assert set(_kind_per_customer(pg, store.id, "mature").values()) == {1}
    assert sum(r.jobs["warn"].done for r in reports) == 300  # the later lots, one warning each
    assert audit(app, store.id).ok


def _kind_per_customer(engine: Engine, store_id: str, kind: str) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                """SELECT customer_id, COUNT(*) FROM ledger_transactions
                   WHERE store_id = :s AND kind = :k GROUP BY customer_id"""
            ),
            {"s": store_id, "k": kind},
        ).all()
    return {customer: int(n) for customer, n in rows}
