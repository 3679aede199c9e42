"""settings stamps: one number per store that changes with its program or plans

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 01:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "settings_stamps",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"]),
        sa.PrimaryKeyConstraint("store_id"),
    )
    # A process that starts after the upgrade has nothing cached; any stamp that moves on
    # from here is enough. Stores that already have settings start at their count.
    op.execute(
        "INSERT INTO settings_stamps (store_id, stamp) "
        "SELECT s.id, (SELECT count(*) FROM program_versions p WHERE p.store_id = s.id)"
        " + (SELECT count(*) FROM plans m WHERE m.store_id = s.id) FROM stores s"
    )


def downgrade() -> None:
    op.drop_table("settings_stamps")
