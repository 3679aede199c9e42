"""tier counters: each customer's qualifying spend, points and orders per month, from history

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 19:00:00

Buckets are calendar months in UTC (the first day of the month). The table is filled from
tier_history in the same migration, so every counter equals the sum of its month's history
rows; spend_scale keeps the most decimals of any of them (what a sum of the rows prints with).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# How many decimals a row's spend has once divided by 10^4.
_SCALE = """CASE WHEN spend_e4 % 10000 = 0 THEN 0 WHEN spend_e4 % 1000 = 0 THEN 1
    WHEN spend_e4 % 100 = 0 THEN 2 WHEN spend_e4 % 10 = 0 THEN 3 ELSE 4 END"""
_MONTH = {
    "postgresql": "CAST(date_trunc('month', at AT TIME ZONE 'UTC') AS date)",
    # SQLite keeps times as UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff'
    "sqlite": "date(at, 'start of month')",
}
_BACKFILL = """
INSERT INTO tier_counters (store_id, customer_id, bucket, spend_e4, points, orders, spend_scale)
SELECT store_id, customer_id, {month}, SUM(spend_e4), SUM(points), SUM(orders), MAX({scale})
FROM tier_history
GROUP BY store_id, customer_id, {month}"""


def upgrade() -> None:
    op.create_table(
        "tier_counters",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("bucket", sa.Date(), nullable=False),
        sa.Column("spend_e4", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("orders", sa.BigInteger(), nullable=False),
        sa.Column("spend_scale", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "customer_id", "bucket", name=op.f("pk_tier_counters")),
    )
    month = _MONTH[op.get_bind().dialect.name]
    op.execute(_BACKFILL.format(month=month, scale=_SCALE))


def downgrade() -> None:
    op.drop_table("tier_counters")
