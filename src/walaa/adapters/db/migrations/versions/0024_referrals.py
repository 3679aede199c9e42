"""referral programs: customers' codes, referrals and their claims, customers' signals

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 01:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import walaa.adapters.db.tables

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_signals",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.Column(
            "created_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "customer_id", "kind", "value", name=op.f("pk_customer_signals")
        ),
    )
    op.create_table(
        "referral_claims",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("friend_id", sa.String(length=128), nullable=False),
        sa.Column("referral_id", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "friend_id", name=op.f("pk_referral_claims")),
    )
    op.create_table(
        "referral_codes",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("compact", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column(
            "created_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("retired_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_referral_codes_store_id_customers"),
        ),
        sa.PrimaryKeyConstraint("store_id", "compact", name=op.f("pk_referral_codes")),
    )
    with op.batch_alter_table("referral_codes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referral_codes_customer", ["store_id", "customer_id"], unique=False
        )

    op.create_table(
        "referrals",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("advocate_id", sa.String(length=128), nullable=False),
        sa.Column("friend_id", sa.String(length=128), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column(
            "signed_up_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("order_id", sa.String(length=128), nullable=True),
        sa.Column("order_spend", sa.String(length=40), nullable=True),
        sa.Column(
            "order_placed_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("device", sa.String(length=128), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("advocate_reward", sa.String(length=10), nullable=False),
        sa.Column(
            "advocate_transaction_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "friend_transaction_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("friend_redemption_id", sa.String(length=40), nullable=True),
        sa.Column("friend_rewarded", sa.Boolean(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("decided_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "friend_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_referrals_store_id_customers"),
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_referrals")),
        sa.UniqueConstraint("store_id", "friend_id", "advocate_id", name="uq_referrals_pair"),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referrals_advocate", ["store_id", "advocate_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_referrals_device", ["store_id", "device", "created_at"], unique=False
        )
        batch_op.create_index("ix_referrals_ip", ["store_id", "ip", "created_at"], unique=False)
        batch_op.create_index("ix_referrals_order", ["store_id", "order_id"], unique=False)
        batch_op.create_index(
            "ix_referrals_status", ["store_id", "status", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_status")
        batch_op.drop_index("ix_referrals_order")
        batch_op.drop_index("ix_referrals_ip")
        batch_op.drop_index("ix_referrals_device")
        batch_op.drop_index("ix_referrals_advocate")

    op.drop_table("referrals")
    with op.batch_alter_table("referral_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_codes_customer")

    op.drop_table("referral_codes")
    op.drop_table("referral_claims")
    op.drop_table("customer_signals")
