"""Points as money at checkout: quote, hold, capture or release.

The hold is the ledger's two-phase spend. Capturing it records which order the points paid for
and the order's total, so a later refund of that order gives back the refunded share of those
points (see :mod:`walaa.service.handlers.money_back`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.ledger import Book
from walaa.domain.program import Program
from walaa.domain.rewards import (
    HoldPaidForAnotherOrder,
    Quote,
    check_payment,
    quote,
)
from walaa.service.commands import CaptureHold, PlaceHold, ReleaseHold
from walaa.service.handlers import ledger
from walaa.service.handlers.customers import known_customer
from walaa.service.handlers.in_force import in_force
from walaa.service.handlers.rewards import alert_if_over_threshold
from walaa.service.ports import Balances, Clock, PaymentRecord, StoredHold, UnitOfWork


@dataclass(frozen=True, slots=True)
class HoldResult:
    hold_id: int
    customer_id: str
    points: int
    worth: Decimal
    currency: str
    expires_at: datetime
    status: str
    replayed: bool
    #: what a capture took of the held points (the rest came back with it); None until then
    captured_points: int | None = None
    captured_worth: Decimal | None = None


def _program(uow: UnitOfWork, store_id: str, locked: Balances | None = None) -> Program:
    """The program in force, at the stamp the customer's lock read when there is one."""
    program = in_force(uow, store_id, locked.settings_stamp if locked is not None else None)
    if program is None:
        raise NotFound("this store has no program yet, so points have no value")
    return program


def get_quote(
    uow: UnitOfWork,
    store_id: str,
    customer_id: str,
    subtotal: Decimal,
    amount: Decimal | None = None,
) -> tuple[Program, Quote]:
    """How many points this customer may use on an order of ``subtotal``, and their worth;
    with ``amount``, the points that cover that much of it (rounded as the program says)."""
    with uow:
        program = _program(uow, store_id)
        record = known_customer(uow, store_id, customer_id)
    available = record.balances.available
    return program, quote(available, subtotal, program.checkout, program.point_value, amount)


def hold_points(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    customer_id: str,
    points: int,
    subtotal: Decimal,
    key: str,
    ttl: timedelta,
) -> HoldResult:
    """Reserve points for an order being placed; they come back by themselves after ``ttl``.

    The quote is checked against the balances locked for the hold itself, after its key was
    looked up: a retry of a hold that was made answers that hold, not a quote that the hold
    has since lowered.
    """
    now = clock.now()
    command = PlaceHold(store_id, customer_id, f"checkout:{key}", points, ttl)
    with uow:
        repo = uow.ledger(store_id)
        locked = repo.lock_customer(customer_id, create=False)
        program = _program(uow, store_id, locked)

        def affordable(book: Book) -> None:
            check_payment(
                points, quote(book.available, subtotal, program.checkout, program.point_value)
            )

        # nothing wrote the customer's balances since the lock above read them
        receipt = ledger.place_hold_in(repo, command, now, affordable, locked=locked)
        if not receipt.replayed:
            uow.commit()
    assert receipt.hold_id is not None
    if receipt.replayed:
        return _hold_result(uow, store_id, receipt.hold_id, program, replayed=True)
    # A new hold is what was just written: open, for these points, until now + ttl.
    opened = StoredHold(
        receipt.hold_id, customer_id, receipt.transaction_id, receipt.amount, now + ttl, "open"
    )
    return _result_of(opened, None, program, replayed=False)


def _hold_result(
    uow: UnitOfWork, store_id: str, hold_id: int, program: Program, replayed: bool
) -> HoldResult:
    with uow:
        stored = uow.ledger(store_id).get_hold(hold_id)
        paid = uow.rewards(store_id).payment_of(hold_id)
    if stored is None:
        raise NotFound(f"hold {hold_id} does not exist in this store")
    return _result_of(stored, paid, program, replayed)


def _result_of(
    stored: StoredHold, paid: PaymentRecord | None, program: Program, replayed: bool
) -> HoldResult:
    value = program.point_value.value_of(stored.amount)
    captured = paid.points if paid is not None else None
    return HoldResult(
        stored.id,
        stored.customer_id,
        stored.amount,
        value.amount,
        value.currency,
        stored.expires_at,
        stored.status,
        replayed,
        captured,
        None if captured is None else program.point_value.value_of(captured).amount,
    )


def capture(
    uow: UnitOfWork,
    clock: Clock,
    store_id: str,
    hold_id: int,
    order_id: str,
    order_total: Decimal,
    points: int | None = None,
) -> HoldResult:
    """Bind held points to an order (idempotent by hold): they are now spent on it.

    ``points`` captures only that many of them and releases the rest in the same entry (the
    order came to less than was held); by default all of them pay.

    ``order_total`` is the money paid besides the points: zero when points paid everything,
    and then a refund's share is taken of what the points were worth.
    """
    if order_total < 0:
        raise ValidationFailed("order_total", "must not be negative")
    now = clock.now()
    with uow:
        repo = uow.ledger(store_id)
        stored = repo.get_hold(hold_id)
        if stored is None:
            raise NotFound(f"hold {hold_id} does not exist in this store")
        if points == stored.amount:
            points = None  # all of them: the same request as leaving it out
        refers_to = [("order", order_id), ("hold", str(hold_id))]
        if points is not None and points < stored.amount:
            refers_to.append(("released", str(stored.amount - points)))
        command = CaptureHold(
            store_id,
            stored.customer_id,
            f"checkout-capture:{hold_id}",
            hold_id,
            refers_to=tuple(refers_to),
            capture_points=points,
        )
        locked = repo.lock_customer(stored.customer_id, create=False)
        program = _program(uow, store_id, locked)
        # nothing wrote the customer's balances since the lock above read them
        receipt = ledger.resolve_in(repo, command, now, locked=locked, stored=stored)
        if receipt.replayed:
            paid = uow.rewards(store_id).payment_of(hold_id)
            if paid is not None and paid.order_id != order_id:
                raise HoldPaidForAnotherOrder(hold_id, paid.order_id)
        else:
            taken = receipt.amount  # what the capture took: all that was held, or ``points``
            payment = PaymentRecord(
                hold_id,
                order_id,
                stored.customer_id,
                taken,
                receipt.transaction_id,
                order_total,
                program.point_value.value_of(taken).amount,
            )
            uow.rewards(store_id).add_payment(payment, now)
            alert_if_over_threshold(
                uow, store_id, stored.customer_id, taken, f"hold-{hold_id}", now, locked
            )
            uow.commit()
    if receipt.replayed:
        return _hold_result(uow, store_id, hold_id, program, replayed=True)
    # The hold as this capture left it, and the payment it just recorded.
    return _result_of(replace(stored, status="captured"), payment, program, replayed=False)


def release(uow: UnitOfWork, clock: Clock, store_id: str, hold_id: int) -> HoldResult:
    """The order was not placed: the points go back to the lots they came from."""
    now = clock.now()
    with uow:
        repo = uow.ledger(store_id)
        stored = repo.get_hold(hold_id)
        locked = repo.lock_customer(stored.customer_id, create=False) if stored else None
        program = _program(uow, store_id, locked)
        if stored is None:
            raise NotFound(f"hold {hold_id} does not exist in this store")
        key = f"checkout-release:{hold_id}"
        command = ReleaseHold(store_id, stored.customer_id, key, hold_id)
        # nothing wrote the customer's balances since the lock above read them
        receipt = ledger.resolve_in(repo, command, now, locked=locked, stored=stored)
        if not receipt.replayed:
            uow.commit()
    if receipt.replayed:
        return _hold_result(uow, store_id, hold_id, program, replayed=True)
    return _result_of(replace(stored, status="released"), None, program, replayed=False)
