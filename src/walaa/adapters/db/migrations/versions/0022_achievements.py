"""achievements: customers' progress toward badges and the badges they earned

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 01:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import walaa.adapters.db.tables

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = walaa.adapters.db.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "achievement_progress",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("achievement_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=255), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("updated_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_achievement_progress_store_id_customers"),
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "customer_id", "achievement_id", name=op.f("pk_achievement_progress")
        ),
    )
    op.create_table(
        "achievement_grants",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("achievement_id", sa.String(length=64), nullable=False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=160), nullable=False),
        sa.Column("at", Moment(timezone=True), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=True),
        sa.Column(
            "transaction_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("redemption_id", sa.String(length=40), nullable=True),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_achievement_grants_store_id_customers"),
        ),
        sa.PrimaryKeyConstraint(
            "store_id",
            "customer_id",
            "achievement_id",
            "times",
            name=op.f("pk_achievement_grants"),
        ),
    )
    with op.batch_alter_table("achievement_grants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_achievement_grants_at", ["store_id", "achievement_id", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("achievement_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_achievement_grants_at")
    op.drop_table("achievement_grants")
    op.drop_table("achievement_progress")
