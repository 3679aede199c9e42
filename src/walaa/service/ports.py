"""What the service layer needs from the outside world, as Protocols.

Handlers depend on these and nothing concrete: the SQL adapters implement them for SQLite
and PostgreSQL, and tests may pass fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol

from walaa.domain.customers import Profile
from walaa.domain.earning import RuleUse, UsageQuery, UsageSnapshot
from walaa.domain.entry_explanations import LotChange
from walaa.domain.expiry import WarningWindow
from walaa.domain.giving import Cause
from walaa.domain.keys import ApiKey
from walaa.domain.ledger import Allocation, Book, Entry, Kind
from walaa.domain.memberships import Membership, Payment, Plan
from walaa.domain.rewards import Reward
from walaa.domain.storefront import StorefrontSettings
from walaa.domain.stores import Store, TestClock
from walaa.domain.tiers import QualifyingEvent, QualifyingWindow, TierDecision, TierStatus
from walaa.service.achievement_ports import AchievementsRepository
from walaa.service.game_ports import GamesRepository
from walaa.service.program_cache import ProgramCache
from walaa.service.referral_ports import ReferralsRepository
from walaa.service.staff_ports import StaffRepository


class WriteConflict(Exception):
    """A write broke a unique key: what the caller assumed was new (an order id, an
    idempotency key) was written meanwhile or before. The unit of work is spoilt; the caller
    rolls it back and tries again, this time looking first."""


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class StoredTransaction:
    id: int
    kind: Kind
    customer_id: str
    amount: int
    request_hash: str
    occurred_at: datetime
    reverses_id: int | None = None
    hold_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredHold:
    id: int
    customer_id: str
    transaction_id: int
    amount: int
    expires_at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class Balances:
    available: int
    pending: int
    held: int
    #: a closed account takes no new points and spends none (see handlers/closing.py)
    closed: bool = False
    #: this unit of work created the customer: the first time the store saw them
    created: bool = False
    #: the store's settings stamp, read with the lock: which parsed program is in force
    settings_stamp: int | None = None
    #: the customer's tags, read with the lock (None: not read)
    tags: tuple[str, ...] | None = None
    #: a ledger transaction id drawn with the lock for this unit of work's first entry
    #: (``lock_customer(reserve=True)``), so the entry's rows can be written without asking
    #: the database for its id first; None where none was drawn
    reserved_id: int | None = None
    #: the customer's redemption alert threshold (None: no alerts), read with the lock together
    #: with ``tags``: it is what the lock read only when ``tags`` is not None
    alert_threshold: int | None = None


@dataclass(frozen=True, slots=True)
class LedgerWrite:
    """One entry of a set-based write (:meth:`LedgerRepository.record_many`): what
    :meth:`LedgerRepository.record` takes for a single entry, as a value."""

    customer_id: str
    idempotency_key: str
    request_hash: str
    entry: Entry
    reason: str | None = None
    reference: str | None = None
    details: dict[str, Any] | None = None
    active_at: datetime | None = None


class LedgerRepository(Protocol):
    """One store's ledger; every method is confined to that store."""

    store_id: str

    def lock_customers(
        self, customer_ids: Sequence[str], *, create: bool = True
    ) -> dict[str, Balances]:
        """Lock every one of these customers in one go, in id order, creating the missing ones
        first (unless ``create`` is False: then they are left out); ``created`` is set on the
        rows this call inserted."""

    def find_transactions(self, idempotency_keys: Sequence[str]) -> dict[str, StoredTransaction]:
        """The transactions already written under any of these keys, by key."""

    def record_many(self, writes: Sequence[LedgerWrite], *, occurred_at: datetime) -> list[int]:
        """Write many credits (entries that open a lot and move no other) in a constant
        number of statements; their transaction ids, in the order given."""

    def lock_customer(
        self, customer_id: str, *, create: bool, reserve: bool = False
    ) -> Balances | None:
        """Lock the customer's balance row for this unit of work (creating it if asked);
        with ``reserve``, draw a transaction id for the first entry (`Balances.reserved_id`)."""

    def find_transaction(self, idempotency_key: str) -> StoredTransaction | None: ...

    def get_transaction(self, transaction_id: int) -> StoredTransaction | None: ...

    def book(
        self, customer_id: str, balances: Balances, *, lot_ids: Sequence[int] = ()
    ) -> Book: ...

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
        """Write the transaction (as ``txn_id`` when one was reserved with the lock), its
        postings, lot and lot movements, and cached balances;
        with ``active_at``, move the customer's last activity forward to it in the same
        balance update."""

    def reversed_so_far(self, transaction_id: int) -> int: ...

    def reversal_basis(self, transaction_id: int) -> tuple[int, int | None]:
        """What was reversed of the transaction so far, and the lot it credited (if any)."""

    def allocations(self, transaction_ids: Sequence[int]) -> tuple[Allocation, ...]:
        """Net points the given transactions took from each lot, oldest lot first."""

    def reversal_ids(self, transaction_id: int) -> list[int]: ...

    def open_hold(
        self, customer_id: str, transaction_id: int, amount: int, expires_at: datetime
    ) -> int: ...

    def get_hold(self, hold_id: int) -> StoredHold | None: ...

    def hold_of_transaction(self, transaction_id: int) -> int | None: ...

    def resolve_hold(self, hold_id: int, status: str, transaction_id: int) -> bool:
        """Settle an open hold; False if it was already settled."""

    def due_holds(self, as_of: datetime, limit: int) -> list[StoredHold]: ...

    def open_holds_of(self, customer_id: str) -> list[StoredHold]: ...

    def customers_with_due_lots(self, as_of: datetime, limit: int) -> list[str]: ...


class StoreRepository(Protocol):
    def add(self, store: Store) -> None: ...

    def get(self, store_id: str) -> Store | None: ...

    def lock(self, store_id: str) -> Store | None:
        """The store, its row locked for this unit of work (moves of its clock queue on it)."""

    def list(self) -> list[Store]: ...

    def test_clock(self, store_id: str) -> TestClock | None: ...

    def save_test_clock(self, clock: TestClock) -> bool:
        """Start or move the clock forward; False if it already stands later."""
        ...


class KeyRepository(Protocol):
    def add(self, key: ApiKey, digest: str) -> None: ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def by_lookup(self, lookup: str) -> tuple[ApiKey, str] | None:
        """The key and its stored digest."""

    def revoke(self, key_id: str, at: datetime) -> None: ...

    def for_store(self, store_id: str) -> list[ApiKey]: ...


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    id: str
    profile: Profile
    balances: Balances
    #: every point earned, net of what refunds and cancellations took back
    lifetime_earned: int
    created_at: datetime
    #: every point ever earned, before refunds
    lifetime_earned_gross: int = 0
    closed_at: datetime | None = None
    closed_reason: str | None = None
    #: when the customer last earned or spent (dated by the order), for inactivity expiry
    last_activity_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Expiring:
    points: int
    first_at: datetime | None


@dataclass(frozen=True, slots=True)
class LedgerLine:
    transaction_id: int
    kind: Kind
    amount: int
    available_change: int
    pending_change: int
    held_change: int
    occurred_at: datetime
    reason: str | None
    reference: str | None
    reverses_id: int | None
    details: dict[str, Any] | None
    #: the hold a hold, capture or release entry belongs to
    hold_id: int | None = None
    #: the lots the entry moved, in lot order (oldest first)
    lots: tuple[LotChange, ...] = ()


@dataclass(frozen=True, slots=True)
class CustomerHit:
    """A customer found by a search: enough to tell them apart and open their page."""

    id: str
    name: str | None
    email: str | None
    phone: str | None
    balance: int
    pending: int
    closed: bool


class CustomerRepository(Protocol):
    def search(self, store_id: str, query: str, limit: int) -> list[CustomerHit]:
        """Customers whose id, e-mail, name or phone matches ``query``: an exact id first,
        then by id. An empty query lists the newest customers."""

    def upsert(self, store_id: str, customer_id: str, profile: Profile, now: datetime) -> None: ...

    def get(self, store_id: str, customer_id: str) -> CustomerRecord | None: ...

    def profile(self, store_id: str, customer_id: str) -> Profile | None:
        """The profile alone: cheaper than get(), which also sums lifetime points."""

    def expiring(self, store_id: str, customer_id: str, until: datetime) -> Expiring: ...

    def ledger(
        self, store_id: str, customer_id: str, before: int | None, limit: int
    ) -> list[LedgerLine]: ...

    def close(self, store_id: str, customer_id: str, reason: str, now: datetime) -> None:
        """Mark the account closed (it was locked by the ledger write that forfeited)."""

    def erase(self, store_id: str, customer_id: str, pseudonym: str, now: datetime) -> None:
        """Remove the personal data and re-key every row of the customer to ``pseudonym``."""


@dataclass(frozen=True, slots=True)
class OrderRecord:
    id: str
    customer_id: str
    status: str
    placed_at: datetime
    request_hash: str
    program_version: int | None
    basis: dict[str, Any] | None
    points: int
    earn_transaction_id: int | None


@dataclass(frozen=True, slots=True)
class OrderTies:
    """What else refers to an order, that a refund of it may have to settle."""

    #: a checkout hold captured for it (`checkout_payments`)
    paid_by_holds: bool
    #: a reward code used on it (`code_uses`)
    paid_by_codes: bool
    #: a gift to a cause made for it, or taken back (`gifts`)
    gifts: bool


@dataclass(frozen=True, slots=True)
class RefundRecord:
    id: str
    order_id: str
    seq: int
    request: dict[str, Any]
    request_hash: str
    points: int
    transaction_id: int | None
    #: points that had paid for the order and came back with this refund
    points_returned: int = 0
    #: points the refund did not take back because they were spent (cap_at_balance)
    points_forgiven: int = 0


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: str
    customer_id: str
    type: str
    request_hash: str
    points: int
    transaction_id: int | None
    program_version: int | None


@dataclass(frozen=True, slots=True)
class ProgramSource:
    version: int
    source: str
    created_at: datetime
    #: who saved it (a staff member from the dashboard); None from the API or the CLI
    author: str | None = None
    #: why, when Walaa knows ("returned to version 3")
    note: str | None = None


class EarningRepository(Protocol):
    """One store's program versions, orders, refunds, events and rule uses."""

    def latest_program(self) -> ProgramSource | None: ...

    def add_program(
        self,
        version: int,
        source: str,
        now: datetime,
        *,
        author: str | None = None,
        note: str | None = None,
    ) -> None: ...

    def program_versions(self, limit: int) -> list[ProgramSource]:
        """The newest ``limit`` versions, newest first."""

    def program_version(self, version: int) -> ProgramSource | None: ...

    def settings_stamp(self) -> int:
        """The store's settings stamp: changes whenever a program version or plan is saved."""

    def get_order(self, order_id: str) -> OrderRecord | None: ...

    def add_order(self, record: OrderRecord, request: dict[str, Any], **facts: Any) -> None: ...

    def update_order(self, order_id: str, **values: Any) -> None: ...

    def order_request(self, order_id: str) -> dict[str, Any]:
        """The order as the store sent it."""

    def placed_order(self, order_id: str) -> tuple[OrderRecord, dict[str, Any]] | None:
        """The order and the order as the store sent it, in one read."""

    def refunds_of(self, order_id: str) -> list[RefundRecord]: ...

    def refunds_and_ties(
        self, refund_id: str, order_id: str
    ) -> tuple[RefundRecord | None, list[RefundRecord], OrderTies]:
        """The refund ``refund_id`` if recorded, the order's other refunds in order, and
        whether points paid for the order or a gift was made for it, in one read."""

    def get_refund(self, refund_id: str) -> RefundRecord | None: ...

    def add_refund(self, record: RefundRecord, now: datetime) -> None: ...

    def get_event(self, event_id: str) -> EventRecord | None: ...

    def add_event(
        self, record: EventRecord, occurred_at: datetime, request: dict[str, Any], now: datetime
    ) -> None: ...

    def usage(self, customer_id: str, query: UsageQuery) -> UsageSnapshot: ...

    def add_uses(
        self,
        customer_id: str,
        uses: Sequence[RuleUse],
        *,
        is_action: bool,
        source: str,
        program_version: int,
        used_at: datetime,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class RedemptionRecord:
    id: str
    customer_id: str
    reward_id: str
    points: int
    transaction_id: int | None  # None: a game's prize code, which no points paid for
    code: str
    status: str
    uses_left: int
    expires_at: datetime
    created_at: datetime | None = None
    #: blocks of its reward the redemption covers (a free product by the block)
    blocks: int = 1


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """Points a captured hold paid toward an order, and the order's total in money."""

    hold_id: int
    order_id: str
    customer_id: str
    points: int
    capture_transaction_id: int
    order_total: Decimal
    #: what the points were worth when captured (the base of a refund's share when the order
    #: was paid with points alone)
    points_worth: Decimal | None = None

    @property
    def paid_total(self) -> Decimal:
        """What a refund's money is a share of: the money paid, or the points' worth."""
        if self.order_total > 0 or self.points_worth is None:
            return self.order_total
        return self.points_worth


@dataclass(frozen=True, slots=True)
class CodeUseRecord:
    """One use of a code by an order: the points it paid, and what came back of them."""

    code: str
    order_id: str
    #: None for a use recorded before uses were priced (see ``rewards.use_shares``)
    points: int | None
    points_returned: int
    used_at: datetime


class RewardsRepository(Protocol):
    def get_reward(
        self, reward_id: str, *, lock: bool = False
    ) -> tuple[Reward, int | None] | None: ...

    def list_rewards(self) -> list[tuple[Reward, int | None]]: ...

    def save_reward(self, reward: Reward, stock_left: int | None, now: datetime) -> None: ...

    def take_stock(self, reward_id: str, units: int = 1) -> bool: ...

    def return_stock(self, reward_id: str, units: int = 1) -> None: ...

    def count_redemptions(self, customer_id: str, reward_id: str) -> int: ...

    def recent_redemptions(
        self, limit: int, *, customer_id: str | None = None, status: str | None = None
    ) -> list[RedemptionRecord]:
        """Newest first: one customer's, or the store's, optionally of one status."""

    def add_redemption(self, record: RedemptionRecord, request_key: str, now: datetime) -> None: ...

    def get_redemption(
        self, redemption_id: str, *, lock: bool = False
    ) -> RedemptionRecord | None: ...

    def by_request_key(self, request_key: str) -> RedemptionRecord | None: ...

    def by_code(self, code: str, *, lock: bool = False) -> RedemptionRecord | None: ...

    def use_code(self, code: str, now: datetime) -> bool: ...

    def record_use(self, code: str, order_id: str, now: datetime) -> bool: ...

    def price_use(self, code: str, order_id: str, points: int) -> None: ...

    def uses_of(self, code: str) -> list[CodeUseRecord]: ...

    def codes_used_by(self, order_id: str) -> list[str]: ...

    def reward_codes_used_by(self, order_id: str, reward_id: str) -> list[str]:
        """Codes of this reward the order used, oldest first."""

    def add_returned(self, code: str, order_id: str, points: int) -> None: ...

    def settle_redemption(
        self, redemption_id: str, status: str, now: datetime, refund_txn: int | None
    ) -> bool: ...

    def due_codes(self, now: datetime, limit: int) -> list[RedemptionRecord]: ...

    def add_payment(self, record: PaymentRecord, now: datetime) -> None: ...

    def payments_for(self, order_id: str) -> list[PaymentRecord]: ...

    def payment_of(self, hold_id: int) -> PaymentRecord | None: ...


class NoticeRepository(Protocol):
    def add(
        self,
        store_id: str,
        customer_id: str,
        kind: str,
        key: str,
        payload: dict[str, Any],
        now: datetime,
        *,
        wait: bool = False,
    ) -> bool:
        """Record a notice once per key; False if it was already recorded. With ``wait``, for
        a caller that needs no answer, the write may go with the unit of work's next statement
        (adapters/db/deferred.py) and the answer is True."""

    def for_customer(self, store_id: str, customer_id: str) -> list[dict[str, Any]]: ...

    def keys_of(self, store_id: str, customer_id: str, kind: str) -> list[str]:
        """The keys of the customer's notices of this kind."""


class MembershipsRepository(Protocol):
    def save_plan(self, plan: Plan, now: datetime) -> None: ...

    def get_plan(self, plan_id: str) -> Plan | None: ...

    def list_plans(self) -> list[Plan]: ...

    def get(self, membership_id: str, *, lock: bool = False) -> Membership | None: ...

    def for_customer(self, customer_id: str) -> list[Membership]: ...

    def recent(self, limit: int) -> list[Membership]:
        """The store's newest memberships, newest first."""

    def counts_by_plan(self) -> dict[str, dict[str, int]]:
        """Per plan id, how many memberships are in each recorded status."""

    def save(self, membership: Membership, now: datetime) -> None: ...

    def add_payment(self, membership_id: str, payment: Payment) -> None: ...

    def add_event(
        self, membership: Membership, event: str, payload: dict[str, Any], at: datetime
    ) -> None: ...

    def events(self, membership_id: str) -> list[dict[str, Any]]: ...

    def due(self, now: datetime, limit: int) -> list[str]: ...


class TiersRepository(Protocol):
    def status(self, customer_id: str) -> TierStatus | None:
        """The status row; read at most once per unit of work (kept right by the saves)."""
        ...

    def measures(
        self, customer_id: str, measure: str, windows: Sequence[QualifyingWindow]
    ) -> tuple[TierStatus | None, list[Decimal]]:
        """The status and `measure` ("spend", "points", "orders") summed over each window,
        possibly below zero, in one statement (from the counters and the windows' edges)."""
        ...

    def save_status(
        self, customer_id: str, status: TierStatus, next_review_at: datetime
    ) -> None: ...

    def add_history(
        self, customer_id: str, event: QualifyingEvent, source_key: str, *, wait: bool = False
    ) -> bool:
        """Count the event once by its source key; False if counted already. ``wait``: the
        event is taken to be new, nothing is answered, the writes may wait for the unit of
        work's next statement and a key counted before raises `WriteConflict`."""

    def history(self, customer_id: str, since: datetime | None) -> list[QualifyingEvent]: ...

    def add_event(self, customer_id: str, decision: TierDecision, at: datetime) -> None: ...

    def events(self, customer_id: str) -> list[dict[str, Any]]: ...

    def due(self, now: datetime, limit: int) -> list[str]: ...

    def claim_due(self, now: datetime, limit: int) -> list[tuple[str, TierStatus]]:
        """Up to `limit` customers whose review date has come, with their status, locked for
        this transaction; rows another transaction holds are skipped (SKIP LOCKED)."""
        ...

    def window_sums(
        self, measure: str, bounds: Sequence[tuple[str, datetime, datetime]]
    ) -> dict[str, Decimal]:
        """One aggregate over the history: each customer's `measure` ("spend", "points",
        "orders") in their own window `starts <= at < ends`, possibly below zero; customers
        without history there are left out. Spend keeps the scale a Python sum would have."""
        ...

    def save_reviews(self, rows: Sequence[tuple[str, TierStatus, datetime]]) -> None:
        """Write (customer, status, next review) for customers that have a status row."""
        ...

    def add_events(self, rows: Sequence[tuple[str, TierDecision, datetime]]) -> None:
        """Record many tier events at once (customer, decision, moment), in this order."""
        ...


@dataclass(frozen=True, slots=True)
class GiftRecord:
    """One line of the giving ledger: money owed to a cause (negative: taken back), in minor
    units of `currency`."""

    key: str
    cause_id: str
    kind: str
    customer_id: str
    amount: int
    currency: str
    at: datetime
    order_id: str | None = None
    order_at: datetime | None = None
    points: int | None = None
    transaction_id: int | None = None
    details: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class GiftTotal:
    """The gifts of one kind to one cause over a period: their sum and how many there were."""

    cause_id: str
    kind: str
    amount: int
    count: int


class GivingRepository(Protocol):
    def save_cause(self, cause: Cause, now: datetime) -> None: ...

    def get_cause(self, cause_id: str) -> Cause | None: ...

    def list_causes(self) -> list[Cause]: ...

    def default_cause(self) -> Cause | None: ...

    def choose(self, customer_id: str, cause_id: str, now: datetime) -> None: ...

    def choice(self, customer_id: str) -> str | None: ...

    def get_gift(self, key: str) -> GiftRecord | None: ...

    def add_gift(self, record: GiftRecord, now: datetime) -> None: ...

    def gifts_of_order(self, order_id: str) -> list[GiftRecord]: ...

    def given_between(self, customer_id: str, start: datetime, end: datetime) -> int:
        """What the customer's orders placed in [start, end) gave, net of take-backs."""
        ...

    def totals(
        self, start: datetime, end: datetime, cause_id: str | None = None
    ) -> list[GiftTotal]: ...


class StorefrontRepository(Protocol):
    """A store's storefront settings (origins, branding, widget secret salts) and its
    customers' member card numbers."""

    def settings(self) -> StorefrontSettings: ...

    def save(self, settings: StorefrontSettings, now: datetime) -> None: ...

    def card_of(self, customer_id: str) -> str | None: ...

    def add_card(self, customer_id: str, card_id: str, now: datetime) -> str: ...

    def customer_of_card(self, card_id: str) -> str | None: ...


class UnitOfWork(Protocol):
    """One database transaction; leaving the block without commit() rolls back."""

    @property
    def programs(self) -> ProgramCache:
        """The process's parsed programs, shared by every unit of work of one application."""

    @property
    def stores(self) -> StoreRepository: ...

    @property
    def keys(self) -> KeyRepository: ...

    @property
    def customers(self) -> CustomerRepository: ...

    def earning(self, store_id: str) -> EarningRepository: ...

    def rewards(self, store_id: str) -> RewardsRepository: ...

    def memberships(self, store_id: str) -> MembershipsRepository: ...

    def tiers(self, store_id: str) -> TiersRepository: ...

    def giving(self, store_id: str) -> GivingRepository: ...
    def games(self, store_id: str) -> GamesRepository: ...

    def referrals(self, store_id: str) -> ReferralsRepository: ...
    def storefront(self, store_id: str) -> StorefrontRepository: ...
    def achievements(self, store_id: str) -> AchievementsRepository: ...

    @property
    def notices(self) -> NoticeRepository: ...

    @property
    def staff(self) -> StaffRepository: ...

    def ledger(self, store_id: str) -> LedgerRepository: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class BatchUnitOfWork(UnitOfWork, Protocol):
    """Many ``with`` blocks in one database transaction, each block a savepoint of its own:
    a block that does not commit undoes only its own writes. Nothing is durable before
    ``finish()``; ``abandon()`` undoes everything."""

    def finish(self) -> None: ...

    def abandon(self) -> None: ...


# -- the worker's scheduled jobs (walaa worker) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueCustomer:
    """A customer with lots due for a job, and how many: what a batch is sized by."""

    customer_id: str
    lots: int


@dataclass(frozen=True, slots=True)
class TimedKey:
    """The idempotency key and request fingerprint of one customer's time-driven transaction."""

    customer_id: str
    idempotency_key: str
    request_hash: str


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """What one batch of a set-based job wrote: transactions (one per customer), lots, points."""

    transactions: int = 0
    lots: int = 0
    points: int = 0


class ScheduledJobs(Protocol):
    """The worker's set-based SQL. One instance is one database transaction, like a unit of
    work: leaving the block without commit() rolls it back."""

    def due_customers(
        self, store_id: str, job: str, as_of: datetime, *, cutoff: datetime | None = None
    ) -> list[DueCustomer]:
        """Customers with lots due for ``job`` ('mature', 'expire', or 'inactive': points
        left and last active at or before ``cutoff``), in id order."""

    def claim_customers(self, store_id: str, customer_ids: Sequence[str]) -> list[str]:
        """Lock these customers' rows for this transaction, skipping any another holds."""

    def mature(self, store_id: str, keys: Sequence[TimedKey], as_of: datetime) -> BatchOutcome:
        """Ripen the claimed customers' pending lots due by ``as_of``; a debt is repaid first.
        A customer whose key is already used is left alone."""

    def expire(self, store_id: str, keys: Sequence[TimedKey], as_of: datetime) -> BatchOutcome:
        """Expire what is left in the claimed customers' lots past their date. A customer whose
        key is already used is left alone."""

    def expire_inactive(
        self, store_id: str, keys: Sequence[TimedKey], as_of: datetime, inactive_days: int
    ) -> BatchOutcome:
        """Expire every point left in the lots of the claimed customers who have not earned or
        spent for ``inactive_days`` (checked again under the lock). A customer whose key is
        already used is left alone."""

    def claim_job(self, store_id: str, job: str) -> bool:
        """Take a store-wide job for this transaction; False if another worker has it."""

    def warn_expiring(self, store_id: str, as_of: datetime, until: datetime) -> int:
        """Record one notice per customer and expiry date for points expiring after ``as_of``
        and by ``until``, unless already recorded; returns how many were new."""

    def warn_inactive(
        self, store_id: str, as_of: datetime, windows: Sequence[WarningWindow], inactive_days: int
    ) -> int:
        """Record one notice per customer, inactivity deadline and warning for the customers
        with points in each window, unless already recorded; returns how many were new."""

    def commit(self) -> None: ...

    def __enter__(self) -> ScheduledJobs: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class ScheduledJobsFactory(Protocol):
    def __call__(self) -> ScheduledJobs: ...


class IdempotencyPurge(Protocol):
    def purge(self, store_id: str, now: datetime) -> int:
        """Forget the store's stored HTTP responses past their retention; returns how many."""
