"""The database schema, as SQLAlchemy Core tables.

Core rather than the ORM: the ledger writes a handful of rows per transaction on a hot path
and the books are audited with set-based SQL, neither of which gains from identity maps.
Every table carries ``store_id`` and every key starts with it, so one store's rows never mix
with another's and the schema can be sharded by store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator

from walaa.adapters.db.ids import NextId

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: 64-bit ids on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back time-zone aware, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


stores = Table(
    "stores",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # chosen at creation and never changed: a test store may have a test clock
    Column("mode", String(4), nullable=False, server_default="live"),
    CheckConstraint("mode IN ('live', 'test')", name="store_mode_known"),
)

#: A test-mode store's own time (after Stripe's test clocks): frozen until advanced, forward
#: only. No row means the store runs on the wall clock.
test_clocks = Table(
    "test_clocks",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("frozen_time", UtcDateTime(), nullable=False),
    Column("advanced_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
)

customers = Table(
    "customers",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(128), primary_key=True),
    # Cached balances: the sum of this customer's postings per account, kept in the same
    # database transaction as the postings and checked by `walaa audit`. The row is also the
    # lock every ledger write for this customer takes first.
    Column("available", BigInteger, nullable=False, default=0),
    Column("pending", BigInteger, nullable=False, default=0),
    Column("held", BigInteger, nullable=False, default=0),
    Column("created_at", UtcDateTime(), nullable=False),
    # The profile the store sends (PUT /v1/customers/{id}); all optional, the ledger needs none.
    Column("email", String(320), nullable=True),
    Column("name", String(200), nullable=True),
    Column("birthday", Date, nullable=True),
    Column("locale", String(16), nullable=True),
    Column("tags", JSON, nullable=True),
    Column("alert_threshold", BigInteger, nullable=True),
    Column("updated_at", UtcDateTime(), nullable=True),
    # A closed account keeps its books and takes no new points; an erased one has lost its
    # personal data and its id (see service/handlers/closing.py).
    Column("closed_at", UtcDateTime(), nullable=True),
    Column("closed_reason", String(200), nullable=True),
    Column("erased_at", UtcDateTime(), nullable=True),
    # When the customer last earned or spent, by the order's or action's own date (a spend by
    # when it happened): the clock of inactivity expiry. Moved forward by the balance update
    # every such ledger write already makes, never back by history imported late.
    Column("last_activity_at", UtcDateTime(), nullable=True),
    # Digits only, after an optional leading + (see domain/customers.py): what the dashboard's
    # search by phone matches, however the number was typed.
    Column("phone", String(32), nullable=True),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
    CheckConstraint("pending >= 0", name="pending_not_negative"),
    CheckConstraint("held >= 0", name="held_not_negative"),
    Index("ix_customers_last_activity", "store_id", "last_activity_at"),
    Index("ix_customers_phone", "store_id", "phone"),
    Index("ix_customers_email", "store_id", "email"),
)

ledger_transactions = Table(
    "ledger_transactions",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("ledger_transactions")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("customer_id", String(128), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("reverses_id", Id, nullable=True),
    Column("hold_id", Id, nullable=True),
    Column("reason", Text, nullable=True),
    Column("reference", String(255), nullable=True),
    Column("details", JSON, nullable=True),
    Column("occurred_at", UtcDateTime(), nullable=False),
    UniqueConstraint("store_id", "idempotency_key", name="uq_ledger_transactions_key"),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    Index("ix_ledger_transactions_customer", "store_id", "customer_id", "id"),
    # Partial: only reversals carry reverses_id. A full index tempts the planner into using it
    # for idempotency-key lookups on fresh, unanalysed tables, scanning the whole store.
    Index(
        "ix_ledger_transactions_reverses",
        "store_id",
        "reverses_id",
        postgresql_where=text("reverses_id IS NOT NULL"),
        sqlite_where=text("reverses_id IS NOT NULL"),
    ),
)

postings = Table(
    "postings",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("postings")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("transaction_id", Id, nullable=False),
    # NULL for the store's own accounts (issued, redeemed, expired, reversed, adjustments).
    Column("customer_id", String(128), nullable=True),
    Column("account", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["store_id", "transaction_id"], ["ledger_transactions.store_id", "ledger_transactions.id"]
    ),
    Index("ix_postings_transaction", "store_id", "transaction_id"),
    Index("ix_postings_customer", "store_id", "customer_id", "account"),
)

lots = Table(
    "lots",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("lots")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("customer_id", String(128), nullable=False),
    Column("transaction_id", Id, nullable=False),
    Column("amount", BigInteger, nullable=False),
    # Cached: amount + sum of this lot's movements, checked by `walaa audit`.
    Column("remaining", BigInteger, nullable=False),
    Column("pending", Boolean, nullable=False),
    Column("available_at", UtcDateTime(), nullable=True),
    Column("expires_at", UtcDateTime(), nullable=True),
    ForeignKeyConstraint(
        ["store_id", "transaction_id"], ["ledger_transactions.store_id", "ledger_transactions.id"]
    ),
    CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_in_range"),
    Index("ix_lots_customer_open", "store_id", "customer_id", "remaining", "id"),
    Index("ix_lots_expiry", "store_id", "expires_at"),
    Index("ix_lots_transaction", "store_id", "transaction_id"),
)

lot_movements = Table(
    "lot_movements",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("lot_movements")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("lot_id", Id, nullable=False),
    Column("transaction_id", Id, nullable=False),
    Column("delta", BigInteger, nullable=False),
    ForeignKeyConstraint(["store_id", "lot_id"], ["lots.store_id", "lots.id"]),
    ForeignKeyConstraint(
        ["store_id", "transaction_id"], ["ledger_transactions.store_id", "ledger_transactions.id"]
    ),
    Index("ix_lot_movements_lot", "store_id", "lot_id"),
    Index("ix_lot_movements_transaction", "store_id", "transaction_id"),
)

holds = Table(
    "holds",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("holds")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("customer_id", String(128), nullable=False),
    Column("transaction_id", Id, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    # open -> captured | released, by a guarded UPDATE ... WHERE status = 'open'
    Column("status", String(10), nullable=False),
    Column("resolved_transaction_id", Id, nullable=True),
    ForeignKeyConstraint(
        ["store_id", "transaction_id"], ["ledger_transactions.store_id", "ledger_transactions.id"]
    ),
    Index("ix_holds_due", "store_id", "status", "expires_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("store_id", String(40), nullable=False),
    Column("mode", String(8), nullable=False),
    # The key's public lookup part; with the hash it finds and checks a key in one read.
    Column("lookup", String(16), nullable=False, unique=True),
    Column("digest", String(64), nullable=False),
    Column("scopes", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
    Index("ix_api_keys_store", "store_id"),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    # NULL while the first request is still running; replays wait for it.
    Column("status_code", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # While unanswered: until when the owner is known alive (it renews this every second or so).
    # A reservation past its lease was left by a process that died, and is taken over at once.
    Column("lease_until", UtcDateTime(), nullable=True),
    # the worker purges per store (docs/scaling.md): a distributed table is read by its store
    Index("ix_idempotency_records_created", "store_id", "created_at"),
)

program_versions = Table(
    "program_versions",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("version", Integer, primary_key=True),
    # The document as the merchant wrote it (YAML or JSON): reloading it gives the same program.
    Column("source", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Who saved it (a staff member's e-mail from the dashboard; NULL from the API or CLI), and
    # why when Walaa knows ("returned to version 3").
    Column("author", String(320), nullable=True),
    Column("note", Text, nullable=True),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
)

#: A store's settings stamp: one more each time a program version or a membership plan is
#: saved, in the same transaction. Read with the customer's lock, it tells every process at
#: once whether the program it parsed earlier is still the one in force. No row means 0.
settings_stamps = Table(
    "settings_stamps",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("stamp", BigInteger, nullable=False),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
)

orders = Table(
    "orders",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    # placed -> paid -> (cancelled); points are awarded when the order is paid.
    Column("status", String(12), nullable=False),
    Column("channel", String(12), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("placed_at", UtcDateTime(), nullable=False),
    # The order as the store sent it (lines, amounts): refunds are checked against it.
    Column("request", JSON, nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("program_version", Integer, nullable=True),
    # What the awards were based on (earning.OrderBasis), for refunds in proportion.
    Column("basis", JSON, nullable=True),
    Column("points", BigInteger, nullable=False, default=0),
    Column("earn_transaction_id", Id, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    Index("ix_orders_customer", "store_id", "customer_id", "placed_at"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("order_id", String(128), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("request", JSON, nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("transaction_id", Id, nullable=True),
    # Points that had paid for the order and came back: what every replay of the refund answers.
    Column("points_returned", BigInteger, nullable=False, server_default="0"),
    # Points the refund did not take back because the customer had spent them
    # (`refunds: {take_back: cap_at_balance}`): answered by every replay too.
    Column("points_forgiven", BigInteger, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "order_id"], ["orders.store_id", "orders.id"]),
    UniqueConstraint("store_id", "order_id", "seq", name="uq_refunds_order_seq"),
)

customer_events = Table(
    "customer_events",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(128), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("type", String(64), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("request", JSON, nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("program_version", Integer, nullable=True),
    Column("points", BigInteger, nullable=False),
    Column("transaction_id", Id, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    Index("ix_customer_events_customer", "store_id", "customer_id", "occurred_at"),
)

# One row per use of a rule (an award, or a multiplier that boosted one): what limits count.
rule_uses = Table(
    "rule_uses",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("rule_uses")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("customer_id", String(128), nullable=False),
    Column("rule_id", String(64), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("subject", String(255), nullable=True),
    Column("is_action", Boolean, nullable=False),
    Column("source", String(140), nullable=False),
    Column("program_version", Integer, nullable=False),
    Column("used_at", UtcDateTime(), nullable=False),
    Index("ix_rule_uses_lookup", "store_id", "customer_id", "rule_id", "used_at"),
)

rewards = Table(
    "rewards",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(64), primary_key=True),
    # The reward as defined (kind, cost, names, value, limits, window): read whole, never
    # queried by field, so it is one JSON document.
    Column("definition", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    # NULL: unlimited. Decremented by a guarded UPDATE, so concurrent redemptions never oversell.
    Column("stock_left", Integer, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
    CheckConstraint("stock_left IS NULL OR stock_left >= 0", name="stock_not_negative"),
)

redemptions = Table(
    "redemptions",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("reward_id", String(64), nullable=False),
    Column("points", BigInteger, nullable=False),
    # NULL for a code a game gave as a prize: no points paid for it, none come back.
    Column("transaction_id", Id, nullable=True),
    Column("code", String(32), nullable=False),
    # issued -> used | expired | cancelled
    Column("status", String(12), nullable=False),
    Column("uses_left", Integer, nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("request_key", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("settled_at", UtcDateTime(), nullable=True),
    Column("refund_transaction_id", Id, nullable=True),
    # How many blocks of its reward the redemption covers (a free product per N units bought)
    Column("blocks", Integer, nullable=False, server_default="1"),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    ForeignKeyConstraint(["store_id", "reward_id"], ["rewards.store_id", "rewards.id"]),
    UniqueConstraint("store_id", "code", name="uq_redemptions_code"),
    UniqueConstraint("store_id", "request_key", name="uq_redemptions_request_key"),
    Index("ix_redemptions_customer", "store_id", "customer_id", "reward_id"),
    Index("ix_redemptions_due", "store_id", "status", "expires_at"),
)

code_uses = Table(
    "code_uses",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("code", String(32), primary_key=True),
    # A retried use by the same order is the same use.
    Column("order_id", String(128), primary_key=True),
    Column("used_at", UtcDateTime(), nullable=False),
    # The points of the redemption this use paid for its order (NULL: used before uses were
    # priced, reconstructed from the redemption), and what refunds of the order gave back.
    Column("points", BigInteger, nullable=True),
    Column("points_returned", BigInteger, nullable=False, server_default="0"),
)

checkout_payments = Table(
    "checkout_payments",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("hold_id", Id, primary_key=True),
    Column("order_id", String(128), nullable=False),
    Column("customer_id", String(128), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("capture_transaction_id", Id, nullable=False),
    # what the order paid in money besides points, to give back the refunded share
    Column("order_total", String(32), nullable=False),
    # what the points were worth at capture: the share's base when points paid everything
    Column("points_worth", String(32), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Index("ix_checkout_payments_order", "store_id", "order_id"),
)

# Things to tell a customer (an alert on a large redemption, points about to expire), recorded
# in the same transaction as their cause; the notifications work delivers them. `key` makes
# recording one idempotent: a rerun of a job never warns twice.
notices = Table(
    "notices",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("notices")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("customer_id", String(128), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("key", String(255), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=True),
    UniqueConstraint("store_id", "key", name="uq_notices_key"),
    Index("ix_notices_customer", "store_id", "customer_id", "id"),
)

# -- the worker's scans (walaa worker) ----------------------------------------------------------
# Partial: a lot leaves them once it is empty (or ripe), so a pass reads only the lots still due,
# however many expired or matured lots the store has piled up over the years.
Index(
    "ix_lots_due_expiry",
    lots.c.store_id,
    lots.c.expires_at,
    lots.c.customer_id,
    postgresql_where=text("remaining > 0"),
    sqlite_where=text("remaining > 0"),
)
Index(
    "ix_lots_due_maturity",
    lots.c.store_id,
    lots.c.available_at,
    lots.c.customer_id,
    postgresql_where=text("pending AND remaining > 0"),
    sqlite_where=text("pending AND remaining > 0"),
)

plans = Table(
    "plans",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("definition", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
)

memberships = Table(
    "memberships",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("customer_id", String(128), nullable=False),
    Column("plan_id", String(64), nullable=False),
    Column("status", String(12), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("current_period_start", UtcDateTime(), nullable=False),
    Column("current_period_end", UtcDateTime(), nullable=True),
    Column("trial_ends_at", UtcDateTime(), nullable=True),
    Column("cancel_at_period_end", Boolean, nullable=False),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    # Monthly grants posted so far; the ledger's key per grant is what makes one exactly once.
    Column("grants_made", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    ForeignKeyConstraint(["store_id", "plan_id"], ["plans.store_id", "plans.id"]),
    Index("ix_memberships_customer", "store_id", "customer_id"),
    Index("ix_memberships_due", "store_id", "status", "current_period_end"),
)

membership_payments = Table(
    "membership_payments",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("membership_id", String(40), primary_key=True),
    # The store's own payment reference: Walaa records payments, it does not take them.
    Column("ref", String(128), primary_key=True),
    Column("amount", String(32), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_at", UtcDateTime(), nullable=False),
    Column("covers_from", UtcDateTime(), nullable=False),
    Column("covers_until", UtcDateTime(), nullable=True),
)

membership_events = Table(
    "membership_events",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("membership_events")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("membership_id", String(40), nullable=False),
    Column("customer_id", String(128), nullable=False),
    Column("event", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_membership_events_membership", "store_id", "membership_id", "id"),
)

customer_tiers = Table(
    "customer_tiers",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("customer_id", String(128), primary_key=True),
    Column("level_id", String(64), nullable=False),
    Column("since", UtcDateTime(), nullable=False),
    Column("pinned", Boolean, nullable=False),
    Column("pin_reason", Text, nullable=True),
    Column("pinned_until", UtcDateTime(), nullable=True),
    # a pin that is a floor: the tier the customer stays at or above (NULL: a fixed pin)
    Column("pin_floor", String(64), nullable=True),
    Column("grace_until", UtcDateTime(), nullable=True),
    Column("reviewed_at", UtcDateTime(), nullable=True),
    # when the worker next reviews this customer: it picks rows due by this index
    Column("next_review_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    Index("ix_customer_tiers_review", "store_id", "next_review_at"),
)

# What counts toward a tier: one row per paid order, refund or action, append-only.
# Spend is kept in ten-thousandths of the currency so sums are exact on every database.
tier_history = Table(
    "tier_history",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("tier_history")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("customer_id", String(128), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("spend_e4", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("orders", Integer, nullable=False),
    Column("source_key", String(255), nullable=False),
    UniqueConstraint("store_id", "source_key", name="uq_tier_history_source"),
    Index("ix_tier_history_customer", "store_id", "customer_id", "at"),
)

# The same, kept as running totals per customer per month (the first day of the month in
# UTC): an order adds to its month's row, a refund subtracts from the month of its order, so a
# window is read as the whole months inside it plus the history of its two edge months.
# spend_scale: the most decimals of any spend counted (0-4), so sums print as history's would.
tier_counters = Table(
    "tier_counters",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("customer_id", String(128), nullable=False),
    Column("bucket", Date, nullable=False),
    PrimaryKeyConstraint("store_id", "customer_id", "bucket"),
    Column("spend_e4", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("orders", BigInteger, nullable=False),
    Column("spend_scale", Integer, nullable=False),
)

tier_events = Table(
    "tier_events",
    metadata,
    Column("store_id", String(40), nullable=False),
    Column("id", Id, nullable=False, default=NextId("tier_events")),
    PrimaryKeyConstraint("store_id", "id"),
    Column("customer_id", String(128), nullable=False),
    Column("from_level", String(64), nullable=True),
    Column("to_level", String(64), nullable=False),
    Column("change", String(12), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("measure", String(40), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_tier_events_customer", "store_id", "customer_id", "id"),
)

# --- giving: money owed to causes, never mixed into points ---------------------------------

causes = Table(
    "causes",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("names", JSON, nullable=False),
    Column("descriptions", JSON, nullable=False),
    # shown to customers, never fetched by Walaa
    Column("link", Text, nullable=True),
    Column("logo_url", Text, nullable=True),
    Column("is_default", Boolean, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
)
# At most one default cause per store.
Index(
    "uq_causes_default",
    causes.c.store_id,
    unique=True,
    postgresql_where=text("is_default"),
    sqlite_where=text("is_default"),
)

#: The giving ledger: append-only, one row per gift or take-back, in the store's currency's
#: minor units (negative amounts take back). `key` is the idempotency key of the write.
gifts = Table(
    "gifts",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("cause_id", String(64), nullable=False),
    # order (a program rule), refund (a take-back), points (a customer gave points)
    Column("kind", String(8), nullable=False),
    Column("customer_id", String(128), nullable=False),
    Column("order_id", String(128), nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("points", BigInteger, nullable=True),
    Column("transaction_id", Id, nullable=True),
    # the order's moment: the monthly cap counts an order's gift and its take-backs in it
    Column("order_at", UtcDateTime(), nullable=True),
    # when the money became owed (or stopped being): what reports count by
    Column("at", UtcDateTime(), nullable=False),
    Column("details", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "cause_id"], ["causes.store_id", "causes.id"]),
    CheckConstraint("kind IN ('order', 'refund', 'points')", name="gift_kind_known"),
    Index("ix_gifts_cause", "store_id", "cause_id", "at"),
    Index("ix_gifts_customer_month", "store_id", "customer_id", "order_at"),
    Index("ix_gifts_order", "store_id", "order_id"),
)

#: The cause a customer chose, for programs where the customer chooses.
cause_choices = Table(
    "cause_choices",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("customer_id", String(128), primary_key=True),
    Column("cause_id", String(64), nullable=False),
    Column("chosen_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "cause_id"], ["causes.store_id", "causes.id"]),
)


# --- games of chance ------------------------------------------------------------------------

# A game's server seeds: the current one (revealed_at NULL) is committed to by its SHA-256;
# rotating reveals it and starts the next. `plays` is the last nonce used, under the row lock.
game_seeds = Table(
    "game_seeds",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("game_id", String(64), primary_key=True),
    Column("seed_no", Integer, primary_key=True),
    Column("server_seed", String(64), nullable=False),
    Column("commitment", String(64), nullable=False),
    Column("plays", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revealed_at", UtcDateTime(), nullable=True),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
)

# A play a customer has earned: by an order (source order:<id>), an event (event:<id>) or the
# free entry of a period (free:<period>). One per game and source.
game_unlocks = Table(
    "game_unlocks",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("game_id", String(64), nullable=False),
    Column("customer_id", String(128), nullable=False),
    Column("source", String(160), nullable=False),
    Column("order_id", String(128), nullable=True),
    # open -> played | voided
    Column("status", String(8), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    UniqueConstraint("store_id", "game_id", "source", name="uq_game_unlocks_source"),
    Index("ix_game_unlocks_customer", "store_id", "customer_id", "game_id", "status"),
    Index("ix_game_unlocks_order", "store_id", "order_id"),
)

# Every play with what recomputes it: the seed and nonce, the client seed, the digest, and the
# prize table (ids and weights) as it stood, so `walaa games verify` needs nothing else.
game_plays = Table(
    "game_plays",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("game_id", String(64), nullable=False),
    Column("customer_id", String(128), nullable=False),
    Column("unlock_id", String(40), nullable=False),
    Column("seed_no", Integer, nullable=False),
    Column("nonce", Integer, nullable=False),
    Column("client_seed", String(128), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("prizes", JSON, nullable=False),
    Column("prize_id", String(64), nullable=False),
    # won | no_prize | out_of_stock
    Column("outcome", String(12), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("redemption_id", String(40), nullable=True),
    Column("transaction_id", Id, nullable=True),
    # issued -> voided (a refunded qualifying order took the unused prize back)
    Column("status", String(8), nullable=False),
    Column("request_key", String(255), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    UniqueConstraint("store_id", "unlock_id", name="uq_game_plays_unlock"),
    UniqueConstraint("store_id", "game_id", "seed_no", "nonce", name="uq_game_plays_nonce"),
    UniqueConstraint("store_id", "request_key", name="uq_game_plays_request_key"),
    Index("ix_game_plays_customer", "store_id", "customer_id", "game_id"),
)

# --- referrals ----------------------------------------------------------------------------------

referral_codes = Table(
    "referral_codes",
    metadata,
    Column("store_id", String(40), primary_key=True),
    # upper case without '-' or spaces: how a typed code is matched
    Column("compact", String(32), primary_key=True),
    Column("code", String(32), nullable=False),
    Column("customer_id", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # a rotated code refers no one any more
    Column("retired_at", UtcDateTime(), nullable=True),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    Index("ix_referral_codes_customer", "store_id", "customer_id"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("advocate_id", String(128), nullable=False),
    Column("friend_id", String(128), nullable=False),
    Column("code", String(32), nullable=False),
    # signed_up | qualified | held | approved | rejected | reversed | expired
    Column("status", String(10), nullable=False),
    Column("signed_up_at", UtcDateTime(), nullable=False),
    Column("order_id", String(128), nullable=True),
    Column("order_spend", String(40), nullable=True),
    Column("order_placed_at", UtcDateTime(), nullable=True),
    # every rule that ran, with its outcome and explanation in English and Arabic
    Column("rules", JSON, nullable=False),
    Column("ip", String(64), nullable=True),
    Column("device", String(128), nullable=True),
    Column("request_hash", String(64), nullable=False),
    # none | granted | capped | taken_back
    Column("advocate_reward", String(10), nullable=False),
    Column("advocate_transaction_id", Id, nullable=True),
    Column("friend_transaction_id", Id, nullable=True),
    Column("friend_redemption_id", String(40), nullable=True),
    Column("friend_rewarded", Boolean, nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decision_reason", String(500), nullable=True),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "friend_id"], ["customers.store_id", "customers.id"]),
    UniqueConstraint("store_id", "friend_id", "advocate_id", name="uq_referrals_pair"),
    Index("ix_referrals_status", "store_id", "status", "created_at"),
    Index("ix_referrals_advocate", "store_id", "advocate_id", "created_at"),
    Index("ix_referrals_ip", "store_id", "ip", "created_at"),
    Index("ix_referrals_device", "store_id", "device", "created_at"),
    Index("ix_referrals_order", "store_id", "order_id"),
)

# The one advocate a friend counts for: the first referral of them that was not rejected.
referral_claims = Table(
    "referral_claims",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("friend_id", String(128), primary_key=True),
    Column("referral_id", String(40), nullable=False),
)

# What the store told Walaa about a customer (e-mail, phone, address and payment hashes),
# normalised: what the self-referral rule compares a friend with.
customer_signals = Table(
    "customer_signals",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("customer_id", String(128), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("value", String(320), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
)
# --- the storefront: origins, branding, the widget secret's salt, member cards ---------------

storefront_settings = Table(
    "storefront_settings",
    metadata,
    Column("store_id", String(40), primary_key=True),
    # browsers' Origin values the public routes answer, e.g. ["https://shop.example"]
    Column("allowed_origins", JSON, nullable=False),
    Column("logo_url", String(500), nullable=True),
    Column("primary_colour", String(7), nullable=False),
    Column("accent_colour", String(7), nullable=False),
    # only salts: the widget secret is derived from them and the server's key, never stored
    Column("widget_salt", String(64), nullable=True),
    Column("previous_salt", String(64), nullable=True),
    Column("rotated_at", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
)

member_cards = Table(
    "member_cards",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("customer_id", String(128), primary_key=True),
    Column("card_id", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
    UniqueConstraint("store_id", "card_id", name="uq_member_cards_store_id_card_id"),
)


# --- achievements: badges and milestones ------------------------------------------------------

# A customer's progress toward one achievement: its buckets (per day or period, or all time)
# as JSON, what the counting meant (`signature`: another measure starts again), and how many
# times it was earned. Written under the customer's lock, one row per customer and achievement.
achievement_progress = Table(
    "achievement_progress",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("customer_id", String(128), primary_key=True),
    Column("achievement_id", String(64), primary_key=True),
    Column("signature", String(255), nullable=False),
    Column("state", JSON, nullable=False),
    Column("times", Integer, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
)

# Each time a customer earned an achievement: the `times`-th is granted once, by its key.
achievement_grants = Table(
    "achievement_grants",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("customer_id", String(128), primary_key=True),
    Column("achievement_id", String(64), primary_key=True),
    Column("times", Integer, primary_key=True),
    # order:<id> or event:<id>: what completed it
    Column("source", String(160), nullable=False),
    # the moment of that order or event, never when Walaa heard of it
    Column("at", UtcDateTime(), nullable=False),
    Column("points", BigInteger, nullable=True),
    Column("transaction_id", Id, nullable=True),
    Column("redemption_id", String(40), nullable=True),
    # the achievement's names as they stood, shown even if a later program drops it
    Column("names", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "customer_id"], ["customers.store_id", "customers.id"]),
    Index("ix_achievement_grants_at", "store_id", "achievement_id", "at"),
)


# -- staff of a store, who use the dashboard ---------------------------------------------------

staff = Table(
    "staff",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(40), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("role", String(8), nullable=False),
    # Argon2id, in its PHC string form (parameters and salt included)
    Column("password_hash", String(200), nullable=False),
    Column("totp_secret", String(64), nullable=True),
    # the last TOTP time step accepted: a code is good once (RFC 6238 section 5.2)
    Column("totp_last_step", BigInteger, nullable=True),
    Column("language", String(8), nullable=False),
    # consecutive failed sign-ins and the last one: the account's back-off
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("failed_at", UtcDateTime(), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("disabled_at", UtcDateTime(), nullable=True),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
    UniqueConstraint("store_id", "email", name="uq_staff_email"),
    CheckConstraint("role IN ('owner', 'manager', 'support', 'viewer')", name="staff_role_known"),
    Index("ix_staff_email", "email"),
)

#: One-time recovery codes (SHA-256: they are 50 random bits, not chosen by a person).
staff_recovery_codes = Table(
    "staff_recovery_codes",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("staff_id", String(40), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("used_at", UtcDateTime(), nullable=True),
    ForeignKeyConstraint(["store_id", "staff_id"], ["staff.store_id", "staff.id"]),
)

#: Signed-in browsers. Only a hash of the session id is kept, so a copy of the table signs
#: nobody in; `stage` is "password" between the password and the TOTP code, then "signed_in".
staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("staff_id", String(40), nullable=False),
    Column("stage", String(10), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("seen_at", UtcDateTime(), nullable=False),
    ForeignKeyConstraint(["store_id", "staff_id"], ["staff.store_id", "staff.id"]),
    Index("ix_staff_sessions_staff", "store_id", "staff_id"),
)

#: Every staff action, who and when, with what it changed. Append-only: the repository has
#: no update or delete, and a trigger refuses both on PostgreSQL and SQLite.
staff_audit = Table(
    "staff_audit",
    metadata,
    Column("store_id", String(40), primary_key=True),
    Column("id", String(32), primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("staff_id", String(40), nullable=True),
    Column("staff_email", String(320), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(255), nullable=True),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Column("address", String(64), nullable=True),
    ForeignKeyConstraint(["store_id"], ["stores.id"]),
    Index("ix_staff_audit_at", "store_id", "at"),
)

#: Failed sign-ins per client address, for the back-off per address. Keyed by the address
#: alone: a sign-in is refused before any store is known, so it belongs to no store.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("address", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("failed_at", UtcDateTime(), nullable=False),
)
