"""The twin's event stream to an MQTT broker, on the JSON topic layout (`factoryos.iot.jsonlayout`).

The twin produces events far faster than a broker takes them, and an MQTT client can have at most 65,535
messages in flight (message ids wrap), so publishing waits for the broker every `window` messages.
"""

from __future__ import annotations

import paho.mqtt.client as mqtt

from factoryos.iot.jsonlayout import DEFAULT_PREFIX
from factoryos.iot.mqtt import parse_broker
from factoryos.model.bus import EventBus, Subscription
from factoryos.model.events import Event


class MqttOut:
    def __init__(self, broker: str, client_id: str, prefix: str = DEFAULT_PREFIX, window: int = 20_000) -> None:
        host, port = parse_broker(broker)
        self.prefix = prefix
        self.window = window
        self.sent = 0
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.connect(host, port)
        self.client.loop_start()
        self._last: mqtt.MQTTMessageInfo | None = None
        self._subscription: Subscription | None = None

    def attach(self, bus: EventBus) -> MqttOut:
        self._subscription = bus.subscribe(self.publish)
        return self

    def publish(self, event: Event) -> None:
        self._last = self.client.publish(f"{self.prefix}/{event.equipment}/{event.kind.value}", event.to_json(), qos=1)
        self.sent += 1
        if self.sent % self.window == 0:
            self._last.wait_for_publish()

    def close(self, bus: EventBus) -> None:
        """Wait until everything has reached the broker, then disconnect."""
        if self._subscription is not None:
            bus.unsubscribe(self._subscription)
        if self._last is not None:
            self._last.wait_for_publish()
        self.client.disconnect()
        self.client.loop_stop()
