"""make the reversal index partial

Only reversals carry reverses_id; on a fresh, unanalysed PostgreSQL table the planner chose the
full index for idempotency-key lookups and filtered every transaction of the store.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("reverses_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("ledger_transactions") as batch:
        batch.drop_index("ix_ledger_transactions_reverses")
        batch.create_index(
            "ix_ledger_transactions_reverses",
            ["store_id", "reverses_id"],
            postgresql_where=WHERE,
            sqlite_where=WHERE,
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_transactions") as batch:
        batch.drop_index("ix_ledger_transactions_reverses")
        batch.create_index("ix_ledger_transactions_reverses", ["store_id", "reverses_id"])
