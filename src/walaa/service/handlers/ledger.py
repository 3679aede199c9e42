"""Ledger use cases: one function per command, one database transaction each.

Every write follows the same path (:func:`_post`): lock the customer's balance row, look the
idempotency key up, load the customer's book, ask the domain for the entry, write it. Locking
first is what makes both promises hold under concurrency: two spends from one balance are
serialised, and a retried request finds the first attempt's transaction instead of racing it.
The one batch use case, :func:`earn_many`, decides each command the same way and writes the
whole batch with set-based statements (:func:`_plan_earns`, adapters/db/ledger_bulk.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from walaa.domain import ledger
from walaa.domain.entry_explanations import primary_reference
from walaa.domain.errors import (
    AccountClosed,
    HoldAlreadyResolved,
    IdempotencyConflict,
    NotFound,
    ReversalExceedsOriginal,
    ValidationFailed,
)
from walaa.domain.ledger import Account, Allocation, Book, Entry, Kind
from walaa.service.commands import (
    Adjust,
    CaptureHold,
    Earn,
    Forfeit,
    PlaceHold,
    ReleaseHold,
    Reverse,
    Spend,
    Timed,
)
from walaa.service.handlers.in_force import in_force
from walaa.service.handlers.milestones import notice_joined, notice_milestone
from walaa.service.ports import (
    Balances,
    Clock,
    LedgerRepository,
    LedgerWrite,
    StoredHold,
    StoredTransaction,
    UnitOfWork,
)

MAX_HOLD = timedelta(days=30)

#: What may still be written on a closed account: what settles the past (refunds and
#: cancellations, a hold's release, the worker's dated entries) and the forfeit itself.
_ON_CLOSED_ACCOUNTS = (Reverse, ReleaseHold, Timed, Forfeit)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a ledger write returns, the same for the first call and every replay."""

    transaction_id: int
    kind: Kind
    customer_id: str
    amount: int
    replayed: bool = False
    hold_id: int | None = None
    #: the customer's points (spendable and pending) before and after this entry; equal on a
    #: replay, which moved nothing (so nothing reacts to it twice, e.g. a milestone)
    balance_before: int = 0
    balance_after: int = 0
    #: this write created the customer: the first time the store saw them
    created: bool = False


def request_hash(command: Any) -> str:
    """A fingerprint of what was asked, so a reused key with another request is caught."""
    # A shallow view of the fields: asdict() deep-copies, and this runs on every write.
    # What an entry refers to is bookkeeping derived from the request, not part of what was
    # asked: leaving it out keeps fingerprints of requests stored before it existed valid.
    payload = {
        f.name: getattr(command, f.name)
        for f in fields(command)
        if f.name not in _NOT_ASKED
        and not (f.name in _ADDED_LATER and getattr(command, f.name) is None)
    }
    payload["command"] = type(command).__name__
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


_NOT_ASKED = frozenset({"idempotency_key", "refers_to"})
#: Fields added to a command after requests were stored: left out while unset, a retry of a
#: request stored before them still matches its fingerprint.
_ADDED_LATER = frozenset({"capture_points"})


def _check_key(key: str) -> None:
    if not key or len(key) > 255:
        raise ValidationFailed("idempotency_key", "must be 1 to 255 characters")


@dataclass(frozen=True, slots=True)
class _Write:
    entry: Entry
    reverses_id: int | None = None
    hold_id: int | None = None


Decide = Callable[[LedgerRepository, Book], _Write]


_KEY_REUSED = "this idempotency key was already used for a different request"


def _replay(found: StoredTransaction, fingerprint: str, repo: LedgerRepository) -> Receipt:
    """The first write's receipt; its balances are left at 0, a replay moved none."""
    if found.request_hash != fingerprint:
        raise IdempotencyConflict(_KEY_REUSED)
    hold_id = found.hold_id
    if found.kind is Kind.HOLD:
        hold_id = repo.hold_of_transaction(found.id)
    return Receipt(found.id, found.kind, found.customer_id, found.amount, True, hold_id)


def _post(
    uow: UnitOfWork,
    command: Any,
    decide: Decide,
    *,
    then: Callable[[UnitOfWork, Receipt], object] | None = None,
    **options: Any,
) -> Receipt:
    """One ledger write in a unit of work of its own; ``options`` as for :func:`_post_in`.
    ``then`` runs in the same transaction after a first write (never on a replay)."""
    _check_key(command.idempotency_key)
    with uow:
        receipt = _post_in(uow.ledger(command.store_id), command, decide, **options)
        if not receipt.replayed:
            if then is not None:
                then(uow, receipt)
            uow.commit()
    return receipt


def _post_in(
    repo: LedgerRepository,
    command: Any,
    decide: Decide,
    *,
    occurred_at: datetime,
    create_customer: bool = False,
    lot_ids: Callable[[LedgerRepository], Sequence[int]] = lambda _repo: (),
    after: Callable[[LedgerRepository, int, _Write], int | None] | None = None,
    needs_lots: bool = True,
    active_at: datetime | None = None,
    locked: Balances | None = None,
    fresh: bool = False,
) -> Receipt:
    """One ledger write inside a unit of work the caller opened and will commit.

    A credit decides from balances alone (it only needs the debt), so it skips loading the
    customer's lots: ``needs_lots=False``. ``active_at`` marks the write as the customer's
    activity (earning or spending) at that moment, for inactivity expiry. ``fresh``: the
    caller knows the key is new unless the database says otherwise (the order or action it
    belongs to is new), so it is not looked up; a key written before breaks its unique
    index and the write raises `WriteConflict`. ``locked`` carries the lock's reserved
    transaction id, if it drew one, for this write.
    """
    fingerprint = request_hash(command)
    balances = locked
    if balances is None:
        balances = repo.lock_customer(command.customer_id, create=create_customer)
    found = None if fresh else repo.find_transaction(command.idempotency_key)
    if found is not None:
        return _replay(found, fingerprint, repo)
    if balances is None:
        raise NotFound(f"customer {command.customer_id!r} has no points in this store")
    if balances.closed and not isinstance(command, _ON_CLOSED_ACCOUNTS):
        raise AccountClosed(command.customer_id)
    if needs_lots:
        book = repo.book(command.customer_id, balances, lot_ids=lot_ids(repo))
    else:
        book = Book(balances.available, balances.pending, balances.held)
    write = decide(repo, book)
    txn_id = repo.record(
        command.customer_id,
        command.idempotency_key,
        fingerprint,
        write.entry,
        occurred_at=occurred_at,
        reverses_id=write.reverses_id,
        hold_id=write.hold_id,
        reason=getattr(command, "reason", None),
        active_at=active_at,
        txn_id=locked.reserved_id if locked is not None else None,
        **_references(command),
    )
    hold_id = after(repo, txn_id, write) if after else write.hold_id
    entry = write.entry
    before = balances.available + balances.pending
    after_entry = before + entry.change(Account.AVAILABLE) + entry.change(Account.PENDING)
    return Receipt(
        txn_id,
        entry.kind,
        command.customer_id,
        entry.amount,
        False,
        hold_id,
        before,
        after_entry,
        balances.created,
    )


def _references(command: Any) -> dict[str, Any]:
    """The entry's `reference` and `details`, with what it refers to kept in the details.

    Every entry kind goes through here, so each one records what it refers to in the same
    place (``details["refers_to"]``) and the ledger's history can explain it later.
    """
    refers_to: dict[str, str] = dict(getattr(command, "refers_to", ()))
    details: dict[str, Any] | None = getattr(command, "details", None)
    if refers_to:
        details = {**(details or {}), "refers_to": refers_to}
    reference = getattr(command, "reference", None) or primary_reference(refers_to)
    return {"reference": reference, "details": details}


def _earning(command: Earn, now: datetime, *, backdated: bool = False) -> Decide:
    def decide(_repo: LedgerRepository, book: Book) -> _Write:
        return _Write(
            ledger.credit(
                book,
                command.points,
                kind=Kind.EARN,
                source=Account.ISSUED,
                as_of=now,
                available_at=command.available_at,
                expires_at=command.expires_at,
                backdated=backdated,
            )
        )

    return decide


def earn(uow: UnitOfWork, clock: Clock, command: Earn) -> Receipt:
    """Credit points as a lot; pending until ``available_at`` if that is in the future."""
    now = clock.now()
    return _post(
        uow,
        command,
        _earning(command, now),
        occurred_at=now,
        create_customer=True,
        needs_lots=False,
        active_at=now,
    )


def earn_many(uow: UnitOfWork, clock: Clock, commands: Sequence[Earn]) -> list[Receipt]:
    """Many earns in one database transaction (imports, backfills): all are written or none.

    Each command is decided exactly as :func:`earn` decides it, in the order given, so replays
    and idempotency conflicts behave the same, also against earlier commands of the batch, and
    several earns of one customer build on each other. The reads and writes are set-based, a
    constant number of statements per store whatever the batch's size (adapters/db/
    ledger_bulk.py): every customer is created if missing and locked up front, in customer
    order, so two batches that share customers queue instead of deadlocking and a single write
    waits for the batch; then the keys are looked up under those locks, so a concurrent write
    of the same customer and key is either seen (a replay) or waits for this batch.
    """
    if not commands:
        return []
    for command in commands:
        _check_key(command.idempotency_key)
    now = clock.now()
    with uow:
        by_store = _stores(commands)
        repos = {store_id: uow.ledger(store_id) for store_id in sorted(by_store)}
        locked: dict[tuple[str, str], Balances] = {}
        for store_id, repo in repos.items():
            balances = repo.lock_customers([c.customer_id for c in by_store[store_id]])
            locked.update({(store_id, customer): b for customer, b in balances.items()})
        stored = {
            (store_id, key): found
            for store_id, repo in repos.items()
            for key, found in repo.find_transactions(
                [c.idempotency_key for c in by_store[store_id]]
            ).items()
        }
        planned, writes = _plan_earns(commands, now, repos, locked, stored)
        ids = {
            store_id: repo.record_many(writes[store_id], occurred_at=now)
            for store_id, repo in repos.items()
            if writes.get(store_id)
        }
        uow.commit()
    return [
        receipt if position is None else replace(receipt, transaction_id=ids[store_id][position])
        for receipt, store_id, position in planned
    ]


def _stores(commands: Sequence[Earn]) -> dict[str, list[Earn]]:
    """The commands of each store, in the order given."""
    by_store: dict[str, list[Earn]] = {}
    for command in commands:
        by_store.setdefault(command.store_id, []).append(command)
    return by_store


#: A receipt of `earn_many`, with (store, position among that store's new writes) when its
#: transaction id is known only once the writes are in; position None: the receipt is final.
_Planned = tuple[Receipt, str, int | None]


def _plan_earns(
    commands: Sequence[Earn],
    now: datetime,
    repos: dict[str, LedgerRepository],
    locked: dict[tuple[str, str], Balances],
    stored: dict[tuple[str, str], StoredTransaction],
) -> tuple[list[_Planned], dict[str, list[LedgerWrite]]]:
    """Decide every earn of a batch in order, as `_post_in` decides one: a key already stored
    is a replay (or a conflict), a key repeated in the batch replays its first use, and each
    customer's balances carry each earn to the next. Nothing is written here."""
    planned: list[_Planned] = []
    writes: dict[str, list[LedgerWrite]] = {}
    first_use: dict[tuple[str, str], tuple[str, _Planned]] = {}
    for command in commands:
        store_id, key = command.store_id, (command.store_id, command.idempotency_key)
        fingerprint = request_hash(command)
        if key in stored:
            planned.append((_replay(stored[key], fingerprint, repos[store_id]), store_id, None))
            continue
        if key in first_use:
            first_fingerprint, (first, _, position) = first_use[key]
            if first_fingerprint != fingerprint:
                raise IdempotencyConflict(_KEY_REUSED)
            again = Receipt(0, first.kind, first.customer_id, first.amount, True)
            planned.append((again, store_id, position))
            continue
        customer = (store_id, command.customer_id)
        balances = locked.get(customer)
        if balances is None:
            raise NotFound(f"customer {command.customer_id!r} has no points in this store")
        if balances.closed:
            raise AccountClosed(command.customer_id)
        book = Book(balances.available, balances.pending, balances.held)
        entry = _earning(command, now)(repos[store_id], book).entry
        locked[customer] = replace(
            balances,
            available=balances.available + entry.change(Account.AVAILABLE),
            pending=balances.pending + entry.change(Account.PENDING),
            held=balances.held + entry.change(Account.HELD),
            created=False,
        )
        store_writes = writes.setdefault(store_id, [])
        store_writes.append(
            LedgerWrite(
                command.customer_id,
                command.idempotency_key,
                fingerprint,
                entry,
                reason=command.reason,
                active_at=now,
                **_references(command),
            )
        )
        before = balances.available + balances.pending
        after = before + entry.change(Account.AVAILABLE) + entry.change(Account.PENDING)
        receipt = Receipt(
            0,
            entry.kind,
            command.customer_id,
            entry.amount,
            False,
            None,
            before,
            after,
            balances.created,
        )
        first_use[key] = (fingerprint, (receipt, store_id, len(store_writes) - 1))
        planned.append(first_use[key][1])
    return planned, writes


def adjust(uow: UnitOfWork, clock: Clock, command: Adjust) -> Receipt:
    """A staff correction: positive credits a lot, negative debits; a reason is required."""
    if not command.reason.strip():
        raise ValidationFailed("reason", "an adjustment needs a reason")
    if command.points == 0:
        raise ValidationFailed("points", "must not be zero")
    now = clock.now()

    def decide(_repo: LedgerRepository, book: Book) -> _Write:
        if command.points > 0:
            return _Write(
                ledger.credit(
                    book,
                    command.points,
                    kind=Kind.ADJUST,
                    source=Account.ADJUSTMENTS,
                    as_of=now,
                    expires_at=command.expires_at,
                )
            )
        return _Write(
            ledger.debit(book, -command.points, kind=Kind.ADJUST, target=Account.ADJUSTMENTS)
        )

    def milestone(uow: UnitOfWork, receipt: Receipt) -> None:
        store_id, customer_id = command.store_id, command.customer_id
        program = in_force(uow, store_id)
        notice_joined(uow, program, store_id, customer_id, receipt.created, now)
        moved = (receipt.balance_before, receipt.balance_after)
        notice_milestone(uow, program, store_id, customer_id, moved, now)

    return _post(
        uow,
        command,
        decide,
        occurred_at=now,
        create_customer=command.points > 0,
        then=milestone if command.points > 0 else None,
    )


def spend(uow: UnitOfWork, clock: Clock, command: Spend) -> Receipt:
    """Spend available points at once, oldest lots first."""
    now = clock.now()
    return _post(
        uow,
        command,
        lambda _repo, book: _Write(ledger.spend(book, command.points)),
        occurred_at=now,
        active_at=now,
    )


def place_hold(
    uow: UnitOfWork,
    clock: Clock,
    command: PlaceHold,
    check: Callable[[Book], None] = lambda _book: None,
) -> Receipt:
    """Reserve points for a checkout; they release themselves after ``ttl``.

    ``check`` judges the locked balances of a new hold only: a replay of its key answers the
    hold it made, whatever the balances are now (they are lower by that very hold).
    """
    now = clock.now()
    return _post(uow, command, occurred_at=now, **_holding(command, now, check))


def place_hold_in(
    repo: LedgerRepository,
    command: PlaceHold,
    now: datetime,
    check: Callable[[Book], None],
    *,
    locked: Balances | None = None,
) -> Receipt:
    """A hold inside a unit of work the caller opened (checkout locks the customer first, to
    judge the hold by the program its lock's stamp names). ``locked`` as for `earn_in`."""
    _check_key(command.idempotency_key)
    return _post_in(repo, command, occurred_at=now, locked=locked, **_holding(command, now, check))


def _holding(command: PlaceHold, now: datetime, check: Callable[[Book], None]) -> dict[str, Any]:
    """The decision and the hold row of a new hold, for `_post`/`_post_in`."""
    if not timedelta(0) < command.ttl <= MAX_HOLD:
        raise ValidationFailed("ttl", f"must be more than zero and at most {MAX_HOLD.days} days")

    def open_hold(repo: LedgerRepository, txn_id: int, write: _Write) -> int:
        return repo.open_hold(command.customer_id, txn_id, write.entry.amount, now + command.ttl)

    def decide(_repo: LedgerRepository, book: Book) -> _Write:
        check(book)
        return _Write(ledger.hold(book, command.points))

    return {"decide": decide, "after": open_hold}


def _resolving(
    command: CaptureHold | ReleaseHold, stored: StoredHold | None = None
) -> dict[str, Any]:
    """The decision, lots and settlement of a capture or release, for `_post`/`_post_in`.

    The hold and what it took from the lots are read once for both the lots to load and the
    decision (``stored``: the hold as the caller read it already). Its status may have moved
    since that read; the guarded UPDATE that settles it (`resolve_hold`) is what decides a
    race, and it fails the write.
    """
    capturing = isinstance(command, CaptureHold)
    seen: dict[str, Any] = {}

    def hold(repo: LedgerRepository) -> tuple[StoredHold, tuple[Allocation, ...]]:
        if "hold" not in seen:
            found = stored if stored is not None else repo.get_hold(command.hold_id)
            if found is None or found.customer_id != command.customer_id:
                raise NotFound(f"hold {command.hold_id} does not exist for this customer")
            seen["hold"] = found, repo.allocations([found.transaction_id])
        held: tuple[StoredHold, tuple[Allocation, ...]] = seen["hold"]
        return held

    def hold_lots(repo: LedgerRepository) -> Sequence[int]:
        return [a.lot_id for a in hold(repo)[1]]

    def decide(repo: LedgerRepository, book: Book) -> _Write:
        found, allocations = hold(repo)
        if found.status != "open":
            raise HoldAlreadyResolved(f"hold {found.id} is already {found.status}")
        if capturing:
            assert isinstance(command, CaptureHold)
            points = command.capture_points or found.amount
            entry = ledger.capture_part(book, found.amount, points, allocations)
            return _Write(entry, hold_id=found.id)
        return _Write(ledger.release(book, found.amount, allocations), hold_id=found.id)

    def settle(repo: LedgerRepository, txn_id: int, write: _Write) -> int | None:
        assert write.hold_id is not None
        if not repo.resolve_hold(write.hold_id, "captured" if capturing else "released", txn_id):
            raise HoldAlreadyResolved(f"hold {write.hold_id} was settled concurrently")
        return write.hold_id

    return {"decide": decide, "lot_ids": hold_lots, "after": settle}


def _resolve(uow: UnitOfWork, clock: Clock, command: CaptureHold | ReleaseHold) -> Receipt:
    now = clock.now()
    return _post(
        uow, command, occurred_at=now, active_at=_spent_at(command, now), **_resolving(command)
    )


def _spent_at(command: CaptureHold | ReleaseHold, now: datetime) -> datetime | None:
    """A capture spends the held points: the customer's activity. A release is not."""
    return now if isinstance(command, CaptureHold) else None


def resolve_in(
    repo: LedgerRepository,
    command: CaptureHold | ReleaseHold,
    now: datetime,
    *,
    locked: Balances | None = None,
    stored: StoredHold | None = None,
) -> Receipt:
    """Capture or release inside a unit of work the caller opened (checkout records the
    order a capture paid for in the same transaction). ``locked`` as for `earn_in`;
    ``stored``: the hold, as the caller read it in this unit of work."""
    _check_key(command.idempotency_key)
    return _post_in(
        repo,
        command,
        occurred_at=now,
        active_at=_spent_at(command, now),
        locked=locked,
        **_resolving(command, stored),
    )


def spend_in(
    repo: LedgerRepository, command: Spend, now: datetime, *, locked: Balances | None = None
) -> Receipt:
    """A spend inside a unit of work the caller opened (a redemption issues its code with it).
    ``locked`` as for `earn_in`."""
    _check_key(command.idempotency_key)
    return _post_in(
        repo,
        command,
        lambda _repo, book: _Write(ledger.spend(book, command.points)),
        occurred_at=now,
        active_at=now,
        locked=locked,
    )


def forfeit_in(repo: LedgerRepository, command: Forfeit, now: datetime) -> Receipt | None:
    """Forfeit every point left in the customer's lots, inside the caller's unit of work;
    None when nothing is left (or a replay of the forfeit already written)."""
    _check_key(command.idempotency_key)
    try:
        return _post_in(
            repo,
            command,
            lambda _repo, book: _Write(_required(ledger.forfeit(book))),
            occurred_at=now,
        )
    except _NothingDue:
        return None


def capture_hold(uow: UnitOfWork, clock: Clock, command: CaptureHold) -> Receipt:
    """Bind held points to the order; a hold is captured or released once, never both."""
    return _resolve(uow, clock, command)


def release_hold(uow: UnitOfWork, clock: Clock, command: ReleaseHold) -> Receipt:
    """Give held points back to the lots they were taken from."""
    return _resolve(uow, clock, command)


_STORE_ACCOUNT = {
    Kind.EARN: Account.ISSUED,
    Kind.SPEND: Account.REDEEMED,
    Kind.CAPTURE: Account.REDEEMED,
    Kind.ADJUST: Account.ADJUSTMENTS,
}


def _original(repo: LedgerRepository, target: StoredTransaction) -> ledger.Original:
    if target.kind not in ledger.REVERSIBLE:
        raise ValidationFailed("transaction_id", f"a {target.kind} transaction cannot be reversed")
    so_far, lot_id = repo.reversal_basis(target.id)
    if lot_id is not None:  # a credit: earn or positive adjustment
        return ledger.Original(
            target.kind, target.amount, so_far, _STORE_ACCOUNT[target.kind], lot_id=lot_id
        )
    # A debit gives back to the lots it consumed, net of what earlier reversals gave back.
    # A capture's lots are its hold's, net of what the capture itself released.
    sources = [target.id]
    if target.kind is Kind.CAPTURE:
        assert target.hold_id is not None
        stored = repo.get_hold(target.hold_id)
        assert stored is not None
        sources = [stored.transaction_id, target.id]
    allocations = repo.allocations([*sources, *repo.reversal_ids(target.id)])
    return ledger.Original(
        target.kind,
        target.amount,
        so_far,
        _STORE_ACCOUNT[target.kind],
        allocations=allocations,
        is_credit=False,
    )


def _reversing(
    command: Reverse,
) -> tuple[Decide, Callable[[LedgerRepository], Sequence[int]]]:
    """How a reversal decides its entry, and which lots it needs loaded. The transaction
    reversed and what it took or gave are read once, under the lock, for both."""
    seen: dict[str, tuple[StoredTransaction, ledger.Original]] = {}

    def original(repo: LedgerRepository) -> tuple[StoredTransaction, ledger.Original]:
        if "original" not in seen:
            found = repo.get_transaction(command.transaction_id)
            if found is None or found.customer_id != command.customer_id:
                raise NotFound(
                    f"transaction {command.transaction_id} does not exist for this customer"
                )
            seen["original"] = found, _original(repo, found)
        return seen["original"]

    def lots(repo: LedgerRepository) -> Sequence[int]:
        _found, taken = original(repo)
        own = [taken.lot_id] if taken.lot_id is not None else []
        return own + [a.lot_id for a in taken.allocations]

    def decide(repo: LedgerRepository, book: Book) -> _Write:
        found, taken = original(repo)
        left = taken.amount - taken.reversed_so_far
        points = command.points if command.points is not None else left
        if points == left == 0:
            raise ReversalExceedsOriginal(f"transaction {found.id} is already fully reversed")
        return _Write(ledger.reverse(book, taken, points), reverses_id=found.id)

    return decide, lots


def reverse(uow: UnitOfWork, clock: Clock, command: Reverse) -> Receipt:
    """Reverse a transaction in full (``points=None``) or in part."""
    decide, lots = _reversing(command)
    return _post(uow, command, decide, occurred_at=clock.now(), lot_ids=lots)


def within_reach_in(repo: LedgerRepository, customer_id: str, transaction_id: int) -> int:
    """What reversing this transaction could take back now without a debt, read under the
    customer's lock inside the caller's unit of work (see :func:`ledger.within_reach`)."""
    balances = repo.lock_customer(customer_id, create=False)
    target = repo.get_transaction(transaction_id)
    if balances is None or target is None or target.customer_id != customer_id:
        raise NotFound(f"transaction {transaction_id} does not exist for this customer")
    original = _original(repo, target)
    own = [original.lot_id] if original.lot_id is not None else []
    return ledger.within_reach(repo.book(customer_id, balances, lot_ids=own), original)


def reverse_in(
    repo: LedgerRepository, command: Reverse, now: datetime, *, locked: Balances | None = None
) -> Receipt:
    """A reversal inside a unit of work the caller opened (a refund records itself with it).
    ``locked`` as for `earn_in`."""
    _check_key(command.idempotency_key)
    decide, lots = _reversing(command)
    return _post_in(repo, command, decide, occurred_at=now, lot_ids=lots, locked=locked)


def earn_in(
    repo: LedgerRepository,
    command: Earn,
    now: datetime,
    *,
    active_at: datetime | None = None,
    locked: Balances | None = None,
    fresh: bool = False,
) -> Receipt:
    """An earn inside a unit of work the caller opened: an order's points are written in the
    same database transaction as the order itself. ``active_at`` is when the customer earned
    them (the order's ``placed_at``, the action's ``occurred_at``); a grant the customer did
    nothing for (a membership's monthly points) leaves it out.

    History recorded late (an imported order) may already be past its expiry: its points
    arrive expired, the earn and its expiry written together under ``<key>:expired``, so no
    one can spend them in between and the books show both.

    ``locked``: the balances the caller's lock of this customer read in this unit of work, when
    nothing has written them since; the earn then does not read them again. ``fresh``: the
    key is new unless the database says otherwise (as for :func:`_post_in`).
    """
    _check_key(command.idempotency_key)
    late = command.expires_at is not None and command.expires_at <= now
    receipt = _post_in(
        repo,
        command,
        _earning(command, now, backdated=late),
        occurred_at=now,
        create_customer=True,
        needs_lots=False,
        active_at=active_at,
        locked=locked,
        fresh=fresh,
    )
    if late and not receipt.replayed:
        key = f"{command.idempotency_key}:expired"
        expiry = Timed(command.store_id, command.customer_id, key, "expire", now)
        # A debt may take the points as they arrive, leaving nothing to expire.
        with contextlib.suppress(_NothingDue):
            expired = _post_in(
                repo,
                expiry,
                lambda _repo, book: _Write(_required(ledger.expire(book, now))),
                occurred_at=now,
            )
            receipt = replace(receipt, balance_after=expired.balance_after)
    return receipt


def _timed(
    uow: UnitOfWork,
    store_id: str,
    customer_id: str,
    as_of: datetime,
    rule: Callable[[Book, datetime], Entry | None],
    name: str,
) -> Receipt | None:
    """Run a time-driven entry (maturing, expiry) for one customer, if anything is due."""
    key = f"{name}:{customer_id}:{as_of.isoformat()}"
    command = Timed(store_id, customer_id, key, name, as_of)
    try:
        return _post(
            uow,
            command,
            lambda _repo, book: _Write(_required(rule(book, as_of))),
            occurred_at=as_of,
        )
    except _NothingDue:
        return None


class _NothingDue(Exception):
    pass


def _required(entry: Entry | None) -> Entry:
    if entry is None:
        raise _NothingDue
    return entry


def mature_points(
    uow: UnitOfWork, store_id: str, customer_id: str, as_of: datetime
) -> Receipt | None:
    """Make pending points whose return window has passed spendable."""
    return _timed(uow, store_id, customer_id, as_of, ledger.mature, "mature")


def expire_points(
    uow: UnitOfWork, store_id: str, customer_id: str, as_of: datetime
) -> Receipt | None:
    """Expire what is left of lots whose date has passed."""
    return _timed(uow, store_id, customer_id, as_of, ledger.expire, "expire")


def release_expired_holds(uow: UnitOfWork, clock: Clock, store_id: str, limit: int = 500) -> int:
    """Release every open hold past its timeout; returns how many were released."""
    now = clock.now()
    with uow:
        due = uow.ledger(store_id).due_holds(now, limit)
    released = 0
    for stored in due:
        command = ReleaseHold(store_id, stored.customer_id, f"hold:{stored.id}:timeout", stored.id)
        try:
            release_hold(uow, clock, command)
            released += 1
        except HoldAlreadyResolved:
            continue  # captured or released between the scan and now
    return released


def run_due(uow: UnitOfWork, store_id: str, as_of: datetime, limit: int = 1000) -> tuple[int, int]:
    """Mature and expire every customer's due lots; returns (matured, expired) counts."""
    with uow:
        due = uow.ledger(store_id).customers_with_due_lots(as_of, limit)
    matured = expired = 0
    for customer_id in due:
        matured += mature_points(uow, store_id, customer_id, as_of) is not None
        expired += expire_points(uow, store_id, customer_id, as_of) is not None
    return matured, expired
