"""The one MQTT publisher: the bus (the twin's, say) on the JSON topic layout, and raw messages for the
benchmark and the tests, so a simulated plant reaches a broker exactly as a real one does.

Every message goes at QoS 1, and at most `max_outstanding` are unacknowledged at a time: an MQTT client has
65,535 packet ids, and paho refuses (with a return code, not an exception) a publish whose id is still in
use, so a producer faster than the broker (the twin, a benchmark) would otherwise lose messages silently.
`send` waits for room, checks each publish's return code, and raises `PublishError` if paho refused a
message, the broker rejected one (a PUBACK reason code >= 0x80), or nothing was acknowledged for
`timeout_s`. While the connection is down paho keeps QoS 1 messages and sends them on reconnecting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import paho.mqtt.client as mqtt

from factoryos.iot.jsonlayout import DEFAULT_PREFIX
from factoryos.iot.mqtt import parse_broker
from factoryos.model.bus import EventBus, Subscription
from factoryos.model.errors import FactoryosError
from factoryos.model.events import Event

MAX_PACKET_IDS = 65_535
KEPT_WHILE_DISCONNECTED = (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN)  # QoS 1: queued, sent on reconnect


class PublishError(FactoryosError):
    """A message did not reach the broker."""


class MqttPublisher:
    """Publishes at QoS 1 with a bounded number of unacknowledged messages.

    broker: ``mqtt://host:port``. prefix: the JSON topic layout's first level, for events.
    max_outstanding: unacknowledged messages at most (below the 65,535 packet ids).
    timeout_s: how long `send` and `flush` wait for the broker before raising `PublishError`.
    """

    def __init__(
        self,
        broker: str,
        client_id: str = "",
        prefix: str = DEFAULT_PREFIX,
        max_outstanding: int = 10_000,
        timeout_s: float = 120.0,
    ) -> None:
        if not 0 < max_outstanding < MAX_PACKET_IDS:
            raise FactoryosError(f"max_outstanding {max_outstanding}: expected 1 to {MAX_PACKET_IDS - 1}")
        self.broker = broker
        self.prefix = prefix
        self.max_outstanding = max_outstanding
        self.timeout_s = timeout_s
        self.sent = 0
        self._outstanding = 0
        self._refused: list[str] = []
        self._room = threading.Condition()
        self._subscription: Subscription | None = None
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(min(100, max_outstanding))
        self.client.on_publish = self._on_publish
        host, port = parse_broker(broker)
        try:
            self.client.connect(host, port)
        except OSError as error:
            raise PublishError(f"cannot reach the MQTT broker {broker}: {error}") from None
        self.client.loop_start()

    def attach(self, bus: EventBus, equipment_prefix: str = "") -> MqttPublisher:
        """Publish every event of `bus` (under `equipment_prefix`) from now on."""
        self._subscription = bus.subscribe(self.publish, equipment_prefix=equipment_prefix)
        return self

    def publish(self, event: Event) -> None:
        """One event, whole, to ``{prefix}/{equipment}/{kind}``."""
        self.send(f"{self.prefix}/{event.equipment}/{event.kind.value}", event.to_json())

    def send(self, topic: str, payload: bytes | str, retain: bool = False) -> None:
        """Publish one message at QoS 1 once fewer than `max_outstanding` are unacknowledged."""
        with self._room:
            if not self._room.wait_for(lambda: self._outstanding < self.max_outstanding, self.timeout_s):
                raise PublishError(
                    f"MQTT broker {self.broker} acknowledged nothing in {self.timeout_s:g} s "
                    f"({self._outstanding} messages outstanding)"
                )
            self._raise_refused()
            self._outstanding += 1
        rc = self.client.publish(topic, payload, qos=1, retain=retain).rc
        if rc not in KEPT_WHILE_DISCONNECTED:
            with self._room:
                self._outstanding -= 1
            raise PublishError(f"publishing to {topic!r} on {self.broker} failed: {mqtt.error_string(rc)}")
        self.sent += 1

    def send_all(self, messages: Iterable[tuple[str, bytes]]) -> None:
        """Publish (topic, payload) pairs and wait until the broker has acknowledged them all."""
        for topic, payload in messages:
            self.send(topic, payload)
        self.flush()

    def flush(self) -> None:
        """Wait until every message sent so far is acknowledged."""
        with self._room:
            if not self._room.wait_for(lambda: self._outstanding == 0, self.timeout_s):
                raise PublishError(
                    f"MQTT broker {self.broker} left {self._outstanding} messages unacknowledged "
                    f"after {self.timeout_s:g} s"
                )
            self._raise_refused()

    def close(self, bus: EventBus | None = None) -> None:
        """Stop publishing `bus`, wait until everything sent has been acknowledged, then disconnect."""
        if bus is not None and self._subscription is not None:
            bus.unsubscribe(self._subscription)
            self._subscription = None
        try:
            self.flush()
        finally:
            self.client.disconnect()
            self.client.loop_stop()

    def _on_publish(self, _client, _userdata, mid, reason_code, _properties) -> None:
        with self._room:
            self._outstanding -= 1
            if reason_code.is_failure:
                self._refused.append(f"message {mid}: {reason_code}")
            self._room.notify_all()

    def _raise_refused(self) -> None:
        if self._refused:
            refused, self._refused = self._refused, []
            shown = "; ".join(refused[:3]) + (f" and {len(refused) - 3} more" if len(refused) > 3 else "")
            raise PublishError(f"MQTT broker {self.broker} refused {len(refused)} messages: {shown}")


@dataclass(frozen=True)
class BrokerTap:
    """Publishes a bus (a twin replication's) to `broker` until the returned function is called; plain data,
    so it pickles into the processes that run replications."""

    broker: str
    prefix: str = DEFAULT_PREFIX

    def __call__(self, bus: EventBus, name: str) -> Callable[[], None]:
        publisher = MqttPublisher(self.broker, client_id=name, prefix=self.prefix).attach(bus)
        return lambda: publisher.close(bus)
