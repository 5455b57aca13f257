"""The telemetry store: bulk, idempotent writes of decoded readings, rollups, retention and reads.

Writes go straight to the database driver with an insert that ignores rows whose key is already stored
(`INSERT OR IGNORE` on SQLite, `ON CONFLICT DO NOTHING` on PostgreSQL), many rows per statement on SQLite and
`executemany` on PostgreSQL: a whole batch (the readings, the other events, the dead letters, the Sparkplug
births) is one commit, and a redelivered message changes nothing. Rollups are recomputed from
the raw rows for the buckets a window touches, so they are exact whatever arrived twice or late.

`TelemetryStore` is also an `EventStore`, so the in-process bus (the demo, the twin) can write into the same
tables the ingester fills; events of kinds that have no time-series table go to the `events` table.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Engine, Table, delete, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session

from factoryos.model.errors import FactoryosError
from factoryos.model.events import Event, EventKind
from factoryos.model.readings import (
    INGEST_CHANNELS,
    BirthRow,
    CountRow,
    MeasurementRow,
    StateChangeRow,
    event_row,
    from_us,
    to_us,
)
from factoryos.quality.genealogy import Link, cycle_closing, genealogy_facts
from factoryos.store import genealogy
from factoryos.store.db import as_utc, describe, row_of, transaction
from factoryos.store.events import SqlEventStore, event_columns, prune_dead_letters, record_dead_letter
from factoryos.store.tables import DeadLetter, EventRecord
from factoryos.store.telemetry import (
    HOUR_US,
    MINUTE_US,
    CountRecord,
    CountRollup,
    MeasurementRecord,
    MeasurementRollup,
    RetentionSetting,
    SparkplugBirth,
    StateChangeRecord,
)

DEFAULT_RETENTION_DAYS = {
    "measurements": 30.0,
    "state_changes": 400.0,
    "counts": 400.0,
    "rollups_1m": 90.0,
    "rollups_1h": 3650.0,
    "dead_letters": 30.0,
}
DEFAULT_DEAD_LETTER_CAP = 10_000  # per channel: at most 10,000 x 64 KiB of raw payload
MAX_KEEP_DAYS = 36_500
MAX_DEAD_LETTER_CAP = 10_000_000
ROLLUP_PERIODS = {"rollups_1m": MINUTE_US, "rollups_1h": HOUR_US}
SQLITE_MAX_VARIABLES = 32766  # SQLite's default limit on bound parameters per statement since 3.32


@dataclass
class DeadLetterRow:
    """A rejected message to keep: its channel, its source (the topic), why, and its bytes."""

    channel: str
    source: str
    reason: str
    raw: bytes


@dataclass(frozen=True)
class RefusedRollup:
    """An hour of one equipment whose rollups (`table`) the database refused to compute (a sum past what its
    column holds): it has none, its raw rows are kept."""

    table: str
    equipment: str
    hour: datetime
    reason: str


class Conflict(NamedTuple):
    """A reading whose key (source, seq, ...) is stored with other values: `rows` names the batch's list
    ("measurements", "states", "counts" or "events") and `position` its place there."""

    rows: str
    position: int
    reason: str


@dataclass(frozen=True)
class Written:
    """What writing a batch did to its readings and events: how many it stored, how many it skipped as
    identical to a stored one (a redelivery), and the conflicts (stored with other values, not written)."""

    stored: int = 0
    duplicates: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass
class Batch:
    """What one commit writes. `marks` has, for each message whose rows were added, the lengths of the lists
    once they were (in `_LISTS` order), so that a batch can be split by message (`part`)."""

    measurements: list[tuple] = field(default_factory=list)  # MeasurementRows, or plain tuples in their order
    states: list[StateChangeRow] = field(default_factory=list)
    counts: list[CountRow] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    dead_letters: list[DeadLetterRow] = field(default_factory=list)
    births: list[BirthRow] = field(default_factory=list)
    marks: list[tuple[int, ...]] = field(default_factory=list)

    def mark(self) -> None:
        """The rows added since the last mark are one message's."""
        self.marks.append(
            (
                len(self.measurements),
                len(self.states),
                len(self.counts),
                len(self.events),
                len(self.dead_letters),
                len(self.births),
            )
        )

    def part(self, first: int, last: int) -> Batch:
        """The rows of messages `first` to `last - 1` (by mark)."""
        begin = self.marks[first - 1] if first else (0,) * len(_LISTS)
        end = self.marks[last - 1]
        measurements, states, counts, events, dead_letters, births = (
            getattr(self, name)[b:e] for name, b, e in zip(_LISTS, begin, end, strict=True)
        )
        marks = [tuple(n - b for n, b in zip(mark, begin, strict=True)) for mark in self.marks[first:last]]
        return Batch(measurements, states, counts, events, dead_letters, births, marks)

    def message_of(self, rows: str, index: int) -> int:
        """The message (by mark) that row `index` of list `rows` came from."""
        column = _LISTS.index(rows)
        return bisect_right([mark[column] for mark in self.marks], index)

    def add(self, row: MeasurementRow | StateChangeRow | CountRow | Event) -> None:
        if isinstance(row, MeasurementRow):
            self.measurements.append(row)
        elif isinstance(row, StateChangeRow):
            self.states.append(row)
        elif isinstance(row, CountRow):
            self.counts.append(row)
        else:
            self.events.append(row)

    def rows(self) -> int:
        return len(self.measurements) + len(self.states) + len(self.counts) + len(self.events)

    def ts_range(self) -> tuple[int, int] | None:
        stamps = [r[0] for rows in (self.measurements, self.states, self.counts) for r in rows]
        return (min(stamps), max(stamps)) if stamps else None


_LISTS = ("measurements", "states", "counts", "events", "dead_letters", "births")


def rejects_data(error: BaseException) -> bool:
    """True when the database refused what it was given (a value out of its column's range, too long, a NUL
    character, a sum past 64 bits, ...), so that trying again cannot help; False when it failed (it is down,
    locked, ...)."""
    if isinstance(error, DataError | IntegrityError):
        return True
    if isinstance(error, DBAPIError):
        return str(error.orig) == "integer overflow"  # SQLite's SUM past 64 bits, which it calls operational
    if isinstance(error, StatementError) and error.orig is not None:
        error = error.orig
    return isinstance(error, OverflowError | ValueError | TypeError)


def _insert_ignore(dialect: str, table: Table, rows: int = 1) -> str:
    columns = ", ".join(c.name for c in table.columns)
    mark = "?" if dialect == "sqlite" else "%s"
    values = ", ".join([f"({', '.join(mark for _ in table.columns)})"] * rows)
    if dialect == "sqlite":
        return f"INSERT OR IGNORE INTO {table.name} ({columns}) VALUES {values}"
    return f"INSERT INTO {table.name} ({columns}) VALUES {values} ON CONFLICT DO NOTHING"


def _chunk_sizes(n: int, largest: int) -> Iterator[int]:
    """`n` as a sum of powers of two no larger than `largest` (a power of two), largest first: few distinct
    statement sizes, so the driver's statement cache keeps every one of them prepared."""
    while n:
        while largest > n:
            largest //= 2
        yield largest
        n -= largest


@dataclass(frozen=True)
class SeqSpan:
    """The seqs one source's stored messages span: the first, the last, and how many are stored."""

    source: str
    first: int
    last: int
    stored: int

    @property
    def missing(self) -> int:
        """Seqs between the first and the last that no stored message has: lost on the way, or dead letters,
        when the source numbers its messages one by one."""
        return self.last - self.first + 1 - self.stored


class TelemetryStore:
    """The floor's readings in the database: writes, reads, rollups, retention (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        dialect = engine.dialect.name
        self._dialect = dialect
        self._sql: dict[Any, str] = {
            table: _insert_ignore(dialect, table.__table__)
            for table in (MeasurementRecord, StateChangeRecord, CountRecord)
        }
        self._multi_sql: dict[tuple[type, int], str] = {}
        self._events = SqlEventStore(engine)
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        self._event_insert = (
            insert(EventRecord)
            .on_conflict_do_nothing(index_elements=["source", "seq"])
            .returning(EventRecord.source, EventRecord.seq)
        )

    def write(self, batch: Batch) -> Written:
        """Store a batch in one transaction. A row whose key is already stored with the same values is
        skipped (a redelivery); one stored with other values is not written and comes back as a `Conflict`."""
        conflicts: list[Conflict] = []
        stored = 0
        with transaction(self.engine) as session:
            connection = session.connection()
            for name, table, rows in (
                ("measurements", MeasurementRecord, batch.measurements),
                ("states", StateChangeRecord, batch.states),
                ("counts", CountRecord, batch.counts),
            ):
                inserted_rows = self._insert(connection, table, rows) if rows else 0
                stored += inserted_rows
                if inserted_rows < len(rows):
                    conflicts += _conflicts(connection, name, table, rows)
            if batch.events:
                facts = genealogy_facts(batch.events)
                refused = _containing_themselves(connection, batch.events, facts.links)
                conflicts += refused
                dropped = {conflict.position for conflict in refused}
                events = [e for i, e in enumerate(batch.events) if i not in dropped]
                inserted = (
                    {tuple(key) for key in connection.execute(self._event_insert, [event_columns(e) for e in events])}
                    if events
                    else set()
                )
                stored += len(inserted)
                if len(inserted) < len(events):
                    conflicts += _event_conflicts(connection, batch.events)
                if len(inserted) < len(batch.events):
                    facts = genealogy_facts(e for e in events if e.key in inserted)
                genealogy.record(connection, facts)
            for letter in batch.dead_letters:
                record_dead_letter(session, letter.channel, letter.source, letter.reason, letter.raw)
            for birth in batch.births:
                session.merge(SparkplugBirth(**row_of(SparkplugBirth, birth, received_at=datetime.now(UTC))))
        return Written(stored, batch.rows() - stored - len(conflicts), conflicts)

    def _insert(self, connection: Connection, table: Any, rows: Sequence[tuple[Any, ...]]) -> int:
        """Insert what is not stored yet; returns how many rows were inserted.

        On SQLite, many rows per INSERT statement: the driver releases the GIL once per statement
        executed, not once per row as `executemany` does, so the other threads (the MQTT client, the
        decoder) do not stall the insert row by row; it is also faster alone (1.3-1.6x)."""
        if self._dialect != "sqlite":
            return connection.exec_driver_sql(self._sql[table], rows).rowcount
        largest = 1 << ((SQLITE_MAX_VARIABLES // len(rows[0])).bit_length() - 1)
        start = inserted = 0
        for size in _chunk_sizes(len(rows), largest):
            sql = self._multi_sql.get((table, size))
            if sql is None:
                sql = self._multi_sql[(table, size)] = _insert_ignore("sqlite", table.__table__, size)
            inserted += connection.exec_driver_sql(sql, tuple(chain.from_iterable(rows[start : start + size]))).rowcount
            start += size
        return inserted

    def births(self) -> list[BirthRow]:
        with Session(self.engine) as session:
            return [
                BirthRow(b.group_id, b.node_id, b.device_id, b.bd_seq, b.metrics)
                for b in session.scalars(select(SparkplugBirth))
            ]

    # The EventStore protocol: the in-process bus can write here too.

    def append(self, events: Iterable[Event]) -> list[Event]:
        batch = {event.key: event for event in events}
        series = {key: e for key, e in batch.items() if e.kind in TIME_SERIES_KINDS}
        stored = self._stored_keys(series)
        rows = Batch()
        for key, event in series.items():
            if key not in stored:
                rows.add(event_row(event))
        self.write(rows)
        fresh = {key for key in series if key not in stored}
        fresh.update(e.key for e in self._events.append(e for e in batch.values() if e.kind not in TIME_SERIES_KINDS))
        return [event for key, event in batch.items() if key in fresh]

    def _stored_keys(self, series: dict[tuple[str, int], Event]) -> set[tuple[str, int]]:
        by_source: dict[str, list[int]] = {}
        for source, seq in series:
            by_source.setdefault(source, []).append(seq)
        stored: set[tuple[str, int]] = set()
        with Session(self.engine) as session:
            for record in (MeasurementRecord, StateChangeRecord, CountRecord):
                for source, seqs in by_source.items():
                    for start in range(0, len(seqs), 5000):
                        query = select(record.seq).where(
                            record.source == source, record.seq.in_(seqs[start : start + 5000])
                        )
                        stored.update((source, seq) for (seq,) in session.execute(query))
        return stored

    def read(self, kind: EventKind | None = None, equipment_prefix: str = "") -> Iterator[Event]:
        if kind is None or kind in TIME_SERIES_KINDS:
            with Session(self.engine) as session:
                for each in (EventKind.STATE, EventKind.COUNT, EventKind.MEASUREMENT):
                    if kind in (None, each):
                        record = _RECORDS[each]
                        query = select(record).order_by(record.ts_us)
                        if equipment_prefix:
                            query = query.where(record.equipment.startswith(equipment_prefix, autoescape=True))
                        yield from (_event(each, r) for r in session.scalars(query).yield_per(5000))
        if kind is None or kind not in TIME_SERIES_KINDS:
            yield from (e for e in self._events.read(None, equipment_prefix) if kind in (None, e.kind))

    def state_span(self) -> tuple[int, int] | None:
        """The first and last stored state change (microseconds since the epoch), None when there is none."""
        with Session(self.engine) as session:
            first, last = session.execute(
                select(func.min(StateChangeRecord.ts_us), func.max(StateChangeRecord.ts_us))
            ).one()
        return None if first is None else (int(first), int(last))

    def last_reading_us(self) -> int | None:
        """When the newest stored state change or count was stamped (microseconds since the epoch), None when
        there is neither: how far the floor's own clock has run, which a simulated plant's may set ahead of ours."""
        with Session(self.engine) as session:
            stamps = [session.scalar(select(func.max(r.ts_us))) for r in (StateChangeRecord, CountRecord)]
        known = [int(s) for s in stamps if s is not None]
        return max(known, default=None)

    def state_changes(self, equipment_prefix: str, start_us: int, end_us: int) -> list[StateChangeRow]:
        """State changes up to `end_us`, including the last one before `start_us` (the state at the start)."""
        with Session(self.engine) as session:
            rows = [
                StateChangeRow(*r)
                for r in session.execute(
                    select(*StateChangeRecord.__table__.columns)
                    .where(
                        StateChangeRecord.equipment.startswith(equipment_prefix, autoescape=True),
                        StateChangeRecord.ts_us < end_us,
                    )
                    .order_by(StateChangeRecord.ts_us)
                )
            ]
        last_before: dict[str, StateChangeRow] = {}
        inside = []
        for row in rows:
            if row.ts_us < start_us:
                last_before[row.equipment] = row
            else:
                inside.append(row)
        return sorted([*last_before.values(), *inside], key=lambda r: r.ts_us)

    def counts(self, equipment_prefix: str, start_us: int, end_us: int) -> list[CountRow]:
        return self._counts(equipment_prefix, CountRecord.ts_us >= start_us, CountRecord.ts_us < end_us)

    def scrap_and_rework(self, equipment_prefix: str) -> list[CountRow]:
        """Every stored count of scrap or rework under `equipment_prefix` (the good ones, most rows, left out)."""
        return self._counts(equipment_prefix, (CountRecord.scrap > 0) | (CountRecord.rework > 0))

    def _counts(self, equipment_prefix: str, *where: ColumnElement[bool]) -> list[CountRow]:
        """The counts under `equipment_prefix` that meet `where`, in time order."""
        query = select(*CountRecord.__table__.columns).where(
            CountRecord.equipment.startswith(equipment_prefix, autoescape=True), *where
        )
        with Session(self.engine) as session:
            return [CountRow(*r) for r in session.execute(query.order_by(CountRecord.ts_us))]

    def refresh_rollups(self, start_us: int, end_us: int) -> list[RefusedRollup]:
        """Recompute the 1-minute buckets overlapping [start_us, end_us] from the raw rows, then the 1-hour
        buckets around them from the minutes (60 rows per series, not every reading of the hour).

        All in one transaction; if the database refuses a sum (past what its column holds, from rows stored
        before the readings were bounded), hour by hour and equipment by equipment instead, so that the one
        it refuses is left without rollups (its raw rows are kept) and returned, and holds up no other."""
        try:
            with transaction(self.engine) as session:
                for rollup in _ROLLUP_SQL:
                    _roll_up(session, rollup, start_us, end_us)
            return []
        except Exception as error:
            if not rejects_data(error):
                raise
        return [refused for rollup in _ROLLUP_SQL for refused in self._roll_up_apart(rollup, start_us, end_us)]

    def _roll_up_apart(self, rollup: Any, start_us: int, end_us: int) -> list[RefusedRollup]:
        """`rollup`'s buckets of [start_us, end_us], one transaction per equipment and hour with raw rows; an
        hour the database refuses loses its rollups."""
        record = _ROLLUP_SQL[rollup][0]
        hour = record.ts_us - record.ts_us % HOUR_US
        lo, hi = start_us - start_us % HOUR_US, end_us - end_us % HOUR_US + HOUR_US
        with Session(self.engine) as session:
            hours = session.execute(
                select(record.equipment, hour).where(record.ts_us >= lo, record.ts_us < hi).distinct()
            ).all()
        refused = []
        for equipment, start in sorted(hours):
            try:
                with transaction(self.engine) as session:
                    _roll_up(session, rollup, start, start + HOUR_US - 1, equipment)
            except Exception as error:
                if not rejects_data(error):
                    raise
                with transaction(self.engine) as session:
                    _forget_rollups(session, rollup, start, start + HOUR_US, equipment)
                reason = describe(error)[:500]
                refused.append(RefusedRollup(rollup.__tablename__, equipment, from_us(start), reason))
        return refused

    def measurements_of_site(self, site: str) -> int:
        """How many measurements of `site` are stored."""
        with Session(self.engine) as session:
            return session.scalar(select(func.count()).where(MeasurementRecord.site == site)) or 0

    def forget_site(self, site: str) -> None:
        """Delete every raw reading of `site` (a benchmark's, say)."""
        with transaction(self.engine) as session:
            for record in (MeasurementRecord, StateChangeRecord, CountRecord):
                session.execute(delete(record).where(record.site == site))

    def retention(self) -> dict[str, float]:
        """Days kept per series."""
        with Session(self.engine) as session:
            stored = dict(session.execute(select(RetentionSetting.series, RetentionSetting.keep_days)).all())
        return {**DEFAULT_RETENTION_DAYS, **stored}

    def dead_letter_cap(self) -> int:
        """Dead letters kept per channel at most."""
        with Session(self.engine) as session:
            cap = session.scalar(select(RetentionSetting.max_rows).where(RetentionSetting.series == "dead_letters"))
        return DEFAULT_DEAD_LETTER_CAP if cap is None else cap

    def set_retention(self, series: str, keep_days: float | None = None, max_rows: int | None = None) -> None:
        """Keep `series` for `keep_days` (and, for the dead letters, at most `max_rows` per channel)."""
        if series not in DEFAULT_RETENTION_DAYS:
            raise FactoryosError(f"unknown series {series!r}; one of {', '.join(DEFAULT_RETENTION_DAYS)}")
        if keep_days is not None and not (isinstance(keep_days, int | float) and 0 < keep_days <= MAX_KEEP_DAYS):
            raise FactoryosError(
                f"{series}: days to keep must be a number above 0 and at most {MAX_KEEP_DAYS}, got {keep_days}"
            )
        if max_rows is not None and (series != "dead_letters" or not 0 < max_rows <= MAX_DEAD_LETTER_CAP):
            raise FactoryosError(f"a row cap is for dead_letters only, from 1 to {MAX_DEAD_LETTER_CAP}; got {max_rows}")
        with transaction(self.engine) as session:
            setting = session.get(RetentionSetting, series) or RetentionSetting(
                series=series, keep_days=DEFAULT_RETENTION_DAYS[series]
            )
            if keep_days is not None:
                setting.keep_days = float(keep_days)
            if max_rows is not None:
                setting.max_rows = max_rows
            session.merge(setting)

    def prune(self, now: datetime, channels: Iterable[str] = INGEST_CHANNELS) -> dict[str, int]:
        """Delete rows older than each series' retention, and the dead letters of `channels` beyond their
        cap; returns rows deleted per series."""
        now_us = to_us(now)
        deleted = {}
        with transaction(self.engine) as session:
            for series, days in self.retention().items():
                cutoff = now_us - int(days * 86_400 * 1_000_000)
                if series == "dead_letters":
                    continue
                if series in ROLLUP_PERIODS:
                    period_s = ROLLUP_PERIODS[series] // 1_000_000
                    statements = [
                        delete(r).where(r.period_s == period_s, r.bucket_us < cutoff)
                        for r in (MeasurementRollup, CountRollup)
                    ]
                else:
                    record = _TABLES[series]
                    statements = [delete(record).where(record.ts_us < cutoff)]
                deleted[series] = sum(session.connection().execute(s).rowcount for s in statements)
        deleted["dead_letters"] = self.prune_dead_letters(now, channels)
        return deleted

    def prune_dead_letters(self, now: datetime, channels: Iterable[str]) -> int:
        """Keep the dead letters of `channels` within their retention and cap; returns how many were deleted."""
        before = now - timedelta(days=self.retention()["dead_letters"])
        with transaction(self.engine) as session:
            return prune_dead_letters(session, channels, before, self.dead_letter_cap())

    def seq_spans(self) -> list[SeqSpan]:
        """Per source, the first and last seq stored and how many seqs between (of any kind of reading or event)."""
        union = select(MeasurementRecord.source, MeasurementRecord.seq).union(
            *(select(t.source, t.seq) for t in (StateChangeRecord, CountRecord, EventRecord))
        )
        both = union.subquery()
        query = select(both.c.source, func.min(both.c.seq), func.max(both.c.seq), func.count()).group_by(both.c.source)
        with Session(self.engine) as session:
            return [SeqSpan(*row) for row in session.execute(query.order_by(both.c.source))]

    def row_counts(self) -> dict[str, int]:
        """Rows held per kind of reading, and the dead letters."""
        with Session(self.engine) as session:
            in_events = dict(session.execute(select(EventRecord.kind, func.count()).group_by(EventRecord.kind)).all())
            counts = {}
            for name, record, kind in (
                ("measurements", MeasurementRecord, EventKind.MEASUREMENT),
                ("states", StateChangeRecord, EventKind.STATE),
                ("counts", CountRecord, EventKind.COUNT),
            ):
                counts[name] = (session.scalar(select(func.count()).select_from(record)) or 0) + in_events.get(kind, 0)
            for name, kind in (
                ("operations", EventKind.OPERATION),
                ("tests", EventKind.TEST),
                ("alarms", EventKind.ALARM),
            ):
                counts[name] = in_events.get(kind, 0)
            counts["dead_letters"] = session.scalar(select(func.count()).select_from(DeadLetter)) or 0
        return counts


def _conflicts(connection: Connection, name: str, table: Any, rows: Sequence[tuple[Any, ...]]) -> list[Conflict]:
    """The rows whose key is stored with other values (called only when some rows were not inserted)."""
    columns = [c.name for c in table.__table__.columns]
    key = [columns.index(c.name) for c in table.__table__.primary_key.columns]
    by_source: dict[str, list[int]] = {}
    for row in rows:
        by_source.setdefault(row[-2], []).append(row[-1])
    stored: dict[tuple, tuple] = {}
    for source, seqs in by_source.items():
        for start in range(0, len(seqs), 5000):
            query = select(*table.__table__.columns).where(
                table.source == source, table.seq.in_(seqs[start : start + 5000])
            )
            for found in connection.execute(query):
                stored[tuple(found[i] for i in key)] = tuple(found)
    conflicts = []
    for index, row in enumerate(rows):
        kept = stored.get(tuple(row[i] for i in key))
        if kept is not None and kept != tuple(row):
            pairs = zip(columns, kept, row, strict=True)
            changed = ", ".join(f"{column} {old!r} -> {new!r}" for column, old, new in pairs if old != new)
            reason = f"conflict: seq {row[-1]} of {row[-2]} is stored with other values ({changed})"
            conflicts.append(Conflict(name, index, reason))
    return conflicts


def _containing_themselves(connection: Connection, events: list[Event], links: list[Link]) -> list[Conflict]:
    """The operation events whose consumption (`links`, their genealogy's) would make a thing contain itself,
    with what is stored and the events before them: refused, since a genealogy with a loop in it traces forward
    to no unit."""
    if not links:
        return []
    closing = {
        (link.parent, link.child)
        for link in cycle_closing(links, genealogy.below(connection, (link.child for link in links)))
    }
    refused = []
    for index, event in enumerate(events):
        serial = event.payload.get("serial") if event.kind is EventKind.OPERATION else None
        for child in event.payload.get("consumed_lots", ()) if serial else ():
            if (serial, child) in closing:
                reason = f"{serial} consumes {child}, which already contains {serial}: a unit cannot contain itself"
                refused.append(Conflict("events", index, reason))
                break
    return refused


def _event_conflicts(connection: Connection, events: list[Event]) -> list[Conflict]:
    stored: dict[tuple[str, int], tuple] = {}
    keys = sorted({event.key for event in events})
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        query = select(EventRecord).where(tuple_(EventRecord.source, EventRecord.seq).in_(chunk))
        for found in connection.execute(query):
            stored[(found.source, found.seq)] = (found.equipment, found.kind, found.payload, to_us(as_utc(found.ts)))
    conflicts = []
    for index, event in enumerate(events):
        kept = stored.get(event.key)
        if kept is not None and kept != (event.equipment, event.kind.value, event.payload, to_us(event.ts)):
            reason = f"conflict: seq {event.seq} of {event.source} is stored as another {kept[1]} event"
            conflicts.append(Conflict("events", index, reason))
    return conflicts


_MEASUREMENTS_FROM_RAW = """INSERT INTO measurement_rollups
    (period_s, equipment, name, bucket_us, unit, n, total, minimum, maximum)
    SELECT :p, equipment, name, ts_us - ts_us % :pu, MAX(unit), COUNT(*), SUM(value), MIN(value), MAX(value)
    FROM measurements WHERE ts_us >= :lo AND ts_us < :hi{only}
    GROUP BY equipment, name, ts_us - ts_us % :pu"""
_MEASUREMENTS_FROM_MINUTES = """INSERT INTO measurement_rollups
    (period_s, equipment, name, bucket_us, unit, n, total, minimum, maximum)
    SELECT :p, equipment, name, bucket_us - bucket_us % :pu, MAX(unit), SUM(n), SUM(total), MIN(minimum),
           MAX(maximum)
    FROM measurement_rollups WHERE period_s = :m AND bucket_us >= :lo AND bucket_us < :hi{only}
    GROUP BY equipment, name, bucket_us - bucket_us % :pu"""
_COUNTS_FROM_RAW = """INSERT INTO count_rollups (period_s, equipment, bucket_us, good, scrap, rework)
    SELECT :p, equipment, ts_us - ts_us % :pu, SUM(good), SUM(scrap), SUM(rework)
    FROM counts WHERE ts_us >= :lo AND ts_us < :hi{only}
    GROUP BY equipment, ts_us - ts_us % :pu"""
_COUNTS_FROM_MINUTES = """INSERT INTO count_rollups (period_s, equipment, bucket_us, good, scrap, rework)
    SELECT :p, equipment, bucket_us - bucket_us % :pu, SUM(good), SUM(scrap), SUM(rework)
    FROM count_rollups WHERE period_s = :m AND bucket_us >= :lo AND bucket_us < :hi{only}
    GROUP BY equipment, bucket_us - bucket_us % :pu"""
_ROLLUP_SQL: dict[Any, tuple[Any, str, str]] = {
    MeasurementRollup: (MeasurementRecord, _MEASUREMENTS_FROM_RAW, _MEASUREMENTS_FROM_MINUTES),
    CountRollup: (CountRecord, _COUNTS_FROM_RAW, _COUNTS_FROM_MINUTES),
}
"""Each rollup table: the raw table it sums, and its minutes from the raw rows and its hours from the minutes
(`{only}` is where one equipment's are picked)."""


def _roll_up(session: Session, rollup: Any, start_us: int, end_us: int, equipment: str | None = None) -> None:
    """Recompute `rollup`'s minutes overlapping [start_us, end_us] from the raw rows, then its hours around them
    from the minutes (of one `equipment`, or all)."""
    _, from_raw, from_minutes = _ROLLUP_SQL[rollup]
    only = "" if equipment is None else " AND equipment = :e"
    for period_us, sql in ((MINUTE_US, from_raw), (HOUR_US, from_minutes)):
        lo = start_us - start_us % period_us
        hi = end_us - end_us % period_us + period_us
        _forget_rollups(session, rollup, lo, hi, equipment, period_us)
        window = {"p": period_us // 1_000_000, "pu": period_us, "lo": lo, "hi": hi, "m": 60, "e": equipment}
        session.execute(text(sql.format(only=only)), window)


def _forget_rollups(
    session: Session, rollup: Any, lo: int, hi: int, equipment: str | None, period_us: int | None = None
) -> None:
    """Delete `rollup`'s buckets in [lo, hi) (of one `equipment` and one period, or all)."""
    query = delete(rollup).where(rollup.bucket_us >= lo, rollup.bucket_us < hi)
    if equipment is not None:
        query = query.where(rollup.equipment == equipment)
    if period_us is not None:
        query = query.where(rollup.period_s == period_us // 1_000_000)
    session.execute(query)


TIME_SERIES_KINDS = frozenset({EventKind.STATE, EventKind.COUNT, EventKind.MEASUREMENT})
_RECORDS: dict[EventKind, Any] = {
    EventKind.STATE: StateChangeRecord,
    EventKind.COUNT: CountRecord,
    EventKind.MEASUREMENT: MeasurementRecord,
}
_TABLES: dict[str, Any] = {"measurements": MeasurementRecord, "state_changes": StateChangeRecord, "counts": CountRecord}


def _event(kind: EventKind, record) -> Event:
    if kind is EventKind.MEASUREMENT:
        payload = {"name": record.name, "value": record.value, "unit": record.unit}
    elif kind is EventKind.STATE:
        payload = {"state": record.state, "reason": record.reason}
    else:
        payload = {"good": record.good, "scrap": record.scrap, "rework": record.rework, "material": record.material}
    return Event(
        ts=from_us(record.ts_us),
        site=record.site,
        equipment=record.equipment,
        kind=kind,
        payload={k: v for k, v in payload.items() if v is not None},
        source=record.source,
        seq=record.seq,
    )
