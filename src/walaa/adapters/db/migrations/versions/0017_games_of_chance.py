"""games of chance: committed server seeds, unlocked plays, every play's draw; prize codes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import walaa.adapters.db.tables

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Moment = walaa.adapters.db.tables.UtcDateTime
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "game_seeds",
        sa.Column("store_id", sa.String(40), nullable=False),
        sa.Column("game_id", sa.String(64), nullable=False),
        sa.Column("seed_no", sa.Integer(), nullable=False),
        sa.Column("server_seed", sa.String(64), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.Column("revealed_at", Moment(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_game_seeds_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "game_id", "seed_no", name=op.f("pk_game_seeds")),
    )
    op.create_table(
        "game_unlocks",
        sa.Column("store_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("game_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("source", sa.String(160), nullable=False),
        sa.Column("order_id", sa.String(128), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_game_unlocks_store_id_customers"),
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_game_unlocks")),
        sa.UniqueConstraint("store_id", "game_id", "source", name="uq_game_unlocks_source"),
    )
    op.create_index(
        "ix_game_unlocks_customer",
        "game_unlocks",
        ["store_id", "customer_id", "game_id", "status"],
    )
    op.create_index("ix_game_unlocks_order", "game_unlocks", ["store_id", "order_id"])
    op.create_table(
        "game_plays",
        sa.Column("store_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("game_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("unlock_id", sa.String(40), nullable=False),
        sa.Column("seed_no", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.Integer(), nullable=False),
        sa.Column("client_seed", sa.String(128), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("prizes", sa.JSON(), nullable=False),
        sa.Column("prize_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("redemption_id", sa.String(40), nullable=True),
        sa.Column("transaction_id", Id, nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("request_key", sa.String(255), nullable=True),
        sa.Column("created_at", Moment(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "customer_id"],
            ["customers.store_id", "customers.id"],
            name=op.f("fk_game_plays_store_id_customers"),
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_game_plays")),
        sa.UniqueConstraint("store_id", "unlock_id", name="uq_game_plays_unlock"),
        sa.UniqueConstraint("store_id", "game_id", "seed_no", "nonce", name="uq_game_plays_nonce"),
        sa.UniqueConstraint("store_id", "request_key", name="uq_game_plays_request_key"),
    )
    op.create_index("ix_game_plays_customer", "game_plays", ["store_id", "customer_id", "game_id"])
    # A prize code is a redemption no points paid for: it has no spend transaction.
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.alter_column("transaction_id", existing_type=Id, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM redemptions WHERE transaction_id IS NULL")
    with op.batch_alter_table("redemptions", schema=None) as batch_op:
        batch_op.alter_column("transaction_id", existing_type=Id, nullable=False)
    op.drop_index("ix_game_plays_customer", table_name="game_plays")
    op.drop_table("game_plays")
    op.drop_index("ix_game_unlocks_order", table_name="game_unlocks")
    op.drop_index("ix_game_unlocks_customer", table_name="game_unlocks")
    op.drop_table("game_unlocks")
    op.drop_table("game_seeds")
