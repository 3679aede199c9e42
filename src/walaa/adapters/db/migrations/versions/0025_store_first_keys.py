"""every primary key and every foreign key between store tables begins with store_id

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 02:00:00

The ten append-only tables keyed by a numeric id alone are keyed by (store_id, id), and the
foreign keys that point at them by (store_id, <column>), so the schema can be distributed by
store (docs/scaling.md): a distributed table's keys must hold the column it is distributed by.
The index the worker purges stored responses by begins with store_id too: it purges per store.

PostgreSQL swaps the constraints in place; the ids keep their sequences. SQLite cannot alter a
key, so each table is rebuilt (SQLite's own procedure: foreign keys off, new table, copy,
drop, rename, indexes again, `PRAGMA foreign_key_check`, foreign keys on). Its rows are
copied with `rowid = id`: new ids are taken from `max(rowid)` from now on (adapters/db/ids.py).
That procedure needs foreign keys off, which SQLite only allows between transactions, so on
SQLite this revision commits what came before it and rebuilds in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection, inspect

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYED_BY_ID = (
    "ledger_transactions",
    "postings",
    "lots",
    "lot_movements",
    "holds",
    "rule_uses",
    "notices",
    "membership_events",
    "tier_history",
    "tier_events",
)
#: (table, column, the table it points at)
REFERENCES = (
    ("postings", "transaction_id", "ledger_transactions"),
    ("lots", "transaction_id", "ledger_transactions"),
    ("lot_movements", "lot_id", "lots"),
    ("lot_movements", "transaction_id", "ledger_transactions"),
    ("holds", "transaction_id", "ledger_transactions"),
)


def upgrade() -> None:
    _purge_index(["store_id", "created_at"])
    _rekey(store_first=True)


def downgrade() -> None:
    _purge_index(["created_at"])
    _rekey(store_first=False)


def _purge_index(columns: list[str]) -> None:
    """The worker purges stored responses store by store: its index begins with the store."""
    op.drop_index("ix_idempotency_records_created", table_name="idempotency_records")
    op.create_index("ix_idempotency_records_created", "idempotency_records", columns)


def _rekey(*, store_first: bool) -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _sqlite(conn, store_first=store_first)
    else:
        _postgresql(conn, store_first=store_first)


# -- PostgreSQL -----------------------------------------------------------------------------


def _postgresql(conn: Connection, *, store_first: bool) -> None:
    inspector = inspect(conn)
    for table, column, parent in REFERENCES:
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] == parent and column in fk["constrained_columns"]:
                op.drop_constraint(str(fk["name"]), table, type_="foreignkey")
    key = ["store_id", "id"] if store_first else ["id"]
    for table in KEYED_BY_ID:
        op.drop_constraint(str(inspector.get_pk_constraint(table)["name"]), table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, key)
    for table, column, parent in REFERENCES:
        local, remote = (["store_id", column], key) if store_first else ([column], key)
        op.create_foreign_key(
            _fk_name(table, column, parent, store_first), table, parent, local, remote
        )


def _fk_name(table: str, column: str, parent: str, store_first: bool) -> str:
    """The name the tables' naming convention gives: after the constraint's first column."""
    return f"fk_{table}_{'store_id' if store_first else column}_{parent}"


# -- SQLite ---------------------------------------------------------------------------------


def _sqlite(conn: Connection, *, store_first: bool) -> None:
    conn.exec_driver_sql("COMMIT")
    conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        for table in KEYED_BY_ID:
            _rebuild(conn, table, store_first=store_first)
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"rows whose foreign key finds nothing: {broken[:10]}")
    except BaseException:
        conn.exec_driver_sql("ROLLBACK")
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        raise
    conn.exec_driver_sql("COMMIT")
    conn.exec_driver_sql("PRAGMA foreign_keys = ON")
    conn.exec_driver_sql("BEGIN IMMEDIATE")  # the transaction Alembic records the revision in


def _rebuild(conn: Connection, table: str, *, store_first: bool) -> None:
    """Recreate ``table`` from its own CREATE TABLE with the key clauses swapped."""
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    assert isinstance(sql, str)
    indexes = (
        conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        )
        .scalars()
        .all()
    )
    keys = [("PRIMARY KEY (id)", "PRIMARY KEY (store_id, id)")]
    for child, column, parent in REFERENCES:
        if child == table:
            keys.append(
                (
                    f"CONSTRAINT {_fk_name(table, column, parent, False)} FOREIGN KEY({column}) "
                    f"REFERENCES {parent} (id)",
                    f"CONSTRAINT {_fk_name(table, column, parent, True)} "
                    f"FOREIGN KEY(store_id, {column}) REFERENCES {parent} (store_id, id)",
                )
            )
    # a table SQLite has renamed before is written with its name quoted
    head = next(h for h in (f'CREATE TABLE "{table}" (', f"CREATE TABLE {table} (") if h in sql)
    swaps = [(head, f"CREATE TABLE _rekeyed_{table} (")]
    swaps += keys if store_first else [(new, old) for old, new in keys]
    for before, after in swaps:
        if sql.count(before) != 1:
            raise RuntimeError(f"{table}: expected one {before!r} in its definition:\n{sql}")
        sql = sql.replace(before, after)
    columns = ", ".join(
        f'"{row[1]}"' for row in conn.exec_driver_sql(f'PRAGMA table_info("{table}")').all()
    )
    conn.exec_driver_sql(sql)
    conn.exec_driver_sql(
        f'INSERT INTO "_rekeyed_{table}" (rowid, {columns}) SELECT id, {columns} FROM "{table}"'
    )
    conn.exec_driver_sql(f'DROP TABLE "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "_rekeyed_{table}" RENAME TO "{table}"')
    for index in indexes:
        conn.exec_driver_sql(index)
