"""The OPC UA connector (asyncua): subscribes to data changes of a server's nodes, one reading per change.

Each subscribed node is mapped to an equipment path, a reading name and a unit (`OpcUaNode`). A change
becomes a compact reading on the JSON topic layout, so it is decoded, validated, stored and dead-lettered
exactly like an MQTT reading. The source is ``opcua:{url}#{node_id}`` and the seq is the value's source
timestamp in microseconds, so a value seen twice (after a reconnect) is stored once; a lost session makes the
states it gave unknown until the next one gives them again. OPC UA has no
acknowledgement: when the pipeline is full the connector waits, and the server's monitored-item queue holds
the changes meanwhile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from asyncua import Client, ua

from factoryos.iot.jsonlayout import DEFAULT_PREFIX
from factoryos.iot.messages import Inbound
from factoryos.iot.pipeline import Pipeline
from factoryos.model.events import EquipmentState
from factoryos.model.readings import to_us
from factoryos.model.units import UNITS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpcUaNode:
    """An OPC UA node to subscribe to, and the equipment reading its value changes become."""

    node_id: str  # e.g. "ns=2;i=7" or "ns=2;s=Press1.Temperature"
    equipment: str  # ISA-95 path, e.g. "ev-plant/body/line-1/press-1"
    name: str
    unit: str = "1"
    kind: str = "measurement"  # or "state" for a node whose value is the equipment state


def checked(node: OpcUaNode) -> OpcUaNode:
    """The node with its id as the server writes it back (`ns=2;i=02` is `ns=2;i=2`: a change is matched to its
    node by that), or a ValueError saying what is wrong with it."""
    try:
        node_id = ua.NodeId.from_string(node.node_id).to_string()
    except Exception as error:  # asyncua raises several kinds for a malformed id
        raise ValueError(f"node_id {node.node_id!r} is not an OPC UA node id ({error})") from None
    if node.kind not in ("measurement", "state"):
        raise ValueError(f"kind {node.kind!r}: expected measurement or state")
    if node.kind == "measurement" and node.unit not in UNITS:
        raise ValueError(f"unit {node.unit!r} is not one a reading may carry")
    if not all(node.equipment.split("/")) or not node.name:
        raise ValueError(f"equipment {node.equipment!r} and name {node.name!r}: an equipment path and a name")
    return replace(node, node_id=node_id)


def reading(url: str, node: OpcUaNode, value: object, source_time: datetime | None) -> Inbound:
    """The JSON-layout message for one data change."""
    ts_us = to_us(_stamp(source_time))
    body: dict[str, object] = {"seq": ts_us, "ts": ts_us // 1000, "source": f"opcua:{url}#{node.node_id}"}
    if node.kind == "state":
        body["state"] = value
    else:
        body.update(name=node.name, value=int(value) if isinstance(value, bool) else value, unit=node.unit)
    topic = f"{DEFAULT_PREFIX}/{node.equipment}/{node.kind}"
    return Inbound("opcua", topic, json.dumps(body, default=str).encode())


def _stamp(source_time: datetime | None) -> datetime:
    """When a change happened: its source time (UTC where the server gives none), else now."""
    return source_time.replace(tzinfo=source_time.tzinfo or UTC) if source_time else datetime.now(UTC)


class _Handler:
    """Data changes of one session into the pipeline. After a lost session (`lost_at`) the first value of each
    state node is the state from the new session on: the server hands it with the time it was set, before the
    loss, and stamped so it would be stored as the value already seen, the state staying unknown."""

    def __init__(
        self, url: str, by_node: dict[str, OpcUaNode], pipeline: Pipeline, lost_at: datetime | None = None
    ) -> None:
        self.url, self.by_node, self.pipeline, self.lost_at = url, by_node, pipeline, lost_at
        self.restated: set[str] = set()

    def datachange_notification(self, node, value, data) -> None:
        mapped = self.by_node.get(node.nodeid.to_string())
        if mapped is None:
            return
        source_time = data.monitored_item.Value.SourceTimestamp or data.monitored_item.Value.ServerTimestamp
        if mapped.kind == "state" and self.lost_at is not None and mapped.node_id not in self.restated:
            self.restated.add(mapped.node_id)
            stamp = _stamp(source_time)
            source_time = datetime.now(UTC) if stamp <= self.lost_at else stamp
        self.pipeline.submit(reading(self.url, mapped, value, source_time))


class OpcUaConnector:
    """Runs an asyncio loop in its own thread; reconnects with back-off when the server goes away."""

    def __init__(
        self, url: str, nodes: Iterable[OpcUaNode], pipeline: Pipeline, publishing_interval_ms: int = 100
    ) -> None:
        self.url = url
        self.nodes = {n.node_id: n for n in map(checked, nodes)}
        self.pipeline = pipeline
        self.publishing_interval_ms = publishing_interval_ms
        self.subscribed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lost_at: datetime | None = None

    def start(self) -> OpcUaConnector:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), name="factoryos-opcua", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    async def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                await self._session()
                delay = 0.5
            except Exception as error:  # the server went away or refused: try again
                log.warning("OPC UA %s: %s; reconnecting in %.1f s", self.url, error, delay)
                if self.subscribed.is_set():
                    self._states_unknown()
                self.subscribed.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    def _states_unknown(self) -> None:
        """The session is lost: from now on nothing is known of the states the server gave, until a new session's
        subscription hands their values again (its last state would otherwise last on, a stopped press running)."""
        self._lost_at = datetime.now(UTC)
        for node in self.nodes.values():
            if node.kind == "state":
                self.pipeline.submit(reading(self.url, node, EquipmentState.UNKNOWN.value, self._lost_at))

    async def _session(self) -> None:
        async with Client(self.url) as client:
            handler = _Handler(self.url, self.nodes, self.pipeline, self._lost_at)
            subscription = await client.create_subscription(self.publishing_interval_ms, handler)
            results = await subscription.subscribe_data_change([client.get_node(n) for n in self.nodes])
            for node_id, result in zip(self.nodes, results, strict=True):
                if not isinstance(result, int):  # a handle, or the status the server refused the node with
                    log.warning("OPC UA %s: node %s is not subscribed: %s", self.url, node_id, result)
            self.subscribed.set()
            while not self._stop.is_set():
                await asyncio.sleep(0.1)
                await client.check_connection()
            await subscription.delete()
