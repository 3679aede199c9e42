"""Customers: the store's profile of them, and what their points look like now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from walaa.domain.customers import Profile, check_customer_id, check_profile
from walaa.domain.errors import NotFound, ValidationFailed
from walaa.service.ports import Clock, CustomerRecord, Expiring, LedgerLine, UnitOfWork

#: How far ahead "expiring soon" looks: far enough to warn, near enough to matter.
EXPIRING_SOON = timedelta(days=30)
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class CustomerView:
    record: CustomerRecord
    expiring: Expiring
    expiring_until: datetime


@dataclass(frozen=True, slots=True)
class LedgerPage:
    lines: list[LedgerLine]
    next_cursor: int | None


def upsert_customer(
    uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str, profile: Profile
) -> CustomerView:
    """Create or replace the profile; balances and history are never touched by this."""
    check_customer_id(customer_id)
    profile = check_profile(profile)
    with uow:
        if uow.stores.get(store_id) is None:
            raise NotFound(f"store {store_id!r} does not exist")
        uow.customers.upsert(store_id, customer_id, profile, clock.now())
        uow.commit()
    return get_customer(uow, clock, store_id, customer_id)


def get_customer(uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str) -> CustomerView:
    until = clock.now() + EXPIRING_SOON
    with uow:
        record = uow.customers.get(store_id, customer_id)
        if record is None:
            raise NotFound(f"customer {customer_id!r} does not exist in this store")
        expiring = uow.customers.expiring(store_id, customer_id, until)
    return CustomerView(record, expiring, until)


def customer_ledger(
    uow: UnitOfWork, store_id: str, customer_id: str, *, cursor: int | None, limit: int
) -> LedgerPage:
    """Newest first; ``next_cursor`` continues where this page stopped."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_PAGE}")
    with uow:
        if uow.customers.get(store_id, customer_id) is None:
            raise NotFound(f"customer {customer_id!r} does not exist in this store")
        lines = uow.customers.ledger(store_id, customer_id, cursor, limit + 1)
    more = len(lines) > limit
    lines = lines[:limit]
    return LedgerPage(lines, lines[-1].transaction_id if more else None)
