"""The floor's events and the dead letters, kept in the database.

`SqlEventStore` is the persistent `EventStore` behind the bus: an insert that skips keys already stored,
so a redelivered message is counted once. `record_dead_letter` keeps what was rejected, with the reason;
`prune_dead_letters` keeps them within an age and a number per channel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from factoryos.model.events import Event, EventKind
from factoryos.quality.genealogy import genealogy_facts
from factoryos.store import genealogy
from factoryos.store.db import affected, as_utc, transaction
from factoryos.store.tables import DeadLetter, EventRecord

RAW_KEPT_BYTES = 64 * 1024
SOURCE_KEPT_CHARS = 1000
REASON_KEPT_CHARS = 4000


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
    return Event(
        ts=as_utc(row.ts),
        site=row.site,
        equipment=row.equipment,
        kind=EventKind(row.kind),
        payload=row.payload,
        source=row.source,
        seq=row.seq,
    )


class SqlEventStore:
    """The events table as an `EventStore`: appends skip keys already stored."""

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
                genealogy.record(session.connection(), genealogy_facts(fresh))
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
    """Keep a rejected input with why it was rejected; nothing a user or a machine sent is dropped.

    At most `RAW_KEPT_BYTES` of it are kept, with its whole length and SHA-256, so that a flood of large
    garbage cannot fill the disk; the texts are cut to a sane length and made storable (no NUL)."""
    data = raw.encode("utf-8", "backslashreplace") if isinstance(raw, str) else raw
    session.add(
        DeadLetter(
            received_at=datetime.now(UTC),
            channel=_storable(channel, 32),
            source=_storable(source, SOURCE_KEPT_CHARS),
            reason=_storable(reason, REASON_KEPT_CHARS),
            raw=data[:RAW_KEPT_BYTES],
            raw_length=len(data),
            raw_sha256=hashlib.sha256(data).hexdigest(),
        )
    )


def _storable(text: str, length: int) -> str:
    text = text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= length else text[: length - 3] + "..."


def dead_letters(session: Session, channel: str | None = None, limit: int | None = 100) -> list[DeadLetter]:
    query = select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)
    if channel:
        query = query.where(DeadLetter.channel == channel)
    return list(session.scalars(query))


def prune_dead_letters(session: Session, channels: Iterable[str], before: datetime, max_rows: int) -> int:
    """Delete the dead letters of `channels` received before `before`, then all but the newest `max_rows`
    of each channel; returns how many were deleted."""
    deleted = 0
    for channel in channels:
        of_channel = DeadLetter.channel == channel
        deleted += affected(session.execute(delete(DeadLetter).where(of_channel, DeadLetter.received_at < before)))
        oldest_kept = session.scalar(
            select(DeadLetter.id).where(of_channel).order_by(DeadLetter.id.desc()).offset(max_rows).limit(1)
        )
        if oldest_kept is not None:
            deleted += affected(session.execute(delete(DeadLetter).where(of_channel, DeadLetter.id <= oldest_kept)))
    return deleted
