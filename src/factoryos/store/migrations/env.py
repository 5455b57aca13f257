from alembic import context

from factoryos.store import tables  # noqa: F401  (registers every table on Base.metadata)
from factoryos.store import telemetry  # noqa: F401
from factoryos.store import schedule  # noqa: F401
from factoryos.store.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
