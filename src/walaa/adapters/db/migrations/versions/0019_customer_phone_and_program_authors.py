"""customers may have a phone number to be found by; program versions remember who saved them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 01:50:00

The dashboard finds a customer by id, e-mail, name or phone: the phone is kept as the store
sends it, digits only after an optional leading +, so a search by any spelling finds it.
A program version saved before this revision has no author (it was saved by the API or the
command line, which name none).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_customers_phone", ["store_id", "phone"], unique=False)
        batch_op.create_index("ix_customers_email", ["store_id", "email"], unique=False)
    with op.batch_alter_table("program_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("program_versions", schema=None) as batch_op:
        batch_op.drop_column("note")
        batch_op.drop_column("author")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_email")
        batch_op.drop_index("ix_customers_phone")
        batch_op.drop_column("phone")
