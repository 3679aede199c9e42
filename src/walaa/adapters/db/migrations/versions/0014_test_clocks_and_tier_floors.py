"""stores have a mode and test stores a clock; a tier pin may be a floor

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import walaa.adapters.db.tables

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mode", sa.String(4), nullable=False, server_default="live"))
        batch_op.create_check_constraint(
            op.f("ck_stores_store_mode_known"), "mode IN ('live', 'test')"
        )
    op.create_table(
        "test_clocks",
        sa.Column("store_id", sa.String(40), nullable=False),
        sa.Column(
            "frozen_time", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "advanced_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_test_clocks_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_test_clocks")),
    )
    with op.batch_alter_table("customer_tiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pin_floor", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer_tiers", schema=None) as batch_op:
        batch_op.drop_column("pin_floor")
    op.drop_table("test_clocks")
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_stores_store_mode_known"), type_="check")
        batch_op.drop_column("mode")
