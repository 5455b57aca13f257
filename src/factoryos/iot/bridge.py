"""Bus to MQTT: publish the in-process event stream (the twin's, say) on the JSON topic layout, so that a
simulated plant reaches a broker exactly as a real one does and is ingested by the same path."""

from __future__ import annotations

import paho.mqtt.client as mqtt

from factoryos.iot.jsonlayout import DEFAULT_PREFIX
from factoryos.model.bus import EventBus, Subscription
from factoryos.model.events import Event


class MqttBridge:
    """Subscribes to a bus and publishes each event, whole, to ``{prefix}/{equipment}/{kind}`` at QoS 1."""

    def __init__(self, host: str, port: int, prefix: str = DEFAULT_PREFIX, client_id: str = "") -> None:
        self.prefix = prefix
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.max_inflight_messages_set(100)
        self.client.max_queued_messages_set(0)
        self.client.connect(host, port)
        self.client.loop_start()
        self._last: mqtt.MQTTMessageInfo | None = None
        self._subscription: Subscription | None = None

    def attach(self, bus: EventBus, equipment_prefix: str = "") -> MqttBridge:
        self._subscription = bus.subscribe(self.publish, equipment_prefix=equipment_prefix)
        return self

    def publish(self, event: Event) -> None:
        topic = f"{self.prefix}/{event.equipment}/{event.kind.value}"
        self._last = self.client.publish(topic, event.to_json(), qos=1)

    def close(self, bus: EventBus | None = None, timeout: float = 60.0) -> None:
        """Wait until everything published so far has reached the broker, then disconnect."""
        if bus is not None and self._subscription is not None:
            bus.unsubscribe(self._subscription)
        if self._last is not None:
            self._last.wait_for_publish(timeout)
        self.client.disconnect()
        self.client.loop_stop()
