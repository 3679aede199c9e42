"""customers remember when they last earned or spent, for inactivity expiry

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-03 13:50:00

Customers who earned or spent before this revision get the time of their latest such entry
as Walaa recorded it: the best the books can say. Customers with neither stay NULL and are
never counted inactive.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import walaa.adapters.db.tables

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "last_activity_at",
                walaa.adapters.db.tables.UtcDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_index(
            "ix_customers_last_activity", ["store_id", "last_activity_at"], unique=False
        )
    op.execute(
        """UPDATE customers SET last_activity_at = (
               SELECT MAX(x.occurred_at) FROM ledger_transactions x
               WHERE x.store_id = customers.store_id AND x.customer_id = customers.id
                 AND x.kind IN ('earn', 'spend', 'capture'))"""
    )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_last_activity")
        batch_op.drop_column("last_activity_at")
