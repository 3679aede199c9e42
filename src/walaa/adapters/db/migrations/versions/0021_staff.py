"""staff accounts, their sessions and recovery codes, and the append-only audit log of their actions

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 02:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import walaa.adapters.db.tables

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("failed_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_sign_in_failures")),
    )
    op.create_table(
        "staff",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failed_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "disabled_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=True
        ),
        sa.CheckConstraint(
            "role IN ('owner', 'manager', 'support', 'viewer')",
            name=op.f("ck_staff_staff_role_known"),
        ),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_staff_store_id_stores")),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_staff")),
        sa.UniqueConstraint("store_id", "email", name="uq_staff_email"),
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.create_index("ix_staff_email", ["email"], unique=False)

    op.create_table(
        "staff_audit",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.String(length=40), nullable=True),
        sa.Column("staff_email", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_staff_audit_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", "id", name=op.f("pk_staff_audit")),
    )
    with op.batch_alter_table("staff_audit", schema=None) as batch_op:
        batch_op.create_index("ix_staff_audit_at", ["store_id", "at"], unique=False)

    op.create_table(
        "staff_recovery_codes",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("staff_id", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("used_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["store_id", "staff_id"],
            ["staff.store_id", "staff.id"],
            name=op.f("fk_staff_recovery_codes_store_id_staff"),
        ),
        sa.PrimaryKeyConstraint(
            "store_id", "staff_id", "digest", name=op.f("pk_staff_recovery_codes")
        ),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("store_id", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("seen_at", walaa.adapters.db.tables.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id", "staff_id"],
            ["staff.store_id", "staff.id"],
            name=op.f("fk_staff_sessions_store_id_staff"),
        ),
        sa.PrimaryKeyConstraint("store_id", "digest", name=op.f("pk_staff_sessions")),
    )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_staff_sessions_staff", ["store_id", "staff_id"], unique=False)
    _append_only("staff_audit")


#: Nobody edits the audit log: the database itself refuses UPDATE and DELETE on it.
POSTGRES_TRIGGER = """
CREATE FUNCTION walaa_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION walaa_refuse_change();
"""
SQLITE_TRIGGERS = (
    "CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
    "BEGIN SELECT RAISE(ABORT, 'the {table} table is append-only'); END",
    "CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
    "BEGIN SELECT RAISE(ABORT, 'the {table} table is append-only'); END",
)


def _append_only(table: str) -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(POSTGRES_TRIGGER.format(table=table))
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement.format(table=table))


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER staff_audit_append_only ON staff_audit")
        op.execute("DROP FUNCTION walaa_refuse_change()")
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_sessions_staff")

    op.drop_table("staff_sessions")
    op.drop_table("staff_recovery_codes")
    with op.batch_alter_table("staff_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_audit_at")

    op.drop_table("staff_audit")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index("ix_staff_email")

    op.drop_table("staff")
    op.drop_table("sign_in_failures")
