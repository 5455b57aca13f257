"""Bought material in the twin: a late supplier starves the station that consumes its part for as long as it
is late, stock that covers everything changes nothing, every material balances, and OEE counts the wait as
an availability loss. The plant is one of our own: one product, one bought part, one supplier."""

from __future__ import annotations

import copy
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from factoryos.iot.oee import Counted, StateInterval, equipment_oee
from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.model.orders import PurchaseOrder
from factoryos.model.plant import Delivery, Plant, Quality
from factoryos.model.validate import check_plant_text
from factoryos.planning.mrp import plan as mrp
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.services.trace import trace_lot, trace_serial
from factoryos.store.db import make_engine
from factoryos.store.timeseries import TelemetryStore
from factoryos.twin.calendar import DAY
from factoryos.twin.floor import Floor
from factoryos.twin.material import LineSideStock, Receipt, receipts
from factoryos.twin.plant_twin import PlannedUnit, PlantTwin, Staffing
from factoryos.twin.purchasing import purchase_orders, purchase_plan
from factoryos.twin.scenarios import prepare

EPOCH = datetime(2027, 1, 4, tzinfo=UTC)
EVERY = 1200.0  # a unit released every 20 minutes: 72 a day, half what the station can make
PER_DAY = round(DAY / EVERY)
BOLTS = 2  # per widget
PLANT: dict[str, Any] = {
    "source": "test plant",
    "enterprise": {"id": "acme", "name": "Acme"},
    "site": {"id": "works", "name": "Works"},
    "tenants": {"acme": {"role": "owner"}},
    "equipment_classes": {"bench": {"capabilities": ["join"]}},
    "calendars": {
        "always": {
            "shifts": [
                {
                    "name": "all",
                    "start": "00:00",
                    "end": "00:00",
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                }
            ]
        }
    },
    "areas": {
        "shop": {
            "work_centers": {
                "cell": {
                    "calendar": "always",
                    "buffer_capacity": 0,
                    "work_units": {"bench-1": {"equipment_class": "bench"}},
                }
            }
        }
    },
    "materials": {
        "widget": {"kind": "finished", "source": "make"},
        "bolt": {"kind": "component", "source": "buy"},
    },
    "boms": {"widget": [{"component": "bolt", "quantity": BOLTS}]},
    "routings": {"widget": {"operations": [{"id": "join", "capability": "join", "run_minutes": 10}]}},
    "products": {"widget-p": {"material": "widget", "tenant": "acme"}},
    "suppliers": {"bolts-inc": {"lead_time_days": 5, "materials": ["bolt"]}},
    "inventory": [{"material": "bolt", "location": "line", "lot": "L1", "quantity": BOLTS * PER_DAY}],
}


def plant_with(late_days: float | None = None, inventory: float | None = None) -> Plant:
    data = copy.deepcopy(PLANT)
    if late_days is not None:
        data["suppliers"]["bolts-inc"]["delivery"] = {"late_share": 1, "late_days": [late_days] * 3}
    if inventory is not None:
        data["inventory"] = [dict(data["inventory"][0], quantity=inventory)] if inventory else []
    return Plant.model_validate(data)


def release_plan(days: float) -> list[PlannedUnit]:
    return [PlannedUnit(EVERY / 2 + k * EVERY, f"W-{k:05d}", "widget-p", {}) for k in range(int(days * PER_DAY))]


def run(
    plant: Plant,
    until: float,
    purchases: list[PurchaseOrder] | None,
    days: float = 5,
    seed: int = 3,
    bus: EventBus | None = None,
):
    """The plant on a floor for `until` seconds; `purchases` None runs it as before, bought parts assumed there.
    With a `bus`, the floor's events go on it."""
    floor = Floor(seed, site=plant.site.id, bus=bus, epoch=EPOCH) if bus is not None else Floor(seed)
    twin = PlantTwin(plant, floor, line_side=purchases is not None)
    plan = release_plan(days)
    twin.work_center_load(plan, days / 7)
    twin.build({"cell": Staffing(None, 0)}, {}, until, lambda at: (at - EPOCH).total_seconds(), purchases or [])
    twin.release(plan)
    return twin, floor, floor.run(until)


def bolts_due(at_day: float, quantity: float = 10_000) -> list[PurchaseOrder]:
    return [PurchaseOrder("PO-1", "bolt", quantity, "bolts-inc", EPOCH + timedelta(days=at_day))]


def shortage_seconds(metrics) -> float:
    (bench,) = metrics.equipment
    return bench.state_fraction["starved-material"] * metrics.horizon


def test_a_late_supplier_starves_the_station_for_as_long_as_it_is_late() -> None:
    """Stock covers exactly the first day; the next delivery is due at the day's end and comes 2 days late.
    The station runs out at the first release after the due time (at most one release interval after it),
    so it is starved for material between `late - EVERY` and `late`; until the delivery it makes nothing,
    where an on-time delivery would have let it make what was released meanwhile, `late` x 72 a day (one
    unit either way for the units in process at the two ends)."""
    late = 2 * DAY
    arrival = DAY + late
    _, _, starved = run(plant_with(late_days=2), arrival, bolts_due(1))
    _, _, on_time = run(plant_with(), arrival, bolts_due(1))
    assert late - EVERY <= shortage_seconds(starved) <= late
    assert shortage_seconds(on_time) == 0
    assert starved.completed == PER_DAY
    assert abs((on_time.completed - starved.completed) - late / DAY * PER_DAY) <= 2
    assert starved.material_shortage_hours == pytest.approx(shortage_seconds(starved) / 3600)
    (bench,) = starved.equipment
    assert bench.availability == pytest.approx(1 - shortage_seconds(starved) / starved.horizon)


def test_stock_that_covers_everything_changes_nothing() -> None:
    """Bought parts on hand for every unit (or delivered on time): the run is the run without material."""
    horizon = 4 * DAY
    _, _, before = run(plant_with(), horizon, None)
    _, _, stocked = run(plant_with(inventory=BOLTS * 10 * PER_DAY), horizon, [])
    _, _, delivered = run(plant_with(inventory=0), horizon, bolts_due(-1))
    assert before.completed > 3 * PER_DAY
    assert stocked.to_dict() == before.to_dict()
    assert delivered.to_dict() == before.to_dict()


def test_every_material_balances_consumed_delivered_and_ending_stock() -> None:
    """Consumed = initial + delivered - ending stock, and consumed is the BOM quantity of every unit built (an
    independent count: the units completed once all is done), a fifth of them repaired and joined again
    with the bolts they have."""
    plant = plant_with(late_days=1.5)
    plant.routings["widget"].operations[0].quality = Quality(first_pass_yield=0.8, repair_minutes=5)
    twin, _, metrics = run(plant, 12 * DAY, bolts_due(1, quantity=BOLTS * 5 * PER_DAY))
    stock = twin.line_side
    assert stock is not None
    assert metrics.completed == 5 * PER_DAY  # all done, the late delivery included
    assert metrics.equipment[0].rework > 0.1 * metrics.completed
    assert stock.delivered["bolt"] == BOLTS * 5 * PER_DAY
    assert stock.stock["bolt"] == BOLTS * PER_DAY  # a day's more than the plan used
    assert stock.consumed["bolt"] == BOLTS * metrics.completed
    assert stock.consumed["bolt"] == stock.initial["bolt"] + stock.delivered["bolt"] - stock.stock["bolt"]


@pytest.mark.parametrize("on_time", [True, False])
def test_the_ev_plant_balances_and_is_not_short_when_its_suppliers_deliver_on_time(ev_plant, on_time) -> None:
    """On time, the smart scenario's material plan (MRP) delivers in time for every draw; with the example's
    late chip supplier every material still balances."""
    plant = ev_plant.model_copy(deep=True)
    if on_time:
        for supplier in plant.suppliers.values():
            supplier.delivery = Delivery()
    prepared = prepare(plant, "smart", 3, 1)
    metrics = prepared.floor.run(prepared.horizon)
    stock = prepared.twin.line_side
    assert stock is not None
    assert stock.consumed
    if on_time:
        assert metrics.material_shortage_hours == 0
    for material, used in stock.consumed.items():
        held = stock.initial.get(material, 0.0) + stock.delivered.get(material, 0.0) - stock.stock[material]
        assert used == pytest.approx(held, rel=1e-9, abs=1e-6)


def test_lateness_follows_the_suppliers_delivery_record() -> None:
    """A triangular [1, 2, 6] days for 40 % of the deliveries: the share late and the mean lateness (3 days)
    within four standard errors."""
    data = copy.deepcopy(PLANT)
    data["suppliers"]["bolts-inc"]["delivery"] = {"late_share": 0.4, "late_days": [1, 2, 6]}
    plant = Plant.model_validate(data)
    orders = [PurchaseOrder(f"PO-{k}", "bolt", 1, "bolts-inc", EPOCH) for k in range(4000)]
    lateness = [r.late / DAY for r in receipts(orders, plant.suppliers, lambda at: 0.0, seed=5)]
    late = [d for d in lateness if d > 0]
    assert abs(len(late) / len(lateness) - 0.4) < 4 * math.sqrt(0.4 * 0.6 / len(lateness))
    sd = math.sqrt((1 + 4 + 36 - 2 - 6 - 12) / 18)  # the triangular's variance
    assert abs(sum(late) / len(late) - 3.0) < 4 * sd / math.sqrt(len(late))
    assert all(1 <= d <= 6 for d in late)
    before_the_run = receipts(orders, plant.suppliers, lambda at: -1.0, seed=5)
    assert all(r.late == 0 and r.at == -1.0 for r in before_the_run)  # on hand at the start


def test_waiting_draws_are_served_in_turn_when_a_delivery_comes() -> None:
    floor = Floor(0)
    stock = LineSideStock(floor.env, [("bolt", "B-1", 1.0)], [Receipt(10.0, "PO-1", "bolt", 2.0, 0.0)])
    assert stock.take((("bolt", 1.0),)) == ("B-1",)
    assert stock.take((("bolt", 1.0),)) is None
    first, second = stock.wait((("bolt", 2.0),)), stock.wait((("bolt", 1.0),))
    assert stock.missing((("bolt", 1.0),)) == "bolt"
    floor.env.run(until=11)
    assert first.triggered
    assert first.value == ("PO-1",)  # B-1 was used up by the first draw
    assert not second.triggered
    assert stock.stock["bolt"] == 0
    assert stock.consumed["bolt"] == 3


def test_the_stand_in_purchase_plan_nets_stock_and_rounds_to_the_supplier() -> None:
    """Inventory 10 bolts; 3 widgets on day 0 (6 bolts, covered) and 5 on day 2 (10 bolts: 6 short, at
    least 4 and in fours: 8, due 2 days ahead, on day 0)."""
    data = copy.deepcopy(PLANT)
    data["suppliers"]["bolts-inc"].update(min_order=4, order_multiple=4)
    data["inventory"][0]["quantity"] = 10
    plant = Plant.model_validate(data)
    plan = [PlannedUnit(3600.0 * k, f"A{k}", "widget-p", {}) for k in range(3)]
    plan += [PlannedUnit(2 * DAY + 3600.0 * k, f"B{k}", "widget-p", {}) for k in range(5)]
    (order,) = purchase_plan(plant, plan, EPOCH, 3)
    assert (order.material, order.quantity, order.supplier, order.due) == ("bolt", 8, "bolts-inc", EPOCH)


def test_oee_counts_waiting_for_material_as_lost_availability() -> None:
    """An hour running, half an hour starved for material, ten minutes starved by upstream: APT is the running
    and starved time (70 min) of 100 planned; the losses and the good units' ideal time make up the 100."""
    start = EPOCH
    spans = [("running", 60), ("starved-material", 30), ("starved", 10)]
    intervals, t = [], start
    for state, minutes in spans:
        intervals.append(StateInterval("m", state, t, t + timedelta(minutes=minutes)))
        t += timedelta(minutes=minutes)
    figure = equipment_oee(intervals, [Counted(start, "m", good=50)], 60.0)["m"]
    assert figure.availability == pytest.approx(70 / 100)
    assert figure.losses.material_shortage_s == 30 * 60
    assert figure.planned_busy_s == pytest.approx(figure.ideal_s + sum(figure.losses.as_tuple()))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"suppliers": {"bolts-inc": {"delivery": {"late_days": [3, 2, 5]}}}}, "shortest <= most likely"),
        ({"suppliers": {"bolts-inc": {"delivery": {"late_share": 1.5}}}}, "late_share"),
        ({"boms": {"widget": [{"component": "bolt", "quantity": 2, "operation": "weld"}]}}, "operation"),
    ],
)
def test_a_bad_delivery_record_or_consuming_operation_is_refused_clearly(change, message) -> None:
    data = copy.deepcopy(PLANT)
    for key, value in change.items():
        if key == "suppliers":
            data["suppliers"]["bolts-inc"].update(value["bolts-inc"])
        else:
            data[key] = value
    plant, issues = check_plant_text(yaml.safe_dump(data))
    assert plant is None
    assert issues
    assert any(message in str(issue) for issue in issues)


def two_operations(kind: str, late_days: float | None = None) -> Plant:
    """Cut then join, on two benches of a cell or the two positions of a paced line; bolts drawn at the join."""
    data = copy.deepcopy(PLANT)
    data["equipment_classes"] = {"saw": {"capabilities": ["cut"]}, "bench": {"capabilities": ["join"]}}
    cell = data["areas"]["shop"]["work_centers"]["cell"]
    cell["work_units"] = {"saw-1": {"equipment_class": "saw"}, "bench-1": {"equipment_class": "bench"}}
    if kind == "paced-line":
        cell.update(kind="paced-line", takt_seconds=300)
    data["routings"]["widget"]["operations"].insert(0, {"id": "cut", "capability": "cut", "run_minutes": 5})
    data["boms"]["widget"][0]["operation"] = "join"
    if late_days is not None:
        data["suppliers"]["bolts-inc"]["delivery"] = {"late_share": 1, "late_days": [late_days] * 3}
    return Plant.model_validate(data)


def test_a_part_is_drawn_where_its_bom_line_says() -> None:
    """Bolts for a day, none delivered: the bench that joins starves for material once they are used up; the
    saw before it keeps cutting and is never starved for material."""
    twin, _, metrics = run(two_operations("cell"), 2 * DAY, [])
    states = {e.name.rsplit("/", 1)[-1]: e.state_fraction for e in metrics.equipment}
    assert states["bench-1"]["starved-material"] > 0.4
    assert states["saw-1"]["starved-material"] == 0
    assert twin.line_side is not None
    assert twin.line_side.consumed["bolt"] == BOLTS * PER_DAY


def test_a_paced_line_stops_for_a_missing_part_and_draws_each_unit_once() -> None:
    """On a paced line a unit draws the parts of all its operations there as it enters; short of bolts the
    whole line stands starved for material until the late delivery comes."""
    late = DAY
    twin, _, metrics = run(two_operations("paced-line", late_days=1), 5 * DAY, bolts_due(1), days=3)
    ((line),) = metrics.equipment
    assert late - EVERY <= line.state_fraction["starved-material"] * metrics.horizon <= late + 2 * 300
    assert twin.line_side is not None
    assert metrics.completed == 3 * PER_DAY
    assert twin.line_side.consumed["bolt"] == BOLTS * metrics.completed


def test_the_twin_receives_a_material_plans_purchase_orders() -> None:
    """MRP (`factoryos.planning`) plans the release plan's bolts, bought without lead time: the twin receives
    its buy orders, is never short, and draws exactly what it builds."""
    data = copy.deepcopy(PLANT)
    data["suppliers"]["bolts-inc"]["lead_time_days"] = 0
    plant = Plant.model_validate(data)
    days = 4
    per_day = Counter(int(unit.at // DAY) for unit in release_plan(days))
    rows = [DemandRow(f"day-{d}", "widget-p", (EPOCH + timedelta(days=d)).date(), n) for d, n in per_day.items()]
    planned = mrp(plant_problem(plant, EPOCH.date(), days + 1, rows)).planned_orders
    purchases = purchase_orders(planned, plant.site.timezone)
    assert sum(p.quantity for p in purchases) == BOLTS * (days - 1) * PER_DAY  # the first day from stock
    twin, _, metrics = run(plant, (days + 2) * DAY, purchases, days=days)
    assert metrics.material_shortage_hours == 0
    assert metrics.completed == days * PER_DAY
    assert twin.line_side is not None
    assert twin.line_side.consumed["bolt"] == BOLTS * metrics.completed


def test_each_unit_names_the_bought_lots_its_parts_came_from_first_in_first_out(sqlite_url) -> None:
    """Bolts for a day less one in lot L1, then PO-1 at the day's end: units are joined from L1 first in first
    out, the one that empties it takes its second bolt from PO-1, the later ones take PO-1's; each join names
    the lots drawn for it (the cut before it, none), and the stored genealogy traces L1 forward to exactly the
    units that drew from it and a unit back to its bolts' lots."""
    plant = two_operations("cell").model_copy(
        update={"inventory": [plant_with().inventory[0].model_copy(update={"quantity": BOLTS * PER_DAY - 1})]}
    )
    bus = EventBus()
    run(plant, 3 * DAY, bolts_due(1), days=2, bus=bus)
    started = [e for e in bus.store.read(EventKind.OPERATION) if e.payload["phase"] == "started"]
    joins = sorted((e for e in started if e.payload["operation"].endswith("join")), key=lambda e: e.ts)
    assert all(not e.payload["consumed_lots"] for e in started if e.payload["operation"].endswith("cut"))
    drawn = [tuple(e.payload["consumed_lots"]) for e in joins]
    assert drawn == [("L1",)] * (PER_DAY - 1) + [("L1", "PO-1")] + [("PO-1",)] * (len(joins) - PER_DAY)
    engine = make_engine(sqlite_url)
    TelemetryStore(engine).append(bus.store.read())
    from_l1 = {e.payload["serial"] for e in joins[:PER_DAY]}
    assert set(trace_lot(engine, "L1")["units"]) == from_l1
    last = joins[PER_DAY - 1].payload["serial"]
    assert {c["id"] for c in trace_serial(engine, last)["components"]} == {"L1", "PO-1"}


def test_the_purchase_orders_the_twin_places_are_named_as_its_own():
    """A material plan's buy orders reach the twin as purchase orders named apart from any stored plan's orders:
    as lots in the genealogy, PL000047 alone would name another plan's planned order."""
    data = copy.deepcopy(PLANT)
    data["suppliers"]["bolts-inc"]["lead_time_days"] = 0
    plant = Plant.model_validate(data)
    rows = [DemandRow("day-1", "widget-p", (EPOCH + timedelta(days=1)).date(), 10 * PER_DAY)]
    planned = mrp(plant_problem(plant, EPOCH.date(), 3, rows)).planned_orders
    purchases = purchase_orders(planned, plant.site.timezone)
    buys = [o for o in planned if o.kind == "buy"]
    assert buys
    assert [p.id for p in purchases] == [f"TWIN-{o.id}" for o in buys]
    stand_in = purchase_plan(plant, release_plan(12), EPOCH, 12)
    assert stand_in
    assert all(p.id.startswith("TWIN-PO") for p in stand_in)
