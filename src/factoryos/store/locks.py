"""Writers that read before they write (a plant load, an order import, booking a line's capacity) run one at
a time."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import Connection, text

_ADVISORY = text("SELECT pg_advisory_xact_lock(n) FROM unnest(CAST(:numbers AS bigint[])) AS n ORDER BY n")


def lock_for_writing(connection: Connection, table: str | None = None, keys: Sequence[str] = ()) -> None:
    """At the start of a transaction: on SQLite take the database's write lock now (not at the first write,
    after the reads); on PostgreSQL lock `table` against other writers while readers go on, and take the
    transaction's advisory locks on `keys` (work centers, materials; in sorted order, so two writers never
    wait on each other in a circle). A second writer waits, then reads what the first committed."""
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        if table is not None:
            connection.execute(text(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE'))
        numbers = sorted({int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big", signed=True) for k in keys})
        if numbers:  # one round trip; PostgreSQL takes them after sorting (volatile output after ORDER BY)
            connection.execute(_ADVISORY, {"numbers": numbers})
