"""The MQTT connector (paho-mqtt 2.x, MQTT 5): subscribes, hands messages to the pipeline, acks after store.

Nothing is lost across restarts because the session outlives the connection: a fixed client id,
`clean_start=False` and a session expiry (a week by default) make the broker keep undelivered and
unacknowledged QoS 1 messages for this ingester, and acks are sent only once a message is stored
(`manual_ack=True`). The receive maximum (at most the pipeline's queue size) bounds how many unacknowledged
messages the broker sends, so a slow store holds messages at the broker. The broker must keep what it
holds: persistence on, and a `max_queued_messages` (Mosquitto; default 1000, beyond which QoS 1 messages are
dropped) large enough for the backlog of a slow or stopped ingester.

Several ingesters may split the data with a shared subscription (`$share/{group}/...`), but only when asked
(`share_group`): a broker need not keep a shared subscription's messages for a session that is offline as it
does an ordinary subscription's (Mosquitto 2.0 dropped what arrived for an ingester that crashed while the
broker restarted), and the messages it does hold for a stopped member wait for that member alone. So a
shared session expires after minutes (`SHARED_SESSION_EXPIRY_S`), not a week. Sparkplug births and deaths are
subscribed without sharing: every ingester must know every node's aliases. As the Sparkplug primary host,
the connector publishes `spBv1.0/STATE/{host_id}` (retained, online true, and false as its will).
"""

from __future__ import annotations

import json
import logging
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from factoryos.iot.edge import rebirth_request
from factoryos.iot.messages import Ack, Inbound
from factoryos.iot.pipeline import Pipeline
from factoryos.iot.sparkplug import NAMESPACE
from factoryos.model.errors import FactoryosError

log = logging.getLogger(__name__)

SESSION_EXPIRY_S = 7 * 24 * 3600
SHARED_SESSION_EXPIRY_S = 300
PUBACK_HEADER = (mqtt.PUBACK << 24) | (2 << 16)  # a PUBACK as a big-endian uint32, less its packet id


@dataclass(frozen=True)
class MqttSettings:
    """Where and how an ingester subscribes: broker, client id (keep it: the session is keyed by it),
    what to take (Sparkplug groups, JSON prefixes), an optional share group and the session's expiry."""

    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = "factoryos-ingest"
    sparkplug_groups: tuple[str, ...] = ()
    json_prefixes: tuple[str, ...] = ()
    share_group: str | None = None
    host_id: str = "factoryos"
    session_expiry_s: int | None = None  # SESSION_EXPIRY_S, or SHARED_SESSION_EXPIRY_S with a share group
    receive_maximum: int = 20000
    keepalive_s: int = 30


def session_expiry_s(settings: MqttSettings) -> int:
    """How long the broker keeps this ingester's session (and its messages) while it is away."""
    if settings.session_expiry_s is not None:
        return settings.session_expiry_s
    return SHARED_SESSION_EXPIRY_S if settings.share_group else SESSION_EXPIRY_S


def parse_broker(url: str) -> tuple[str, int]:
    """`mqtt://host:port` (port 1883 by default) -> (host, port)."""
    parsed = urlparse(url if "://" in url else f"mqtt://{url}")
    if parsed.scheme not in ("mqtt", "tcp") or not parsed.hostname:
        raise FactoryosError(f"broker URL {url!r}: expected mqtt://host[:port]")
    return parsed.hostname, parsed.port or 1883


def subscriptions(settings: MqttSettings) -> list[str]:
    """Topic filters: data shared among ingesters, Sparkplug births and deaths seen by all."""
    share = f"$share/{settings.share_group}/" if settings.share_group else ""
    topics = [f"{share}{prefix}/#" for prefix in settings.json_prefixes]
    for group in settings.sparkplug_groups:
        topics += [f"{share}{NAMESPACE}/{group}/NDATA/+", f"{share}{NAMESPACE}/{group}/DDATA/+/+"]
        topics += [f"{NAMESPACE}/{group}/{kind}/+" for kind in ("NBIRTH", "NDEATH")]
        topics += [f"{NAMESPACE}/{group}/{kind}/+/+" for kind in ("DBIRTH", "DDEATH")]
    return topics


class MqttConnector:
    """Subscribes for a pipeline and acknowledges each message once the pipeline has stored it."""

    def __init__(self, settings: MqttSettings, pipeline: Pipeline) -> None:
        self.settings = settings
        self.pipeline = pipeline
        self.connected = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=settings.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.reconnect_delay_set(0.2, 5)  # type: ignore[arg-type]  # paho takes seconds as floats
        if settings.sparkplug_groups:
            self.client.will_set(self._state_topic, self._state(False), qos=1, retain=True)
        pipeline.on_rebirth = self.request_rebirth
        self._pubacks = self._send_pubacks  # one bound method for every message's Ack

    @property
    def _state_topic(self) -> str:
        return f"{NAMESPACE}/STATE/{self.settings.host_id}"

    def _state(self, online: bool) -> bytes:
        return json.dumps({"online": online, "timestamp": time.time_ns() // 1_000_000}).encode()

    def start(self, timeout: float = 10.0) -> MqttConnector:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = session_expiry_s(self.settings)
        # Never more unacknowledged messages than the pipeline's queue holds: `submit` then never waits in
        # paho's network thread (which must stay free to send the acks), and the broker holds the rest.
        properties.ReceiveMaximum = min(self.settings.receive_maximum, self.pipeline.settings.queue_size)
        try:
            self.client.connect(
                self.settings.host,
                self.settings.port,
                keepalive=self.settings.keepalive_s,
                clean_start=False,
                properties=properties,
            )
        except OSError as error:
            where = f"{self.settings.host}:{self.settings.port}"
            raise FactoryosError(f"cannot reach the MQTT broker {where}: {error}") from None
        self.client.loop_start()
        if not self.connected.wait(timeout):
            raise FactoryosError(f"MQTT broker {self.settings.host}:{self.settings.port} did not accept us")
        return self

    def stop(self) -> None:
        """Disconnect (the session stays at the broker) after saying the host is offline."""
        if self.settings.sparkplug_groups and self.connected.is_set():
            self.client.publish(self._state_topic, self._state(False), qos=1, retain=True).wait_for_publish(5)
        self.client.disconnect()
        self.client.loop_stop()

    def request_rebirth(self, group: str, node: str) -> None:
        _check(self.client.publish(f"{NAMESPACE}/{group}/NCMD/{node}", rebirth_request(), qos=0), "rebirth request")

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties) -> None:
        if reason_code.is_failure:
            log.error("MQTT connect refused: %s", reason_code)
            return
        # Subscribing again is harmless with a kept session, and needed when the broker lost it.
        client.subscribe([(topic, 1) for topic in subscriptions(self.settings)])
        if self.settings.sparkplug_groups:
            _check(client.publish(self._state_topic, self._state(True), qos=1, retain=True), "host STATE")
        self.connected.set()

    def _on_disconnect(self, _client, _userdata, _flags, reason_code, _properties) -> None:
        self.connected.clear()
        if reason_code != 0:
            log.warning("MQTT connection lost (%s); reconnecting", reason_code)

    def _on_message(self, client, _userdata, message) -> None:
        qos = message.qos
        ack: Ack | Callable[[], None] | None
        if qos == 1:
            ack = Ack(self._pubacks, message.mid)
        else:
            mid = message.mid
            ack = (lambda: client.ack(mid, qos)) if qos else None
        self.pipeline.submit(Inbound("mqtt", message.topic, message.payload, ack))

    def _send_pubacks(self, mids: list[int]) -> None:
        """PUBACK the QoS 1 messages `mids` (called once per stored batch, from the pipeline's thread).

        paho's `ack` queues one packet per message, and its network thread then makes one `send` per
        packet and wakes once per packet; here all the PUBACKs (4 bytes each: type, length 2, packet id)
        go in one queued packet, so one wake-up and usually one `send` for a whole batch. This uses the
        client's internal `_packet_queue` (paho 1.x-2.x), which is what its `ack` does; without it, each
        message is acked on its own."""
        queue_packet = getattr(self.client, "_packet_queue", None)
        if queue_packet is None:
            for mid in mids:
                self.client.ack(mid, 1)
            return
        packet = struct.pack(f">{len(mids)}I", *[PUBACK_HEADER | mid for mid in mids])
        queue_packet(mqtt.PUBACK, packet, 0, 0)


def _check(info: mqtt.MQTTMessageInfo, what: str) -> None:
    """Say when paho refused a publish (it returns a code, it does not raise); these run in paho's thread,
    where raising would stop the connection."""
    if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
        log.error("publishing the %s failed: %s", what, mqtt.error_string(info.rc))
