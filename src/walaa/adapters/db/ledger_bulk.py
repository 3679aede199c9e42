"""Set-based ledger writes: a batch of credits in a constant number of statements.

`earn_many` (service/handlers/ledger.py) decides every entry exactly as a single earn does and
hands the batch here. Whatever the batch's size, per store:

1. the idempotency keys: one SELECT (per 10,000 keys);
2. the customers: one multi-row ``INSERT ... ON CONFLICT DO NOTHING`` of all of them, then one
   ``SELECT ... ORDER BY id FOR UPDATE`` (per 10,000). Both go in customer-id order, so two
   batches that share customers queue instead of deadlocking: the insert waits only on another
   transaction's uncommitted insert of the same customer (never on a locked row), and a
   batch that got past its inserts holds no insert another batch still has to make;
3. the ids of the new transactions and lots, reserved in one statement (PostgreSQL: ``nextval``
   of each sequence per row; SQLite: each table's largest rowid, read under the write lock that
   ``BEGIN IMMEDIATE`` holds, see ids.py). Known up front, they tie postings and lots to their
   transaction without matching ``RETURNING`` rows back (PostgreSQL promises no order for them),
   and they number the lots in the batch's order, the order FIFO spending takes them in;
4. one INSERT each for the transactions, the postings, the lots and (when credits repay a debt)
   the lot movements, and one UPDATE of the customers' cached balances.

On PostgreSQL each write is one statement whose columns arrive as arrays (``INSERT ... SELECT
FROM unnest(...)``, ``UPDATE ... FROM unnest(...)``): its text does not change with the batch's
size, so it is prepared once, and an array is one parameter however long, far from the
protocol's limit of 65,535. SQLite has no arrays and no round trips (it runs in the process):
there each write is one prepared statement that the driver runs per row (``executemany``),
which also keeps every statement under SQLite's limit of 32,766 variables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Table, TextClause, bindparam, select, text
from sqlalchemy.exc import IntegrityError

from walaa.adapters.db import tables as t
from walaa.adapters.db.engine import insert_for
from walaa.adapters.db.ledger_repository import (
    _TRANSACTION,
    SqlLedgerRepository,
    _add_to_balances,
    stored_transaction,
)
from walaa.domain.errors import NotFound
from walaa.domain.ledger import NEW_LOT, Account, Entry
from walaa.service.ports import Balances, LedgerWrite, StoredTransaction

#: Values one ``IN (...)`` list binds: well under SQLite's 32,766 variables a statement.
IN_CHUNK = 10_000

_c, _x = t.customers, t.ledger_transactions

_TRANSACTIONS_BY_KEYS = _TRANSACTION.add_columns(_x.c.idempotency_key).where(
    _x.c.store_id == bindparam("b_store"),
    _x.c.idempotency_key.in_(bindparam("b_keys", expanding=True)),
)
_LOCK_CUSTOMERS = (
    select(_c.c.id, _c.c.available, _c.c.pending, _c.c.held, _c.c.closed_at)
    .where(_c.c.store_id == bindparam("b_store"), _c.c.id.in_(bindparam("b_ids", expanding=True)))
    .order_by(_c.c.id)
    .with_for_update()
)

_PG_RESERVE_IDS = text(
    "SELECT nextval('ledger_transactions_id_seq') AS txn, nextval('lots_id_seq') AS lot"
    " FROM generate_series(1, :b_rows)"
)
_SQLITE_LAST_IDS = text(
    "SELECT (SELECT coalesce(max(rowid), 0) FROM ledger_transactions),"
    " (SELECT coalesce(max(rowid), 0) FROM lots)"
)

#: The columns each table's rows carry, with their PostgreSQL types (for the arrays' casts).
_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "ledger_transactions": (
        ("id", "bigint"),
        ("customer_id", "text"),
        ("idempotency_key", "text"),
        ("request_hash", "text"),
        ("kind", "text"),
        ("amount", "bigint"),
        ("reason", "text"),
        ("reference", "text"),
        ("details", "json"),
        ("occurred_at", "timestamptz"),
    ),
    "postings": (
        ("transaction_id", "bigint"),
        ("customer_id", "text"),
        ("account", "text"),
        ("amount", "bigint"),
    ),
    "lots": (
        ("id", "bigint"),
        ("customer_id", "text"),
        ("transaction_id", "bigint"),
        ("amount", "bigint"),
        ("remaining", "bigint"),
        ("pending", "boolean"),
        ("available_at", "timestamptz"),
        ("expires_at", "timestamptz"),
    ),
    "lot_movements": (("lot_id", "bigint"), ("transaction_id", "bigint"), ("delta", "bigint")),
}

_PG_ADD_TO_BALANCES = text(
    """UPDATE customers AS c
       SET available = c.available + d.available, pending = c.pending + d.pending,
           held = c.held + d.held,
           last_activity_at = CASE
               WHEN c.last_activity_at IS NULL OR c.last_activity_at < d.active THEN d.active
               ELSE c.last_activity_at END
       FROM unnest(CAST(:b_customer AS text[]), CAST(:b_available AS bigint[]),
                   CAST(:b_pending AS bigint[]), CAST(:b_held AS bigint[]),
                   CAST(:b_active AS timestamptz[])) AS d(id, available, pending, held, active)
       WHERE c.store_id = :b_store AND c.id = d.id"""
)
#: SQLite: the single write's balance update, run once per customer of the batch.
_SQLITE_ADD_TO_BALANCES = _add_to_balances(("available", "held", "pending"), True)


@cache
def _pg_insert(table: str) -> TextClause:
    """``INSERT INTO table (store_id, ...) SELECT :store_id, u.* FROM unnest(<arrays>) AS u``."""
    columns = _COLUMNS[table]
    names = ", ".join(name for name, _ in columns)
    arrays = ", ".join(f"CAST(:{name} AS {sqltype}[])" for name, sqltype in columns)
    return text(
        f"INSERT INTO {table} (store_id, {names})"
        f" SELECT CAST(:store_id AS text), u.* FROM unnest({arrays}) AS u"
    )


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), IN_CHUNK):
        yield list(values[start : start + IN_CHUNK])


def _check_credit(entry: Entry) -> None:
    """What `record_many` writes: an entry that opens a lot and moves no other lot."""
    if entry.new_lot is None or entry.matured_lots:
        raise ValueError("record_many writes credits only: each entry opens a lot")
    if any(move.lot_id != NEW_LOT for move in entry.lot_moves):
        raise ValueError("record_many writes credits only: no entry moves an existing lot")


def _rows_of(
    writes: Sequence[LedgerWrite], txn_ids: list[int], lot_ids: list[int], occurred_at: datetime
) -> dict[str, list[dict[str, Any]]]:
    """The rows of each table that the writes add, by table name."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in _COLUMNS}
    for write, txn_id, lot_id in zip(writes, txn_ids, lot_ids, strict=True):
        entry, lot = write.entry, write.entry.new_lot
        assert lot is not None
        rows["ledger_transactions"].append(
            {
                "id": txn_id,
                "customer_id": write.customer_id,
                "idempotency_key": write.idempotency_key,
                "request_hash": write.request_hash,
                "kind": entry.kind.value,
                "amount": entry.amount,
                "reason": write.reason,
                "reference": write.reference,
                "details": write.details,
                "occurred_at": occurred_at,
            }
        )
        rows["postings"].extend(
            {
                "transaction_id": txn_id,
                "customer_id": write.customer_id if p.account.is_customer else None,
                "account": p.account.value,
                "amount": p.amount,
            }
            for p in entry.postings
        )
        rows["lots"].append(
            {
                "id": lot_id,
                "customer_id": write.customer_id,
                "transaction_id": txn_id,
                "amount": lot.amount,
                # a debt repaid from the new lot was taken from it as it arrived
                "remaining": lot.amount + sum(move.delta for move in entry.lot_moves),
                "pending": lot.pending,
                "available_at": lot.available_at,
                "expires_at": lot.expires_at,
            }
        )
        rows["lot_movements"].extend(
            {"lot_id": lot_id, "transaction_id": txn_id, "delta": move.delta}
            for move in entry.lot_moves
        )
    return rows


class SqlBulkLedgerRepository(SqlLedgerRepository):
    """The ledger repository with the set-based writes of a batch (see the module)."""

    def find_transactions(self, idempotency_keys: Sequence[str]) -> dict[str, StoredTransaction]:
        found: dict[str, StoredTransaction] = {}
        keys = sorted(set(idempotency_keys))
        for chunk in _chunks(keys):
            params = {"b_store": self.store_id, "b_keys": chunk}
            for row in self.conn.execute(_TRANSACTIONS_BY_KEYS, params):
                found[row.idempotency_key] = stored_transaction(row)
        return found

    def lock_customers(
        self, customer_ids: Sequence[str], *, create: bool = True
    ) -> dict[str, Balances]:
        ids = sorted(set(customer_ids))
        if not ids:
            return {}
        created = self._insert_customers(ids) if create else set()
        locked: dict[str, Balances] = {}
        for chunk in _chunks(ids):
            for row in self.conn.execute(
                _LOCK_CUSTOMERS, {"b_store": self.store_id, "b_ids": chunk}
            ):
                balances = Balances(row.available, row.pending, row.held, row.closed_at is not None)
                locked[row.id] = replace(balances, created=True) if row.id in created else balances
        return locked

    def _insert_customers(self, ids: Sequence[str]) -> set[str]:
        """Insert every customer not there yet, in id order; the ids this call inserted."""
        stmt = insert_for(self.conn.dialect, _c).on_conflict_do_nothing().returning(_c.c.id)
        rows = [self._new_customer(customer_id) for customer_id in ids]
        try:
            return set(self.conn.execute(stmt, rows).scalars())
        except IntegrityError:
            raise NotFound(f"store {self.store_id!r} does not exist") from None

    def record_many(self, writes: Sequence[LedgerWrite], *, occurred_at: datetime) -> list[int]:
        if not writes:
            return []
        for write in writes:
            _check_credit(write.entry)
        txn_ids, lot_ids = self._reserve_ids(len(writes))
        rows = _rows_of(writes, txn_ids, lot_ids, occurred_at)
        for table in (_x, t.postings, t.lots, t.lot_movements):
            self._insert(table, rows[table.name])
        self._add_to_balances(writes)
        return txn_ids

    def _reserve_ids(self, count: int) -> tuple[list[int], list[int]]:
        """Ids for ``count`` new transactions and as many lots, ascending (see the module)."""
        if self.conn.dialect.name == "postgresql":
            rows = self.conn.execute(_PG_RESERVE_IDS, {"b_rows": count}).all()
            return sorted(int(r.txn) for r in rows), sorted(int(r.lot) for r in rows)
        last_txn, last_lot = self.conn.execute(_SQLITE_LAST_IDS).one()
        return (
            [last_txn + 1 + n for n in range(count)],
            [last_lot + 1 + n for n in range(count)],
        )

    def _insert(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        dialect = self.conn.dialect
        if dialect.name != "postgresql":
            self.conn.execute(table.insert(), [{"store_id": self.store_id, **r} for r in rows])
            return
        arrays: dict[str, Any] = {"store_id": self.store_id}
        for name, _ in _COLUMNS[table.name]:
            process = table.c[name].type._cached_bind_processor(dialect)
            values = [r[name] for r in rows]
            arrays[name] = [process(v) for v in values] if process else values
        self.conn.execute(_pg_insert(table.name), arrays)

    def _add_to_balances(self, writes: Sequence[LedgerWrite]) -> None:
        """Each customer's balances moved by all of their writes, and their latest activity."""
        totals: dict[str, dict[str, Any]] = {}
        for write in writes:
            entry = write.entry
            total = totals.setdefault(
                write.customer_id,
                {"b_available": 0, "b_pending": 0, "b_held": 0, "b_active": None},
            )
            total["b_available"] += entry.change(Account.AVAILABLE)
            total["b_pending"] += entry.change(Account.PENDING)
            total["b_held"] += entry.change(Account.HELD)
            if write.active_at is not None and (
                total["b_active"] is None or write.active_at > total["b_active"]
            ):
                total["b_active"] = write.active_at
        customers = sorted(totals)
        if self.conn.dialect.name == "postgresql":
            params: dict[str, Any] = {"b_store": self.store_id, "b_customer": customers}
            for name in ("b_available", "b_pending", "b_held", "b_active"):
                params[name] = [totals[c][name] for c in customers]
            self.conn.execute(_PG_ADD_TO_BALANCES, params)
            return
        self.conn.execute(
            _SQLITE_ADD_TO_BALANCES,
            [{"b_store": self.store_id, "b_customer": c, **totals[c]} for c in customers],
        )
