"""The plant file's stock of a sub-assembly made per unit in the twin: as the scheduler serves it, the units due
first take one each and skip its operations, the rest build theirs, and a unit that took one names the stock's
lot in its genealogy. The plant is one of our own: gadgets on plates, plates made per unit."""

from __future__ import annotations

from typing import Any

from factoryos.c2m.demand import generate_orders
from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.model.plant import Plant
from factoryos.scheduling.plant_schedule import schedule_plant
from factoryos.services.trace import trace_lot
from factoryos.store.db import make_engine
from factoryos.store.timeseries import TelemetryStore
from factoryos.twin.scenarios import epoch_for, prepare
from tests.twin.small_plants import small_plant

LOT = "PL-ON-HAND"
DAYS = 5  # long enough that every unit of two days' orders is finished


def gadget_plant(plates: int) -> Plant:
    """Gadgets alone, a few dozen a day, with `plates` welded plates (made per unit) in one lot on hand."""
    gadget: dict[str, Any] = {"material": "gadget", "tenant": "acme", "demand": {"units_per_day": 24}}
    inventory = [{"material": "plate", "location": "store", "lot": LOT, "quantity": plates}] if plates else []
    return small_plant(products={"gadget": gadget}, inventory=inventory)


def run(plant: Plant, scheduled: bool = False) -> tuple[EventBus, int, dict[str, set[str]]]:
    """Two days of orders run on the twin (from their schedule when `scheduled`): the event stream, the units
    ordered, and per operation the serials the schedule runs it for (empty without one)."""
    epoch = epoch_for(plant)
    orders = generate_orders(plant, epoch.date(), 2, seed=1)
    schedule = None
    if scheduled:
        schedule = schedule_plant(plant, orders, horizon_days=DAYS, start=epoch, compare=False).operations
    bus = EventBus()
    prepared = prepare(plant, "smart", DAYS, 1, bus=bus, orders=orders, schedule=schedule, warmup_days=0)
    prepared.floor.run(prepared.horizon)
    ops: dict[str, set[str]] = {}
    for line in schedule or ():
        ops.setdefault(line.operation, set()).add(line.serial or "")
    return bus, sum(o.quantity for o in orders), ops


def completed(bus: EventBus, operation: str) -> set[str]:
    """The serials that completed `operation`."""
    return {
        e.payload["serial"]
        for e in bus.store.read(EventKind.OPERATION)
        if e.payload["phase"] == "completed" and e.payload["operation"] == operation
    }


def drew(bus: EventBus, lot: str) -> set[str]:
    """The serials whose operations name `lot` among the lots they consumed."""
    return {e.payload["serial"] for e in bus.store.read(EventKind.OPERATION) if lot in e.payload["consumed_lots"]}


def test_units_served_from_stock_skip_the_sub_assembly_and_name_its_lot(sqlite_url) -> None:
    """N plates on hand, M > N gadgets ordered: every gadget is finished, the plate's operations run for exactly
    M - N of them, and exactly the other N drew the stock's lot, which the stored genealogy traces to them."""
    plates = 7
    bus, units, _ = run(gadget_plant(plates))
    assert units > plates
    finished = completed(bus, "gadget/check")
    welded = completed(bus, "plate/coat")
    from_stock = drew(bus, LOT)
    assert len(finished) == units
    assert len(welded) == units - plates
    assert len(from_stock) == plates
    assert from_stock == finished - welded
    engine = make_engine(sqlite_url)
    TelemetryStore(engine).append(bus.store.read())
    assert set(trace_lot(engine, LOT)["units"]) == from_stock


def test_without_stock_every_unit_builds_its_sub_assembly() -> None:
    """No plates on hand: each gadget has its plate made, and no unit draws a plate lot."""
    bus, units, _ = run(gadget_plant(0))
    assert completed(bus, "plate/coat") == completed(bus, "gadget/check")
    assert len(completed(bus, "gadget/check")) == units
    assert not drew(bus, LOT)


def test_a_scheduled_run_takes_from_stock_the_units_the_schedule_does() -> None:
    """Run from its schedule, the twin makes plates for exactly the units the schedule makes them for (the
    schedule, checked against the stock on hand, is the independent account), and the others draw the lot."""
    plates = 7
    bus, units, scheduled = run(gadget_plant(plates), scheduled=True)
    assert len(scheduled["plate/coat"]) == units - plates
    assert completed(bus, "plate/coat") == scheduled["plate/coat"]
    assert drew(bus, LOT) == scheduled["gadget/check"] - scheduled["plate/coat"]
