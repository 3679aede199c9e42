"""Databases for the suite: every test that takes `engine` runs on SQLite and on PostgreSQL.

PostgreSQL tests need a real server named by WALAA_TEST_POSTGRES_URL (CI sets it, e.g.
postgresql://postgres@127.0.0.1:5432/test); without it they are skipped and say why. Each
test session works in a schema of its own, dropped at the end, so runs never see each other.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from walaa.adapters.db.engine import make_engine
from walaa.adapters.db.migrate import upgrade
from walaa.bootstrap import App, FixedClock
from walaa.domain.stores import Store
from walaa.service.handlers.stores import create_store

POSTGRES_URL = os.environ.get("WALAA_TEST_POSTGRES_URL")
NO_POSTGRES = "WALAA_TEST_POSTGRES_URL is not set; PostgreSQL tests need a real server"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test: migrating once keeps the suite fast."""
    path = tmp_path_factory.mktemp("template") / "walaa.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    with fresh_schema("walaa_test") as schema:
        engine = postgres_engine(schema)
        upgrade(engine)
        engine.dispose()
        yield schema


@contextmanager
def fresh_schema(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL schema, dropped with everything in it afterwards."""
    assert POSTGRES_URL
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def postgres_engine(schema: str) -> Engine:
    assert POSTGRES_URL
    return make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "walaa.db")
        eng = make_engine(f"sqlite:///{tmp_path / 'walaa.db'}")
    else:
        eng = postgres_engine(request.getfixturevalue("postgres_schema"))
    yield eng
    eng.dispose()


@pytest.fixture
def app(engine: Engine) -> App:
    return App(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def store(app: App, clock: FixedClock) -> Store:
    return create_store(app.uow(), clock, "Dewy Skincare", "USD", "Asia/Riyadh")
