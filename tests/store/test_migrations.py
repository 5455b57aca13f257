"""The migrations build the schema the table classes declare: a column, index or key added to one and not the
other would pass every test on a fresh database and fail on an upgraded one."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from factoryos.store.db import Base, migrate


def test_the_migrated_schema_is_the_declared_one(engine) -> None:
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
