"""a customer's account can be closed and its personal data erased

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import walaa.adapters.db.tables

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    moment = walaa.adapters.db.tables.UtcDateTime(timezone=True)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", moment, nullable=True))
        batch_op.add_column(sa.Column("closed_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("erased_at", moment, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("closed_reason")
        batch_op.drop_column("closed_at")
