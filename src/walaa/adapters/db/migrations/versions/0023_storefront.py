"""storefront settings (allowed origins, branding, widget secret salts) and member cards

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import walaa.adapters.db.tables

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = walaa.adapters.db.tables.UtcDateTime


def upgrade() -> None:
    op.create_table(
        "storefront_settings",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("allowed_origins", sa.JSON(), nullable=False),
        sa.Column("logo_url", sa.String(length=500), nullable=True),
        sa.Column("primary_colour", sa.String(length=7), nullable=False),
        sa.Column("accent_colour", sa.String(length=7), nullable=False),
        sa.Column("widget_salt", sa.String(length=64), nullable=True),
        sa.Column("previous_salt", sa.String(length=64), nullable=True),
        sa.Column("rotated_at", Moment(timezone=True), nullable=True),
        sa.Column("updated_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_storefront_settings_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_storefront_settings")),
    )
    op.create_table(
        "member_cards",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("card_id", sa.String(length=16), nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_member_cards_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "customer_id", name=op.f("pk_member_cards")),
        sa.UniqueConstraint("store_id", "card_id", name="uq_member_cards_store_id_card_id"),
    )


def downgrade() -> None:
    op.drop_table("member_cards")
    op.drop_table("storefront_settings")
