"""refunds remember the points they forgave; a redemption covers a number of blocks

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Refunds recorded before forgave nothing: every program took spent points back as a debt.
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("points_forgiven", sa.BigInteger(), server_default="0", nullable=False)
        )
    # Redemptions recorded before covered one block of their reward.
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocks", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.drop_column("blocks")
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_column("points_forgiven")
