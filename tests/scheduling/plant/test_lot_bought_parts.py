"""A lot draws its bought parts for the whole lot when it is made: from stock, then from the open purchase orders
on their due days, shared with the units that draw the same part, no piece used twice. On the two-cells plant
(tests/data/two-cells.yaml: seats cut in fixed lots of 20 from one board each, legs for 40 stools in stock), with
the boards it holds and has on order set by each test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from factoryos.c2m.replay import material_ready
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import BomLine, InventoryLot, OpenPurchaseOrder, Plant
from factoryos.model.validate import load_plant
from factoryos.scheduling.plant_schedule import PlantSchedule, schedule_plant
from tests.scheduling.plant.stools import stool_orders

TWO_CELLS = Path(__file__).parents[2] / "data" / "two-cells.yaml"
MONDAY = date(2027, 1, 4)  # the stools are ordered from 10:00 UTC; the 6th is a holiday
FIRST_PO = date(2027, 1, 7)
SECOND_PO = date(2027, 1, 12)


def _plant(boards: float, on_order: list[tuple[date, float]], board_in_stool: bool = False) -> Plant:
    """The two-cells plant with `boards` in stock and purchase orders of boards due (day, quantity); with
    `board_in_stool`, each stool also takes a board of its own (a footrest) at assembly."""
    plant = load_plant(TWO_CELLS)
    stock = [InventoryLot(material="leg", location="store", lot="L-1", quantity=120)]
    if boards:
        stock.append(InventoryLot(material="board", location="store", lot="B-1", quantity=boards))
    on_order_now = [
        OpenPurchaseOrder(id=f"PO-{k}", supplier="timber", material="board", quantity=quantity, due=due)
        for k, (due, quantity) in enumerate(on_order, start=1)
    ]
    boms = dict(plant.boms)
    if board_in_stool:
        boms["stool"] = [*boms["stool"], BomLine(component="board", quantity=1, operation="assemble")]
    plant = plant.model_copy(update={"inventory": stock, "purchase_orders": on_order_now, "boms": boms})
    return plant


def _schedule(plant: Plant, orders: list[CustomerOrder]) -> PlantSchedule:
    ready = material_ready(plant, orders)
    start = datetime.combine(MONDAY, datetime.min.time(), UTC)
    return schedule_plant(
        plant, orders, horizon_days=7, compare=False, time_limit=2, workers=1, material_ready=ready, start=start
    )


def _midnight(plant: Plant, day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZoneInfo(plant.site.timezone)).astimezone(UTC)


def _boards_drawn_never_outrun_the_supply(plant: Plant, plan: PlantSchedule) -> None:
    """At every start of an operation that draws boards (a seat lot's cut: 20; a stool's assembly with a footrest:
    1), the boards drawn by then are at most those in stock and come on order by then."""
    per_op = {"seat/cut": 20, "stool/assemble": 1 if "board" in {b.component for b in plant.boms["stool"]} else 0}
    draws = sorted((op.start, per_op.get(op.operation, 0)) for op in plan.operations)
    stock = plant.stock_on_hand().get("board", 0.0)
    arrivals = [(_midnight(plant, po.due), po.quantity) for po in plant.purchase_orders]
    drawn = 0.0
    for start, boards in draws:
        drawn += boards
        assert drawn <= stock + sum(q for when, q in arrivals if when <= start), start


def _starts(plan: PlantSchedule, operation: str, customer_order: str | None = None) -> list[datetime]:
    productions = {p.id for p in plan.plant_problem.production_orders if p.customer_order == customer_order}
    return sorted(
        op.start
        for op in plan.operations
        if op.operation == operation and (customer_order is None or op.production_order in productions)
    )


def test_a_lot_waits_for_the_purchase_order_that_brings_its_boards_though_its_order_has_them():
    """Ten boards in stock and forty due Thursday 7 January; one order of four stools. The order's own four boards
    are in stock, so the promise has it wait for nothing; but its seat lot cuts 20 seats from 20 boards, and only
    ten are there before Thursday: the lot is cut no earlier than Thursday, the stools after it. The scheduler
    cut it on Monday, from ten boards that were not there."""
    plant = _plant(10, [(FIRST_PO, 40)])
    orders = stool_orders(plant, [date(2027, 1, 29)])
    assert material_ready(plant, orders) == {}
    plan = _schedule(plant, orders)
    assert min(_starts(plan, "seat/cut")) >= _midnight(plant, FIRST_PO)
    assert min(_starts(plan, "stool/assemble")) > min(_starts(plan, "seat/cut"))
    _boards_drawn_never_outrun_the_supply(plant, plan)


def test_a_lot_waits_for_the_purchase_order_due_before_its_order_was_placed_not_from_the_epoch():
    """No boards in stock, forty due Thursday 7 January; the schedule starts on Monday, the order of four stools
    is placed on Friday 8th, when the boards are in: the promise has it wait for nothing, but its seat lot (no
    release of its own) is cut from the boards of Thursday, not from Monday."""
    plant = _plant(0, [(FIRST_PO, 40)])
    order = stool_orders(plant, [date(2027, 1, 29)])[0]
    order = replace(order, ordered_at=datetime(2027, 1, 8, 10, tzinfo=UTC))
    assert material_ready(plant, [order]) == {}
    plan = _schedule(plant, [order])
    assert min(_starts(plan, "seat/cut")) >= _midnight(plant, FIRST_PO)
    _boards_drawn_never_outrun_the_supply(plant, plan)


def test_a_lot_the_stock_covers_is_cut_on_the_first_shift():
    """Twenty boards in stock, forty more due Thursday: the lot of twenty seats has its boards at once and is cut
    on Monday's first shift (06:00 in Berlin), the stools built on Monday too."""
    plant = _plant(20, [(FIRST_PO, 40)])
    orders = stool_orders(plant, [date(2027, 1, 29)])
    plan = _schedule(plant, orders)
    first_shift = datetime(2027, 1, 4, 6, tzinfo=ZoneInfo("Europe/Berlin"))
    assert min(_starts(plan, "seat/cut")) == first_shift
    assert max(_starts(plan, "stool/assemble")) < _midnight(plant, MONDAY + timedelta(days=1))
    _boards_drawn_never_outrun_the_supply(plant, plan)


def test_units_and_lots_share_one_delivery_and_use_no_board_twice():
    """Each stool takes a footrest board at assembly besides its seat's. No boards in stock; 30 due Thursday 7th and
    40 on Tuesday 12th; three orders of four stools (CO-0, CO-1, CO-2, placed a minute apart). The promise serves
    them 8 boards each (four seats, four footrests), 24 of Thursday's 30, and has none wait longer. But the one
    seat lot of 20 (for all twelve stools) takes 20 of the 30 when it is cut, which leaves 10: CO-0's and CO-1's
    footrests (4 + 4), in the sequence the orders are needed; CO-2's four wait for Tuesday's boards."""
    plant = _plant(0, [(FIRST_PO, 30), (SECOND_PO, 40)], board_in_stool=True)
    orders = stool_orders(plant, [date(2027, 1, 29)] * 3)
    assert {order: set(days.values()) for order, days in material_ready(plant, orders).items() if days} == {
        f"CO-{k}": {FIRST_PO} for k in range(3)
    }
    plan = _schedule(plant, orders)
    thursday, tuesday = _midnight(plant, FIRST_PO), _midnight(plant, SECOND_PO)
    assert thursday <= min(_starts(plan, "seat/cut")) < tuesday
    for order in ("CO-0", "CO-1"):
        assert thursday <= min(_starts(plan, "stool/assemble", order))
        assert max(_starts(plan, "stool/assemble", order)) < tuesday
    assert min(_starts(plan, "stool/assemble", "CO-2")) >= tuesday
    _boards_drawn_never_outrun_the_supply(plant, plan)
