"""Alembic's entry point: runs the migrations on the connection that `factoryos.store.db.migrate` passes in."""

from alembic import context

from factoryos.store import genealogy, holds, order_desk, plans, schedule, tables, telemetry, tenants  # noqa: F401  (each registers its tables on Base.metadata)
from factoryos.store.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
