"""points that paid come back: what a points-only payment was worth, what each code use paid

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # What the captured points were worth: the share a refund gives back of an order they
    # paid entirely (no money total to divide by). Payments before it all had a money total.
    with op.batch_alter_table("checkout_payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points_worth", sa.String(length=32), nullable=True))
    # The points each use of a code paid for its order, and what refunds gave back of them.
    # Uses before it have no price; Walaa reconstructs theirs from the redemption.
    with op.batch_alter_table("code_uses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("points", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("points_returned", sa.BigInteger(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("code_uses", schema=None) as batch_op:
        batch_op.drop_column("points_returned")
        batch_op.drop_column("points")
    with op.batch_alter_table("checkout_payments", schema=None) as batch_op:
        batch_op.drop_column("points_worth")
