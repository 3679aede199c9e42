"""`earn_many` posts a batch of earns in one database transaction, and its books are exactly
those of the same earns posted one by one."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import Connection, text

from walaa.adapters.db.audit import audit_store
from walaa.bootstrap import App, FixedClock
from walaa.domain.errors import IdempotencyConflict
from walaa.domain.stores import Store
from walaa.service.commands import Earn, Reverse, Spend
from walaa.service.handlers import ledger as h
from walaa.service.handlers.stores import create_store

TABLES = ("customers", "ledger_transactions", "postings", "lots", "lot_movements", "holds")

#: Each store's books with the ids left out (they differ between stores), keyed by the
#: idempotency key of the transaction a row belongs to. request_hash is left out too: it
#: covers the store id.
SNAPSHOT = {
    "customers": "SELECT id, available, pending, held FROM customers WHERE store_id = :s",
    "transactions": """SELECT idempotency_key, customer_id, kind, amount, occurred_at
                       FROM ledger_transactions WHERE store_id = :s""",
    "postings": """SELECT x.idempotency_key, p.customer_id, p.account, p.amount
                   FROM postings p JOIN ledger_transactions x ON x.id = p.transaction_id
                   WHERE p.store_id = :s""",
    "lots": """SELECT x.idempotency_key, l.customer_id, l.amount, l.remaining, l.pending,
                      l.available_at, l.expires_at
               FROM lots l JOIN ledger_transactions x ON x.id = l.transaction_id
               WHERE l.store_id = :s""",
    "lot movements": """SELECT x.idempotency_key, lx.idempotency_key, m.delta
                        FROM lot_movements m
                        JOIN ledger_transactions x ON x.id = m.transaction_id
                        JOIN lots l ON l.id = m.lot_id
                        JOIN ledger_transactions lx ON lx.id = l.transaction_id
                        WHERE m.store_id = :s""",
}


def books(conn: Connection, store_id: str) -> dict[str, list[tuple[object, ...]]]:
    return {
        name: sorted((tuple(row) for row in conn.execute(text(sql), {"s": store_id})), key=repr)
        for name, sql in SNAPSHOT.items()
    }


def row_counts(conn: Connection) -> dict[str, int]:
    count = "SELECT COUNT(*) FROM {}"
    return {table: conn.execute(text(count.format(table))).scalar_one() for table in TABLES}


def with_a_debt(app: App, clock: FixedClock, store_id: str) -> None:
    """'debtor' spent 80 of 100 points whose earn was then reversed: they owe 80."""
    first = h.earn(app.uow(), clock, Earn(store_id, "debtor", "seed:earn", 100))
    h.spend(app.uow(), clock, Spend(store_id, "debtor", "seed:spend", 80))
    h.reverse(app.uow(), clock, Reverse(store_id, "debtor", "seed:reverse", first.transaction_id))


def batch(store_id: str, clock: FixedClock) -> list[Earn]:
    now = clock.now()
    return [
        Earn(store_id, "zoe", "order:1:earn", 40, expires_at=now + timedelta(days=365)),
        Earn(store_id, "adam", "order:2:earn", 25, available_at=now + timedelta(days=14)),
        Earn(store_id, "debtor", "order:3:earn", 50),  # repays 50 of the 80 owed
        Earn(store_id, "mia", "order:4:earn", 10, reason="welcome", reference="signup"),
        Earn(store_id, "adam", "order:5:earn", 30, details={"sku": "serum-30ml"}),
        Earn(store_id, "debtor", "order:6:earn", 50),  # repays the last 30, keeps 20
        Earn(store_id, "zoe", "order:7:earn", 5, available_at=now - timedelta(days=1)),
    ]


def audited(app: App, store_id: str) -> None:
    with app.engine.connect() as conn:
        report = audit_store(conn, store_id)
    assert report.ok, report


def test_a_batch_writes_the_same_books_as_the_same_earns_one_by_one(
    app: App, clock: FixedClock, store: Store
) -> None:
    twin = create_store(app.uow(), clock, "Dewy Skincare (twin)", "USD", "Asia/Riyadh")
    for s in (store, twin):
        with_a_debt(app, clock, s.id)

    singles = [h.earn(app.uow(), clock, command) for command in batch(store.id, clock)]
    batched = h.earn_many(app.uow(), clock, batch(twin.id, clock))

    def without_ids(receipts: list[h.Receipt]) -> list[tuple[object, ...]]:
        return [(r.kind, r.customer_id, r.amount, r.replayed, r.hold_id) for r in receipts]

    assert without_ids(batched) == without_ids(singles)
    with app.engine.connect() as conn:
        assert books(conn, twin.id) == books(conn, store.id)
        balances = dict(
            conn.execute(
                text("SELECT id, available FROM customers WHERE store_id = :s"), {"s": twin.id}
            ).all()
        )
    assert balances == {"zoe": 45, "adam": 30, "debtor": 20, "mia": 10}
    audited(app, store.id)
    audited(app, twin.id)


def test_replaying_a_batch_returns_the_first_receipts_and_writes_nothing(
    app: App, clock: FixedClock, store: Store
) -> None:
    commands = batch(store.id, clock)
    first = h.earn_many(app.uow(), clock, commands)
    with app.engine.connect() as conn:
        before = row_counts(conn), books(conn, store.id)

    clock.current += timedelta(hours=1)  # a retry, later and in another order
    again = h.earn_many(app.uow(), clock, commands[::-1])

    assert all(r.replayed for r in again)
    assert [r.transaction_id for r in again] == [r.transaction_id for r in first][::-1]
    with app.engine.connect() as conn:
        assert (row_counts(conn), books(conn, store.id)) == before
    audited(app, store.id)


def test_a_batch_replays_earns_already_posted_one_by_one(
    app: App, clock: FixedClock, store: Store
) -> None:
    commands = batch(store.id, clock)
    single = h.earn(app.uow(), clock, commands[3])

    receipts = h.earn_many(app.uow(), clock, commands)

    assert [r.replayed for r in receipts] == [False, False, False, True, False, False, False]
    assert receipts[3].transaction_id == single.transaction_id
    audited(app, store.id)


def test_a_key_reused_for_another_request_rejects_the_whole_batch(
    app: App, clock: FixedClock, store: Store
) -> None:
    h.earn(app.uow(), clock, Earn(store.id, "zoe", "order:1:earn", 40))
    with app.engine.connect() as conn:
        before = row_counts(conn)

    commands = [
        Earn(store.id, "adam", "order:2:earn", 25),
        Earn(store.id, "zoe", "order:1:earn", 999),  # same key, another request
    ]
    with pytest.raises(IdempotencyConflict):
        h.earn_many(app.uow(), clock, commands)

    with app.engine.connect() as conn:
        assert row_counts(conn) == before  # adam's earn and adam himself were rolled back
    audited(app, store.id)


def test_an_empty_batch_posts_nothing(app: App, clock: FixedClock, store: Store) -> None:
    assert h.earn_many(app.uow(), clock, []) == []


def post_concurrently(
    app: App, clock: FixedClock, store_id: str, customers: list[str], threads: int
) -> list[BaseException]:
    """``threads`` batches at once, each earning 10 for every customer in an order of its own;
    what they raised."""
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def post_batch(n: int) -> None:
        order = random.Random(n).sample(customers, len(customers))
        commands = [Earn(store_id, c, f"batch:{n}:{c}", 10) for c in order]
        barrier.wait()
        try:
            h.earn_many(app.uow(), clock, commands)
        except Exception as exc:
            failures.append(exc)

    workers = [threading.Thread(target=post_batch, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return failures


def test_overlapping_batches_in_opposite_orders_queue_instead_of_deadlocking(
    app: App, clock: FixedClock, store: Store
) -> None:
    customers = [f"c{i:02}" for i in range(12)]
    for customer in customers:  # existing rows, so every batch contends for the same locks
        h.earn(app.uow(), clock, Earn(store.id, customer, f"seed:{customer}", 1))
    threads = 8
    failures = post_concurrently(app, clock, store.id, customers, threads)

    assert failures == []
    with app.engine.connect() as conn:
        available = conn.execute(
            text("SELECT SUM(available) FROM customers WHERE store_id = :s"), {"s": store.id}
        ).scalar_one()
    assert available == len(customers) * (1 + 10 * threads)
    audited(app, store.id)
