"""The migrations build exactly the schema the code describes, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from walaa.adapters.db.migrate import current_revision, upgrade
from walaa.adapters.db.tables import metadata


def test_migrated_schema_matches_the_tables(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrating_twice_is_harmless(engine):
    before = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == before is not None
