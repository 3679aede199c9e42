"""Customers: the store's profile of them, and what their points look like now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from walaa.domain.customers import Profile, check_customer_id, check_profile
from walaa.domain.entry_explanations import EntryFacts, explain_entry
from walaa.domain.errors import NotFound, ValidationFailed
from walaa.domain.explanations import DEFAULT_LOCALE, render_one
from walaa.domain.ledger import Kind
from walaa.domain.program import Program
from walaa.service.handlers.in_force import in_force
from walaa.service.handlers.milestones import notice_joined
from walaa.service.ports import Clock, CustomerRecord, Expiring, LedgerLine, UnitOfWork

#: How far ahead "expiring soon" looks: far enough to warn, near enough to matter.
EXPIRING_SOON = timedelta(days=30)
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class CustomerView:
    record: CustomerRecord
    expiring: Expiring
    expiring_until: datetime
    #: when every point left expires unless the customer earns or spends before; None
    #: without inactivity expiry, points or any activity yet
    inactive_expiry: datetime | None = None


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
        now = clock.now()
        new = uow.customers.profile(store_id, customer_id) is None
        uow.customers.upsert(store_id, customer_id, profile, now)
        if new:
            program = in_force(uow, store_id)
            notice_joined(uow, program, store_id, customer_id, new, now)
        uow.commit()
    return get_customer(uow, clock, store_id, customer_id)


def known_customer(uow: UnitOfWork, store_id: str, customer_id: str) -> CustomerRecord:
    """The customer, inside an open unit of work, or NotFound: every read about one customer
    (profile, ledger, tier, memberships, notices, a quote) answers an unknown id the same way,
    rather than an empty answer that reads as "exists, has nothing"."""
    record = uow.customers.get(store_id, customer_id)
    if record is None:
        raise NotFound(f"customer {customer_id!r} does not exist in this store")
    return record


def get_customer(uow: UnitOfWork, clock: Clock, store_id: str, customer_id: str) -> CustomerView:
    until = clock.now() + EXPIRING_SOON
    with uow:
        record = known_customer(uow, store_id, customer_id)
        expiring = uow.customers.expiring(store_id, customer_id, until)
        program = in_force(uow, store_id)
    return CustomerView(record, expiring, until, _inactive_expiry(record, program))


def _inactive_expiry(record: CustomerRecord, program: Program | None) -> datetime | None:
    days = program.expiry.inactive_days if program is not None else None
    points = record.balances.available + record.balances.pending
    if days is None or record.last_activity_at is None or points <= 0:
        return None
    return record.last_activity_at + timedelta(days=days)


#: Reasons older entries carry, read as what they refer to (entries written since carry
#: ``details["refers_to"]`` themselves).
_LEGACY_REASONS = {"order": "order", "membership": "membership"}


def refers_to(line: LedgerLine) -> dict[str, str]:
    """What an entry refers to: as recorded, completed by what the ledger row itself knows
    (its hold, the transaction it reverses), and for older rows read from reason/reference."""
    refs: dict[str, str] = dict((line.details or {}).get("refers_to") or {})
    if line.hold_id is not None:
        refs.setdefault("hold", str(line.hold_id))
    if line.reverses_id is not None:
        refs.setdefault("transaction", str(line.reverses_id))
    if not refs and line.reference and line.kind is Kind.EARN:
        refs[_LEGACY_REASONS.get(line.reason or "", "event")] = line.reference
    if not refs and line.reason and line.reason.startswith("reward:"):
        refs["reward"] = line.reason.removeprefix("reward:")
    return refs


def entry_facts(line: LedgerLine) -> EntryFacts:
    """The facts :func:`explain_entry` explains a ledger line from."""
    change = line.available_change + line.pending_change + line.held_change
    own_lot = None
    if line.kind in (Kind.EARN, Kind.ADJUST) and change > 0 and line.lots:
        own_lot = line.lots[0].lot_id  # a credit moves only its own new lot, to repay a debt
    return EntryFacts(
        kind=line.kind.value,
        points=line.amount,
        change=change,
        refers_to=refers_to(line),
        reason=line.reason,
        lots=line.lots,
        own_lot=own_lot,
    )


def explanation_text(line: LedgerLine, locale: str) -> list[str]:
    """Why a ledger line happened, in ``locale``: an award by its rules (stored with it, in
    each language, when it was decided), every other entry by its own facts; then its lots."""
    stored = (line.details or {}).get("explanations", {})
    awards = list(stored.get(locale) or stored.get(DEFAULT_LOCALE) or [])
    facts = [render_one(item, locale) for item in explain_entry(entry_facts(line))]
    return awards + facts[1:] if awards else facts


def customer_ledger(
    uow: UnitOfWork, store_id: str, customer_id: str, *, cursor: int | None, limit: int
) -> LedgerPage:
    """Newest first; ``next_cursor`` continues where this page stopped."""
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationFailed("limit", f"must be between 1 and {MAX_PAGE}")
    with uow:
        known_customer(uow, store_id, customer_id)
        lines = uow.customers.ledger(store_id, customer_id, cursor, limit + 1)
    more = len(lines) > limit
    lines = lines[:limit]
    return LedgerPage(lines, lines[-1].transaction_id if more else None)
