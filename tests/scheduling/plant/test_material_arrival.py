"""The schedule starts no operation before the bought material it consumes is in, the orders served first come
first served as the promise serves them: on tests/data/open-po-plant.yaml (a widget a minute around the clock;
a smart one takes a chip; chips take 40 days to buy, but 10 are on order, due Monday 11 January 2027) and on
variants of it of our own: the chip fitted at a second operation after the widget is kitted, and chips that
no supplier delivers within the promise's horizon."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from typer.testing import CliRunner

from factoryos.c2m.replay import material_ready, promise_book
from factoryos.cli.schedule import app as schedule_app
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.plant import InventoryLot, Plant
from factoryos.model.validate import check_plant_text, load_plant
from factoryos.scheduling.checker import check
from factoryos.scheduling.plant import build_problem, production_orders
from factoryos.scheduling.plant_schedule import schedule_plant
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.services.order_desk import promise_received
from factoryos.services.schedule import schedule_orders
from factoryos.store.db import make_engine
from factoryos.store.orders import list_orders, save_orders
from factoryos.store.plans import StoredPurchaseOrder, save_purchase_orders
from factoryos.store.plants import store_plant
from factoryos.store.schedule import latest_schedule
from tests.scheduling.plant.stools import stool_orders

PLANT_FILE = Path(__file__).parents[2] / "data" / "open-po-plant.yaml"
ORDERED = datetime(2027, 1, 4, 10, tzinfo=UTC)  # a Monday: its first day to be worked on is the 5th
PO_DUE = datetime(2027, 1, 11, tzinfo=UTC)  # the site works in UTC
CHIP_LEAD = timedelta(days=40)
BOUGHT = datetime(2027, 1, 5, tzinfo=UTC) + CHIP_LEAD  # chips bought on the first day come 40 days later


def _plant(change=None) -> Plant:
    document = yaml.safe_load(PLANT_FILE.read_text(encoding="utf-8"))
    if change:
        change(document)
    plant, issues = check_plant_text(yaml.safe_dump(document), "variant")
    assert plant is not None, issues
    return plant


def _order(order_id: str, brain: str, quantity: int, minutes: int = 0, state=CustomerOrderState.RECEIVED):
    return CustomerOrder(
        id=order_id,
        site="opo-site",
        tenant="owner",
        customer="shop",
        product="widget",
        configuration={"brain": brain},
        quantity=quantity,
        ordered_at=ORDERED + timedelta(minutes=minutes),
        due_date=ORDERED.date(),  # as soon as it can be: promised the earliest day
        state=state,
    )


def _scheduled(plant: Plant, orders: list[CustomerOrder]):
    ready = material_ready(plant, orders)
    return schedule_plant(plant, orders, horizon_days=3, compare=False, time_limit=2, workers=1, material_ready=ready)


def _starts(plan, order_id: str, operation: str = "") -> list[datetime]:
    """When each operation of the customer order's production order starts (of one routing step, if given)."""
    productions = {p.id for p in plan.plant_problem.production_orders if p.customer_order == order_id}
    return sorted(
        op.start for op in plan.operations if op.production_order in productions and op.operation.endswith(operation)
    )


def test_an_order_waits_for_the_purchase_order_that_brings_its_chips_and_no_other_does():
    orders = [_order("CO-1", "smart", 6), _order("CO-2", "plain", 5, 1), _order("CO-3", "smart", 6, 2)]
    plan = _scheduled(_plant(), orders)
    assert min(_starts(plan, "CO-2")) < PO_DUE  # bolts are in stock: built on arrival
    assert min(_starts(plan, "CO-2")) >= orders[1].ordered_at
    assert min(_starts(plan, "CO-1")) == PO_DUE  # six of PO-C1's ten chips
    assert min(_starts(plan, "CO-3")) == BOUGHT  # four chips are left: six more are bought
    assert len(_starts(plan, "CO-3")) == 6
    assert plan.unsupplied == ()
    promised = promise_book(_plant(), orders)  # the promise waits for the same chips
    assert promised["CO-1"] == PO_DUE.date()
    assert promised["CO-3"] == BOUGHT.date()


def test_a_cancelled_order_leaves_its_chips_to_the_next():
    orders = [_order("CO-1", "smart", 6, state=CustomerOrderState.CANCELLED), _order("CO-3", "smart", 6, 2)]
    assert min(_starts(_scheduled(_plant(), orders), "CO-3")) == PO_DUE


def _fitted_later(document: dict) -> None:
    document["routings"]["widget"]["operations"] = [
        {"id": "kit", "capability": "assemble", "run_minutes": 30},
        {"id": "fit", "capability": "assemble", "run_minutes": 1},
    ]
    document["boms"]["widget"][1]["operation"] = "fit"


def test_only_the_operation_that_fits_the_chip_waits_for_it():
    plant = _plant(_fitted_later)
    orders = [_order("CO-1", "smart", 2)]
    plan = _scheduled(plant, orders)
    assert min(_starts(plan, "CO-1", "/kit")) < PO_DUE
    assert _starts(plan, "CO-1", "/fit") == [PO_DUE, PO_DUE + timedelta(minutes=1)]


def test_the_rolling_sequence_keeps_the_material_day_too():
    plant = _plant(_fitted_later)
    orders = [_order(f"CO-{k}", "smart" if k % 2 else "plain", 1, k) for k in range(1, 9)]
    productions = production_orders(plant, orders)
    chips = material_ready(plant, orders)
    material_in = {
        p.id: {
            m: datetime.combine(day, datetime.min.time(), UTC) for m, day in (chips.get(p.customer_order) or {}).items()
        }
        for p in productions
    }
    plant_problem = build_problem(plant, productions, ORDERED, calendar_days=60, material_in=material_in)
    problem = plant_problem.problem
    schedule = rolling_sequence(problem)
    assert check(problem, schedule) == []
    waits = [op for op, operation in enumerate(problem.operations) if operation.not_before]
    assert len(waits) == 4  # the smart widgets' fit operations
    assert all(schedule[op].start >= (PO_DUE - ORDERED).total_seconds() for op in waits)


def _no_chips_within_two_years(document: dict) -> None:
    document["suppliers"]["chips-inc"]["lead_time_days"] = 800
    document["purchase_orders"] = []


def test_an_order_whose_material_is_not_in_within_the_horizon_is_left_out_and_named():
    orders = [_order("CO-1", "smart", 1), _order("CO-2", "plain", 1, 1)]
    plan = _scheduled(_plant(_no_chips_within_two_years), orders)
    assert plan.unsupplied == ("CO-1",)
    assert _starts(plan, "CO-1") == []
    assert len(_starts(plan, "CO-2")) == 1
    assert plan.summary()["orders without material"] == 1


def test_schedule_waits_for_chips_and_counts_the_purchase_orders_released_from_plans(sqlite_url):
    """On the open-PO plant, with chips bought 40 days out: an order of twelve smart widgets needs two chips more
    than PO-C1 brings, so it waits 40 days; a purchase order released for two chips due 20 January brings it
    forward to that day."""
    engine = make_engine(sqlite_url)
    store_plant(engine, load_plant(PLANT_FILE), "open-po-plant.yaml")
    save_orders(engine, [_order("CO-1", "smart", 12)])

    def first_start() -> datetime:
        made = CliRunner().invoke(schedule_app, ["--horizon", "1", "--no-compare", "--json", "--db", sqlite_url])
        assert made.exit_code == 0, made.output
        assert json.loads(made.output)["orders left out"] == []
        return min(op.start for op in latest_schedule(engine, "opo-site").operations)

    assert first_start() == BOUGHT
    chips = StoredPurchaseOrder("", "opo-site", "chips-inc", "chip", 2, date(2027, 1, 4), date(2027, 1, 20), 0, "open")
    save_purchase_orders(engine, [chips], {"chips-inc": 40})
    assert first_start() == datetime(2027, 1, 20, tzinfo=UTC)


def _ten_chips_in_stock(document: dict) -> None:
    """Ten chips on the shelf and none on order: what three orders of smart widgets share."""
    document["inventory"].append({"material": "chip", "location": "store", "lot": "C-1", "quantity": 10})
    document["purchase_orders"] = []


def _three_sharing_chips() -> list[CustomerOrder]:
    """CO-A (six smart widgets) placed first, CO-B and CO-C (five each) a minute and two after."""
    return [_order("CO-A", "smart", 6), _order("CO-B", "smart", 5, 1), _order("CO-C", "smart", 5, 2)]


def test_material_is_served_in_the_sequence_the_desk_promised_the_orders():
    """Promised CO-B, CO-C, then CO-A: the ten chips are CO-B's five and CO-C's five, and CO-A, placed first but
    promised last, waits for six bought a lead time after its first day, as the promise in that sequence says."""
    plant, orders = _plant(_ten_chips_in_stock), _three_sharing_chips()
    sequence = {"CO-B": 1, "CO-C": 2, "CO-A": 3}
    assert material_ready(plant, orders, sequence) == {"CO-A": {"chip": BOUGHT.date()}}
    assert promise_book(plant, orders, sequence)["CO-A"] == BOUGHT.date()
    assert set(material_ready(plant, orders)) == {"CO-B", "CO-C"}  # in the sequence they came, CO-A takes six


def test_the_schedule_serves_material_as_the_desk_booked_it_for_an_order_promised_late(sqlite_url):
    """CO-B and CO-C are imported and promised; CO-A, placed before them, is imported and promised after (its
    promise's time in the history is its arrival, the earliest of the three). The desk booked the ten chips for
    CO-B and CO-C, so they are built on arrival and CO-A on the day its chips come, the day it was promised."""
    engine = make_engine(sqlite_url)
    plant = _plant(_ten_chips_in_stock)
    store_plant(engine, plant, "ten chips")
    first, *later = _three_sharing_chips()
    save_orders(engine, later)
    promise_received(engine, ORDERED - timedelta(days=1))
    save_orders(engine, [first])
    promise_received(engine, ORDERED - timedelta(days=1))
    orders = list_orders(engine, site="opo-site")
    assert {o.id: o.promised_date for o in orders}["CO-A"] == BOUGHT.date()
    _, plan = schedule_orders(engine, plant, orders, horizon_days=3, compare=False, time_limit=2, workers=1)
    assert min(_starts(plan, "CO-A")) == BOUGHT
    assert max(_starts(plan, "CO-B") + _starts(plan, "CO-C")) < ORDERED + timedelta(days=1)


TWO_CELLS = Path(__file__).parents[2] / "data" / "two-cells.yaml"


def _stools(boards: float, orders: int, each: int = 4) -> tuple[Plant, list[CustomerOrder]]:
    """The two-cells plant with legs for 100 stools and `boards` in stock, and `orders` of `each` stools placed a
    minute apart on Monday 4 January 2027."""
    stock = [InventoryLot(material="leg", location="store", lot="L-1", quantity=300)]
    if boards:
        stock.append(InventoryLot(material="board", location="store", lot="B-1", quantity=boards))
    plant = load_plant(TWO_CELLS).model_copy(update={"inventory": stock})
    return plant, stool_orders(plant, [date(2027, 1, 29)] * orders, each)


def _midnight(plant: Plant, day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZoneInfo(plant.site.timezone)).astimezone(UTC)


def test_a_lot_waits_for_the_bought_part_it_is_cut_from():
    """The two-cells plant cuts seats in lots of 20 from boards, bought 5 days out; with legs in stock and no
    boards, the seat lots are not cut before the boards come (the stools wait for their seats in turn); with
    boards in stock, they are cut on arrival."""
    plant, orders = _stools(0, 3)
    ready = material_ready(plant, orders)
    assert set(ready["CO-0"] or {}) == {"board"}  # legs are in stock
    boards_in = _midnight(plant, ready["CO-0"]["board"])
    assert boards_in >= _midnight(plant, date(2027, 1, 5) + timedelta(days=5))  # the first day and the lead time
    plan = schedule_plant(plant, orders, horizon_days=3, compare=False, time_limit=2, workers=1, material_ready=ready)
    cuts = [op.start for op in plan.operations if op.operation == "seat/cut"]
    assert cuts
    assert min(cuts) >= boards_in
    assert min(op.start for op in plan.operations if op.operation.startswith("stool/")) > min(cuts)
    stocked, orders = _stools(100, 3)
    assert material_ready(stocked, orders) == {}
    plan = schedule_plant(stocked, orders, horizon_days=3, compare=False, time_limit=2, workers=1, material_ready={})
    assert min(op.start for op in plan.operations if op.operation == "seat/cut") < boards_in


def test_lots_take_the_bought_parts_in_the_order_they_come():
    """Boards for one lot of 20 seats in stock, 32 stools ordered: the first lot is cut from the stock at once,
    the second waits for the boards that come a lead time after the orders."""
    plant, orders = _stools(20, 8)
    ready = material_ready(plant, orders)
    assert sorted(ready) == [f"CO-{k}" for k in range(5, 8)]  # 5 x 4 = 20 boards from stock, then none
    boards_in = _midnight(plant, min(day["board"] for day in ready.values() if day))
    plan = schedule_plant(plant, orders, horizon_days=3, compare=False, time_limit=2, workers=1, material_ready=ready)
    cuts = sorted(op.start for op in plan.operations if op.operation == "seat/cut")
    assert cuts[0] < boards_in <= cuts[-1]


def test_a_lot_the_stock_covers_is_cut_at_once_though_its_order_waits_for_more():
    """Boards for one seat lot in stock and one order of 24 stools: the order waits for the four boards more, but
    the first lot of 20 seats needs only what is in stock; it is cut at once, the second when the boards come."""
    plant, orders = _stools(20, 1, each=24)
    ready = material_ready(plant, orders)
    assert set(ready["CO-0"] or {}) == {"board"}
    boards_in = _midnight(plant, ready["CO-0"]["board"])
    plan = schedule_plant(plant, orders, horizon_days=3, compare=False, time_limit=2, workers=1, material_ready=ready)
    cuts = sorted(op.start for op in plan.operations if op.operation == "seat/cut")
    assert len(cuts) == 2
    assert cuts[0] < orders[0].ordered_at + timedelta(days=1)
    assert cuts[1] >= boards_in
