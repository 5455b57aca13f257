"""Writers that read before they write (a plant load, an order import, booking a line's capacity) run one at
a time."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache

from sqlalchemy import Connection, text

ADVISORY = text("SELECT pg_advisory_xact_lock(n) FROM unnest(CAST(:numbers AS bigint[])) AS n ORDER BY n")
"""PostgreSQL's transaction advisory locks on `numbers` (see `lock_numbers`), taken in one round trip."""


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
        numbers = lock_numbers(keys)
        if numbers:
            connection.execute(ADVISORY, {"numbers": numbers})


def lock_numbers(keys: Sequence[str]) -> list[int]:
    """The advisory lock numbers of `keys`, sorted: PostgreSQL takes them in that order (volatile output after
    ORDER BY), so two writers never wait on each other in a circle."""
    return sorted({_lock_number(k) for k in keys})


@cache
def _lock_number(key: str) -> int:
    """A key's advisory lock number (an order locks its line and every stocked material it needs: dozens)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
