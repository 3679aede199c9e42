"""the worker's partial indexes on lots still due to mature or expire

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("remaining > 0")
RIPENING = sa.text("pending AND remaining > 0")


def upgrade() -> None:
    op.create_index(
        "ix_lots_due_expiry",
        "lots",
        ["store_id", "expires_at", "customer_id"],
        postgresql_where=OPEN,
        sqlite_where=OPEN,
    )
    op.create_index(
        "ix_lots_due_maturity",
        "lots",
        ["store_id", "available_at", "customer_id"],
        postgresql_where=RIPENING,
        sqlite_where=RIPENING,
    )


def downgrade() -> None:
    op.drop_index("ix_lots_due_maturity", table_name="lots")
    op.drop_index("ix_lots_due_expiry", table_name="lots")
