"""`factoryos bench ingest`: MQTT ingestion throughput, against a bare paho pair measured in the same run.

A publisher process sends N QoS 1 messages; first a bare paho subscriber only counts them, then the ingester
decodes, validates and stores them. Both figures run from the first publish to the last message counted or
stored, so their ratio is what ingestion costs on top of MQTT itself. The benchmark's rows are deleted from
the store afterwards unless --keep is given.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
import uuid
from typing import Annotated

import paho.mqtt.client as mqtt
import typer
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from factoryos.cli.common import DbOption, console
from factoryos.iot.edge import EdgeNodeEncoder, Metric
from factoryos.iot.mqtt import MqttConnector, MqttSettings, parse_broker
from factoryos.iot.pipeline import Pipeline, PipelineSettings
from factoryos.iot.timeseries import TelemetryStore
from factoryos.model.errors import FactoryosError
from factoryos.store.db import make_engine, migrate
from factoryos.store.telemetry import MeasurementRecord

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
        values = {m: 1.0 + (i + k) % 97 / 10 for k, m in enumerate(names)}
        messages.append((node.topic("DDATA", "line-1"), node.data(values, "line-1", ts_ms=start_ms + i)))
    return messages


def _publish(host: str, port: int, messages: list[tuple[str, bytes]], started) -> None:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(100)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    started.set()
    info = None
    for topic, payload in messages:
        info = client.publish(topic, payload, qos=1)
    if info is not None:
        info.wait_for_publish(120)
    client.disconnect()
    client.loop_stop()


def _start_publisher(host: str, port: int, messages: list[tuple[str, bytes]]) -> tuple[multiprocessing.Process, float]:
    """The publisher process, and the time it was connected and about to publish."""
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    process = context.Process(target=_publish, args=(host, port, messages, started), daemon=True)
    process.start()
    started.wait(60)
    return process, time.perf_counter()


def bare_pair(host: str, port: int, messages: list[tuple[str, bytes]], topic_filter: str) -> float:
    """Seconds for a bare paho subscriber to count every message; it does nothing else."""
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
    publisher, start = _start_publisher(host, port, messages)
    _wait(done.is_set, publisher)
    seconds = time.perf_counter() - start
    client.disconnect()
    client.loop_stop()
    if count[0] < total:
        raise FactoryosError(f"the bare subscriber got {count[0]} of {total} messages; is the broker dropping?")
    return seconds


def _wait(finished, publisher: multiprocessing.Process, grace_s: float = 120.0) -> None:
    """Until `finished()`, or `grace_s` after the publisher is done."""
    deadline = None
    while not finished():
        if deadline is None and not publisher.is_alive():
            deadline = time.monotonic() + grace_s
        if deadline is not None and time.monotonic() > deadline:
            break
        time.sleep(0.005)
    publisher.join(30)


def ingest(
    broker: Annotated[str, typer.Option(help="MQTT broker, mqtt://host:port.")] = "mqtt://127.0.0.1:1883",
    messages: Annotated[int, typer.Option(min=1, help="Messages to publish.")] = 50_000,
    sparkplug: Annotated[bool, typer.Option("--sparkplug", help="Sparkplug B DDATA, 20 metrics each.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the benchmark's rows in the store.")] = False,
    db: DbOption = None,
) -> None:
    """Publish N QoS 1 messages and ingest them into the store; compare with a bare paho pair."""
    host, port = parse_broker(broker)
    run = uuid.uuid4().hex[:8]
    if sparkplug:
        batch, topic_filter, data_messages = sparkplug_messages(run, messages), f"spBv1.0/bench-{run}/#", messages
    else:
        batch, topic_filter, data_messages = json_messages(run, messages), f"factoryos/bench-{run}/#", messages
    bare_seconds = bare_pair(host, port, batch, topic_filter)

    engine = make_engine(db)
    migrate(engine)
    store = TelemetryStore(engine)
    pipeline = Pipeline(store, PipelineSettings(queue_size=RECEIVE_MAXIMUM, rollup_every_s=3600)).start()
    settings = MqttSettings(
        host=host,
        port=port,
        client_id=f"factoryos-bench-{run}",
        sparkplug_groups=(f"bench-{run}",) if sparkplug else (),
        json_prefixes=() if sparkplug else ("factoryos",),
        share_group=None,
        session_expiry_s=60,
        receive_maximum=RECEIVE_MAXIMUM,
    )
    connector = MqttConnector(settings, pipeline).start()
    time.sleep(0.2)  # let the subscription settle
    expected = data_messages * (METRICS_PER_MESSAGE if sparkplug else 1)
    site = f"bench-{run}"
    publisher, start = _start_publisher(host, port, batch)
    _wait(lambda: pipeline.stats.received >= len(batch), publisher)
    seconds = time.perf_counter() - start
    connector.stop()
    pipeline.stop()
    with Session(engine) as session:
        stored = session.scalar(select(func.count()).where(MeasurementRecord.site == site))
        if not keep:
            session.execute(delete(MeasurementRecord).where(MeasurementRecord.site == site))
            session.commit()

    unit = "metrics" if sparkplug else "msgs"
    figures = {
        "mode": "sparkplug" if sparkplug else "json",
        "messages": data_messages,
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
    if as_json:
        print(json.dumps(figures))
    else:
        console.print(
            f"{figures['mode']}: {stored}/{expected} {unit} stored in {seconds:.2f} s "
            f"({figures['msgs_per_s']} msg/s); bare paho pair {figures['bare_msgs_per_s']} msg/s; "
            f"ratio {figures['ratio_to_bare']}"
        )
