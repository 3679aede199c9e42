"""`earn_many` writes a batch with set-based statements and still answers every earn as one
earn alone would: replays, conflicts, a customer's earns one after another, new customers,
batches past SQLite's variable limit, and a statement count that does not grow with the batch.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.api.test_statement_budget import counting
from tests.integration.test_earn_many import audited, post_concurrently, row_counts
from walaa.adapters.db.ledger_bulk import IN_CHUNK
from walaa.bootstrap import App, FixedClock
from walaa.domain.errors import AccountClosed, IdempotencyConflict, NotFound, ValidationFailed
from walaa.domain.money import MAX_POINTS
from walaa.domain.stores import Store
from walaa.service.commands import Earn, Spend
from walaa.service.handlers import ledger as h
from walaa.service.handlers.closing import close_account
from walaa.service.handlers.stores import create_store

#: SQLite's limit of bound variables in one statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32)
SQLITE_MAX_VARIABLES = 32_766


def refused_whole(
    app: App, clock: FixedClock, error: type[Exception], commands: list[Earn]
) -> Exception:
    """The batch is refused with ``error`` and writes nothing, not even its first earns."""
    with app.engine.connect() as conn:
        before = row_counts(conn)
    with pytest.raises(error) as refused:
        h.earn_many(app.uow(), clock, commands)
    with app.engine.connect() as conn:
        assert row_counts(conn) == before
    return refused.value


def test_a_key_repeated_in_a_batch_replays_its_first_use(
    app: App, clock: FixedClock, store: Store
) -> None:
    commands = [
        Earn(store.id, "zoe", "order:1:earn", 40),
        Earn(store.id, "adam", "order:2:earn", 25),
        Earn(store.id, "zoe", "order:1:earn", 40),  # the same request again
    ]

    with app.engine.connect() as conn:
        before = row_counts(conn)["ledger_transactions"]

    receipts = h.earn_many(app.uow(), clock, commands)

    assert [r.replayed for r in receipts] == [False, False, True]
    assert receipts[2].transaction_id == receipts[0].transaction_id
    assert (receipts[2].customer_id, receipts[2].amount) == ("zoe", 40)
    assert receipts[2].balance_before == receipts[2].balance_after == 0  # it moved nothing
    with app.engine.connect() as conn:
        assert row_counts(conn)["ledger_transactions"] == before + 2
        zoe = conn.execute(
            text("SELECT available FROM customers WHERE store_id = :s AND id = 'zoe'"),
            {"s": store.id},
        ).scalar_one()
    assert zoe == 40
    # and one by one, later, it is the same transaction
    single = h.earn(app.uow(), clock, commands[0])
    assert single.replayed and single.transaction_id == receipts[0].transaction_id
    audited(app, store.id)


def test_a_key_repeated_in_a_batch_for_another_request_rejects_the_whole_batch(
    app: App, clock: FixedClock, store: Store
) -> None:
    commands = [
        Earn(store.id, "zoe", "order:1:earn", 40),
        Earn(store.id, "zoe", "order:1:earn", 41),  # same key, another request
    ]
    refused_whole(app, clock, IdempotencyConflict, commands)


def test_earns_of_one_customer_in_a_batch_build_on_each_other(
    app: App, clock: FixedClock, store: Store
) -> None:
    h.earn(app.uow(), clock, Earn(store.id, "zoe", "seed", 10))
    commands = [Earn(store.id, "zoe", f"order:{n}:earn", 10 * n) for n in (1, 2, 3)]

    receipts = h.earn_many(app.uow(), clock, commands)

    assert [(r.balance_before, r.balance_after) for r in receipts] == [
        (10, 20),
        (20, 40),
        (40, 70),
    ]
    # the lots are numbered in the batch's order, so spending takes the first earn's first
    h.spend(app.uow(), clock, Spend(store.id, "zoe", "spend:1", 25))
    with app.engine.connect() as conn:
        lots = conn.execute(
            text("SELECT amount, remaining FROM lots WHERE store_id = :s ORDER BY id"),
            {"s": store.id},
        ).all()
    assert [tuple(lot) for lot in lots] == [(10, 0), (10, 0), (20, 15), (30, 30)]
    audited(app, store.id)


def test_the_points_ceiling_counts_the_earlier_earns_of_the_batch(
    app: App, clock: FixedClock, store: Store
) -> None:
    half = MAX_POINTS // 2 + 1
    commands = [
        Earn(store.id, "zoe", "order:1:earn", half),
        Earn(store.id, "zoe", "order:2:earn", half),  # alone it fits; after the first it does not
    ]
    refused = refused_whole(app, clock, ValidationFailed, commands)
    assert isinstance(refused, ValidationFailed) and refused.field == "points"


def test_a_new_customer_is_created_once_and_told_so_on_their_first_earn(
    app: App, clock: FixedClock, store: Store
) -> None:
    h.earn(app.uow(), clock, Earn(store.id, "adam", "seed", 5))
    commands = [
        Earn(store.id, "noor", "order:1:earn", 7),
        Earn(store.id, "adam", "order:2:earn", 3),
        Earn(store.id, "noor", "order:3:earn", 8),
    ]

    receipts = h.earn_many(app.uow(), clock, commands)

    assert [r.created for r in receipts] == [True, False, False]
    with app.engine.connect() as conn:
        customers = dict(
            conn.execute(
                text("SELECT id, available FROM customers WHERE store_id = :s"), {"s": store.id}
            ).all()
        )
    assert customers == {"adam": 8, "noor": 15}
    audited(app, store.id)


def test_a_closed_account_refuses_the_whole_batch(
    app: App, clock: FixedClock, store: Store
) -> None:
    h.earn(app.uow(), clock, Earn(store.id, "zoe", "seed", 5))
    close_account(app.uow(), clock, store.id, "zoe", "asked to leave")
    commands = [Earn(store.id, "adam", "order:1:earn", 5), Earn(store.id, "zoe", "order:2:earn", 5)]
    refused_whole(app, clock, AccountClosed, commands)


def test_a_batch_for_a_store_that_does_not_exist_is_not_found(app: App, clock: FixedClock) -> None:
    with pytest.raises(NotFound):
        h.earn_many(app.uow(), clock, [Earn("no-such-store", "zoe", "order:1:earn", 5)])


def test_a_batch_over_two_stores_writes_each_in_its_own_books(
    app: App, clock: FixedClock, store: Store
) -> None:
    other = create_store(app.uow(), clock, "Other", "USD", "UTC")
    commands = [
        Earn(store.id, "zoe", "order:1:earn", 10),
        Earn(other.id, "zoe", "order:1:earn", 20),  # the same key in another store: its own
        Earn(store.id, "zoe", "order:2:earn", 30),
    ]

    receipts = h.earn_many(app.uow(), clock, commands)

    assert [(r.amount, r.replayed, r.balance_after) for r in receipts] == [
        (10, False, 10),
        (20, False, 20),
        (30, False, 40),
    ]
    audited(app, store.id)
    audited(app, other.id)


def test_a_batch_past_sqlites_variable_limit_is_looked_up_in_chunks(
    app: App, clock: FixedClock, store: Store
) -> None:
    n = SQLITE_MAX_VARIABLES + 1_000  # one IN (...) of all the keys would be refused
    assert n > IN_CHUNK
    commands = [Earn(store.id, f"c{i % 50:02}", f"import:{i}", 1 + i % 3) for i in range(n)]
    h.earn(app.uow(), clock, commands[-1])  # already posted: the batch replays it

    receipts = h.earn_many(app.uow(), clock, commands)

    assert sum(r.replayed for r in receipts) == 1 and receipts[-1].replayed
    assert len({r.transaction_id for r in receipts}) == n
    with app.engine.connect() as conn:
        total = conn.execute(
            text("SELECT SUM(available) FROM customers WHERE store_id = :s"), {"s": store.id}
        ).scalar_one()
    assert total == sum(c.points for c in commands)
    again = h.earn_many(app.uow(), clock, commands)  # a retry of the whole import
    assert all(r.replayed for r in again)
    assert [r.transaction_id for r in again] == [r.transaction_id for r in receipts]
    audited(app, store.id)


def test_a_batch_sends_the_same_statements_whatever_its_size(
    app: App, clock: FixedClock, store: Store
) -> None:
    def batch(size: int, tag: str) -> list[Earn]:
        # a known customer, a new one and a replay in every batch, the rest spread over 20
        h.earn(app.uow(), clock, Earn(store.id, f"{tag}-known", f"{tag}:seed", 1))
        commands = [Earn(store.id, f"{tag}-{i % 20}", f"{tag}:{i}", 5) for i in range(size)]
        return [*commands, Earn(store.id, f"{tag}-known", f"{tag}:seed", 1)]

    counts = []
    for size in (10, 100):
        commands = batch(size, f"s{size}")
        with counting(app.engine) as sent:
            receipts = h.earn_many(app.uow(), clock, commands)
        assert receipts[-1].replayed
        counts.append(len(sent))

    assert counts[0] == counts[1], counts
    # BEGIN IMMEDIATE (SQLite), the customers' insert and lock, the keys, the ids, the
    # transactions, postings and lots (no lot movements without a debt), the balances
    assert counts[1] <= 10, counts


def test_batches_that_create_the_same_new_customers_queue_instead_of_deadlocking(
    app: App, clock: FixedClock, store: Store
) -> None:
    known = [f"k{i:02}" for i in range(6)]
    for customer in known:
        h.earn(app.uow(), clock, Earn(store.id, customer, f"seed:{customer}", 1))
    new = [f"n{i:02}" for i in range(6)]
    threads = 6
    failures = post_concurrently(app, clock, store.id, known + new, threads)

    assert failures == []
    with app.engine.connect() as conn:
        available = dict(
            conn.execute(
                text("SELECT id, available FROM customers WHERE store_id = :s"), {"s": store.id}
            ).all()
        )
    assert available == {
        **{c: 1 + 10 * threads for c in known},
        **{c: 10 * threads for c in new},
    }
    audited(app, store.id)
