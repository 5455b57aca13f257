"""Properties of the decoders, through the pipeline's own decode-and-check step: any bytes on any topic give
readings the database stores or a dead letter with a reason, never an exception; on SQLite and PostgreSQL
whatever is accepted is written without the database refusing it."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from factoryos.iot import sparkplug_b_pb2 as pb
from factoryos.iot.edge import EdgeNodeEncoder, Metric
from factoryos.iot.messages import Inbound
from factoryos.iot.pipeline import Pipeline
from factoryos.model.readings import COUNT_MAX, SEQ_MAX, TS_MAX_US, TS_MIN_US, MeasurementRow, unstorable
from factoryos.store.timeseries import Batch, TelemetryStore

T0_MS = 1_795_000_000_000
KINDS = ["measurement", "state", "count", "operation", "test", "alarm"]
awkward_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=190, max_size=320),
    st.sampled_from(["\x00", "a\x00b", "\u2028", "running", "down", "kN", "degC"]),
)
awkward_numbers = st.one_of(
    st.integers(),
    st.integers(min_value=2**31 - 2, max_value=2**64 + 2),
    st.sampled_from([-1, 0, 1, 10**400, -(2**63), 2**63 - 1, 2**63]),
    st.floats(allow_nan=True, allow_infinity=True),
)
json_values = st.recursive(
    st.none() | st.booleans() | awkward_numbers | awkward_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
fields = ["seq", "ts", "source", "name", "value", "unit", "state", "reason", "good", "scrap", "rework", "material"]
fields += ["work_order", "operation", "phase", "serial", "test", "result", "code", "kind", "payload", "equipment"]
documents = st.dictionaries(st.sampled_from(fields), json_values, max_size=8)
levels = st.lists(st.sampled_from(["ev", "body", "line-1", "press", "s" * 70, "e" * 120, ""]), min_size=0, max_size=5)


class NoBirths:
    """The pipeline asks its store for the Sparkplug births kept; these properties need no database."""

    def births(self) -> list:
        return []


def decoded(pipeline: Pipeline, messages: list[Inbound]) -> Batch:
    batch, _rebirths = pipeline.process(messages)
    return batch


def assert_readings_or_reasons(batch: Batch, messages: list[Inbound]) -> None:
    """Every message gave storable readings, or a dead letter saying why; no decoder ever raised."""
    assert len(batch.marks) == len(messages)
    for letter in batch.dead_letters:
        assert letter.reason.strip()
        assert not letter.reason.startswith("decoder error"), letter.reason
    # measurements may be plain tuples in MeasurementRow's column order (a Sparkplug payload carries many)
    measurements = [MeasurementRow._make(row) for row in batch.measurements]
    for row in [*measurements, *batch.states, *batch.counts, *batch.events]:
        assert unstorable(row) is None, row
    for row in batch.measurements:
        assert math.isfinite(row[4])
        assert TS_MIN_US <= row[0] < TS_MAX_US
        assert 0 <= row[7] <= SEQ_MAX
    for row in batch.counts:
        assert min(row.good, row.scrap, row.rework) >= 0
        assert max(row.good, row.scrap, row.rework) <= COUNT_MAX
    begin = (0,) * 6
    for message, mark in zip(messages, batch.marks, strict=True):
        produced = any(end > start for start, end in zip(begin, mark, strict=True))
        assert produced or message.topic.startswith("spBv1.0/"), message  # JSON: a reading or a dead letter
        begin = mark


@settings(max_examples=500, deadline=None)
@example("state", ["ev", "body", "line-1"], {"seq": 1, "state": "down", "reason": "jam\x00"})
@example("count", ["ev", "body", "line-1"], {"seq": 2**64, "good": 1})
@example("measurement", ["ev", "body"], {"seq": 1, "ts": 1e300, "name": "t", "value": 1, "unit": "K"})
@example("measurement", ["ev", "body"], {"seq": 1, "name": "t", "value": 10**400, "unit": "K"})
@given(st.sampled_from([*KINDS, "x"]), levels, documents)
def test_any_json_document_on_any_topic_is_readings_or_a_reason(kind, path, doc):
    pipeline = Pipeline(NoBirths())
    payload = json.dumps(doc, allow_nan=True).encode()
    messages = [Inbound("mqtt", "/".join(["factoryos", *path, kind]), payload)]
    assert_readings_or_reasons(decoded(pipeline, messages), messages)


@settings(max_examples=300, deadline=None)
@example(b'{"seq": 1, "name": "t", "value": 1, "unit": "K"' + b"]" * 0 + b"[" * 100_000)
@example(b"\xef\xbb\xbf{}")
@given(st.binary(max_size=400))
def test_any_bytes_on_a_json_topic_are_readings_or_a_reason(payload):
    pipeline = Pipeline(NoBirths())
    messages = [Inbound("mqtt", f"factoryos/ev/body/line-1/press/{kind}", payload) for kind in KINDS]
    assert_readings_or_reasons(decoded(pipeline, messages), messages)


metric_names = st.one_of(
    st.sampled_from(["press/force", "press/state", "press/good_count", "bdSeq", "Node Control/Rebirth", "x/"]),
    awkward_text,
)
metric_values = st.one_of(
    st.builds(lambda v: ("double_value", v), st.floats(allow_nan=True, allow_infinity=True)),
    st.builds(lambda v: ("long_value", v), st.integers(0, (1 << 64) - 1)),
    st.builds(lambda v: ("int_value", v), st.integers(0, (1 << 32) - 1)),
    st.builds(lambda v: ("string_value", v), awkward_text),
    st.builds(lambda v: ("boolean_value", v), st.booleans()),
)
metrics = st.lists(
    st.tuples(metric_names, st.integers(0, 20), metric_values, st.integers(0, 14), st.integers(0, 1 << 45)),
    max_size=12,
)


timestamps = st.one_of(st.integers(0, 1 << 45), st.integers(1_795_000_000_000, 1_795_000_100_000))


def sparkplug_payload(seq: int, ts_ms: int, entries) -> bytes:
    payload = pb.Payload(timestamp=ts_ms, seq=seq)
    for name, alias, (field, value), datatype, metric_ts in entries:
        metric = payload.metrics.add(name=name, alias=alias, datatype=datatype, timestamp=metric_ts)
        setattr(metric, field, value)
    return payload.SerializeToString()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["NBIRTH", "NDATA", "NDEATH", "DBIRTH", "DDATA", "DDEATH", "NCMD", "STATE"]),
            st.one_of(
                st.binary(max_size=200),
                st.builds(sparkplug_payload, st.integers(0, 300), st.integers(0, 1 << 45), metrics),
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_sparkplug_bytes_and_births_are_readings_or_a_reason(sequence):
    """A node born properly, then any sequence of messages of any type with any payload (random bytes or
    well-formed protobuf with any metrics, names, aliases and types)."""
    pipeline = Pipeline(NoBirths())
    node = EdgeNodeEncoder("ev", "body")
    born = [
        Inbound(
            "mqtt", node.topic("NBIRTH"), node.node_birth([Metric("press/force", unit="kN")], ts_ms=1_795_000_000_000)
        ),
        Inbound("mqtt", node.topic("DBIRTH", "line-1"), node.device_birth("line-1", [Metric("p/t", unit="K")])),
    ]
    messages = born + [
        Inbound("mqtt", f"spBv1.0/ev/{kind}/body" + ("/line-1" if kind.startswith("D") else ""), payload)
        if kind != "STATE"
        else Inbound("mqtt", "spBv1.0/STATE/host", payload)
        for kind, payload in sequence
    ]
    assert_readings_or_reasons(decoded(pipeline, messages), messages)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@example([("measurement", ["ev", "body"], {"seq": n, "name": "v", "value": 1.7e308, "unit": "1"}) for n in (1, 2)])
@given(st.lists(st.tuples(st.sampled_from(KINDS), levels, documents), min_size=1, max_size=8))
def test_what_the_decoders_accept_the_database_stores(engine, batch):
    """Written to SQLite and PostgreSQL, whatever passed the checks is stored and rolled up without the
    database refusing it (a refusal would raise here, or leave an hour without rollups; in the ingester it
    would make the message a dead letter)."""
    store = TelemetryStore(engine)
    pipeline = Pipeline(store)
    messages = [
        Inbound("mqtt", "/".join(["factoryos", *path, kind]), json.dumps(doc, allow_nan=True).encode())
        for kind, path, doc in batch
    ]
    accepted = decoded(pipeline, messages)
    store.write(accepted)
    span = accepted.ts_range()
    if span is not None:
        assert store.refresh_rollups(*span) == []
