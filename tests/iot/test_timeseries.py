"""The telemetry store on SQLite and PostgreSQL: idempotent bulk writes, reads as events, rollups, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factoryos.model.bus import EventBus
from factoryos.model.events import Event, EventKind
from factoryos.model.readings import BirthRow, CountRow, MeasurementRow, StateChangeRow, from_us, to_us
from factoryos.store.telemetry import CountRollup, MeasurementRecord, MeasurementRollup
from factoryos.store.timeseries import Batch, TelemetryStore, _chunk_sizes

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
EQ = "ev-plant/paint/line-1/booth-2"


def measurements(n: int, start: datetime = T0, step_s: float = 10.0) -> list[MeasurementRow]:
    return [
        MeasurementRow(to_us(start + timedelta(seconds=i * step_s)), "ev-plant", EQ, "t", float(i), "degC", "plc", i)
        for i in range(n)
    ]


def test_writes_are_idempotent_and_read_back_as_events(engine):
    store = TelemetryStore(engine)
    batch = Batch(
        measurements=measurements(30),
        states=[StateChangeRow(to_us(T0), "ev-plant", EQ, "running", None, "plc", 1000)],
        counts=[CountRow(to_us(T0), "ev-plant", EQ, 3, 1, 0, "body", "plc", 1001)],
    )
    store.write(batch)
    store.write(batch)
    store.write(Batch(measurements=measurements(40)))
    events = list(store.read())
    assert len(events) == 40 + 2
    assert list(store.read(EventKind.STATE))[0].payload == {"state": "running"}
    count = list(store.read(EventKind.COUNT))[0]
    assert count.payload == {"good": 3, "scrap": 1, "rework": 0, "material": "body"}
    first = next(store.read(EventKind.MEASUREMENT))
    assert first.ts == T0
    assert first.payload == {"name": "t", "value": 0.0, "unit": "degC"}


def test_a_large_batch_is_stored_whole_in_multi_row_statements(engine):
    store = TelemetryStore(engine)
    store.write(Batch(measurements=measurements(5003)))
    store.write(Batch(measurements=measurements(5100)))  # 5003 of them again
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(MeasurementRecord)) == 5100
        assert session.scalar(select(func.sum(MeasurementRecord.seq))) == sum(range(5100))


def test_chunk_sizes_are_few_powers_of_two():
    assert list(_chunk_sizes(5003, 2048)) == [2048, 2048, 512, 256, 128, 8, 2, 1]
    assert list(_chunk_sizes(3, 2048)) == [2, 1]
    assert list(_chunk_sizes(0, 2048)) == []


def test_is_an_event_store_for_the_in_process_bus(engine):
    store = TelemetryStore(engine)
    bus = EventBus(store)
    seen = []
    bus.subscribe(seen.append)
    events = [
        Event(
            ts=T0, site="ev-plant", equipment=EQ, kind=EventKind.STATE, payload={"state": "down"}, source="twin", seq=1
        ),
        Event(ts=T0, site="ev-plant", equipment=EQ, kind=EventKind.ALARM, payload={"code": "E1"}, source="twin", seq=2),
        Event(ts=T0, site="ev-plant", equipment=EQ, kind=EventKind.COUNT, payload={"good": 1}, source="twin", seq=3),
    ]
    assert bus.publish_many(events) == 3
    assert bus.publish_many(events) == 0
    assert [e.seq for e in seen] == [1, 2, 3]
    assert {e.kind for e in store.read()} == {EventKind.STATE, EventKind.ALARM, EventKind.COUNT}
    assert [e.seq for e in store.read(EventKind.ALARM)] == [2]


def test_rollups_per_minute_and_hour_are_exact_after_redelivery(engine):
    store = TelemetryStore(engine)
    rows = measurements(360)  # one hour, every 10 s, values 0..359
    store.write(Batch(measurements=rows[:200], counts=[CountRow(to_us(T0), "ev-plant", EQ, 2, 0, 1, None, "plc", 1)]))
    store.refresh_rollups(rows[0].ts_us, rows[199].ts_us)
    store.write(Batch(measurements=rows[150:]))  # overlaps what was stored
    store.refresh_rollups(rows[150].ts_us, rows[-1].ts_us)
    with Session(engine) as session:
        minutes = session.scalars(
            select(MeasurementRollup).where(MeasurementRollup.period_s == 60).order_by(MeasurementRollup.bucket_us)
        ).all()
        [hour] = session.scalars(select(MeasurementRollup).where(MeasurementRollup.period_s == 3600)).all()
        [count_hour] = session.scalars(select(CountRollup).where(CountRollup.period_s == 3600)).all()
    assert len(minutes) == 60
    assert all(m.n == 6 for m in minutes)
    assert (minutes[1].minimum, minutes[1].maximum, minutes[1].total) == (6.0, 11.0, sum(range(6, 12)))
    assert from_us(minutes[0].bucket_us) == T0
    assert (hour.n, hour.total, hour.minimum, hour.maximum) == (360, sum(range(360)), 0.0, 359.0)
    assert (count_hour.good, count_hour.rework) == (2, 1)


def test_a_minutes_counts_past_32_bits_are_rolled_up(engine):
    """Two counts each a raw row may hold (2^31-1 and 5) in one minute: PostgreSQL refused the 32-bit sum."""
    store = TelemetryStore(engine)
    store.write(Batch(counts=[CountRow(to_us(T0), "ev-plant", EQ, n, 0, 0, None, "plc", n) for n in (2**31 - 1, 5)]))
    assert store.refresh_rollups(to_us(T0), to_us(T0)) == []
    with Session(engine) as session:
        assert sorted(session.execute(select(CountRollup.period_s, CountRollup.good)).all()) == [
            (60, 2**31 + 4),
            (3600, 2**31 + 4),
        ]


def unsummable(engine, at: datetime, equipment: str) -> Batch:
    """Two raw rows of `equipment` that the database stores but cannot add up (written past the checks, as
    before they bounded measurements): PostgreSQL refuses a float sum past 1.8e308, SQLite an integer one past
    2^63 (its counts column takes 64 bits)."""
    if engine.dialect.name == "sqlite":
        return Batch(counts=[CountRow(to_us(at), "ev-plant", equipment, 2**62, 0, 0, None, "bad", s) for s in (1, 2)])
    return Batch(
        measurements=[MeasurementRow(to_us(at) + s, "ev-plant", equipment, "v", 1.7e308, "1", "bad", s) for s in (1, 2)]
    )


def test_an_hour_the_database_cannot_sum_is_left_without_rollups_and_holds_up_no_other(engine):
    store = TelemetryStore(engine)
    bad, good = f"{EQ}-bad", f"{EQ}-good"
    first = unsummable(engine, T0, bad)
    store.write(Batch(measurements=first.measurements[:1], counts=first.counts[:1]))
    store.refresh_rollups(to_us(T0), to_us(T0))  # one alone sums: rollups now stand for the bad hour
    later = T0 + timedelta(hours=1)
    store.write(first)
    store.write(
        Batch(
            measurements=[
                MeasurementRow(to_us(T0), "ev-plant", good, "t", 1.0, "degC", "plc", 1),
                MeasurementRow(to_us(later), "ev-plant", bad, "t", 2.0, "degC", "plc", 2),
            ],
            counts=[CountRow(to_us(T0), "ev-plant", good, 3, 0, 0, None, "plc", 3)],
        )
    )
    refused = store.refresh_rollups(to_us(T0), to_us(later))
    table = "count_rollups" if engine.dialect.name == "sqlite" else "measurement_rollups"
    assert [(r.table, r.equipment, r.hour) for r in refused] == [(table, bad, T0)]
    with Session(engine) as session:
        measured = session.execute(select(MeasurementRollup.equipment, MeasurementRollup.period_s)).all()
        counted = session.execute(select(CountRollup.equipment, CountRollup.period_s, CountRollup.good)).all()
    assert sorted(measured) == [(bad, 60), (bad, 3600), (good, 60), (good, 3600)]  # bad's of the hour after
    assert sorted(counted) == [(good, 60, 3), (good, 3600, 3)]


def test_retention_settings_and_prune(engine):
    store = TelemetryStore(engine)
    assert store.retention()["measurements"] == 30
    store.set_retention("measurements", 1)
    assert store.retention()["measurements"] == 1
    today = [row._replace(seq=100 + row.seq) for row in measurements(2)]
    store.write(Batch(measurements=measurements(3, start=T0 - timedelta(days=3)) + today))
    store.refresh_rollups(to_us(T0 - timedelta(days=3)), to_us(T0))
    deleted = store.prune(T0 + timedelta(hours=1))
    assert deleted["measurements"] == 3
    assert deleted["rollups_1m"] == 0
    with Session(engine) as session:
        assert list(session.scalars(select(MeasurementRecord.seq).order_by(MeasurementRecord.seq))) == [100, 101]


def test_births_are_kept_and_replaced(engine):
    store = TelemetryStore(engine)
    store.write(Batch(births=[BirthRow("g", "n", "", 1, [["a", 1, 10, "bar"]])]))
    store.write(Batch(births=[BirthRow("g", "n", "", 2, [["a", 1, 10, "bar"], ["b", 2, 9, ""]])]))
    [birth] = store.births()
    assert birth.bd_seq == 2
    assert len(birth.metrics) == 2


def test_a_source_that_leaves_seqs_out_is_found_with_how_many(engine):
    """A device numbering its messages 1..12 of which 4 and 7..8 never arrived, across kinds (one seq a message,
    however many tables its readings went to); a source with every number, and a Sparkplug one (whose seqs are
    its timestamps), are not listed."""
    from factoryos.services.ingest import seq_gaps

    def event(source: str, seq: int, kind: EventKind = EventKind.COUNT) -> Event:
        payload = {"good": 1} if kind is EventKind.COUNT else {"state": "running"}
        return Event(ts=T0, site="ev-plant", equipment=EQ, kind=kind, payload=payload, source=source, seq=seq)

    kept = [k for k in range(1, 13) if k not in (4, 7, 8)]
    events = [event("press-plc", k, EventKind.STATE if k % 2 else EventKind.COUNT) for k in kept]
    events += [event("whole", k) for k in range(5, 9)]
    events += [event("spBv1.0/line/node", k * 256) for k in (1, 5)]
    TelemetryStore(engine).append(events)
    measured = measurements(3)  # seqs 0, 1, 2 of source "plc", each a row of its own message
    TelemetryStore(engine).write(Batch(measurements=measured))
    (gap,) = seq_gaps(engine)
    assert (gap.source, gap.first, gap.last, gap.stored, gap.missing) == ("press-plc", 1, 12, 9, 3)
