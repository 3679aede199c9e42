"""causes, the giving ledger of money owed to them, and customers' chosen causes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import walaa.adapters.db.tables

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = walaa.adapters.db.tables.UtcDateTime
DEFAULT = sa.text("is_default")


def upgrade() -> None:
    op.create_table(
        "causes",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("logo_url", sa.Text(), nullable=True),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("updated_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_causes_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_causes")),
    )
    with op.batch_alter_table("causes", schema=None) as batch_op:
        batch_op.create_index(
            "uq_causes_default",
            ["store_id"],
            unique=True,
            postgresql_where=DEFAULT,
            sqlite_where=DEFAULT,
        )
    op.create_table(
        "gifts",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("cause_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.String(length=128), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=True),
        sa.Column(
            "transaction_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("order_at", Moment(timezone=True), nullable=True),
        sa.Column("at", Moment(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('order', 'refund', 'points')", name=op.f("ck_gifts_gift_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["store_id", "cause_id"],
            ["causes.store_id", "causes.id"],
            name=op.f("fk_gifts_store_id_causes"),
        ),
        sa.PrimaryKeyConstraint("store_id", "key", name=op.f("pk_gifts")),
    )
    with op.batch_alter_table("gifts", schema=None) as batch_op:
        batch_op.create_index("ix_gifts_cause", ["store_id", "cause_id", "at"], unique=False)
        batch_op.create_index(
            "ix_gifts_customer_month", ["store_id", "customer_id", "order_at"], unique=False
        )
        batch_op.create_index("ix_gifts_order", ["store_id", "order_id"], unique=False)
    op.create_table(
        "cause_choices",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("cause_id", sa.String(length=64), nullable=False),
        sa.Column("chosen_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "cause_id"],
            ["causes.store_id", "causes.id"],
            name=op.f("fk_cause_choices_store_id_causes"),
        ),
        sa.PrimaryKeyConstraint("store_id", "customer_id", name=op.f("pk_cause_choices")),
    )


def downgrade() -> None:
    op.drop_table("cause_choices")
    with op.batch_alter_table("gifts", schema=None) as batch_op:
        batch_op.drop_index("ix_gifts_order")
        batch_op.drop_index("ix_gifts_customer_month")
        batch_op.drop_index("ix_gifts_cause")
    op.drop_table("gifts")
    with op.batch_alter_table("causes", schema=None) as batch_op:
        batch_op.drop_index("uq_causes_default")
    op.drop_table("causes")
