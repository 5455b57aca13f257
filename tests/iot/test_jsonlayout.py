"""The JSON topic layout: compact readings, whole events, and what is refused."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from factoryos.iot.jsonlayout import decode_json
from factoryos.iot.messages import DecodeError
from factoryos.model.events import Event, EventKind
from factoryos.model.readings import CountRow, MeasurementRow, StateChangeRow

PATH = ["ev-plant", "paint", "line-1", "booth-2"]


def levels(kind: str) -> list[str]:
    return [*PATH, kind]


def test_compact_measurement_state_and_count():
    [m] = decode_json(
        levels("measurement"), b'{"seq": 7, "ts": 1767225600000, "name": "t", "value": 3, "unit": "K"}', 0
    )
    assert m == MeasurementRow(1_767_225_600_000_000, "ev-plant", "/".join(PATH), "t", 3.0, "K", "/".join(PATH), 7)
    [s] = decode_json(levels("state"), b'{"seq": 8, "state": "down", "reason": "jam", "source": "plc-1"}', 5)
    assert isinstance(s, StateChangeRow)
    assert (s.state, s.reason, s.source, s.ts_us) == ("down", "jam", "plc-1", 5)
    [c] = decode_json(levels("count"), b'{"seq": 9, "ts": "2026-11-22T10:00:00+01:00", "scrap": 2}', 0)
    assert isinstance(c, CountRow)
    assert (c.good, c.scrap) == (0, 2)
    assert c.ts_us == int(datetime(2026, 11, 22, 9, tzinfo=UTC).timestamp()) * 1_000_000


def _event(kind: EventKind, payload: dict) -> Event:
    """A whole event of PATH's equipment, as a PLC sends it."""
    return Event(
        ts=datetime(2026, 11, 22, tzinfo=UTC),
        site="ev-plant",
        equipment="/".join(PATH),
        kind=kind,
        payload=payload,
        source="plc",
        seq=1,
    )


def test_whole_event_and_other_kinds():
    event = _event(EventKind.ALARM, {"code": "E42"})
    assert decode_json(levels("alarm"), event.to_json().encode(), 0) == [event]
    with pytest.raises(DecodeError, match="topic says"):
        decode_json(levels("state"), event.to_json().encode(), 0)
    elsewhere = event.model_copy(update={"site": "other-plant"})
    with pytest.raises(DecodeError, match="at site 'other-plant' but the topic says alarm"):
        decode_json(levels("alarm"), elsewhere.to_json().encode(), 0)
    [op] = decode_json(levels("operation"), b'{"seq": 3, "work_order": "W1", "operation": "10", "phase": "started"}', 0)
    assert isinstance(op, Event)
    assert op.payload["work_order"] == "W1"


def test_a_whole_event_with_a_number_json_cannot_carry_is_refused_naming_it():
    """A test result whose measured value is NaN (or an extra field that is infinite) was stored, and a trace
    then printed `"value": NaN`, which no strict JSON parser reads."""
    test = {
        "ts": "2026-11-22T00:00:00Z",
        "site": "ev-plant",
        "equipment": "/".join(PATH),
        "kind": "test",
        "source": "eol",
        "seq": 4,
        "payload": {"serial": "S1", "test": "eol", "result": "pass", "measurements": [{"name": "ocv", "value": 1.0}]},
    }
    text = json.dumps(test).replace('"value": 1.0', '"value": NaN').encode()
    with pytest.raises(DecodeError, match="event: payload.measurements.0.value: not a finite number"):
        decode_json(levels("test"), text, 0)
    extra = json.dumps({**test, "payload": {**test["payload"], "cal": float("inf")}}).encode()
    with pytest.raises(DecodeError, match="event: payload.cal: not a finite number"):
        decode_json(levels("test"), extra, 0)


@pytest.mark.parametrize(
    ("kind", "payload", "reason"),
    [
        ("measurement", b"\xff\xfe", "not JSON"),
        ("measurement", b"[1, 2]", "JSON object"),
        ("measurement", b'{"name": "t", "value": 1, "unit": "K"}', "seq"),
        ("measurement", b'{"seq": -1, "name": "t", "value": 1, "unit": "K"}', "seq"),
        ("measurement", b'{"seq": 1, "name": "t", "value": "hot", "unit": "K"}', "finite number"),
        ("measurement", b'{"seq": 1, "name": "t", "value": true, "unit": "K"}', "finite number"),
        ("measurement", b'{"seq": 1, "name": "t", "value": 1}', "unit"),
        ("measurement", b'{"seq": 1, "name": "t", "value": 1, "unit": "K", "ts": "yesterday"}', "ISO-8601"),
        ("measurement", b'{"seq": 1, "name": "t", "value": 1, "unit": "K", "ts": "2026-01-01T00:00:00"}', "zone"),
        ("state", b'{"seq": 1, "state": "dancing"}', "state must be"),
        ("count", b'{"seq": 1, "good": 0}', "at least one"),
        ("count", b'{"seq": 1, "good": 1.5}', "integers"),
        ("operation", b'{"seq": 1, "work_order": "W1"}', "Field required"),
        ("weather", b'{"seq": 1}', "unknown kind"),
        ("count", b'{"seq": 1, "seq": 2, "good": 1}', "key 'seq' appears twice"),
        ("state", b'{"seq": 1, "state": "down", "reason": "jam", "state" : "running"}', "key 'state' appears twice"),
        ("count", b'{"seq": 1, "ts": 1795342500, "good": 1}', "seconds\\? send milliseconds"),
        ("count", b'{"seq": 1, "good": 10, "scarp": 3, "rwork": 2}', "count: unknown fields 'scarp', 'rwork'"),
        ("state", b'{"seq": 1, "state": "down", "reson": "jam"}', "state: unknown field 'reson'; expected reason,"),
        ("measurement", b'{"seq": 1, "name": "t", "value": 1, "unit": "K", "quality": "BAD"}', "field 'quality'"),
        ("measurement", b'{"seq": 1, "name": "t", "value": 1' + b"0" * 5000 + b', "unit": "K"}', "5,001 digits is too"),
    ],
)
def test_refusals_say_why(kind, payload, reason):
    with pytest.raises(DecodeError, match=reason):
        decode_json(levels(kind), payload, 0)


DOCUMENTED = {
    "measurement": {"seq": 1, "ts": "2026-11-22T10:15:00.250Z", "name": "t", "value": 61.2, "unit": "degC"},
    "state": {"seq": 2, "state": "down", "reason": "jam", "source": "plc-1"},
    "count": {"seq": 3, "ts": 1_795_000_000_000, "good": 47, "scrap": 2, "rework": 1, "material": "door-lh"},
    "operation": {
        "seq": 4,
        "work_order": "W1",
        "operation": "10",
        "phase": "completed",
        "serial": "S1",
        "consumed_lots": ["L1"],
        "quantity": 1,
    },
    "test": {
        "seq": 5,
        "serial": "S1",
        "test": "eol",
        "result": "pass",
        "measurements": [{"name": "v", "value": 1.0, "unit": "V"}],
    },
    "alarm": {"seq": 6, "code": "E1", "severity": "critical", "message": "hot", "active": False},
}
"""A compact reading of each kind with every field the README documents for it."""


@pytest.mark.parametrize("kind", sorted(DOCUMENTED))
def test_every_documented_field_is_accepted(kind):
    [row] = decode_json(levels(kind), json.dumps(DOCUMENTED[kind]).encode(), 0)
    assert row.seq == DOCUMENTED[kind]["seq"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(DOCUMENTED)), st.text(min_size=1, max_size=12), st.integers(0, 3))
def test_a_field_the_layout_does_not_know_is_refused_naming_it(kind, field, value):
    """`{"good": 10, "scarp": 3}` was stored as 10 good and no scrap, the misspelt field passed over."""
    assume(field not in {*DOCUMENTED[kind], "seq", "ts", "source", "kind", "payload"})  # the envelope every kind has
    named = repr(field)[:80]  # a long name is cut short in the reason
    with pytest.raises(DecodeError, match=f"{kind}: unknown field {re.escape(named)}"):
        decode_json(levels(kind), json.dumps({**DOCUMENTED[kind], field: value}).encode(), 0)


def test_a_whole_event_with_a_field_it_would_not_keep_is_refused():
    doc = json.loads(_event(EventKind.COUNT, {"good": 1}).to_json())
    with pytest.raises(DecodeError, match="event: count payload: unknown field 'scarp'"):
        decode_json(levels("count"), json.dumps({**doc, "payload": {"good": 1, "scarp": 3}}).encode(), 0)
    with pytest.raises(DecodeError, match="event: unknown field 'sorce'"):
        decode_json(levels("count"), json.dumps({**doc, "sorce": "x"}).encode(), 0)
    alarm = {**doc, "kind": "alarm", "payload": {"code": "spc-1", "rules": ["1"]}}  # as factoryos's alarms carry
    [kept] = decode_json(levels("alarm"), json.dumps(alarm).encode(), 0)
    assert kept.payload["rules"] == ["1"]


def test_topic_too_short():
    with pytest.raises(DecodeError, match="topic"):
        decode_json(["ev-plant", "measurement"], b"{}", 0)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@example("state", {"state": [], "seq": 0})  # an unhashable state once escaped as a TypeError
@given(
    st.sampled_from(["measurement", "state", "count", "operation", "test", "alarm", "x"]),
    st.dictionaries(st.sampled_from(["seq", "ts", "name", "value", "unit", "state", "good", "source"]), json_values),
)
def test_fuzz_documents_decode_or_raise_decode_error(kind, doc):
    try:
        rows = decode_json(levels(kind), json.dumps(doc).encode(), 0)
    except DecodeError:
        return
    assert len(rows) == 1
    assert rows[0].equipment == "/".join(PATH)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_bytes(payload):
    with contextlib.suppress(DecodeError):
        decode_json(levels("measurement"), payload, 0)


def test_a_colon_inside_a_string_is_no_second_key():
    """A reason holding `":` sends the document the slow way, which still reads it."""
    (row,) = decode_json(levels("state"), b'{"seq": 1, "state": "down", "reason": "code \\":7"}', 0)
    assert row.reason == 'code ":7'


@pytest.mark.parametrize("extra", [{"lsl": 0}, {"usl": 2}, {"nomial": 1}])
def test_a_test_measurement_with_a_field_it_does_not_know_is_refused_naming_it(extra):
    """A tester sending its limits as `lsl`/`usl` (the plant file's words) lost them without a word."""
    measurement = {"name": "v", "value": 1.0, "unit": "V", "low": 0, "high": 2, **extra}
    body = {"seq": 6, "serial": "S1", "test": "t", "result": "pass", "measurements": [measurement]}
    (field,) = extra
    with pytest.raises(DecodeError, match=re.escape(field)):
        decode_json(levels("test"), json.dumps(body).encode(), 0)
    del measurement[field]
    [stored] = decode_json(levels("test"), json.dumps(body).encode(), 0)
    assert stored.payload["measurements"][0]["high"] == 2
