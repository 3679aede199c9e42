"""Every key holds store_id, so the schema can be distributed by store (docs/scaling.md).

Read from the migrated schema itself (SQLAlchemy's inspector), on SQLite and PostgreSQL:
every primary key, unique constraint and unique index includes `store_id`, and every foreign
key between two store tables carries `store_id` to `store_id`. The exceptions, each with why:
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from tests.builders import audit, give
from tests.conftest import NO_POSTGRES, POSTGRES_URL, fresh_schema, postgres_engine
from walaa.adapters.db import tables as t
from walaa.adapters.db.audit import audit_store
from walaa.adapters.db.engine import make_engine
from walaa.adapters.db.ids import NextId
from walaa.adapters.db.migrate import upgrade
from walaa.bootstrap import App, FixedClock
from walaa.service.commands import Earn
from walaa.service.handlers import ledger
from walaa.service.handlers.stores import create_store

#: Tables not keyed by store, and why; docs/scaling.md makes them Citus reference tables.
EXCEPTIONS = {
    # the stores themselves: its key `id` is the store id every other table refers to
    "stores": "the store's own id",
    # a request's key is found by its lookup part before anyone knows its store
    "api_keys": "found by `lookup` across stores",
    "alembic_version": "the migration tool's one row",
    # failed dashboard sign-ins per client address: refused before any store is known
    "sign_in_failures": "keyed by the client address",
}
#: The tables numbered by adapters/db/ids.py, as the tables declare them.
KEYED_BY_ID = [
    name
    for name, table in t.metadata.tables.items()
    if "id" in table.c
    and table.c.id.default is not None
    and isinstance(getattr(table.c.id.default, "arg", None), NextId)
]
DAY = timedelta(days=1)
#: Unique constraints allowed without store_id: (table, columns)
GLOBAL_UNIQUES = {("api_keys", ("lookup",))}


def test_every_primary_key_includes_store_id(engine: Engine):
    inspector = inspect(engine)
    missing = {
        table: inspector.get_pk_constraint(table)["constrained_columns"]
        for table in inspector.get_table_names()
        if table not in EXCEPTIONS
        and "store_id" not in inspector.get_pk_constraint(table)["constrained_columns"]
    }
    assert missing == {}
    assert set(inspector.get_table_names()) - set(EXCEPTIONS) == {
        name for name in t.metadata.tables if name not in EXCEPTIONS
    }


def test_every_unique_constraint_and_unique_index_includes_store_id(engine: Engine):
    inspector = inspect(engine)
    uniques = []
    for table in inspector.get_table_names():
        for unique in inspector.get_unique_constraints(table):
            uniques.append((table, tuple(unique["column_names"])))
        for index in inspector.get_indexes(table):
            if index["unique"]:
                uniques.append((table, tuple(c for c in index["column_names"] if c)))
    assert len(uniques) >= 10  # the inspector sees them at all
    offending = {u for u in uniques if "store_id" not in u[1] and u not in GLOBAL_UNIQUES} - {
        (table, cols) for table, cols in uniques if table == "alembic_version"
    }
    assert offending == set()


def test_every_foreign_key_between_store_tables_carries_store_id(engine: Engine):
    inspector = inspect(engine)
    checked = 0
    for table in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(table):
            pairs = dict(zip(fk["constrained_columns"], fk["referred_columns"], strict=True))
            if fk["referred_table"] == "stores":
                assert pairs == {"store_id": "id"}, (table, fk)
            else:
                assert pairs.get("store_id") == "store_id", (table, fk)
            checked += 1
    assert checked >= 20


# -- the migration keeps every row and every id ---------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database, no schema yet."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'walaa.db'}")
        yield engine
        engine.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with fresh_schema("walaa_keys") as schema:
        engine = postgres_engine(schema)
        yield engine
        engine.dispose()


def earn(app: App, clock: FixedClock, store_id: str, tag: str, n: int) -> None:
    for i in range(n):
        ledger.earn(app.uow(), clock, Earn(store_id, f"c{i % 3}", f"{tag}:{i}", 10 + i))


def test_rekeying_keeps_every_row_and_new_ids_follow_the_old(unmigrated: Engine):
    upgrade(unmigrated, "0024")
    app, clock = App(unmigrated), FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    stores = [create_store(app.uow(), clock, name, "USD", "UTC").id for name in ("A", "B")]
    for store_id in stores:
        earn(app, clock, store_id, "before", 4)
    with unmigrated.connect() as conn:
        before = conn.execute(select(t.postings.c.id).order_by(t.postings.c.id)).scalars().all()
    upgrade(unmigrated)
    for store_id in reversed(stores):  # interleaved stores draw from one numbering
        earn(app, clock, store_id, "after", 3)
    with unmigrated.connect() as conn:
        after = conn.execute(select(t.postings.c.id).order_by(t.postings.c.id)).scalars().all()
        transactions = conn.execute(
            select(func.count(), func.count(t.ledger_transactions.c.id.distinct()))
        ).one()
        if unmigrated.dialect.name == "sqlite":
            drift = conn.execute(text("SELECT count(*) FROM postings WHERE rowid != id")).scalar()
            assert drift == 0
    assert after[: len(before)] == before
    assert len(after) == len(set(after)) == len(before) + 2 * 2 * 3
    assert min(after[len(before) :]) > max(before)
    assert tuple(transactions) == (2 * 7, 2 * 7)
    with unmigrated.connect() as conn:
        assert all(audit_store(conn, store_id).ok for store_id in stores)


def test_the_workers_set_based_writes_number_rows_as_single_inserts_do(app, clock, store):
    """The worker's jobs insert many rows per statement; on SQLite they number them themselves
    (adapters/db/ids.py): ids stay unique, equal to rowid, and later single inserts follow."""
    from tests.integration.test_worker import run

    for n, customer in enumerate(("amal", "badr", "chadi")):
        give(app, clock, store.id, customer, 50 + n, available_at=clock.now() + DAY)
        give(app, clock, store.id, customer, 60 + n, expires_at=clock.now() + DAY)
    clock.current += 2 * DAY
    first = run(app, store.id, clock.now())
    assert first.jobs["mature"].done == first.jobs["expire"].done == 3
    give(app, clock, store.id, "amal", 5)
    with app.engine.connect() as conn:
        for table in KEYED_BY_ID:
            ids = conn.execute(select(t.metadata.tables[table].c.id)).scalars().all()
            assert len(ids) == len(set(ids)), table
            if app.engine.dialect.name == "sqlite":
                drift = conn.execute(text(f"SELECT count(*) FROM {table} WHERE rowid != id"))
                assert drift.scalar() == 0, table
        x = t.ledger_transactions
        mine = select(x.c.kind).where(x.c.store_id == store.id).order_by(x.c.id)
        kinds = conn.execute(mine).scalars().all()
    assert kinds[-1] == "earn" and kinds.count("expire") == 3
    assert audit(app, store.id).ok
