"""Many orders in one database transaction: each evaluated and recorded as `record_order` does.

A store sending the day's orders, or a platform replaying a backlog, would otherwise pay one
transaction (and, with fsync on, one disk flush) per order. Here a batch is one transaction:
every existing customer of the batch is locked up front in (store, customer) order, in one
statement per store (`lock_customers`, adapters/db/ledger_bulk.py), so two batches that share
customers queue instead of deadlocking, then each order runs through
`record_order` unchanged -- the same rules, limits, tiers, giving and games, and the same
idempotency by order id (an order already recorded answers its first result and writes
nothing) -- inside a savepoint of its own. An order the domain refuses rolls back to its
savepoint and its error is its answer; the others are kept. Orders are recorded in the order
given, so two orders of one customer in a batch see each other as two requests would.

Not built: writing the batch's rows with set-based, multi-row statements. Each order still
sends its own statements (about 19 on PostgreSQL, plus a SAVEPOINT and a RELEASE); what the
batch saves is the commit per order. Its ledger part (the key lookup, the transaction, postings,
lot and balance update: 5 of them) could go through `record_many` as `earn_many` does, for the
orders whose customer appears once in the batch, whose program has no games, achievements,
referrals or giving and whose points are not already expired; but `record_order` writes the
order row with its earn's transaction id and tells milestones from the earn's receipt, so it
would have to hand back a decided, unwritten earn and leave the order row (and its rule uses and
tier counters, the larger share of its time) to be written with the batch too, and an order
refused after its earn was decided would have to drop it from the batch, not only roll back its
savepoint. An error that is not the domain's (the database going away) undoes the whole batch,
so a batch is either recorded with each order's own answer or not at all, and can be resent.
"""

from __future__ import annotations

from collections.abc import Sequence

from walaa.domain.errors import WalaaError
from walaa.service.commands import RecordOrder
from walaa.service.handlers.earning import OrderResult, record_order
from walaa.service.ports import BatchUnitOfWork, Clock


def record_orders(
    uow: BatchUnitOfWork, clock: Clock, commands: Sequence[RecordOrder]
) -> list[OrderResult | WalaaError]:
    """Each order's result, or the domain error that refused it, in the order given."""
    if not commands:
        return []
    try:
        with uow:
            for store_id in sorted({c.store_id for c in commands}):
                customers = [c.customer_id for c in commands if c.store_id == store_id]
                uow.ledger(store_id).lock_customers(customers, create=False)
            uow.commit()
        outcomes: list[OrderResult | WalaaError] = []
        for command in commands:
            try:
                outcomes.append(record_order(uow, clock, command))
            except WalaaError as exc:
                outcomes.append(exc)
        uow.finish()
    except BaseException:
        uow.abandon()
        raise
    return outcomes
