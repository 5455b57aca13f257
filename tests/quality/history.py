"""A small hand-built floor history for the genealogy tests, as the floor would send it.

    STEEL-1 --split--> STEEL-1A --> BODY-1 --> CAR-1 (customer order CO-1, shipped)
                  \\--> STEEL-1B --> BODY-2 --> CAR-2 (CO-2, built)
    STEEL-2 ---------------------> BODY-3 --> CAR-3 (CO-2, built)
    PAINT-1 \\
             --merge--> PAINT-M --> CAR-1, CAR-2
    PAINT-2 /               PAINT-2 --> CAR-4 (CO-3, in production; its assembly still running)
    SEAL-1 --> CAR-5 (no order known; its operations complete)

Bodies are welded on weld-1 (BODY-1 at 06:00, BODY-3 at 09:00) and weld-2 (BODY-2 at 07:00). The cars are
assembled from 10:00 on and tested at EOL; CAR-2 fails once and passes on retest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event

from factoryos.model.events import Event, EventKind
from factoryos.model.orders import CustomerOrder, ProductionOrder, WorkOrder
from factoryos.model.validate import load_plant
from factoryos.store.db import transaction
from factoryos.store.orders import save_orders
from factoryos.store.plants import store_plant
from factoryos.store.schedule import save_production_orders
from factoryos.store.timeseries import TelemetryStore

T = TypeVar("T")
MINI = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"

DAY = datetime(2027, 1, 4, tzinfo=UTC)
SITE = "mini-site"
SPLIT, WELD_1, WELD_2 = "mini-site/store/split", "mini-site/shop/body-cell/weld-1", "mini-site/shop/body-cell/weld-2"
MIX, ASSY, EOL = "mini-site/paint/mix", "mini-site/shop/line/station-1", "mini-site/shop/line/station-2"


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


class History:
    """Builds the events, numbered in one sequence of their `source`."""

    def __init__(self, source: str = "floor") -> None:
        self.events: list[Event] = []
        self.source = source

    def _add(self, ts: datetime, equipment: str, kind: EventKind, payload: dict) -> None:
        self.events.append(
            Event(
                ts=ts,
                site=SITE,
                equipment=equipment,
                kind=kind,
                payload=payload,
                source=self.source,
                seq=len(self.events),
            )
        )

    def operation(
        self,
        serial: str,
        equipment: str,
        start: float,
        end: float | None,
        consumed: tuple[str, ...] = (),
        work_order: str = "",
        quantity: int = 1,
        operation: str = "op",
    ) -> None:
        common = {"work_order": work_order or serial, "operation": operation, "serial": serial, "quantity": quantity}
        self._add(at(start), equipment, EventKind.OPERATION, {**common, "phase": "started", "consumed_lots": consumed})
        if end is not None:
            self._add(at(end), equipment, EventKind.OPERATION, {**common, "phase": "completed"})

    def completion(
        self, serial: str, equipment: str, hours: float, work_order: str, operation: str, **reported: object
    ) -> None:
        """A completion alone, as a floor that lost the start, or books at the end, reports it (`reported`: the
        quantity, the consumed lots)."""
        payload = {"work_order": work_order, "operation": operation, "phase": "completed", "serial": serial}
        self._add(at(hours), equipment, EventKind.OPERATION, payload | reported)

    def measurement(self, equipment: str, hours: float, name: str, value: float, unit: str) -> None:
        self._add(at(hours), equipment, EventKind.MEASUREMENT, {"name": name, "value": value, "unit": unit})

    def test(self, serial: str, hours: float, result: str, value: float) -> None:
        measurement = {"name": "insulation", "value": value, "unit": "MOhm", "low": 1.0, "high": 1000.0}
        payload = {"serial": serial, "test": "electrical-safety", "result": result, "measurements": [measurement]}
        self._add(at(hours), EOL, EventKind.TEST, payload)


def history() -> list[Event]:
    """The events of the history in the module docstring, in the order they happened."""
    h = History()
    h.operation("STEEL-1A", SPLIT, 1, 1.5, ("STEEL-1",), quantity=400, operation="split")
    h.operation("STEEL-1B", SPLIT, 1.5, 2, ("STEEL-1",), quantity=400, operation="split")
    h.operation("PAINT-M", MIX, 2, 3, ("PAINT-1", "PAINT-2"), quantity=50, operation="mix")
    h.operation("BODY-1", WELD_1, 6, 6.5, ("STEEL-1A",), "WO-1-weld", operation="weld")
    h.operation("BODY-2", WELD_2, 7, 7.5, ("STEEL-1B",), "WO-2-weld", operation="weld")
    h.operation("BODY-3", WELD_1, 9, 9.5, ("STEEL-2",), "WO-3-weld", operation="weld")
    h.operation("CAR-1", ASSY, 10, 11, ("BODY-1", "PAINT-M"), "WO-1-assy", operation="assemble")
    h.operation("CAR-2", ASSY, 11, 12, ("BODY-2", "PAINT-M"), "WO-2-assy", operation="assemble")
    h.operation("CAR-3", ASSY, 12, 13, ("BODY-3",), "WO-3-assy", operation="assemble")
    h.operation("CAR-4", ASSY, 13, None, ("PAINT-2",), "CO-3#0", operation="assemble")
    h.operation("CAR-5", ASSY, 14, 15, ("SEAL-1",), operation="assemble")
    h.test("CAR-1", 11.2, "pass", 520.0)
    h.test("CAR-2", 12.2, "fail", 0.4)
    h.test("CAR-2", 12.6, "pass", 480.0)
    h.test("CAR-3", 13.2, "pass", 610.0)
    return h.events


def store_orders(engine) -> None:
    """The customer orders (CO-1 shipped, CO-2 built, CO-3 in production) and the production orders and work
    orders the cars' operations name. Needs the mini plant stored."""
    placed = datetime(2027, 1, 1, tzinfo=UTC)
    customer = [
        CustomerOrder(cid, SITE, "owner", "shop", "cart", {}, quantity, placed, date(2027, 2, 1))
        for cid, quantity in (("CO-1", 1), ("CO-2", 2), ("CO-3", 1))
    ]
    save_orders(engine, customer)
    production = []
    for car, co in ((1, "CO-1"), (2, "CO-2"), (3, "CO-2")):
        po = ProductionOrder(f"PO-{car}", SITE, "cart", 1, {}, date(2027, 2, 1), co)
        po.work_orders = [
            WorkOrder(f"WO-{car}-weld", po.id, 0, "weld", 1),
            WorkOrder(f"WO-{car}-assy", po.id, 1, "assemble", 1),
        ]
        production.append(po)
    with transaction(engine) as session:
        save_production_orders(session, production)
    set_states(engine, {"CO-1": "shipped", "CO-2": "built", "CO-3": "in-production"})


def store_history(engine) -> None:
    """The mini plant, its orders (`store_orders`) and the history stored, as the ingester stores events."""
    store_plant(engine, load_plant(MINI), "mini.yaml")
    store_orders(engine)
    TelemetryStore(engine).append(history())


def set_states(engine, states: dict[str, str]) -> None:
    from sqlalchemy import update

    from factoryos.store.tables import CustomerOrderRecord

    with transaction(engine) as session:
        for order, state in states.items():
            session.execute(update(CustomerOrderRecord).where(CustomerOrderRecord.id == order).values(state=state))


def statements(engine, action: Callable[[], T]) -> tuple[T, list[str]]:
    """What `action` returns, and the statements it sends to the database: each is a round trip, milliseconds on
    a busy server."""
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        result = action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return result, sent
