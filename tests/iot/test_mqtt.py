"""Through the real broker: JSON and Sparkplug B ingestion, rebirth requests, STATE, shared subscriptions."""

from __future__ import annotations

import json
import threading
import time

import paho.mqtt.client as mqtt
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factoryos.iot import sparkplug_b_pb2 as pb
from factoryos.iot.edge import STRING, EdgeNodeEncoder, Metric
from factoryos.iot.mqtt import SHARED_SESSION_EXPIRY_S, MqttSettings, session_expiry_s
from factoryos.store.tables import DeadLetter
from factoryos.store.telemetry import MeasurementRecord, StateChangeRecord

from .mqtt_helpers import T0_MS, ingester, mqtt_publisher, readings, until

pytestmark = pytest.mark.mqtt


def count(store, record=MeasurementRecord) -> int:
    with Session(store.engine) as session:
        return session.scalar(select(func.count()).select_from(record))


class Listener:
    """Collects what arrives on a topic filter."""

    def __init__(self, host, port, topic):
        self.messages: list[mqtt.MQTTMessage] = []
        self.subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = lambda _c, _u, m: self.messages.append(m)
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.connect(host, port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        assert self.subscribed.wait(10)

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def test_json_readings_and_bad_messages_through_the_broker(broker, store, uid):
    host, port = broker
    prefix = f"t{uid}"
    pipeline, connector = ingester(store, host, port, f"ing-{uid}", prefixes=[prefix])
    publisher = mqtt_publisher(host, port)
    try:
        publisher.send_all(readings(prefix, "site", 300))
        publisher.send_all([(f"{prefix}/site/body/line-1/press-1/measurement", b"garbage")])
        publisher.send_all(readings(prefix, "site", 300))  # sent again: stored once
        assert until(lambda: pipeline.stats.received == 601)
    finally:
        publisher.close()
        connector.stop()
        pipeline.stop()
    assert count(store) == 300
    with Session(store.engine) as session:
        [letter] = session.scalars(select(DeadLetter)).all()
    assert letter.raw == b"garbage"
    assert "not JSON" in letter.reason


def test_acks_of_a_batch_reach_the_broker_so_a_restarted_ingester_gets_nothing_again(broker, store, uid):
    """The PUBACKs of a whole batch go out in one write; the broker must take every one of them."""
    host, port = broker
    prefix = f"t{uid}"
    pipeline, connector = ingester(store, host, port, f"ing-{uid}", prefixes=[prefix], expiry=30)
    publisher = mqtt_publisher(host, port)
    try:
        publisher.send_all(readings(prefix, "site", 2000))
        assert until(lambda: pipeline.stats.received == 2000)
    finally:
        connector.stop()
        pipeline.stop()
    assert pipeline.stats.batches < 2000  # batched, so many acks went out together
    again, connector = ingester(store, host, port, f"ing-{uid}", prefixes=[prefix], expiry=1)
    try:
        publisher.send_all(readings(prefix, "site", 1, start=2000))
        assert until(lambda: again.stats.received >= 1)
        assert not until(lambda: again.stats.received > 1, timeout=0.5)  # nothing of the first 2000 redelivered
    finally:
        publisher.close()
        connector.stop()
        again.stop()
    assert count(store) == 2001


def test_sparkplug_births_data_state_message_and_rebirth_request(broker, store, uid):
    host, port = broker
    group = f"g{uid}"
    node = EdgeNodeEncoder(group, "paint")
    ncmd = Listener(host, port, f"spBv1.0/{group}/NCMD/+")
    pipeline, connector = ingester(store, host, port, f"host-{uid}", groups=[group])
    publisher = mqtt_publisher(host, port)
    state = Listener(host, port, f"spBv1.0/STATE/host-{uid}")
    try:
        assert until(lambda: state.messages)
        assert json.loads(state.messages[-1].payload)["online"] is True
        assert state.messages[-1].retain
        metrics = [Metric("booth-1/temperature", unit="degC"), Metric("booth-1/state", STRING)]
        publisher.send_all(
            [
                (node.topic("NBIRTH"), node.node_birth(ts_ms=T0_MS)),
                (node.topic("DBIRTH", "line-1"), node.device_birth("line-1", metrics, ts_ms=T0_MS)),
            ]
            + [
                (node.topic("DDATA", "line-1"), node.data({"booth-1/temperature": 20.0 + i}, "line-1", T0_MS + i))
                for i in range(1, 301)
            ]
            + [(node.topic("DDATA", "line-1"), node.data({"booth-1/state": "running"}, "line-1", T0_MS + 400))]
        )
        assert until(lambda: count(store) == 300 and count(store, StateChangeRecord) == 1)
        stranger = EdgeNodeEncoder(group, "welding")
        publisher.send_all([(stranger.topic("NDATA"), stranger.data({}, ts_ms=T0_MS))])
        assert until(lambda: ncmd.messages)
        request = pb.Payload.FromString(ncmd.messages[0].payload)
        assert ncmd.messages[0].topic == f"spBv1.0/{group}/NCMD/welding"
        assert [(m.name, m.boolean_value) for m in request.metrics] == [("Node Control/Rebirth", True)]
    finally:
        publisher.close()
        connector.stop()
        pipeline.stop()
    assert until(lambda: json.loads(state.messages[-1].payload)["online"] is False)
    state.close()
    ncmd.close()
    state_cleanup = mqtt_publisher(host, port)
    state_cleanup.send(f"spBv1.0/STATE/host-{uid}", b"", retain=True)  # clear the retained message
    state_cleanup.close()


def test_shared_subscription_splits_the_load_without_loss_or_doubles(broker, store, uid):
    host, port = broker
    prefix = f"t{uid}"
    first = ingester(store, host, port, f"a-{uid}", prefixes=[prefix], share=f"s{uid}")
    second = ingester(store, host, port, f"b-{uid}", prefixes=[prefix], share=f"s{uid}")
    publisher = mqtt_publisher(host, port)
    try:
        publisher.send_all(readings(prefix, "site", 2000))
        assert until(lambda: first[0].stats.received + second[0].stats.received == 2000)
    finally:
        publisher.close()
        for pipeline, connector in (first, second):
            connector.stop()
            pipeline.stop()
    assert first[0].stats.received > 0
    assert second[0].stats.received > 0
    assert count(store) == 2000


def test_a_stopped_member_of_a_share_group_holds_its_share_only_until_its_session_expires(broker, store, uid):
    """A shared session expires after minutes by default (not a week as an unshared one): once it has, the
    group's live member gets all of the data again."""
    host, port = broker
    prefix = f"t{uid}"
    assert session_expiry_s(MqttSettings(share_group="g")) == SHARED_SESSION_EXPIRY_S <= 300
    assert session_expiry_s(MqttSettings()) >= 7 * 24 * 3600
    stopped = ingester(store, host, port, f"a-{uid}", prefixes=[prefix], share=f"s{uid}", expiry=1)
    live = ingester(store, host, port, f"b-{uid}", prefixes=[prefix], share=f"s{uid}", expiry=1)
    stopped[1].stop()
    stopped[0].stop()
    time.sleep(2.5)  # the stopped member's session expires meanwhile
    publisher = mqtt_publisher(host, port)
    try:
        publisher.send_all(readings(prefix, "site", 400))
        assert until(lambda: live[0].stats.received == 400)
    finally:
        publisher.close()
        live[1].stop()
        live[0].stop()
    assert count(store) == 400
