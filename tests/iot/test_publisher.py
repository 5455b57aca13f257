"""The one publisher (the twin's --broker path, the benchmark, the tests): it bounds what is unacknowledged,
so more than 65,535 messages in a row all arrive, and a publish that fails raises instead of vanishing."""

from __future__ import annotations

import shutil
import threading

import paho.mqtt.client as mqtt
import pytest

from factoryos.iot.publisher import MqttPublisher, PublishError

from .conftest import PrivateBroker
from .mqtt_helpers import until

pytestmark = pytest.mark.mqtt


class Counter:
    """A bare subscriber that counts what arrives on `topic`."""

    def __init__(self, port: int, topic: str) -> None:
        self.count = 0
        self.subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        assert self.subscribed.wait(10)

    def _on_message(self, _client, _userdata, _message) -> None:
        self.count += 1

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_more_messages_than_packet_ids_all_arrive(private_broker, uid):
    total = 70_000  # past the 65,535 MQTT packet ids a client has
    counter = Counter(private_broker.port, f"t{uid}/#")
    publisher = MqttPublisher(f"mqtt://127.0.0.1:{private_broker.port}", max_outstanding=5000)
    try:
        publisher.send_all((f"t{uid}/m", b"%d" % i) for i in range(total))
        assert publisher.sent == total
        assert until(lambda: counter.count >= total, timeout=120)
    finally:
        publisher.close()
        counter.close()
    assert counter.count == total


@pytest.fixture
def small_message_broker(tmp_path):
    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is not installed")
    broker = PrivateBroker(tmp_path, extra="message_size_limit 100\n")
    broker.start()
    yield broker
    broker.stop()


def test_a_message_the_broker_refuses_raises(small_message_broker, uid):
    """Mosquitto does not acknowledge a message over its size limit: the publisher says so, it does not wait
    forever nor drop it silently."""
    publisher = MqttPublisher(f"mqtt://127.0.0.1:{small_message_broker.port}", timeout_s=3)
    try:
        publisher.send(f"t{uid}/m", b"small")
        publisher.flush()
        publisher.send(f"t{uid}/m", b"x" * 1000)
        with pytest.raises(PublishError, match="refused|unacknowledged"):
            publisher.flush()
    finally:
        publisher.client.disconnect()
        publisher.client.loop_stop()


def test_an_unreachable_broker_is_a_clear_error():
    with pytest.raises(PublishError, match="cannot reach the MQTT broker"):
        MqttPublisher("mqtt://127.0.0.1:1")
