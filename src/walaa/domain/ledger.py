"""The points ledger: double-entry postings over lots, decided without any I/O.

Every movement of points is a transaction whose postings sum to zero across two kinds of
account:

* per customer: ``available`` (spendable), ``pending`` (earned, waiting out the return window)
  and ``held`` (reserved for a checkout that has not finished);
* per store: ``issued`` (every point the store ever gave, a negative number), ``redeemed``,
  ``expired``, ``reversed``, ``adjustments`` and ``forfeited`` (what a closed account gave up).

Credits arrive as *lots*, so each point remembers where it came from and when it expires.
Spending consumes the oldest lots first. A lot's ``remaining`` is what is left to spend or
expire; the invariant that ties lots to balances is

    sum(remaining of matured lots) == max(available, 0)

A negative ``available`` is a debt: points that were spent and later taken back by a reversal.
The next credit repays the debt before it fills a lot, so a debt and spendable lots never
coexist.

The functions here receive the customer's :class:`Book` (balances and relevant lots, loaded and
locked by the service layer) and return an :class:`Entry` that says exactly what to write. They
never read a clock; ``as_of`` is always an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from walaa.domain.errors import InsufficientPoints, ReversalExceedsOriginal, ValidationFailed
from walaa.domain.money import MAX_POINTS


class Account(StrEnum):
    AVAILABLE = "available"
    PENDING = "pending"
    HELD = "held"
    ISSUED = "issued"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    REVERSED = "reversed"
    ADJUSTMENTS = "adjustments"
    FORFEITED = "forfeited"

    @property
    def is_customer(self) -> bool:
        return self in CUSTOMER_ACCOUNTS


CUSTOMER_ACCOUNTS = frozenset({Account.AVAILABLE, Account.PENDING, Account.HELD})
STORE_ACCOUNTS = frozenset(set(Account) - CUSTOMER_ACCOUNTS)


class Kind(StrEnum):
    EARN = "earn"
    ADJUST = "adjust"
    SPEND = "spend"
    HOLD = "hold"
    CAPTURE = "capture"
    RELEASE = "release"
    MATURE = "mature"
    EXPIRE = "expire"
    REVERSAL = "reversal"
    FORFEIT = "forfeit"


#: Kinds a reversal may target, and the store account the original posted to.
REVERSIBLE = frozenset({Kind.EARN, Kind.ADJUST, Kind.SPEND, Kind.CAPTURE})


@dataclass(frozen=True, slots=True)
class Posting:
    account: Account
    amount: int


@dataclass(frozen=True, slots=True)
class Lot:
    """A credit's points as the ledger sees them now.

    ``expired`` is how much of the lot was already expired; a reversal of the credit
    reclassifies that part instead of charging the customer for points they never kept.
    """

    id: int
    amount: int
    remaining: int
    pending: bool
    expires_at: datetime | None = None
    available_at: datetime | None = None
    expired: int = 0


@dataclass(frozen=True, slots=True)
class Book:
    """A customer's balances and lots, as locked by the service for one transaction.

    ``lots`` holds at least every open lot (remaining > 0) plus any lot an operation names
    (a reversal's own lot, a hold's allocations), in FIFO order: oldest first.
    """

    available: int = 0
    pending: int = 0
    held: int = 0
    lots: tuple[Lot, ...] = ()

    @property
    def debt(self) -> int:
        return max(0, -self.available)

    def lot(self, lot_id: int) -> Lot:
        for lot in self.lots:
            if lot.id == lot_id:
                return lot
        raise ValidationFailed("lot", f"lot {lot_id} is not part of this book")


@dataclass(frozen=True, slots=True)
class NewLot:
    amount: int
    pending: bool
    available_at: datetime | None
    expires_at: datetime | None


#: In a :class:`LotMove`, the lot that the same entry creates.
NEW_LOT = 0


@dataclass(frozen=True, slots=True)
class LotMove:
    """A change to one lot's remaining points; negative consumes, positive restores."""

    lot_id: int
    delta: int


@dataclass(frozen=True, slots=True)
class Entry:
    """Everything one ledger transaction writes, checked to balance on construction."""

    kind: Kind
    amount: int
    postings: tuple[Posting, ...]
    new_lot: NewLot | None = None
    lot_moves: tuple[LotMove, ...] = ()
    matured_lots: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if sum(p.amount for p in self.postings) != 0:
            raise AssertionError(f"unbalanced {self.kind} entry: {self.postings}")

    def change(self, account: Account) -> int:
        return sum(p.amount for p in self.postings if p.account is account)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Points a debit took from one lot, net of anything already given back."""

    lot_id: int
    amount: int


def _positive(amount: int, name: str = "points") -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(name, "must be a whole number of points")
    if amount <= 0:
        raise ValidationFailed(name, "must be greater than zero")


def _within_bounds(book: Book, amount: int) -> None:
    if amount > MAX_POINTS:
        raise ValidationFailed("points", f"at most {MAX_POINTS} points may be given at once")
    if book.available + book.pending + amount > MAX_POINTS:
        raise ValidationFailed(
            "points", f"a customer may hold at most {MAX_POINTS} points (available and pending)"
        )


def _consume_fifo(lots: Iterable[Lot], amount: int) -> list[LotMove]:
    """Take ``amount`` from the oldest matured lots that still hold points."""
    moves: list[LotMove] = []
    left = amount
    for lot in lots:
        if left == 0:
            break
        if lot.pending or lot.remaining <= 0:
            continue
        take = min(lot.remaining, left)
        moves.append(LotMove(lot.id, -take))
        left -= take
    return moves


def _settle_debt(restores: list[LotMove], debt: int) -> list[LotMove]:
    """Net a credit's lot restores against an outstanding debt.

    The debt is repaid from the oldest restored lots first, so what stays spendable is the
    freshest part of the credit, the part that expires last.
    """
    settle = min(debt, sum(m.delta for m in restores))
    out: list[LotMove] = []
    for move in restores:
        cut = min(settle, move.delta)
        settle -= cut
        if move.delta - cut:
            out.append(LotMove(move.lot_id, move.delta - cut))
    return out


def credit(
    book: Book,
    amount: int,
    *,
    kind: Kind,
    source: Account,
    as_of: datetime,
    available_at: datetime | None = None,
    expires_at: datetime | None = None,
    backdated: bool = False,
) -> Entry:
    """Give points as a new lot: pending until ``available_at``, then spendable.

    Only ``backdated`` history (an order recorded after the fact) may carry an expiry that has
    already passed; its caller expires the lot in the same transaction.
    """
    _positive(amount)
    _within_bounds(book, amount)
    if expires_at is not None and expires_at <= as_of and not backdated:
        raise ValidationFailed("expires_at", "must be in the future")
    if expires_at is not None and available_at is not None and expires_at <= available_at:
        raise ValidationFailed("expires_at", "must be after available_at")
    pending = available_at is not None and available_at > as_of
    lot = NewLot(amount, pending, available_at, expires_at)
    if pending:
        return Entry(
            kind, amount, (Posting(source, -amount), Posting(Account.PENDING, amount)), lot
        )
    # A debt is repaid first: that part of the new lot is consumed as it arrives.
    repay = min(amount, book.debt)
    moves = [LotMove(NEW_LOT, -repay)] if repay else []
    return Entry(
        kind,
        amount,
        (Posting(source, -amount), Posting(Account.AVAILABLE, amount)),
        lot,
        tuple(moves),
    )


def debit(book: Book, amount: int, *, kind: Kind, target: Account) -> Entry:
    """Take spendable points, oldest lots first; never below zero."""
    _positive(amount)
    if amount > book.available:
        raise InsufficientPoints(amount, max(book.available, 0))
    moves = _consume_fifo(book.lots, amount)
    if sum(-m.delta for m in moves) != amount:
        raise AssertionError("lots do not cover the available balance")
    postings = (Posting(Account.AVAILABLE, -amount), Posting(target, amount))
    return Entry(kind, amount, postings, lot_moves=tuple(moves))


def spend(book: Book, amount: int) -> Entry:
    return debit(book, amount, kind=Kind.SPEND, target=Account.REDEEMED)


def hold(book: Book, amount: int) -> Entry:
    return debit(book, amount, kind=Kind.HOLD, target=Account.HELD)


def capture(amount: int) -> Entry:
    """Bind held points to the order; the lots were already consumed by the hold."""
    _positive(amount)
    return Entry(
        Kind.CAPTURE, amount, (Posting(Account.HELD, -amount), Posting(Account.REDEEMED, amount))
    )


def capture_part(book: Book, held: int, amount: int, allocations: Sequence[Allocation]) -> Entry:
    """Bind ``amount`` of ``held`` points to the order and return the rest in the same entry.

    The rest goes back to the newest lots the hold took, as a release would give it back, so
    what paid is the oldest points (FIFO). The entry's amount is what was captured.
    """
    _positive(amount)
    if amount > held:
        raise ValidationFailed("points", f"at most the {held} points held can be captured")
    if amount == held:
        return capture(amount)
    rest = held - amount
    moves = _restore(book, allocations, rest)
    postings = (
        Posting(Account.HELD, -held),
        Posting(Account.REDEEMED, amount),
        Posting(Account.AVAILABLE, rest),
    )
    return Entry(Kind.CAPTURE, amount, postings, lot_moves=tuple(moves))


def _restore(book: Book, allocations: Sequence[Allocation], amount: int) -> list[LotMove]:
    """Give ``amount`` back to the lots a debit took it from, newest allocation first."""
    if amount > sum(a.amount for a in allocations):
        raise AssertionError("restoring more than was allocated")
    restores: list[LotMove] = []
    left = amount
    for alloc in reversed(allocations):
        give = min(alloc.amount, left)
        if give:
            restores.append(LotMove(alloc.lot_id, give))
            left -= give
    restores.reverse()
    return _settle_debt(restores, book.debt)


def release(book: Book, amount: int, allocations: Sequence[Allocation]) -> Entry:
    """Return held points to the lots they came from (even lots that have since expired;
    the next expiry run takes those)."""
    _positive(amount)
    moves = _restore(book, allocations, amount)
    postings = (Posting(Account.HELD, -amount), Posting(Account.AVAILABLE, amount))
    return Entry(Kind.RELEASE, amount, postings, lot_moves=tuple(moves))


def mature(book: Book, as_of: datetime) -> Entry | None:
    """Move every pending lot whose return window has passed into the spendable balance."""
    ripe = [
        lot
        for lot in book.lots
        if lot.pending and lot.available_at is not None and lot.available_at <= as_of
    ]
    if not ripe:
        return None
    total = sum(lot.remaining for lot in ripe)
    # Matured points repay a debt before they become spendable.
    ripened = [replace(lot, pending=False) for lot in ripe]
    moves = tuple(_consume_fifo(ripened, min(book.debt, total)))
    postings = (Posting(Account.PENDING, -total), Posting(Account.AVAILABLE, total))
    return Entry(
        Kind.MATURE, total, postings, lot_moves=moves, matured_lots=tuple(lot.id for lot in ripe)
    )


def expire(book: Book, as_of: datetime) -> Entry | None:
    """Expire what is left in lots past their date, and nothing else.

    Points already spent from an expired lot are gone already; newer lots are untouched.
    """
    due = [
        lot
        for lot in book.lots
        if lot.remaining > 0 and lot.expires_at is not None and lot.expires_at <= as_of
    ]
    return _write_off(due, Kind.EXPIRE, Account.EXPIRED)


def _write_off(lots: Sequence[Lot], kind: Kind, target: Account) -> Entry | None:
    """Empty ``lots`` (pending or spendable) into the store account ``target``."""
    if not lots:
        return None
    from_pending = sum(lot.remaining for lot in lots if lot.pending)
    from_available = sum(lot.remaining for lot in lots if not lot.pending)
    postings = [Posting(target, from_pending + from_available)]
    if from_pending:
        postings.append(Posting(Account.PENDING, -from_pending))
    if from_available:
        postings.append(Posting(Account.AVAILABLE, -from_available))
    moves = tuple(LotMove(lot.id, -lot.remaining) for lot in lots)
    return Entry(kind, from_pending + from_available, tuple(postings), lot_moves=moves)


def forfeit(book: Book) -> Entry | None:
    """Give up every point left in the customer's lots, spendable or pending: the account
    is closing. A debt is not forgiven here (it stays on the closed account, visible).

    Held points are not in lots; the service releases open holds before it forfeits.
    """
    left = [lot for lot in book.lots if lot.remaining > 0]
    return _write_off(left, Kind.FORFEIT, Account.FORFEITED)


@dataclass(frozen=True, slots=True)
class Original:
    """What a reversal needs to know about the transaction it reverses."""

    kind: Kind
    amount: int
    reversed_so_far: int
    #: the store account the original posted to (issued, adjustments, redeemed)
    store_account: Account
    #: for a credit: its lot; for a debit: what it consumed, net of earlier reversals
    lot_id: int | None = None
    allocations: tuple[Allocation, ...] = field(default=())
    is_credit: bool = True


def reverse(book: Book, original: Original, amount: int) -> Entry:
    """Take back a credit or give back a debit, in full or in part.

    Reversing a credit takes, in order: what is left of its own lot; the part of it that
    already expired (reclassified, the customer is not charged twice); other spendable lots;
    and whatever is still missing becomes a debt — spent points are never silently dropped.
    """
    _positive(amount)
    if original.kind not in REVERSIBLE:
        raise ValidationFailed("transaction", f"a {original.kind} transaction cannot be reversed")
    outstanding = original.amount - original.reversed_so_far
    if amount > outstanding:
        raise ReversalExceedsOriginal(
            f"only {outstanding} of {original.amount} points are left to reverse"
        )
    if original.is_credit:
        return _reverse_credit(book, original, amount)
    moves = _restore(book, original.allocations, amount)
    postings = (Posting(original.store_account, -amount), Posting(Account.AVAILABLE, amount))
    return Entry(Kind.REVERSAL, amount, postings, lot_moves=tuple(moves))


def within_reach(book: Book, original: Original) -> int:
    """What a reversal can take back without leaving a debt: what is left of the credit's own
    lot (pending or not), the part of it that expired, and the customer's other spendable
    lots. A debit's reversal gives points back, so all of what is outstanding is in reach.

    A refund of a program that caps take-backs at the balance takes this much and forgives the
    rest (`walaa.domain.spending_choices.TakeBack`).
    """
    outstanding = original.amount - original.reversed_so_far
    if not original.is_credit or original.lot_id is None:
        return outstanding
    own = book.lot(original.lot_id)
    others = sum(
        lot.remaining
        for lot in book.lots
        if lot.id != own.id and not lot.pending and lot.remaining > 0
    )
    return min(outstanding, own.remaining + own.expired + others)


def _reverse_credit(book: Book, original: Original, amount: int) -> Entry:
    if original.lot_id is None:
        raise AssertionError("a credit reversal needs the credit's lot")
    own = book.lot(original.lot_id)
    postings: list[Posting] = [Posting(Account.REVERSED, amount)]
    moves: list[LotMove] = []
    left = amount
    from_own = min(own.remaining, left)
    if from_own:
        moves.append(LotMove(own.id, -from_own))
        account = Account.PENDING if own.pending else Account.AVAILABLE
        postings.append(Posting(account, -from_own))
        left -= from_own
    from_expired = min(own.expired, left)
    if from_expired:
        postings.append(Posting(Account.EXPIRED, -from_expired))
        left -= from_expired
    if left:
        others = [lot for lot in book.lots if lot.id != own.id]
        taken = _consume_fifo(others, left)
        moves.extend(taken)
        postings.append(Posting(Account.AVAILABLE, -left))  # beyond the lots: a debt
    return Entry(Kind.REVERSAL, amount, _merge(postings), lot_moves=tuple(moves))


def _merge(postings: Iterable[Posting]) -> tuple[Posting, ...]:
    totals: dict[Account, int] = {}
    for p in postings:
        totals[p.account] = totals.get(p.account, 0) + p.amount
    return tuple(Posting(a, n) for a, n in totals.items() if n)


def apply(book: Book, entry: Entry) -> Book:
    """The book after an entry: used by the reference model and by tests."""
    remaining = {lot.id: lot.remaining for lot in book.lots}
    for move in entry.lot_moves:
        remaining[move.lot_id] = remaining.get(move.lot_id, 0) + move.delta
    lots = tuple(
        Lot(
            lot.id,
            lot.amount,
            remaining[lot.id],
            lot.pending and lot.id not in entry.matured_lots,
            lot.expires_at,
            lot.available_at,
            lot.expired,
        )
        for lot in book.lots
    )
    return Book(
        book.available + entry.change(Account.AVAILABLE),
        book.pending + entry.change(Account.PENDING),
        book.held + entry.change(Account.HELD),
        lots,
    )
