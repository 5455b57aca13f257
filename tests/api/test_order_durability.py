"""An order is answered only once it is on disk. On PostgreSQL the placing transaction commits without waiting
for the disk, so that the line's lock is not held through the flush; a second, synchronous commit then waits
until the write-ahead log, the placing transaction's commit included, is on disk. Checked from outside: right
after an order is answered, the log is flushed as far as it was written (with nothing else writing, an
asynchronous commit alone leaves it behind until the WAL writer comes round, 200 ms later by default). The log is
read before each order and after its answer: flushed past where it was written before, it holds the order's
commit, whatever another database on the server writes meanwhile (its own flushes only carry the log further)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from factoryos.store.order_desk import first_answer
from factoryos.store.plants import store_plant

from .conftest import planned_motors_plant
from .test_order_batches import SITE, _placer

ORDERS = 20


@pytest.mark.postgres
def test_an_answered_order_is_on_disk(postgres_engine):  # SQLite commits to disk under its lock in any case
    store_plant(postgres_engine, planned_motors_plant(), "material test plant")
    place = _placer(postgres_engine)
    behind = 0
    with postgres_engine.connect() as observer:
        for n in range(ORDERS):
            written = _log(observer, "insert")
            place(1, f"durable-{n}")
            behind += _log(observer, "flush") <= written
    assert behind <= 2  # of 20: a checkpoint may write between the reads


@pytest.mark.postgres
def test_a_first_answer_read_for_a_retry_is_on_disk_before_it_is_given(postgres_engine):
    """The first answer another worker committed a moment ago, not yet flushed, is flushed before it is read out."""
    store_plant(postgres_engine, planned_motors_plant(), "material test plant")
    first = _placer(postgres_engine)(1, "racing")
    with postgres_engine.connect() as observer:
        behind = 0
        for _ in range(ORDERS):
            written = _log(observer, "insert")
            with postgres_engine.begin() as writer:  # as the other worker's placing commits: without waiting
                writer.execute(text("SET LOCAL synchronous_commit TO off"))
                writer.execute(text("UPDATE idempotency_keys SET created_at = created_at WHERE key = 'racing'"))
            assert first_answer(postgres_engine, SITE, "acme", "racing").order_id == first.order_id
            behind += _log(observer, "flush") <= written
    assert behind <= 2


def _log(observer, where: str) -> int:
    """How far the write-ahead log is written (`insert`) or on disk (`flush`), in bytes."""
    return int(observer.execute(text(f"SELECT pg_current_wal_{where}_lsn() - '0/0'")).scalar_one())
