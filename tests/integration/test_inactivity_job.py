"""The worker's inactivity expiry on SQLite and PostgreSQL: set-based over every lot of the
customers past the deadline, pending ones too, and judged again under the customer's lock."""

from __future__ import annotations

from datetime import timedelta

from tests.builders import audit, balances, give, take
from walaa.adapters.db.jobs import SqlScheduledJobs
from walaa.bootstrap import App, FixedClock
from walaa.domain.stores import Store
from walaa.service.handlers.jobs import INACTIVE, timed_key

DAYS = 90


def due(app: App, store: Store, as_of) -> list[str]:
    with SqlScheduledJobs(app.engine) as jobs:
        found = jobs.due_customers(store.id, INACTIVE, as_of, cutoff=as_of - timedelta(DAYS))
    return [customer.customer_id for customer in found]


def expire(app: App, store: Store, as_of, customers: list[str]):
    with SqlScheduledJobs(app.engine) as jobs:
        claimed = jobs.claim_customers(store.id, customers)
        keys = [timed_key(store.id, c, INACTIVE, as_of) for c in claimed]
        outcome = jobs.expire_inactive(store.id, keys, as_of, DAYS)
        jobs.commit()
    return outcome


def test_every_lot_of_an_inactive_customer_expires_pending_ones_too(app, clock, store):
    start = clock.now()
    give(app, clock, store.id, "amal", 300)
    give(app, clock, store.id, "amal", 200, available_at=start + timedelta(days=200))
    give(app, clock, store.id, "badr", 50)
    clock.current = start + timedelta(days=30)
    give(app, clock, store.id, "badr", 10)  # badr was active later
    as_of = start + timedelta(days=DAYS)
    assert due(app, store, as_of) == ["amal"]

    outcome = expire(app, store, as_of, ["amal"])
    assert (outcome.transactions, outcome.lots, outcome.points) == (1, 2, 500)
    after = balances(app, store.id, "amal")
    assert (after.available, after.pending) == (0, 0)
    assert expire(app, store, as_of, ["amal"]).transactions == 0  # the same moment: written
    assert balances(app, store.id, "badr").available == 60
    assert audit(app, store.id).ok


def test_a_customer_active_since_the_list_was_read_keeps_the_points(
    app: App, clock: FixedClock, store: Store
):
    start = clock.now()
    give(app, clock, store.id, "amal", 300)
    as_of = start + timedelta(days=DAYS + 1)
    assert due(app, store, as_of) == ["amal"]
    clock.current = as_of
    take(app, clock, store.id, "amal", 20)  # spends between the listing and the batch

    assert expire(app, store, as_of, ["amal"]).transactions == 0
    assert balances(app, store.id, "amal").available == 280
    assert audit(app, store.id).ok
