"""MQTT ingestion throughput (`factoryos bench ingest`), against a bare paho pair measured in the same run.

A publisher process sends N QoS 1 messages through the product's publisher (`MqttPublisher`: it bounds what
is unacknowledged and checks every publish, so no message is refused unseen); first a bare paho subscriber
only counts them, then the ingester decodes, validates and stores them. Both figures run from the first
publish to the last message counted or stored, so their ratio is what ingestion costs on top of MQTT
itself. The benchmark's rows are deleted from the store afterwards unless `keep` is given.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
import uuid
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any, NamedTuple

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import Engine

from factoryos.iot.edge import EdgeNodeEncoder, Metric
from factoryos.iot.mqtt import MqttConnector, MqttSettings, parse_broker
from factoryos.iot.pipeline import Pipeline, PipelineSettings
from factoryos.iot.publisher import MqttPublisher
from factoryos.model.errors import FactoryosError
from factoryos.store.timeseries import TelemetryStore

METRICS_PER_MESSAGE = 20
RECEIVE_MAXIMUM = 65535


def json_messages(run: str, n: int) -> list[tuple[str, bytes]]:
    """N measurement readings of about 200 bytes, one per message, on the JSON topic layout."""
    messages = []
    for i in range(n):
        payload = {
            "seq": i,
            "ts": f"2026-01-01T00:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1000:03d}000+00:00",
            "name": "spindle_bearing_temperature",
            "value": round(40 + (i % 977) / 31.0, 6),
            "unit": "degC",
            "source": f"bench-{run}/machining/line-1/press-{i % 16:02d}/plc-{i % 16:02d}",
        }
        topic = f"factoryos/bench-{run}/machining/line-1/press-{i % 16:02d}/measurement"
        messages.append((topic, json.dumps(payload).encode()))
    return messages


def sparkplug_messages(run: str, n: int) -> list[tuple[str, bytes]]:
    """NBIRTH, DBIRTH, then N DDATA messages of 20 metrics each."""
    node = EdgeNodeEncoder(f"bench-{run}", "machining")
    names = [f"press-{k % 4:02d}/sensor-{k:02d}" for k in range(METRICS_PER_MESSAGE)]
    messages = [
        (node.topic("NBIRTH"), node.node_birth()),
        (node.topic("DBIRTH", "line-1"), node.device_birth("line-1", [Metric(m, unit="bar") for m in names])),
    ]
    start_ms = 1_767_225_600_000
    for i in range(n):
        values: dict[str, float | int | str] = {m: 1.0 + (i + k) % 97 / 10 for k, m in enumerate(names)}
        messages.append((node.topic("DDATA", "line-1"), node.data(values, "line-1", ts_ms=start_ms + i)))
    return messages


def _publish(broker: str, messages: list[tuple[str, bytes]], started, failed) -> None:
    try:
        publisher = MqttPublisher(broker)
        started.set()
        publisher.send_all(messages)
        publisher.close()
    except FactoryosError as error:
        failed.put(str(error))
        started.set()


class Publisher(NamedTuple):
    """The publisher process, the time it was connected and about to publish, and where it says why it failed."""

    process: BaseProcess
    start: float
    failed: Any

    def join(self, timeout: float) -> None:
        self.process.join(timeout)
        if not self.failed.empty():
            raise FactoryosError(f"the benchmark's publisher failed: {self.failed.get()}")


def _start_publisher(broker: str, messages: list[tuple[str, bytes]]) -> Publisher:
    context = multiprocessing.get_context("spawn")
    started, failed = context.Event(), context.SimpleQueue()
    process = context.Process(target=_publish, args=(broker, messages, started, failed), daemon=True)
    process.start()
    started.wait(60)
    return Publisher(process, time.perf_counter(), failed)


def bare_pair(broker: str, messages: list[tuple[str, bytes]], topic_filter: str) -> float:
    """Seconds for a bare paho subscriber to count every message; it does nothing else."""
    host, port = parse_broker(broker)
    done = threading.Event()
    count = [0]
    total = len(messages)

    def on_message(_client, _userdata, _message) -> None:
        count[0] += 1
        if count[0] == total:
            done.set()

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_message = on_message
    subscribed = threading.Event()
    client.on_subscribe = lambda *_args: subscribed.set()
    properties = Properties(PacketTypes.CONNECT)
    properties.ReceiveMaximum = RECEIVE_MAXIMUM  # as the ingester, so the broker queues alike
    client.connect(host, port, properties=properties)
    client.loop_start()
    client.subscribe(topic_filter, qos=1)
    subscribed.wait(10)
    publisher = _start_publisher(broker, messages)
    _wait(done.is_set, publisher)
    seconds = time.perf_counter() - publisher.start
    client.disconnect()
    client.loop_stop()
    if count[0] < total:
        raise FactoryosError(f"the bare subscriber got {count[0]} of {total} messages; is the broker dropping?")
    return seconds


def _wait(finished: Callable[[], bool], publisher: Publisher, grace_s: float = 120.0) -> None:
    """Until `finished()`, or `grace_s` after the publisher is done; raises if the publisher failed."""
    deadline = None
    while not finished():
        if deadline is None and not publisher.process.is_alive():
            deadline = time.monotonic() + grace_s
            if not publisher.failed.empty():
                break
        if deadline is not None and time.monotonic() > deadline:
            break
        time.sleep(0.005)
    publisher.join(30)


def ingest_benchmark(broker: str, messages: int, sparkplug: bool, engine: Engine, keep: bool = False) -> dict:
    """Publish `messages` QoS 1 messages twice, to a bare paho subscriber and to the ingester; the figures."""
    host, port = parse_broker(broker)
    run = uuid.uuid4().hex[:8]
    site = f"bench-{run}"
    if sparkplug:
        batch, topic_filter = sparkplug_messages(run, messages), f"spBv1.0/{site}/#"
    else:
        batch, topic_filter = json_messages(run, messages), f"factoryos/{site}/#"
    bare_seconds = bare_pair(broker, batch, topic_filter)

    store = TelemetryStore(engine)
    pipeline = Pipeline(store, PipelineSettings(queue_size=RECEIVE_MAXIMUM, rollup_every_s=3600)).start()
    settings = MqttSettings(
        host=host,
        port=port,
        client_id=f"factoryos-bench-{run}",
        sparkplug_groups=(site,) if sparkplug else (),
        json_prefixes=() if sparkplug else ("factoryos",),
        session_expiry_s=60,
        receive_maximum=RECEIVE_MAXIMUM,
    )
    connector = MqttConnector(settings, pipeline).start()
    time.sleep(0.2)  # let the subscription settle
    publisher = _start_publisher(broker, batch)
    try:
        _wait(lambda: pipeline.stats.received >= len(batch), publisher)
        seconds = time.perf_counter() - publisher.start
    finally:
        connector.stop()
        pipeline.stop()
    stored = store.measurements_of_site(site)
    if not keep:
        store.forget_site(site)
    figures = {
        "mode": "sparkplug" if sparkplug else "json",
        "messages": messages,
        "expected": messages * (METRICS_PER_MESSAGE if sparkplug else 1),
        "stored": stored,
        "seconds": round(seconds, 3),
        "msgs_per_s": round(len(batch) / seconds),
        "bare_seconds": round(bare_seconds, 3),
        "bare_msgs_per_s": round(len(batch) / bare_seconds),
        "ratio_to_bare": round(bare_seconds / seconds, 3),
        "dead_letters": pipeline.stats.dead_letters,
    }
    if sparkplug:
        figures["metrics_per_s"] = round(stored / seconds)
    return figures
