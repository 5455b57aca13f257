"""Writers that read before they write (a plant load, an order import, booking a line's capacity) run one at
a time."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import Connection, text


def lock_for_writing(connection: Connection, table: str | None = None, keys: Sequence[str] = ()) -> None:
    """At the start of a transaction: on SQLite take the database's write lock now (not at the first write,
    after the reads); on PostgreSQL lock `table` against other writers while readers go on, and take the
    transaction's advisory locks on `keys` (work centers, say; in sorted order, so two writers never wait
    on each other). A second writer waits, then reads what the first committed."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        if table is not None:
            connection.execute(text(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE'))
        for key in sorted(set(keys)):
            number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
            connection.execute(text("SELECT pg_advisory_xact_lock(:n)"), {"n": number})
