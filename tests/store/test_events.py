from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from factoryos.model.bus import EventBus
from factoryos.model.events import Event, EventKind
from factoryos.store.db import transaction
from factoryos.store.events import SqlEventStore, dead_letters, record_dead_letter

T0 = datetime(2027, 1, 4, 6, tzinfo=UTC)


def count(seq: int, source: str = "twin") -> Event:
    return Event(
        ts=T0 + timedelta(seconds=seq),
        site="ev-plant",
        equipment="ev-plant/paint/line-1/booth-1",
        kind=EventKind.COUNT,
        payload={"good": 1},
        source=source,
        seq=seq,
    )


def test_redelivered_events_are_stored_once(engine):
    store = SqlEventStore(engine)
    assert len(store.append([count(1), count(2)])) == 2
    fresh = store.append([count(2), count(3), count(3), count(1, source="plc-7")])
    assert [e.key for e in fresh] == [("twin", 3), ("plc-7", 1)]
    assert [e.key for e in store.read()] == [("twin", 1), ("plc-7", 1), ("twin", 2), ("twin", 3)]


def test_stored_events_come_back_equal_and_filtered(engine):
    store = SqlEventStore(engine)
    state = Event(
        ts=T0,
        site="ev-plant",
        equipment="ev-plant/stamping/press-line-1/press-1",
        kind=EventKind.STATE,
        payload={"state": "down", "reason": "hydraulics"},
        source="twin",
        seq=9,
    )
    store.append([count(1), state])
    assert list(store.read(kind=EventKind.STATE)) == [state]
    assert list(store.read(equipment_prefix="ev-plant/paint")) == [count(1)]


def test_the_bus_on_the_sql_store_delivers_each_event_once(engine):
    bus = EventBus(SqlEventStore(engine))
    seen = []
    bus.subscribe(seen.append)
    bus.publish_many([count(1), count(2)])
    bus.publish_many([count(2), count(3)])
    assert [e.seq for e in seen] == [1, 2, 3]


def test_dead_letters_keep_the_raw_input_and_the_reason(engine):
    with transaction(engine) as session:
        record_dead_letter(session, "mqtt", "factoryos/ev/paint", "not JSON", b"\x00\xff garbage")
        record_dead_letter(session, "orders", "orders.jsonl:3", "unknown product", '{"product": "x"}')
    with Session(engine) as session:
        mqtt = dead_letters(session, "mqtt")
        assert [(d.reason, d.raw) for d in mqtt] == [("not JSON", b"\x00\xff garbage")]
        assert len(dead_letters(session)) == 2
