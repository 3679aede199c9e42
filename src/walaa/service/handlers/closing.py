"""A customer's end: closing an account, and erasing a customer's personal data.

Closing (the customer leaves the programme, or the store ends an abusive account) releases
the customer's open checkout holds and forfeits every point left, through the ledger, with the
store's reason: the books show where the points went. A closed account takes no new points and
spends none; what settles the past (a refund, a cancellation, the worker's dated entries) is
still written, so the books stay whole.

Erasure (the right to erasure of the GDPR and of Saudi Arabia's PDPL) closes the account if it
is open, removes the name, e-mail, birthday and tags, and moves every row of the customer to a
random pseudonymous id, in one transaction: the ledger keeps its sums, its lots and its audit,
and nothing left names the person. The pseudonym is random rather than derived from the id, so
it cannot be turned back into the id by trying ids.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from walaa.domain.errors import NotFound, ValidationFailed
from walaa.service.commands import Forfeit, ReleaseHold
from walaa.service.handlers.ledger import forfeit_in, resolve_in
from walaa.service.ports import Clock, UnitOfWork

MAX_REASON = 200
ERASURE_REASON = "erasure requested"
PSEUDONYM_PREFIX = "erased_"


@dataclass(frozen=True, slots=True)
class Closure:
    customer_id: str
    closed_at: datetime
    reason: str
    #: points given up, those released from open holds included
    points_forfeited: int
    #: True when the account was closed before this call
    already_closed: bool


@dataclass(frozen=True, slots=True)
class Erasure:
    pseudonym: str
    erased_at: datetime
    closure: Closure


def _forfeit_key(customer_id: str) -> str:
    return f"close:{customer_id}"


def close_account(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str, reason: str
) -> Closure:
    """Close the account; closing a closed account answers how it was closed."""
    reason = _checked_reason(reason)
    with uow:
        closure = _close_in(uow, store_id, customer_id, reason, clock.now())
        uow.commit()
    return closure


def erase_customer(uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str) -> Erasure:
    """Close (if open) and erase the customer in one transaction; answers the pseudonym."""
    now = clock.now()
    pseudonym = PSEUDONYM_PREFIX + secrets.token_hex(8)
    with uow:
        closure = _close_in(uow, store_id, customer_id, ERASURE_REASON, now)
        uow.customers.erase(store_id, customer_id, pseudonym, now)
        uow.commit()
    return Erasure(pseudonym, now, closure)


def _close_in(
    uow: UnitOfWork, store_id: str, customer_id: str, reason: str, now: datetime
) -> Closure:
    repo = uow.ledger(store_id)
    balances = repo.lock_customer(customer_id, create=False)
    if balances is None:
        raise NotFound(f"customer {customer_id!r} does not exist in this store")
    key = _forfeit_key(customer_id)
    if balances.closed:
        record = uow.customers.get(store_id, customer_id)
        assert record is not None and record.closed_at is not None
        forfeit = repo.find_transaction(key)
        points = forfeit.amount if forfeit else 0
        return Closure(customer_id, record.closed_at, record.closed_reason or "", points, True)
    for hold in repo.open_holds_of(customer_id):
        release = ReleaseHold(store_id, customer_id, f"hold:{hold.id}:closed", hold.id)
        resolve_in(repo, release, now)
    receipt = forfeit_in(repo, Forfeit(store_id, customer_id, key, reason), now)
    uow.customers.close(store_id, customer_id, reason, now)
    return Closure(customer_id, now, reason, receipt.amount if receipt else 0, False)


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("reason", "say why the account is closed")
    if len(reason) > MAX_REASON:
        raise ValidationFailed("reason", f"at most {MAX_REASON} characters")
    return reason
