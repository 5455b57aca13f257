"""Sparkplug B host rules: births and aliases, seq and bdSeq, rebirth requests, and the mapping to readings."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.iot import sparkplug_b_pb2 as pb
from factoryos.iot.edge import DOUBLE, INT32, INT64, STRING, EdgeNodeEncoder, Metric, rebirth_request
from factoryos.iot.messages import DecodeError
from factoryos.iot.sparkplug import SparkplugHost, parse_topic
from factoryos.model.readings import CountRow, MeasurementRow, StateChangeRow

T0 = 1_795_000_000_000
FLOAT = 9  # Sparkplug's 32-bit Float
METRICS = [
    Metric("booth-2/temperature", unit="degC"),
    Metric("booth-2/state", STRING),
    Metric("booth-2/good_count", INT64),
    Metric("booth-2/scrap_count", INT64),
    Metric("offset", INT32, unit="mm"),
]


def born(check_seq: bool = True):
    node = EdgeNodeEncoder("ev-plant", "paint")
    host = SparkplugHost(check_seq=check_seq)
    for topic, payload in [
        (node.topic("NBIRTH"), node.node_birth([Metric("supply_voltage", unit="V")], ts_ms=T0)),
        (node.topic("DBIRTH", "line-1"), node.device_birth("line-1", METRICS, ts_ms=T0)),
    ]:
        out = host.decode(parse_topic(topic), payload, now_s=0)
        assert out.problems == []
        assert len(out.births) == 1
    return node, host


def ddata(node, host, values, ts_ms=T0 + 1000, now_s=0.0):
    return host.decode(parse_topic(node.topic("DDATA", "line-1")), node.data(values, "line-1", ts_ms), now_s)


def readings(out) -> list:
    """Every row of a decoded message, measurements (plain tuples) as MeasurementRows."""
    return [MeasurementRow._make(m) for m in out.measurements] + out.rows


def test_topics():
    assert parse_topic("spBv1.0/g/NDATA/n").message_type == "NDATA"
    assert parse_topic("spBv1.0/g/DDATA/n/d").device == "d"
    assert parse_topic("spBv1.0/STATE/host") is None
    for bad in ("spBv1.0/g/DDATA/n", "spBv1.0/g/NDATA/n/d", "spBv1.0/g/XDATA/n", "spAv1.0/g/NDATA/n", "spBv1.0/g//n"):
        with pytest.raises(DecodeError):
            parse_topic(bad)


def test_metrics_map_to_equipment_readings_by_alias():
    node, host = born()
    out = ddata(node, host, {"booth-2/temperature": 61.5, "booth-2/state": "running", "booth-2/good_count": 3})
    assert out.problems == []
    assert out.rebirth is None
    measurement, state, count = readings(out)
    equipment = "ev-plant/paint/line-1/booth-2"
    assert isinstance(measurement, MeasurementRow)
    assert measurement.equipment == equipment
    assert (measurement.name, measurement.value, measurement.unit) == ("temperature", 61.5, "degC")
    assert isinstance(state, StateChangeRow)
    assert state.state == "running"
    assert isinstance(count, CountRow)
    assert (count.good, count.scrap) == (3, 0)
    assert measurement.source == "spBv1.0/ev-plant/paint/line-1"
    assert measurement.ts_us == (T0 + 1000) * 1000
    assert measurement.seq == (T0 + 1000) * 256 + 2  # NBIRTH was seq 0, DBIRTH 1


def test_counts_of_one_equipment_in_one_message_are_one_row():
    node, host = born()
    out = ddata(node, host, {"booth-2/good_count": 2, "booth-2/scrap_count": 1})
    [count] = readings(out)
    assert (count.good, count.scrap, count.rework) == (2, 1, 0)


def test_a_metrics_buffered_values_in_one_message_are_each_stored():
    """Store-and-forward: five values of one metric in one DDATA, each with its own timestamp. Each is its own
    reading, keyed by its own timestamp; they all shared the message's seq and four were conflicts."""
    node, host = born()
    payload = pb.Payload.FromString(node.data({"booth-2/temperature": 60.0}, "line-1", T0 + 1000))
    first = payload.metrics[0]
    first.timestamp = T0 + 1000
    for k in range(1, 5):
        again = payload.metrics.add(alias=first.alias, timestamp=T0 + 1000 + 100 * k)
        again.double_value = 60.0 + k
    out = host.decode(parse_topic(node.topic("DDATA", "line-1")), payload.SerializeToString(), now_s=0)
    assert out.problems == []
    values = readings(out)
    assert [(m.ts_us // 1000, m.value) for m in values] == [(T0 + 1000 + 100 * k, 60.0 + k) for k in range(5)]
    assert len({m.seq for m in values}) == 5
    assert values[0].seq == (T0 + 1000) * 256 + payload.seq  # a metric of the message's time keeps the message's


def test_a_counts_buffered_values_are_each_counted_at_their_own_time():
    """Three good units counted at T and four a second later, in one DDATA: two counts, each at its own time
    (they were summed at the first, which could move units across a shift's end)."""
    node, host = born()
    payload = pb.Payload.FromString(node.data({"booth-2/good_count": 3}, "line-1", T0 + 1000))
    first = payload.metrics[0]
    first.timestamp = T0 + 1000
    later = payload.metrics.add(alias=first.alias, timestamp=T0 + 2000)
    later.long_value = 4
    out = host.decode(parse_topic(node.topic("DDATA", "line-1")), payload.SerializeToString(), now_s=0)
    assert out.problems == []
    counts = readings(out)
    assert [(c.ts_us // 1000, c.good) for c in counts] == [(T0 + 1000, 3), (T0 + 2000, 4)]
    assert len({c.seq for c in counts}) == 2


def test_a_births_counts_are_not_counted_again_at_each_rebirth():
    """A birth carries every metric's current value: a count's is the units since the last message, which a
    rebirth would add again. Its measurements are readings; its counts are not."""
    node = EdgeNodeEncoder("ev-plant", "paint")
    host = SparkplugHost()
    host.decode(parse_topic(node.topic("NBIRTH")), node.node_birth([], ts_ms=T0), now_s=0)
    birth = pb.Payload.FromString(node.device_birth("line-1", METRICS, ts_ms=T0))
    for metric in birth.metrics:
        metric.is_null = False
        if metric.name == "booth-2/good_count":
            metric.long_value = 7
        if metric.name == "booth-2/temperature":
            metric.double_value = 58.0
    out = host.decode(parse_topic(node.topic("DBIRTH", "line-1")), birth.SerializeToString(), now_s=0)
    assert not [row for row in readings(out) if isinstance(row, CountRow)]
    assert [(m.name, m.value) for m in readings(out) if isinstance(m, MeasurementRow)] == [("temperature", 58.0)]


def test_signed_integers_and_node_metrics():
    node, host = born()
    out = ddata(node, host, {"offset": (1 << 32) - 5})  # -5 as Sparkplug sends an Int32
    assert readings(out)[0].value == -5
    assert readings(out)[0].equipment == "ev-plant/paint/line-1"
    ndata = node.data({"supply_voltage": 229.5}, ts_ms=T0 + 2000)
    [row] = readings(host.decode(parse_topic(node.topic("NDATA")), ndata, 0))
    assert (row.equipment, row.name, row.unit) == ("ev-plant/paint", "supply_voltage", "V")


def test_seq_wraps_from_255_to_0_without_a_gap():
    node, host = born()
    for i in range(300):
        out = ddata(node, host, {"booth-2/temperature": float(i)}, ts_ms=T0 + i)
        assert out.problems == [], i


def test_seq_gap_keeps_the_data_and_asks_for_a_rebirth_once():
    node, host = born()
    node.seq += 3
    out = ddata(node, host, {"booth-2/temperature": 1.0}, now_s=100)
    assert "seq gap: expected" in out.problems[0]
    assert len(readings(out)) == 1
    assert out.rebirth == ("ev-plant", "paint")
    node.seq += 3
    again = ddata(node, host, {"booth-2/temperature": 1.0}, now_s=101)
    assert again.problems
    assert again.rebirth is None


def test_a_redelivered_message_is_not_a_gap():
    node, host = born()
    payload = node.data({"booth-2/temperature": 1.0}, "line-1", T0 + 5)
    topic = parse_topic(node.topic("DDATA", "line-1"))
    first, again = host.decode(topic, payload, 0), host.decode(topic, payload, 0)
    assert first.problems == again.problems == []
    assert readings(first) == readings(again)
    assert ddata(node, host, {"booth-2/temperature": 2.0}).problems == []


def test_a_message_that_came_late_is_flagged_once_and_the_next_in_order_is_no_gap():
    """Seq 10 arriving when 15 was expected used to reset the expected seq to 11, so that 15 was a gap too:
    a second dead letter and rebirth request for one message out of order."""
    node, host = born()
    late = node.data({"booth-2/temperature": 1.0}, "line-1", T0 + 1)
    node.seq += 4
    assert ddata(node, host, {"booth-2/temperature": 2.0}, now_s=0).rebirth is not None  # 3 .. 6 are missing
    out = host.decode(parse_topic(node.topic("DDATA", "line-1")), late, now_s=100)
    assert out.problems == ["seq 2 came after 7: late or sent again (data kept); rebirth requested"]
    assert [row.value for row in readings(out)] == [1.0]
    assert ddata(node, host, {"booth-2/temperature": 3.0}, now_s=101).problems == []


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "payload timestamp 0 ms is missing"),
        (pb.Payload(timestamp=T0, seq=256).SerializeToString(), "seq 256 is outside 0..255"),
    ],
    ids=["empty", "seq past 255"],
)
def test_a_message_the_host_cannot_read_leaves_the_expected_seq_alone(payload, reason):
    """An empty DDATA parses as seq 0: it was refused for its missing timestamp, yet set the expected seq to 1."""
    node, host = born()
    ddata(node, host, {"booth-2/temperature": 1.0})
    out = host.decode(parse_topic(node.topic("DDATA", "line-1")), payload, 0)
    assert reason in out.problems[0]
    assert ddata(node, host, {"booth-2/temperature": 2.0}).problems == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.sampled_from(["late", "again", "empty"])), max_size=12))
def test_messages_late_again_or_unreadable_never_make_the_next_in_order_a_gap(interruptions):
    """Whatever comes between them (an older message late, the last one again, an empty payload), the node's
    messages in order are decoded without a problem; only what came out of order is flagged."""
    node, host = born()
    topic = parse_topic(node.topic("DDATA", "line-1"))
    sent = [node.data({"booth-2/temperature": 0.0}, "line-1", T0)]
    assert host.decode(topic, sent[0], 0).problems == []
    for back, what in interruptions:
        stray = {"late": sent[-min(back, len(sent), 127)], "again": sent[-1], "empty": b""}[what]
        out = host.decode(topic, stray, 0)
        assert bool(out.problems) == (what == "empty" or (what == "late" and stray is not sent[-1]))
        sent.append(node.data({"booth-2/temperature": float(len(sent))}, "line-1", T0 + len(sent)))
        assert host.decode(topic, sent[-1], 0).problems == []


def test_a_count_kept_in_a_float_or_double_is_counted_when_whole():
    """Many PLCs keep counters in floating point: such a `good_count` became a measurement, never in OEE."""
    node, host = born()
    floats = [Metric("press/good_count", DOUBLE), Metric("press/scrap_count", FLOAT)]
    host.decode(parse_topic(node.topic("DBIRTH", "press")), node.device_birth("press", floats, ts_ms=T0), 0)
    topic = parse_topic(node.topic("DDATA", "press"))
    out = host.decode(topic, node.data({"press/good_count": 12.0, "press/scrap_count": 1.0}, "press", T0 + 1), 0)
    assert out.problems == []
    assert out.measurements == []
    [count] = out.rows
    assert (count.equipment, count.good, count.scrap, type(count.good)) == ("ev-plant/paint/press/press", 12, 1, int)
    for bad in (2.5, -1.0, math.nan, math.inf):
        out = host.decode(topic, node.data({"press/good_count": bad}, "press", T0 + 2), 0)
        assert out.rows == []
        assert out.problems == [f"metric 'press/good_count': a count must be a whole number >= 0, got {bad}"]


def test_no_seq_check_under_shared_subscriptions():
    node, host = born(check_seq=False)
    node.seq += 7
    assert ddata(node, host, {"booth-2/temperature": 1.0}).problems == []


def test_unknown_node_and_unknown_alias_ask_for_a_rebirth():
    node, _ = born()
    stranger = SparkplugHost()
    out = stranger.decode(parse_topic(node.topic("DDATA", "line-1")), node.data({"offset": 1}, "line-1", T0), 0)
    assert readings(out) == []
    assert "unknown edge node" in out.problems[0]
    assert out.rebirth == ("ev-plant", "paint")
    node, host = born()
    payload = pb.Payload(timestamp=T0, seq=node.seq)
    node.seq += 1
    payload.metrics.add(alias=999, double_value=1.0)
    out = host.decode(parse_topic(node.topic("DDATA", "line-1")), payload.SerializeToString(), 0)
    assert "unknown alias 999" in out.problems[0]
    assert out.rebirth == ("ev-plant", "paint")


def test_ndeath_with_matching_bdseq_takes_the_node_offline_and_a_stale_one_does_not():
    node, host = born()
    stale = pb.Payload(timestamp=T0)
    stale.metrics.add(name="bdSeq", datatype=INT64).long_value = 41
    out = host.decode(parse_topic(node.topic("NDEATH")), stale.SerializeToString(), 0)
    assert "stale NDEATH" in out.problems[0]
    assert ddata(node, host, {"offset": 1}).problems == []
    host.decode(parse_topic(node.topic("NDEATH")), node.node_death(), 0)
    out = ddata(node, host, {"offset": 1})
    assert "offline edge node" in out.problems[0]
    assert out.rebirth is not None


def test_ddeath_then_data_from_that_device_is_rejected():
    node, host = born()
    host.decode(parse_topic(node.topic("DDEATH", "line-1")), node.device_death("line-1"), 0)
    assert "unknown device" in ddata(node, host, {"offset": 1}).problems[0]


@pytest.mark.parametrize("death", ["NDEATH", "DDEATH"])
def test_a_death_makes_the_state_of_what_it_reported_unknown_from_when_it_came(death):
    """A booth last said running; its node (or device) dies. Without a word, its last state would last on, and
    OEE would count a stopped booth running at reduced speed; from the death on its state is unknown. MQTT may
    deliver the death twice: the second says nothing new."""
    node, host = born()
    assert [r.state for r in readings(ddata(node, host, {"booth-2/state": "running"})) if r.equipment] == ["running"]
    device = "" if death == "NDEATH" else "line-1"
    payload = node.device_death(device) if device else node.node_death()
    out = host.decode(parse_topic(node.topic(death, device)), payload, now_s=T0 / 1000 + 5)
    assert out.problems == []
    states = [r for r in out.rows if isinstance(r, StateChangeRow)]
    assert [(r.equipment, r.state, r.ts_us) for r in states] == [
        ("ev-plant/paint/line-1/booth-2", "unknown", (T0 + 5000) * 1000)
    ]
    again = host.decode(parse_topic(node.topic(death, device)), payload, now_s=T0 / 1000 + 9)
    assert [r for r in again.rows if isinstance(r, StateChangeRow)] == []  # delivered again: nothing new


def test_wrong_value_type_and_bad_payload_timestamp():
    node, host = born()
    payload = pb.Payload(timestamp=T0, seq=node.seq)
    node.seq += 1
    payload.metrics.add(alias=node.aliases[("line-1", "booth-2/temperature")], string_value="hot")
    out = host.decode(parse_topic(node.topic("DDATA", "line-1")), payload.SerializeToString(), 0)
    assert "expected double_value, got string_value" in out.problems[0]
    out = ddata(node, host, {"offset": 1}, ts_ms=0)
    assert "timestamp" in out.problems[0]
    assert readings(out) == []


def test_restored_births_decode_without_waiting_for_a_rebirth():
    node, host = born()
    births = [
        b
        for topic, payload in [
            (node.topic("NBIRTH"), node.node_birth([], ts_ms=T0)),
            (node.topic("DBIRTH", "line-1"), node.device_birth("line-1", METRICS, ts_ms=T0)),
        ]
        for b in host.decode(parse_topic(topic), payload, 0).births
    ]
    restarted = SparkplugHost()
    restarted.restore(births)
    node.seq = 77  # whatever seq comes first is accepted
    out = ddata(node, restarted, {"booth-2/temperature": 3.0})
    assert out.problems == []
    assert readings(out)[0].value == 3.0


def test_rebirth_request_payload():
    payload = pb.Payload.FromString(rebirth_request(T0))
    assert [(m.name, m.boolean_value) for m in payload.metrics] == [("Node Control/Rebirth", True)]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["NBIRTH", "NDATA", "NDEATH", "DBIRTH", "DDATA", "DDEATH"]))
def test_fuzz_random_bytes_never_crash_the_decoder(payload, message_type):
    node, host = born()
    device = "/line-1" if message_type.startswith("D") else ""
    topic = parse_topic(f"spBv1.0/ev-plant/{message_type}/paint{device}")
    try:
        out = host.decode(topic, payload, 0)
    except DecodeError:
        return
    assert all(r.equipment.startswith("ev-plant/paint") for r in readings(out))


metric_values = st.one_of(
    st.builds(lambda v: ("double_value", v), st.floats(allow_nan=True, allow_infinity=True)),
    st.builds(lambda v: ("long_value", v), st.integers(0, (1 << 64) - 1)),
    st.builds(lambda v: ("int_value", v), st.integers(0, (1 << 32) - 1)),
    st.builds(lambda v: ("string_value", v), st.text(max_size=20)),
    st.builds(lambda v: ("boolean_value", v), st.booleans()),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 12), metric_values, st.integers(0, 1 << 45)), max_size=25),
    st.integers(0, 300),
    st.integers(0, 1 << 50),
)
def test_fuzz_well_formed_protobuf_with_wrong_contents(metrics, seq, ts_ms):
    node, host = born()
    payload = pb.Payload(timestamp=ts_ms, seq=seq)
    for alias, (field, value), metric_ts in metrics:
        metric = payload.metrics.add(alias=alias, timestamp=metric_ts)
        setattr(metric, field, value)
    out = host.decode(parse_topic(node.topic("DDATA", "line-1")), payload.SerializeToString(), 0)
    assert len(readings(out)) <= len(metrics)
    for row in readings(out):
        assert row.equipment.startswith("ev-plant/paint/line-1")
