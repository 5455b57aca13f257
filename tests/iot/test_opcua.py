"""The OPC UA connector against an asyncua server started in the test, on a free port."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import yaml
from asyncua import Server, ua
from sqlalchemy import select
from sqlalchemy.orm import Session

from factoryos.iot.opcua import OpcUaConnector, OpcUaNode, _Handler
from factoryos.iot.pipeline import Pipeline
from factoryos.store.tables import DeadLetter
from factoryos.store.telemetry import MeasurementRecord, StateChangeRecord

from .conftest import free_port


class MachineServer:
    """An OPC UA server in its own thread with a temperature, a state and a text node."""

    def __init__(self) -> None:
        self.url = f"opc.tcp://127.0.0.1:{free_port()}/factoryos/"
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = Server()
        await server.init()
        server.set_endpoint(self.url)
        ns = await server.register_namespace("urn:factoryos:test")
        press = await server.nodes.objects.add_object(ns, "Press1")
        self.temperature = await press.add_variable(ns, "Temperature", 20.0)
        self.state = await press.add_variable(ns, "State", "idle")
        self.label = await press.add_variable(ns, "Label", 1.0)
        async with server:
            self.ready.set()
            await self._stop.wait()

    def start(self) -> MachineServer:
        self.thread.start()
        assert self.ready.wait(20)
        return self

    def write(self, node, value) -> None:
        asyncio.run_coroutine_threadsafe(node.write_value(value), self.loop).result(5)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)


def _until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_data_changes_become_readings_of_the_mapped_equipment(store):
    """The temperature's node id is written with a leading zero (`ns=2;i=02`), as a node file may: the server
    names the node back without it, and its changes were dropped without a word."""
    server = MachineServer().start()
    press = "ev-plant/body/line-1/press-1"
    spelled = server.temperature.nodeid.to_string().replace(";i=", ";i=0")
    assert spelled != server.temperature.nodeid.to_string()
    nodes = [
        OpcUaNode(spelled, press, "temperature", "degC"),
        OpcUaNode(server.state.nodeid.to_string(), press, "state", kind="state"),
    ]
    pipeline = Pipeline(store).start()
    connector = OpcUaConnector(server.url, nodes, pipeline, publishing_interval_ms=50).start()
    try:
        assert connector.subscribed.wait(20)

        def temperatures():
            with Session(store.engine) as session:
                return list(session.scalars(select(MeasurementRecord.value).order_by(MeasurementRecord.ts_us)))

        def states():
            with Session(store.engine) as session:
                return list(session.scalars(select(StateChangeRecord.state).order_by(StateChangeRecord.ts_us)))

        _until(lambda: 20.0 in temperatures())  # the initial value, before any change can replace it
        for value in (21.5, 22.5, 23.5):
            server.write(server.temperature, value)
            time.sleep(0.1)
        server.write(server.state, "running")
        _until(lambda: 23.5 in temperatures() and "running" in states())
    finally:
        connector.stop()
        pipeline.stop()
        server.stop()
    assert temperatures()[0] == 20.0
    assert temperatures()[-1] == 23.5
    with Session(store.engine) as session:
        rows = session.scalars(select(MeasurementRecord)).all()
        letters = list(session.scalars(select(DeadLetter.reason).where(DeadLetter.channel == "opcua")))
    assert states()[-1] == "running"
    assert {r.equipment for r in rows} == {press}
    assert all(r.unit == "degC" and r.source.startswith("opcua:") for r in rows)
    assert letters == []


def test_a_lost_session_makes_the_state_it_gave_unknown(store):
    """The server goes away while the press runs: the connector cannot tell whether it still does, so from then its
    state is unknown, not running on."""
    server = MachineServer().start()
    press = "ev-plant/body/line-1/press-1"
    nodes = [OpcUaNode(server.state.nodeid.to_string(), press, "state", kind="state")]
    pipeline = Pipeline(store).start()
    connector = OpcUaConnector(server.url, nodes, pipeline, publishing_interval_ms=50).start()

    def states():
        with Session(store.engine) as session:
            return list(session.scalars(select(StateChangeRecord.state).order_by(StateChangeRecord.ts_us)))

    try:
        assert connector.subscribed.wait(20)
        server.write(server.state, "running")
        _until(lambda: "running" in states())
        server.stop()
        _until(lambda: states()[-1:] == ["unknown"])
    finally:
        connector.stop()
        pipeline.stop()
    assert states() == ["idle", "running", "unknown"]


class _Submitted(list):
    def submit(self, inbound) -> None:
        self.append(json.loads(inbound.payload))


def _change(node_id: str, stamp: datetime):
    node = SimpleNamespace(nodeid=ua.NodeId.from_string(node_id))
    return node, SimpleNamespace(monitored_item=SimpleNamespace(Value=SimpleNamespace(SourceTimestamp=stamp)))


def test_after_a_lost_session_the_servers_state_set_before_the_loss_is_the_state_from_the_new_session_on():
    """Back after a network outage, the server hands the state the press had all along, stamped when it was set,
    before the loss: stored at that time it would be the value already seen (the same seq), and the press would
    stay unknown. It is stamped when the new session hands it; a later change keeps its own time."""
    set_at, lost_at = datetime(2026, 12, 7, 8, tzinfo=UTC), datetime(2026, 12, 7, 9, tzinfo=UTC)
    node = OpcUaNode("ns=2;i=3", "ev-plant/body/line-1/press-1", "state", kind="state")
    submitted = _Submitted()
    handler = _Handler("opc.tcp://press", {node.node_id: node}, submitted, lost_at)  # type: ignore[arg-type]
    later = lost_at + timedelta(hours=1)
    for value, stamp in (("running", set_at), ("down", later)):
        node_changed, data = _change(node.node_id, stamp)
        handler.datachange_notification(node_changed, value, data)
    first, second = submitted
    assert first["state"] == "running"
    assert first["ts"] > lost_at.timestamp() * 1000
    assert second["state"] == "down"
    assert second["ts"] == later.timestamp() * 1000


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ({"node_id": "Press1.Temperature"}, "node 2: node_id 'Press1.Temperature' is not an OPC UA node id"),
        ({"unit": "furlong"}, "node 2: unit 'furlong' is not one a reading may carry"),
        ({"kind": "alarm"}, "node 2: kind 'alarm': expected measurement or state"),
        ({"equipment": "ev-plant//press-1"}, "node 2: equipment 'ev-plant//press-1'"),
        ({"colour": "red"}, "node 2: "),
    ],
)
def test_a_node_file_is_checked_at_start_naming_the_node(tmp_path, entry, said):
    """A node the readings of which could never be stored is refused before anything is subscribed."""
    from factoryos.model.errors import FactoryosError
    from factoryos.services.ingest import opcua_nodes

    good = {"node_id": "ns=2;i=2", "equipment": "ev-plant/body/line-1/press-1", "name": "t", "unit": "degC"}
    path = tmp_path / "nodes.yaml"
    path.write_text(yaml.safe_dump([good, {**good, **entry}]))
    with pytest.raises(FactoryosError, match=re.escape(said)):
        opcua_nodes(path)
    path.write_text(yaml.safe_dump([good, {**good, "node_id": "ns=2;i=007"}]))
    assert [n.node_id for n in opcua_nodes(path)] == ["ns=2;i=2", "ns=2;i=7"]
