from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from factoryos.model.bus import EventBus
from factoryos.model.events import Event, EventKind

T0 = datetime(2027, 1, 4, 6, tzinfo=UTC)


def make(kind: str, payload: dict, seq: int = 1, equipment: str = "ev/paint/line-1/booth-1") -> Event:
    return Event(ts=T0, site="ev", equipment=equipment, kind=kind, payload=payload, source="twin", seq=seq)


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("state", {"state": "setup", "reason": "colour change"}),
        ("count", {"good": 3, "scrap": 1}),
        ("measurement", {"name": "booth_temperature", "value": 23.4, "unit": "degC"}),
        (
            "operation",
            {
                "work_order": "WO1",
                "operation": "paint",
                "phase": "completed",
                "serial": "VIN1",
                "consumed_lots": ["L7"],
            },
        ),
        (
            "test",
            {
                "serial": "VIN1",
                "test": "water-leak",
                "result": "fail",
                "measurements": [{"name": "leak", "value": 2.0, "unit": "ml", "high": 0.5}],
            },
        ),
        ("alarm", {"code": "E42", "severity": "critical", "message": "robot collision"}),
    ],
)
def test_every_kind_survives_its_json_form(kind, payload):
    event = make(kind, payload)
    assert Event.from_json(event.to_json()) == event
    assert event.kind == EventKind(kind)


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("state", {"state": "sleeping"}, "state"),
        ("count", {"good": -1}, "good"),
        ("count", {}, "at least one unit"),
        ("measurement", {"name": "t", "value": "hot", "unit": "degC"}, "value"),
        ("operation", {"work_order": "WO1", "operation": "paint", "phase": "paused"}, "phase"),
        ("test", {"serial": "VIN1", "test": "leak", "result": "maybe"}, "result"),
    ],
)
def test_a_payload_that_does_not_fit_its_kind_is_refused_with_where(kind, payload, message):
    with pytest.raises(ValidationError, match=message):
        make(kind, payload)


def test_a_timestamp_without_a_zone_is_refused():
    with pytest.raises(ValidationError, match="timezone-aware"):
        Event(ts=datetime(2027, 1, 4), site="ev", equipment="e", kind="count", payload={"good": 1}, source="s", seq=1)


def test_the_bus_filters_by_kind_and_equipment_and_drops_duplicates():
    bus = EventBus()
    paint_counts, everything = [], []
    bus.subscribe(paint_counts.append, kinds=[EventKind.COUNT], equipment_prefix="ev/paint")
    subscription = bus.subscribe(everything.append)
    assert bus.publish(make("count", {"good": 1}, seq=1))
    assert not bus.publish(make("count", {"good": 1}, seq=1))
    bus.publish(make("count", {"good": 1}, seq=2, equipment="ev/stamping/press-1"))
    bus.publish(make("state", {"state": "idle"}, seq=3))
    bus.unsubscribe(subscription)
    bus.publish(make("count", {"good": 2}, seq=4))
    assert [e.seq for e in paint_counts] == [1, 4]
    assert [e.seq for e in everything] == [1, 2, 3]
    assert len(bus.store) == 4
