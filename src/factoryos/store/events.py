"""The floor's events and the dead letters, kept in the database.

`SqlEventStore` is the persistent `EventStore` behind the bus: an insert that skips keys already stored,
so a redelivered message is counted once. `record_dead_letter` keeps what was rejected, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from factoryos.model.events import Event, EventKind
from factoryos.store.db import transaction
from factoryos.store.tables import DeadLetter, EventRecord


def event_columns(event: Event) -> dict:
    """The columns of the events table for one event."""
    return {
        "ts": event.ts,
        "site": event.site,
        "equipment": event.equipment,
        "kind": event.kind.value,
        "payload": event.payload,
        "source": event.source,
        "seq": event.seq,
    }


def _event(row: EventRecord) -> Event:
    ts = row.ts if row.ts.tzinfo else row.ts.replace(tzinfo=UTC)
    return Event(
        ts=ts,
        site=row.site,
        equipment=row.equipment,
        kind=EventKind(row.kind),
        payload=row.payload,
        source=row.source,
        seq=row.seq,
    )


class SqlEventStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def append(self, events: Iterable[Event]) -> list[Event]:
        batch = {event.key: event for event in events}
        if not batch:
            return []
        with transaction(self.engine) as session:
            stored = _stored_keys(session, batch)
            fresh = [event for key, event in batch.items() if key not in stored]
            if fresh:
                session.execute(EventRecord.__table__.insert(), [event_columns(e) for e in fresh])
        return fresh

    def read(self, kind: EventKind | None = None, equipment_prefix: str = "") -> Iterator[Event]:
        query = select(EventRecord).order_by(EventRecord.ts, EventRecord.id)
        if kind is not None:
            query = query.where(EventRecord.kind == kind.value)
        if equipment_prefix:
            query = query.where(EventRecord.equipment.startswith(equipment_prefix, autoescape=True))
        with Session(self.engine) as session:
            for row in session.scalars(query).yield_per(5000):
                yield _event(row)


def _stored_keys(session: Session, batch: dict[tuple[str, int], Event]) -> set[tuple[str, int]]:
    stored: set[tuple[str, int]] = set()
    by_source: dict[str, list[int]] = {}
    for source, seq in batch:
        by_source.setdefault(source, []).append(seq)
    for source, seqs in by_source.items():
        for start in range(0, len(seqs), 5000):
            chunk = seqs[start : start + 5000]
            rows = session.execute(
                select(EventRecord.seq).where(EventRecord.source == source, EventRecord.seq.in_(chunk))
            )
            stored.update((source, seq) for (seq,) in rows)
    return stored


def record_dead_letter(session: Session, channel: str, source: str, reason: str, raw: bytes | str) -> None:
    """Keep a rejected input with why it was rejected; nothing a user or a machine sent is dropped."""
    session.add(
        DeadLetter(
            received_at=datetime.now(UTC),
            channel=channel,
            source=source,
            reason=reason,
            raw=raw.encode() if isinstance(raw, str) else raw,
        )
    )


def dead_letters(session: Session, channel: str | None = None, limit: int = 100) -> list[DeadLetter]:
    query = select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)
    if channel:
        query = query.where(DeadLetter.channel == channel)
    return list(session.scalars(query))
