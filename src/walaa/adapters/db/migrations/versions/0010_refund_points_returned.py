"""refunds remember the points that had paid and came back

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("points_returned", sa.BigInteger(), server_default="0", nullable=False)
        )
    # Refunds recorded before: what they gave back is in the ledger, under their own keys.
    refunds = sa.table(
        "refunds", sa.column("store_id"), sa.column("id"), sa.column("points_returned")
    )
    txns = sa.table(
        "ledger_transactions",
        sa.column("store_id"),
        sa.column("idempotency_key"),
        sa.column("amount"),
    )
    given_back = (
        sa.select(sa.func.coalesce(sa.func.sum(txns.c.amount), 0))
        .where(
            txns.c.store_id == refunds.c.store_id,
            txns.c.idempotency_key.like(sa.literal("refund:") + refunds.c.id + ":points-paid:%"),
        )
        .scalar_subquery()
    )
    op.execute(refunds.update().values(points_returned=given_back))


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("points_returned")
