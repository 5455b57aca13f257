"""Publishing and waiting helpers for the tests that use a broker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from factoryos.iot.mqtt import MqttConnector, MqttSettings
from factoryos.iot.pipeline import Pipeline, PipelineSettings
from factoryos.iot.publisher import MqttPublisher
from factoryos.model.bus import EventBus

T0_MS = 1_795_000_000_000


def mqtt_publisher(host: str, port: int, client_id: str = "") -> MqttPublisher:
    """The product's publisher, for raw messages (`send_all`)."""
    return MqttPublisher(f"mqtt://{host}:{port}", client_id)


def readings(prefix: str, site: str, n: int, start: int = 0) -> list[tuple[str, bytes]]:
    """N JSON measurement messages, seq start..start+n-1, spread over 4 presses."""
    return [
        (
            f"{prefix}/{site}/body/line-1/press-{i % 4}/measurement",
            json.dumps({"seq": i, "ts": T0_MS + i, "name": "force", "value": float(i % 100), "unit": "kN"}).encode(),
        )
        for i in range(start, start + n)
    ]


def ingester(
    store, host: str, port: int, client_id: str, *, prefixes=(), groups=(), share=None, expiry=10, **pipeline_kw
) -> tuple[Pipeline, MqttConnector]:
    settings = PipelineSettings(json_prefixes=tuple(prefixes) or ("factoryos",), **pipeline_kw)
    pipeline = Pipeline(store, settings).start()
    mqtt_settings = MqttSettings(
        host,
        port,
        client_id,
        sparkplug_groups=tuple(groups),
        json_prefixes=tuple(prefixes),
        share_group=share,
        host_id=client_id,
        session_expiry_s=expiry,
    )
    connector = MqttConnector(mqtt_settings, pipeline).start()
    time.sleep(0.3)  # the SUBACK
    return pipeline, connector


def until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@contextmanager
def through_mosquitto(
    store, host: str, port: int, uid: str, bus: EventBus, **attach
) -> Iterator[Callable[[int], None]]:
    """The product's bridge from `bus` to the broker (topic prefix ``t{uid}``) and an ingester storing what arrives.
    The block publishes, then calls what it is given with how many events it sent: that closes the bridge and
    waits until every one has arrived. None may become a dead letter."""
    prefix = f"t{uid}"
    pipeline, connector = ingester(store, host, port, f"ing-{uid}", prefixes=[prefix])
    bridge = MqttPublisher(f"mqtt://{host}:{port}", prefix=prefix).attach(bus, **attach)

    def delivered(sent: int) -> None:
        bridge.close(bus)
        assert until(lambda: pipeline.stats.received == sent, timeout=60)

    try:
        yield delivered
    finally:
        connector.stop()
        pipeline.stop()
    assert pipeline.stats.dead_letters == 0
