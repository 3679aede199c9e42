"""The set-based tier review decides exactly as the per-customer one, and workers share it.

Two twin stores get the same program and the same customers (statuses, orders, refunds);
one is reviewed customer by customer with `review()`, the other with `review_batch()` in
small batches. Their tier rows and tier events must be identical. On PostgreSQL two batches
run at once and must never review the same customer twice.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from walaa.adapters.db import tables as tb
from walaa.adapters.db.tiers_repository import SqlTiersRepository
from walaa.bootstrap import App, FixedClock
from walaa.demo import PROGRAM
from walaa.domain import tiers as t
from walaa.domain.program import TierPolicy
from walaa.domain.stores import Store
from walaa.service.handlers.program import apply_program, current_program
from walaa.service.handlers.stores import create_store
from walaa.service.handlers.tiers import review_batch, review_due

LEVELS = [
    {"id": "bouncy", "name": {"en": "Bouncy"}, "threshold": 0},
    {"id": "dewy", "name": {"en": "Dewy"}, "threshold": 100, "multiplier": 1.5},
    {"id": "ultimate", "name": {"en": "Ultimate"}, "threshold": 300, "multiplier": 2},
]
ROLLING = {
    "measure": "spend",
    "window": {"rolling_months": 12},
    "downgrade": "one_step",
    "grace_days": 0,
    "review": {"every_months": 1},
    "levels": LEVELS,
}
CALENDAR = {
    "measure": "spend",
    "window": {"calendar_year": True},
    "downgrade": "to_qualifying",
    "grace_days": 20,
    "review": {"every_months": 2},
    "levels": LEVELS,
}
ORDERS = {**ROLLING, "measure": "orders", "levels": [
    {"id": "bouncy", "name": {"en": "Bouncy"}, "threshold": 0},
    {"id": "dewy", "name": {"en": "Dewy"}, "threshold": 2},
    {"id": "ultimate", "name": {"en": "Ultimate"}, "threshold": 4},
]}  # fmt: skip


def with_tiers(app: App, clock: FixedClock, store_id: str, tiers: dict[str, Any]) -> TierPolicy:
    document = {**yaml.safe_load(PROGRAM.read_text(encoding="utf-8")), "tiers": tiers}
    apply_program(app.uow(), clock, store_id, yaml.safe_dump(document, allow_unicode=True))
    with app.uow() as uow:
        program = current_program(uow.earning(store_id))
    assert program is not None and program.tiers is not None
    return program.tiers


def ago(now: datetime, days: float) -> datetime:
    return now - timedelta(days=days)


def situations(
    now: datetime, count: int
) -> list[tuple[str, t.TierStatus, list[t.QualifyingEvent]]]:
    """Named cases first, then a seeded mix: statuses, orders with cents, refunds, pins."""
    one = Decimal("1")
    named: list[tuple[str, t.TierStatus, list[t.QualifyingEvent]]] = [
        # bouncy who spent enough for ultimate: upgraded at the review
        ("up", t.TierStatus(level_id="bouncy", since=ago(now, 70)),
         [t.QualifyingEvent.order(ago(now, 20), spend=Decimal("350.25"), points=350)]),
        # dewy who spent too little: one step down
        ("down", t.TierStatus(level_id="dewy", since=ago(now, 35)),
         [t.QualifyingEvent.order(ago(now, 20), spend=Decimal("40.5"), points=40)]),
        # ultimate whose order was refunded: down (one step, or to the qualifying tier)
        ("refunded", t.TierStatus(level_id="ultimate", since=ago(now, 33)),
         [t.QualifyingEvent.order(ago(now, 30), spend=Decimal("400"), points=400),
          t.QualifyingEvent.refund(ago(now, 30), spend=Decimal("400"), points=400,
                                   whole_order=True)]),
        # dewy who still qualifies, to the cent: kept
        ("stay", t.TierStatus(level_id="dewy", since=ago(now, 31)),
         [t.QualifyingEvent.order(ago(now, 25), spend=Decimal("99.50"), points=99),
          t.QualifyingEvent.order(ago(now, 5), spend=Decimal("0.50"), points=0)]),
        # pinned to ultimate with nothing spent: kept by the pin
        ("pinned", t.TierStatus(level_id="ultimate", since=ago(now, 45), pinned=True,
                                pin_reason="influencer"), []),
        # a pin that ended: the usual rules again
        ("pin-ended", t.TierStatus(level_id="ultimate", since=ago(now, 45), pinned=True,
                                   pin_reason="promo", pinned_until=ago(now, 3)),
         [t.QualifyingEvent.order(ago(now, 10), spend=one, points=1)]),
        # five reviews missed: caught up one by one
        ("catch-up", t.TierStatus(level_id="ultimate", since=ago(now, 400),
                                  reviewed_at=ago(now, 160)),
         [t.QualifyingEvent.order(ago(now, 380), spend=Decimal("310"), points=310)]),
        # not due yet: untouched
        ("not-due", t.TierStatus(level_id="dewy", since=ago(now, 3)), []),
    ]  # fmt: skip
    rng = random.Random(20260301)
    mixed = []
    for i in range(count - len(named)):
        level = rng.choice(["bouncy", "dewy", "ultimate"])
        since = ago(now, rng.uniform(1, 500))
        reviewed = since + timedelta(days=rng.uniform(0, 200)) if rng.random() < 0.4 else None
        reviewed = reviewed if reviewed is not None and reviewed < now else None
        pinned = rng.random() < 0.12
        until = ago(now, rng.uniform(-30, 30)) if pinned and rng.random() < 0.5 else None
        grace = ago(now, rng.uniform(-15, 15)) if rng.random() < 0.15 else None
        status = t.TierStatus(
            level_id=level,
            since=since,
            pinned=pinned,
            pin_reason="merchant" if pinned else None,
            pinned_until=until,
            grace_until=grace,
            reviewed_at=reviewed,
        )
        events: list[t.QualifyingEvent] = []
        for _ in range(rng.randint(0, 5)):
            at = ago(now, rng.uniform(0.5, 700))
            spend = Decimal(rng.randint(0, 25_000)) / 100
            events.append(t.QualifyingEvent.order(at, spend=spend, points=int(spend)))
            if rng.random() < 0.2:
                whole = rng.random() < 0.5
                back = spend if whole else spend / 2
                events.append(
                    t.QualifyingEvent.refund(at, spend=back, points=int(back), whole_order=whole)
                )
        mixed.append((f"mix-{i:03}", status, events))
    return named + mixed


def load(app: App, store_id: str, policy: TierPolicy, zone: str, now: datetime, cases: Any) -> None:
    with app.uow() as uow:
        repo = uow.tiers(store_id)
        for customer_id, status, events in cases:
            uow.ledger(store_id).lock_customer(customer_id, create=True)
            repo.save_status(
                customer_id, status, t.next_review(status, policy, as_of=now, timezone=zone)
            )
            for n, event in enumerate(events):
                assert repo.add_history(customer_id, event, f"{customer_id}:{n}")
        uow.commit()


def snapshot(engine: Engine, store_id: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    c, e = tb.customer_tiers, tb.tier_events
    with engine.connect() as conn:
        rows = conn.execute(
            select(*[col for col in c.c if col.name != "store_id"])
            .where(c.c.store_id == store_id)
            .order_by(c.c.customer_id)
        ).all()
        events = conn.execute(
            select(e.c.customer_id, e.c.from_level, e.c.to_level, e.c.change, e.c.reason,
                   e.c.measure, e.c.at)
            .where(e.c.store_id == store_id)
            .order_by(e.c.customer_id, e.c.id)
        ).all()  # fmt: skip
    return [tuple(r) for r in rows], [tuple(r) for r in events]


@pytest.mark.parametrize(
    "tiers", [ROLLING, CALENDAR, ORDERS], ids=["rolling", "calendar", "orders"]
)
def test_a_batch_decides_as_one_review_per_customer(
    app: App, clock: FixedClock, store: Store, engine: Engine, tiers: dict[str, Any]
) -> None:
    twin = create_store(app.uow(), clock, "Dewy Twin", "USD", "Asia/Riyadh")
    now = clock.now()
    policy = with_tiers(app, clock, store.id, tiers)
    assert with_tiers(app, clock, twin.id, tiers) == policy
    cases = situations(now, 50)
    load(app, store.id, policy, "Asia/Riyadh", now, cases)
    load(app, twin.id, policy, "Asia/Riyadh", now, cases)

    one_by_one = review_due(app.uow(), clock, store.id, limit=1000)
    batched = [review_batch(app.uow(), clock, twin.id, limit=7) for _ in range(9)]

    assert sum(batched) == one_by_one and batched[-1] == 0
    due = [c for c in cases if t.review_due(c[1], policy, as_of=now, timezone="Asia/Riyadh")]
    assert one_by_one == len(due) >= 30  # all but "not-due" and some recent joiners
    per_customer, in_batches = snapshot(engine, store.id), snapshot(engine, twin.id)
    assert in_batches == per_customer
    rows, events = per_customer
    assert all(row[-1] > now for row in rows)  # next_review_at: nobody is left due
    seen = {(e[3], e[4]) for e in events}
    assert ("upgrade", "qualified") in seen and ("downgrade", "fell_short") in seen
    by_id = {row[0]: row for row in rows}
    assert by_id["pinned"][1] == "ultimate" and by_id["not-due"][-2] is None  # never reviewed
    assert by_id["catch-up"][-2] > now - timedelta(days=62)  # reviewed_at: caught up
    if tiers["measure"] != "spend":
        return
    assert by_id["up"][1] == "ultimate" and by_id["stay"][1] == "dewy"
    if tiers is ROLLING:  # no grace: down at once, the measure as the history sums it
        assert [e[5] for e in events if e[0] == "down"] == ["40.5"]


def test_a_second_batch_finds_nothing_due(app: App, clock: FixedClock, store: Store) -> None:
    now = clock.now()
    policy = with_tiers(app, clock, store.id, ROLLING)
    load(app, store.id, policy, "Asia/Riyadh", now, situations(now, 12))
    reviewed = review_batch(app.uow(), clock, store.id)
    assert 8 <= reviewed <= 11
    assert review_batch(app.uow(), clock, store.id) == 0


@pytest.mark.postgres
def test_two_concurrent_batches_never_review_a_customer_twice(
    app: App, clock: FixedClock, store: Store, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: there is no concurrency to share")
    now = clock.now()
    policy = with_tiers(app, clock, store.id, ROLLING)
    customers = 300
    cases: list[tuple[str, t.TierStatus, list[t.QualifyingEvent]]] = [
        (f"c-{i:04}", t.TierStatus(level_id="dewy", since=ago(now, 40 + i % 20)), [])
        for i in range(customers)
    ]  # every one of them falls short: exactly one downgrade event each
    load(app, store.id, policy, "Asia/Riyadh", now, cases)

    both_claimed = threading.Barrier(2, timeout=30)
    claim = SqlTiersRepository.claim_due

    def claim_then_wait(self: SqlTiersRepository, now: datetime, limit: int) -> Any:
        rows = claim(self, now, limit)
        both_claimed.wait()  # hold the rows until the other worker has claimed too
        return rows

    monkeypatch.setattr(SqlTiersRepository, "claim_due", claim_then_wait)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            counts.append(review_batch(app.uow(), clock, store.id, limit=200))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # each claimed at most its limit, skipping what the other held: the two claims may
    # interleave (SKIP LOCKED), but together they reviewed every customer once
    assert sum(counts) == customers and max(counts) <= 200, counts

    e = tb.tier_events
    with engine.connect() as conn:
        per_customer = conn.execute(
            select(e.c.customer_id, e.c.change).where(e.c.store_id == store.id)
        ).all()
    assert len(per_customer) == customers
    assert len({row.customer_id for row in per_customer}) == customers
    assert {row.change for row in per_customer} == {"downgrade"}
    monkeypatch.undo()
    assert review_batch(app.uow(), clock, store.id) == 0
    del policy
