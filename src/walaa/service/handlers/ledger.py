"""Ledger use cases: one function per command, one database transaction each.

Every write follows the same path (:func:`_post`): lock the customer's balance row, look the
idempotency key up, load the customer's book, ask the domain for the entry, write it. Locking
first is what makes both promises hold under concurrency: two spends from one balance are
serialised, and a retried request finds the first attempt's transaction instead of racing it.
The one batch use case, :func:`earn_many`, runs the same path for each command inside one
database transaction (:func:`_post_in`).
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
from walaa.domain.ledger import Account, Book, Entry, Kind
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
from walaa.service.handlers.milestones import notice_joined, notice_milestone
from walaa.service.handlers.program import current_program
from walaa.service.ports import (
    Balances,
    Clock,
    LedgerRepository,
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


def _replay(found: StoredTransaction, fingerprint: str, repo: LedgerRepository) -> Receipt:
    """The first write's receipt; its balances are left at 0, a replay moved none."""
    if found.request_hash != fingerprint:
        raise IdempotencyConflict("this idempotency key was already used for a different request")
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

    Each command is posted exactly as :func:`earn` posts it, in the order given, so replays
    and idempotency conflicts behave the same, also against earlier commands of the batch.
    Every customer row is locked up front, in (store, customer) order: two batches that share
    customers then queue instead of deadlocking, and a single write waits for the batch.
    """
    if not commands:
        return []
    for command in commands:
        _check_key(command.idempotency_key)
    now = clock.now()
    with uow:
        repos: dict[str, LedgerRepository] = {}
        for store_id, customer_id in sorted({(c.store_id, c.customer_id) for c in commands}):
            if store_id not in repos:
                repos[store_id] = uow.ledger(store_id)
            repos[store_id].lock_customer(customer_id, create=True)
        receipts = [
            _post_in(
                repos[command.store_id],
                command,
                _earning(command, now),
                occurred_at=now,
                create_customer=True,
                needs_lots=False,
                active_at=now,
            )
            for command in commands
        ]
        uow.commit()
    return receipts


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
        program = current_program(uow.earning(store_id))
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
    if not timedelta(0) < command.ttl <= MAX_HOLD:
        raise ValidationFailed("ttl", f"must be more than zero and at most {MAX_HOLD.days} days")
    now = clock.now()

    def open_hold(repo: LedgerRepository, txn_id: int, write: _Write) -> int:
        return repo.open_hold(command.customer_id, txn_id, write.entry.amount, now + command.ttl)

    def decide(_repo: LedgerRepository, book: Book) -> _Write:
        check(book)
        return _Write(ledger.hold(book, command.points))

    return _post(uow, command, decide, occurred_at=now, after=open_hold)


def _resolving(command: CaptureHold | ReleaseHold) -> dict[str, Any]:
    """The decision, lots and settlement of a capture or release, for `_post`/`_post_in`."""
    capturing = isinstance(command, CaptureHold)

    def hold_lots(repo: LedgerRepository) -> Sequence[int]:
        stored = repo.get_hold(command.hold_id)
        if stored is None or stored.customer_id != command.customer_id:
            raise NotFound(f"hold {command.hold_id} does not exist for this customer")
        return [a.lot_id for a in repo.allocations([stored.transaction_id])]

    def decide(repo: LedgerRepository, book: Book) -> _Write:
        stored = repo.get_hold(command.hold_id)
        assert stored is not None
        if stored.status != "open":
            raise HoldAlreadyResolved(f"hold {stored.id} is already {stored.status}")
        allocations = repo.allocations([stored.transaction_id])
        if capturing:
            assert isinstance(command, CaptureHold)
            points = command.capture_points or stored.amount
            entry = ledger.capture_part(book, stored.amount, points, allocations)
            return _Write(entry, hold_id=stored.id)
        return _Write(ledger.release(book, stored.amount, allocations), hold_id=stored.id)

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
    repo: LedgerRepository, command: CaptureHold | ReleaseHold, now: datetime
) -> Receipt:
    """Capture or release inside a unit of work the caller opened (checkout records the
    order a capture paid for in the same transaction)."""
    _check_key(command.idempotency_key)
    return _post_in(
        repo, command, occurred_at=now, active_at=_spent_at(command, now), **_resolving(command)
    )


def spend_in(repo: LedgerRepository, command: Spend, now: datetime) -> Receipt:
    """A spend inside a unit of work the caller opened (a redemption issues its code with it)."""
    _check_key(command.idempotency_key)
    return _post_in(
        repo,
        command,
        lambda _repo, book: _Write(ledger.spend(book, command.points)),
        occurred_at=now,
        active_at=now,
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
    so_far = repo.reversed_so_far(target.id)
    lot_id = repo.lot_of(target.id)
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
    """How a reversal decides its entry, and which lots it needs loaded."""

    def target(repo: LedgerRepository) -> StoredTransaction:
        found = repo.get_transaction(command.transaction_id)
        if found is None or found.customer_id != command.customer_id:
            raise NotFound(f"transaction {command.transaction_id} does not exist for this customer")
        return found

    def lots(repo: LedgerRepository) -> Sequence[int]:
        original = _original(repo, target(repo))
        own = [original.lot_id] if original.lot_id is not None else []
        return own + [a.lot_id for a in original.allocations]

    def decide(repo: LedgerRepository, book: Book) -> _Write:
        found = target(repo)
        original = _original(repo, found)
        left = original.amount - original.reversed_so_far
        points = command.points if command.points is not None else left
        if points == left == 0:
            raise ReversalExceedsOriginal(f"transaction {found.id} is already fully reversed")
        return _Write(ledger.reverse(book, original, points), reverses_id=found.id)

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


def reverse_in(repo: LedgerRepository, command: Reverse, now: datetime) -> Receipt:
    """A reversal inside a unit of work the caller opened (a refund records itself with it)."""
    _check_key(command.idempotency_key)
    decide, lots = _reversing(command)
    return _post_in(repo, command, decide, occurred_at=now, lot_ids=lots)


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
