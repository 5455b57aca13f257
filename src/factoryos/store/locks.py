"""Writers that read before they write (a plant load, an order import) run one at a time."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_for_writing(session: Session, table: str) -> None:
    """At the start of a transaction: on SQLite take the database's write lock now (not at the first write,
    after the reads); on PostgreSQL lock `table` against other writers while readers go on. A second writer
    waits, then reads what the first committed."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        session.execute(text(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE'))
