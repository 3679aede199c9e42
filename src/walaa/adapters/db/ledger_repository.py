"""The ledger's SQL: locking a customer, reading a book, writing an entry.

A write touches one customer row (the lock and the cached balances), one transaction row,
its postings, at most one new lot and the lot movements. Store-level accounts have no cached
row on purpose: every write in a store would otherwise queue on it. Their balances are sums of
postings, computed by `walaa audit` and the reports.

The statements every write runs are built once, below, with their values as parameters:
building a statement and its cache key anew on each call cost more client CPU than executing it
(about a third of an earn's, profiled on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    Update,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import UpdateBase

from walaa.adapters.db import tables as t
from walaa.adapters.db.deferred import (
    Template,
    insert_row,
    insert_rows,
    unique_keys_as_conflicts,
    write,
)
from walaa.adapters.db.settings_stamps import stamp_of
from walaa.domain.errors import NotFound
from walaa.domain.ledger import CUSTOMER_ACCOUNTS, NEW_LOT, Allocation, Book, Entry, Kind, Lot
from walaa.service.ports import Balances, StoredHold, StoredTransaction

# -- the statements on every write's path, built once ------------------------------------------
# Parameters are named b_*: a name that matches a column is reserved in an UPDATE's SET clause.

_c, _x, _l = t.customers, t.ledger_transactions, t.lots

# The customer's tags (what rules may know of them), their alert threshold (whether points
# leaving their account are worth an alert) and the store's settings stamp (a scalar
# subquery, not locked: which parsed program is in force) ride along, costing no statement of
# their own. The stamp's snapshot is the statement's, taken before a lock wait; a program saved
# during that wait applies from the next order (docs/operations.md, "Caches"). The tags come
# from the locked row itself, so they are current.
_LOCK_CUSTOMER = (
    select(
        _c.c.available,
        _c.c.pending,
        _c.c.held,
        _c.c.closed_at,
        _c.c.tags,
        _c.c.alert_threshold,
        stamp_of(bindparam("b_store")).label("settings_stamp"),
    )
    .where(_c.c.store_id == bindparam("b_store"), _c.c.id == bindparam("b_customer"))
    .with_for_update()
)
#: The same lock drawing the id of the entry the unit of work is about to write (PostgreSQL:
#: the sequence the column defaults to), so the entry's rows need no answer from the database
#: and go with the unit of work's other writes in one statement (adapters/db/deferred.py).
_LOCK_AND_RESERVE = _LOCK_CUSTOMER.add_columns(
    func.nextval("ledger_transactions_id_seq").label("reserved_id")
)

_TRANSACTION = select(
    _x.c.id,
    _x.c.kind,
    _x.c.customer_id,
    _x.c.amount,
    _x.c.request_hash,
    _x.c.occurred_at,
    _x.c.reverses_id,
    _x.c.hold_id,
)
_TRANSACTION_BY_KEY = _TRANSACTION.where(
    _x.c.store_id == bindparam("b_store"), _x.c.idempotency_key == bindparam("b_key")
)
_TRANSACTION_BY_ID = _TRANSACTION.where(
    _x.c.store_id == bindparam("b_store"), _x.c.id == bindparam("b_id")
)


def stored_transaction(row: Any) -> StoredTransaction:
    """A row of `_TRANSACTION` as the service sees it."""
    return StoredTransaction(
        row.id,
        Kind(row.kind),
        row.customer_id,
        row.amount,
        row.request_hash,
        row.occurred_at,
        row.reverses_id,
        row.hold_id,
    )


def _lots_of(wanted: Any) -> Select[Any]:
    return (
        select(
            _l.c.id, _l.c.amount, _l.c.remaining, _l.c.pending, _l.c.expires_at, _l.c.available_at
        )
        .where(_l.c.store_id == bindparam("b_store"), _l.c.customer_id == bindparam("b_customer"))
        .where(wanted)
        .order_by(_l.c.id)
    )


_OPEN_LOTS = _lots_of(_l.c.remaining > 0)
_OPEN_AND_NAMED_LOTS = _lots_of(
    or_(_l.c.remaining > 0, _l.c.id.in_(bindparam("b_lot_ids", expanding=True)))
)

_INSERT_TRANSACTION = _x.insert()
_INSERT_POSTINGS = t.postings.insert()
_INSERT_LOT = _l.insert()
_INSERT_LOT_MOVEMENTS = t.lot_movements.insert()
_MOVE_LOT = (
    update(_l)
    .where(_l.c.store_id == bindparam("b_store"), _l.c.id == bindparam("b_lot"))
    .values(remaining=_l.c.remaining + bindparam("b_delta"))
)


_ACTIVE_AT = bindparam("b_active", type_=t.UtcDateTime())

#: The customer's latest activity, moved forward only: an order imported late is older.
_LATEST_ACTIVITY = case(
    (or_(_c.c.last_activity_at.is_(None), _c.c.last_activity_at < _ACTIVE_AT), _ACTIVE_AT),
    else_=_c.c.last_activity_at,
)


@cache
def _add_to_balances(accounts: tuple[str, ...], active: bool = False) -> Update:
    """UPDATE customers SET <account> = <account> + :b_<account>, for the accounts given, and
    with ``active`` the customer's last activity: one statement, the one every write makes."""
    values: dict[str, Any] = {name: _c.c[name] + bindparam(f"b_{name}") for name in accounts}
    if active:
        values["last_activity_at"] = _LATEST_ACTIVITY
    return (
        update(_c)
        .where(_c.c.store_id == bindparam("b_store"), _c.c.id == bindparam("b_customer"))
        .values(values)
    )


def _balances(row: Any, reserved: bool) -> Balances:
    return Balances(
        row.available,
        row.pending,
        row.held,
        row.closed_at is not None,
        settings_stamp=row.settings_stamp,
        tags=tuple(row.tags or ()),
        alert_threshold=row.alert_threshold,
        reserved_id=row.reserved_id if reserved else None,
    )


@cache
def _customer_insert(postgres: bool, reserve: bool) -> Any:
    """INSERT a new customer's row if the store exists (selecting the values from the
    store's row, so a missing store inserts nothing instead of breaking the foreign key, and
    needs no savepoint), doing nothing if a concurrent request inserted it first. On
    PostgreSQL it returns the columns of `_LOCK_CUSTOMER` (and the reserved id)."""
    store = bindparam("b_store", type_=t.stores.c.id.type)
    values = select(
        store,
        bindparam("b_customer", type_=_c.c.id.type),
        literal(0),
        literal(0),
        literal(0),
        bindparam("b_now", type_=t.UtcDateTime()),
    ).where(t.stores.c.id == store)
    columns = ["store_id", "id", "available", "pending", "held", "created_at"]
    dialect_insert = postgresql.insert if postgres else sqlite.insert
    stmt = dialect_insert(_c).from_select(columns, values).on_conflict_do_nothing()
    if not postgres:
        return stmt.returning(_c.c.id)
    returned = [
        _c.c.available,
        _c.c.pending,
        _c.c.held,
        _c.c.closed_at,
        _c.c.tags,
        _c.c.alert_threshold,
        stamp_of(store).label("settings_stamp"),
    ]
    if reserve:
        returned.append(func.nextval("ledger_transactions_id_seq").label("reserved_id"))
    return stmt.returning(*returned)


@cache
def _balances_template(accounts: tuple[str, ...], active: bool) -> Template:
    """`_add_to_balances` as a template of kept-back writes: the accounts' deltas (and the
    moment of activity) as parameters named for them, so a chain may hold it with others."""

    def build(prefix: str, _postgres: bool) -> UpdateBase:
        values: dict[str, Any] = {
            name: _c.c[name] + bindparam(prefix + name, type_=_c.c[name].type) for name in accounts
        }
        if active:
            at = bindparam(prefix + "active", type_=t.UtcDateTime())
            latest = _c.c.last_activity_at
            values["last_activity_at"] = case(
                (or_(latest.is_(None), latest < at), at), else_=latest
            )
        mine = (
            _c.c.store_id == bindparam(prefix + "store", type_=_c.c.store_id.type),
            _c.c.id == bindparam(prefix + "customer", type_=_c.c.id.type),
        )
        return update(_c).where(*mine).values(values)

    return Template(("balances", accounts, active), build)


def _balance_changes(entry: Entry) -> dict[str, int]:
    """The customer accounts an entry moves, by column name, with how much."""
    changes = {account.value: entry.change(account) for account in CUSTOMER_ACCOUNTS}
    return {name: delta for name, delta in changes.items() if delta}


class SqlLedgerRepository:
    def __init__(self, conn: Connection, store_id: str, now: datetime) -> None:
        self.conn = conn
        self.store_id = store_id
        self._now = now

    # -- customers and balances -------------------------------------------------------------

    def lock_customer(
        self, customer_id: str, *, create: bool, reserve: bool = False
    ) -> Balances | None:
        # Only PostgreSQL keeps writes back; SQLite numbers rows as it inserts them.
        reserve = reserve and self.conn.dialect.name == "postgresql"
        found = self._select_balances(customer_id, reserve)
        if found is None and create:
            found = self._insert_customer(customer_id, reserve)
        return found

    def _select_balances(self, customer_id: str, reserve: bool = False) -> Balances | None:
        row = self.conn.execute(
            _LOCK_AND_RESERVE if reserve else _LOCK_CUSTOMER,
            {"b_store": self.store_id, "b_customer": customer_id},
        ).first()
        return None if row is None else _balances(row, reserve)

    def _new_customer(self, customer_id: str) -> dict[str, Any]:
        """The row of a customer the store has not seen before: no points yet."""
        return {
            "store_id": self.store_id,
            "id": customer_id,
            "available": 0,
            "pending": 0,
            "held": 0,
            "created_at": self._now,
        }

    def _insert_customer(self, customer_id: str, reserve: bool) -> Balances:
        """Insert the customer's row, locked by the insert itself, and answer its balances
        (``created``: this call created it, not a concurrent one). On PostgreSQL the INSERT
        returns what the lock would read, so a first order costs one statement more than a
        later one; SQLite reads the row after."""
        postgres = self.conn.dialect.name == "postgresql"
        row = self.conn.execute(
            _customer_insert(postgres, reserve),
            {"b_store": self.store_id, "b_customer": customer_id, "b_now": self._now},
        ).first()
        if row is not None and postgres:
            return replace(_balances(row, reserve), created=True)
        found = self._select_balances(customer_id, reserve)
        if found is None:  # nothing inserted, nothing there: the store is not
            raise NotFound(f"store {self.store_id!r} does not exist")
        return replace(found, created=True) if row is not None else found

    # -- reading ----------------------------------------------------------------------------

    def _transaction(self, stmt: Select[Any], **params: Any) -> StoredTransaction | None:
        row = self.conn.execute(stmt, {"b_store": self.store_id, **params}).first()
        return None if row is None else stored_transaction(row)

    def find_transaction(self, idempotency_key: str) -> StoredTransaction | None:
        return self._transaction(_TRANSACTION_BY_KEY, b_key=idempotency_key)

    def get_transaction(self, transaction_id: int) -> StoredTransaction | None:
        return self._transaction(_TRANSACTION_BY_ID, b_id=transaction_id)

    def book(self, customer_id: str, balances: Balances, *, lot_ids: Sequence[int] = ()) -> Book:
        params: dict[str, Any] = {"b_store": self.store_id, "b_customer": customer_id}
        if lot_ids:
            params["b_lot_ids"] = list(lot_ids)
        rows = self.conn.execute(_OPEN_AND_NAMED_LOTS if lot_ids else _OPEN_LOTS, params).all()
        expired = self._expired_from(lot_ids) if lot_ids else {}
        book_lots = tuple(
            Lot(
                r.id,
                r.amount,
                r.remaining,
                r.pending,
                r.expires_at,
                r.available_at,
                expired.get(r.id, 0),
            )
            for r in rows
        )
        return Book(balances.available, balances.pending, balances.held, book_lots)

    def _expired_from(self, lot_ids: Sequence[int]) -> dict[int, int]:
        """Points of each lot that expired and were not yet reclassified by a reversal of the
        lot's own credit: each expired point may move from `expired` to `reversed` once."""
        m, x, p, lots = t.lot_movements, t.ledger_transactions, t.postings, t.lots
        rows = self.conn.execute(
            select(m.c.lot_id, func.sum(m.c.delta))
            .join(x, (x.c.store_id == m.c.store_id) & (x.c.id == m.c.transaction_id))
            .where(
                m.c.store_id == self.store_id,
                m.c.lot_id.in_(list(lot_ids)),
                x.c.kind == Kind.EXPIRE.value,
            )
            .group_by(m.c.lot_id)
        ).all()
        expired = {lot_id: -int(total) for lot_id, total in rows}
        if not expired:
            return expired
        reclassified = self.conn.execute(
            select(lots.c.id, func.sum(p.c.amount))
            .join(x, (x.c.store_id == lots.c.store_id) & (x.c.reverses_id == lots.c.transaction_id))
            .join(p, (p.c.store_id == x.c.store_id) & (p.c.transaction_id == x.c.id))
            .where(
                lots.c.store_id == self.store_id,
                lots.c.id.in_(list(expired)),
                x.c.store_id == self.store_id,
                p.c.store_id == self.store_id,
                p.c.account == "expired",
            )
            .group_by(lots.c.id)
        ).all()
        for lot_id, total in reclassified:
            expired[lot_id] = max(0, expired[lot_id] + int(total))  # reversal postings are < 0
        return expired

    def reversed_so_far(self, transaction_id: int) -> int:
        x = t.ledger_transactions
        total = self.conn.execute(
            select(func.coalesce(func.sum(x.c.amount), 0)).where(
                x.c.store_id == self.store_id, x.c.reverses_id == transaction_id
            )
        ).scalar_one()
        return int(total)

    def reversal_basis(self, transaction_id: int) -> tuple[int, int | None]:
        """What was reversed of the transaction so far and the lot it credited, in one statement:
        what a reversal starts from."""
        x, lots = t.ledger_transactions, t.lots
        so_far = select(func.coalesce(func.sum(x.c.amount), 0)).where(
            x.c.store_id == self.store_id, x.c.reverses_id == transaction_id
        )
        lot = select(lots.c.id).where(
            lots.c.store_id == self.store_id, lots.c.transaction_id == transaction_id
        )
        row = self.conn.execute(select(so_far.scalar_subquery(), lot.scalar_subquery())).one()
        return int(row[0]), row[1]

    def reversal_ids(self, transaction_id: int) -> list[int]:
        x = t.ledger_transactions
        return list(
            self.conn.execute(
                select(x.c.id).where(
                    x.c.store_id == self.store_id, x.c.reverses_id == transaction_id
                )
            ).scalars()
        )

    def allocations(self, transaction_ids: Sequence[int]) -> tuple[Allocation, ...]:
        m = t.lot_movements
        rows = self.conn.execute(
            select(m.c.lot_id, func.sum(m.c.delta))
            .where(m.c.store_id == self.store_id, m.c.transaction_id.in_(list(transaction_ids)))
            .group_by(m.c.lot_id)
            .order_by(m.c.lot_id)
        ).all()
        return tuple(Allocation(lot_id, -int(total)) for lot_id, total in rows if total < 0)

    # -- writing ----------------------------------------------------------------------------

    def record(
        self,
        customer_id: str,
        idempotency_key: str,
        request_hash: str,
        entry: Entry,
        *,
        occurred_at: datetime,
        reverses_id: int | None = None,
        hold_id: int | None = None,
        reason: str | None = None,
        reference: str | None = None,
        details: dict[str, Any] | None = None,
        active_at: datetime | None = None,
        txn_id: int | None = None,
    ) -> int:
        transaction = {
            "store_id": self.store_id,
            "customer_id": customer_id,
            "idempotency_key": idempotency_key,
            "request_hash": request_hash,
            "kind": entry.kind.value,
            "amount": entry.amount,
            "reverses_id": reverses_id,
            "hold_id": hold_id,
            "reason": reason,
            "reference": reference,
            "details": details,
            "occurred_at": occurred_at,
        }
        if txn_id is not None and not entry.lot_moves and not entry.matured_lots:
            # The id is known and no row of the entry needs another's: every write can be
            # kept back and go with the unit of work's next statement.
            self._keep_back(customer_id, {"id": txn_id, **transaction}, entry, active_at)
            return txn_id
        if txn_id is not None:
            transaction["id"] = txn_id
        with unique_keys_as_conflicts():  # the idempotency key was not looked up (`fresh`)
            inserted = self.conn.execute(_INSERT_TRANSACTION, transaction)
        txn_id = inserted.inserted_primary_key.id  # type: ignore[union-attr]
        self.conn.execute(_INSERT_POSTINGS, self._postings(customer_id, txn_id, entry))
        new_lot_id = self._insert_lot(customer_id, txn_id, entry)
        self._move_lots(txn_id, entry, new_lot_id)
        self._update_balances(customer_id, entry, active_at)
        return int(txn_id)

    def _keep_back(
        self,
        customer_id: str,
        transaction: dict[str, Any],
        entry: Entry,
        active_at: datetime | None,
    ) -> None:
        """An entry's rows as writes that wait (adapters/db/deferred.py), each a template
        built once with its values as parameters."""
        txn_id = transaction["id"]
        insert_row(self.conn, _x, transaction)
        insert_rows(self.conn, t.postings, self._postings(customer_id, txn_id, entry))
        if entry.new_lot is not None:
            insert_row(self.conn, _l, self._lot(customer_id, txn_id, entry))
        changes = _balance_changes(entry)
        if changes or active_at is not None:
            params: dict[str, Any] = {"store": self.store_id, "customer": customer_id, **changes}
            if active_at is not None:
                params["active"] = active_at
            template = _balances_template(tuple(sorted(changes)), active_at is not None)
            write(self.conn, template, params, row=("customers", customer_id))

    def _postings(self, customer_id: str, txn_id: int, entry: Entry) -> list[dict[str, Any]]:
        return [
            {
                "store_id": self.store_id,
                "transaction_id": txn_id,
                "customer_id": customer_id if p.account.is_customer else None,
                "account": p.account.value,
                "amount": p.amount,
            }
            for p in entry.postings
        ]

    def _lot(self, customer_id: str, txn_id: int, entry: Entry) -> dict[str, Any]:
        lot = entry.new_lot
        assert lot is not None
        remaining = lot.amount + sum(m.delta for m in entry.lot_moves if m.lot_id == NEW_LOT)
        return {
            "store_id": self.store_id,
            "customer_id": customer_id,
            "transaction_id": txn_id,
            "amount": lot.amount,
            "remaining": remaining,
            "pending": lot.pending,
            "available_at": lot.available_at,
            "expires_at": lot.expires_at,
        }

    def _insert_lot(self, customer_id: str, txn_id: int, entry: Entry) -> int | None:
        if entry.new_lot is None:
            return None
        return int(
            self.conn.execute(
                _INSERT_LOT, self._lot(customer_id, txn_id, entry)
            ).inserted_primary_key.id  # type: ignore[union-attr]
        )

    def _move_lots(self, txn_id: int, entry: Entry, new_lot_id: int | None) -> None:
        if entry.lot_moves:
            self.conn.execute(
                _INSERT_LOT_MOVEMENTS,
                [
                    {
                        "store_id": self.store_id,
                        "lot_id": new_lot_id if m.lot_id == NEW_LOT else m.lot_id,
                        "transaction_id": txn_id,
                        "delta": m.delta,
                    }
                    for m in entry.lot_moves
                ],
            )
        for move in entry.lot_moves:
            if move.lot_id == NEW_LOT:
                continue  # its remaining was written net of the move
            self.conn.execute(
                _MOVE_LOT, {"b_store": self.store_id, "b_lot": move.lot_id, "b_delta": move.delta}
            )
        lots = t.lots
        if entry.matured_lots:
            self.conn.execute(
                update(lots)
                .where(lots.c.store_id == self.store_id, lots.c.id.in_(entry.matured_lots))
                .values(pending=False)
            )

    def _balance_update(
        self, customer_id: str, entry: Entry, active_at: datetime | None
    ) -> tuple[Update, dict[str, Any]] | None:
        """The one UPDATE of the customer's cached balances an entry makes, if any."""
        changes = _balance_changes(entry)
        changed = tuple(sorted(changes))
        if not changed and active_at is None:
            return None
        params: dict[str, Any] = {f"b_{name}": changes[name] for name in changed}
        if active_at is not None:
            params["b_active"] = active_at
        params.update(b_store=self.store_id, b_customer=customer_id)
        return _add_to_balances(changed, active_at is not None), params

    def _update_balances(
        self, customer_id: str, entry: Entry, active_at: datetime | None = None
    ) -> None:
        found = self._balance_update(customer_id, entry, active_at)
        if found is not None:
            self.conn.execute(*found)

    # -- holds ------------------------------------------------------------------------------

    def open_hold(
        self, customer_id: str, transaction_id: int, amount: int, expires_at: datetime
    ) -> int:
        return int(
            self.conn.execute(
                t.holds.insert().values(
                    store_id=self.store_id,
                    customer_id=customer_id,
                    transaction_id=transaction_id,
                    amount=amount,
                    expires_at=expires_at,
                    status="open",
                )
            ).inserted_primary_key.id  # type: ignore[union-attr]
        )

    def _holds(self, *where: Any, limit: int | None = None) -> list[StoredHold]:
        h = t.holds
        stmt = (
            select(
                h.c.id, h.c.customer_id, h.c.transaction_id, h.c.amount, h.c.expires_at, h.c.status
            )
            .where(h.c.store_id == self.store_id, *where)
            .order_by(h.c.id)
            .limit(limit)
        )
        return [StoredHold(*row) for row in self.conn.execute(stmt)]

    def get_hold(self, hold_id: int) -> StoredHold | None:
        found = self._holds(t.holds.c.id == hold_id)
        return found[0] if found else None

    def hold_of_transaction(self, transaction_id: int) -> int | None:
        found = self._holds(t.holds.c.transaction_id == transaction_id)
        return found[0].id if found else None

    def resolve_hold(self, hold_id: int, status: str, transaction_id: int) -> bool:
        h = t.holds
        result = self.conn.execute(
            update(h)
            .where(h.c.store_id == self.store_id, h.c.id == hold_id, h.c.status == "open")
            .values(status=status, resolved_transaction_id=transaction_id)
        )
        return result.rowcount == 1

    def due_holds(self, as_of: datetime, limit: int) -> list[StoredHold]:
        h = t.holds
        return self._holds(h.c.status == "open", h.c.expires_at <= as_of, limit=limit)

    def open_holds_of(self, customer_id: str) -> list[StoredHold]:
        h = t.holds
        return self._holds(h.c.status == "open", h.c.customer_id == customer_id)

    def customers_with_due_lots(self, as_of: datetime, limit: int) -> list[str]:
        lots = t.lots
        due = and_(
            lots.c.store_id == self.store_id,
            lots.c.remaining > 0,
            or_(
                and_(lots.c.pending.is_(True), lots.c.available_at <= as_of),
                lots.c.expires_at <= as_of,
            ),
        )
        stmt = (
            select(lots.c.customer_id)
            .where(due)
            .group_by(lots.c.customer_id)
            .order_by(lots.c.customer_id)
            .limit(limit)
        )
        return list(self.conn.execute(stmt).scalars())
