"""The OPC UA connector against an asyncua server started in the test, on a free port."""

from __future__ import annotations

import asyncio
import threading
import time

from asyncua import Server
from sqlalchemy import select
from sqlalchemy.orm import Session

from factoryos.iot.opcua import OpcUaConnector, OpcUaNode
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
    server = MachineServer().start()
    press = "ev-plant/body/line-1/press-1"
    nodes = [
        OpcUaNode(server.temperature.nodeid.to_string(), press, "temperature", "degC"),
        OpcUaNode(server.state.nodeid.to_string(), press, "state", kind="state"),
        OpcUaNode(server.label.nodeid.to_string(), press, "label", "furlong"),
    ]
    pipeline = Pipeline(store).start()
    connector = OpcUaConnector(server.url, nodes, pipeline, publishing_interval_ms=50).start()
    try:
        assert connector.subscribed.wait(20)

        def temperatures():
            with Session(store.engine) as session:
                return list(session.scalars(select(MeasurementRecord.value).order_by(MeasurementRecord.ts_us)))

        _until(lambda: 20.0 in temperatures())  # the initial value, before any change can replace it
        for value in (21.5, 22.5, 23.5):
            server.write(server.temperature, value)
            time.sleep(0.1)
        server.write(server.state, "running")
        _until(lambda: 23.5 in temperatures())
    finally:
        connector.stop()
        pipeline.stop()
        server.stop()
    assert temperatures()[0] == 20.0
    assert temperatures()[-1] == 23.5
    with Session(store.engine) as session:
        states = list(session.scalars(select(StateChangeRecord.state).order_by(StateChangeRecord.ts_us)))
        rows = session.scalars(select(MeasurementRecord)).all()
        reasons = list(session.scalars(select(DeadLetter.reason).where(DeadLetter.channel == "opcua")))
    assert states[-1] == "running"
    assert {r.equipment for r in rows} == {press}
    assert all(r.unit == "degC" and r.source.startswith("opcua:") for r in rows)
    assert any("unknown unit 'furlong'" in reason for reason in reasons)  # invalid readings are kept aside
