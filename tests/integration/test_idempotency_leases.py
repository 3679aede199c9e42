"""Reservations of an Idempotency-Key on SQLite and PostgreSQL: a dead owner's is taken over
within its lease, a live owner's is kept however long its request runs.

Two stores on one database stand for two server processes. A process "dies" by no longer
holding its keys: its lease thread stops renewing them, as a killed process's would.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from walaa.adapters.db import tables as t
from walaa.adapters.db.idempotency import RequestInProgress, SqlIdempotencyStore

LEASE = timedelta(milliseconds=300)


def test_a_reservation_whose_owner_died_is_taken_over_within_the_retry_wait(engine: Engine):
    first = SqlIdempotencyStore(engine, lease=LEASE)
    assert first.begin("st_a", "k-1", "h") is None
    first._held.clear()  # killed: nothing renews its lease any more
    retry = SqlIdempotencyStore(engine, wait=5.0, lease=LEASE)
    assert retry.begin("st_a", "k-1", "h") is None  # taken over, not 409 in progress
    retry.finish("st_a", "k-1", 201, '{"ok":true}')
    stored = first.begin("st_a", "k-1", "h")
    assert stored is not None and stored.status_code == 201


def test_a_live_owner_keeps_its_reservation_while_it_runs(engine: Engine):
    owner = SqlIdempotencyStore(engine, lease=LEASE)
    assert owner.begin("st_a", "k-2", "h") is None
    impatient = SqlIdempotencyStore(engine, wait=4 * LEASE.total_seconds(), lease=LEASE)
    with pytest.raises(RequestInProgress):
        impatient.begin("st_a", "k-2", "h")  # four leases long: renewed all along
    owner.finish("st_a", "k-2", 200, "{}")
    stored = impatient.begin("st_a", "k-2", "h")
    assert stored is not None and stored.status_code == 200


def test_the_lease_thread_stops_when_nothing_is_held(engine: Engine):
    # The PostgreSQL schema is shared by the whole session: other tests answer keys named
    # "k-3" too, so this one is found by a store id no other test uses.
    store_id = f"st_{uuid.uuid4().hex[:12]}"
    store = SqlIdempotencyStore(engine, lease=LEASE)
    assert store.begin(store_id, "k-3", "h") is None
    store.finish(store_id, "k-3", 200, "{}")
    time.sleep(2 * LEASE.total_seconds())
    assert store._beat is None
    r = t.idempotency_records
    with engine.connect() as conn:
        lease = conn.execute(
            select(r.c.lease_until).where(r.c.store_id == store_id, r.c.key == "k-3")
        ).scalar_one()
    assert lease is None  # an answered key has no owner to wait for
