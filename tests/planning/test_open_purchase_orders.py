"""Open purchase orders in the plant file, on tests/data/open-po-plant.yaml: a smart widget takes one chip;
chips take 40 days to buy, but 10 are on order (PO-C1), due Monday 11 January 2027. Orders start on Tuesday
5 January; the cell works around the clock and a widget takes a minute, so the day the material is in is
the promised day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from factoryos.c2m.promise import Commitments, PlantCapacity, PlantMaterial, promise
from factoryos.c2m.replay import promise_book, promise_moves
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import InventoryLot, Plant
from factoryos.model.validate import check_plant_text, load_plant
from factoryos.planning.disruption import Disruption, disrupted, disrupted_plant
from factoryos.planning.mrp import plan
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.twin.calendar import DAY
from factoryos.twin.plant_twin import PlannedUnit
from factoryos.twin.purchasing import purchase_plan

PLANT_FILE = Path(__file__).parents[1] / "data" / "open-po-plant.yaml"
START = date(2027, 1, 5)
PO_DUE = date(2027, 1, 11)
CHIP_LEAD = 40
SMART = {"brain": "smart"}
PLAIN = {"brain": "plain"}


def _plant(with_orders: bool = True) -> Plant:
    """The plant, or (without its open order) with one chip in stock instead, so chips are still counted."""
    plant = load_plant(PLANT_FILE)
    if with_orders:
        return plant
    chip = InventoryLot(material="chip", location="store", lot="C-1", quantity=1)
    return plant.model_copy(update={"purchase_orders": [], "inventory": [*plant.inventory, chip]})


def _promised(plant: Plant, quantity: int, options: dict[str, str], taken: dict[str, float] | None = None):
    capacity, material = PlantCapacity(plant), PlantMaterial(plant)
    check = material.check(material.needs("widget", options), quantity, START, Commitments(dict(taken or {})))
    return promise(capacity, capacity.load("widget", options), quantity, START, {}, check)


def test_an_open_purchase_order_brings_the_promise_forward_to_its_due_date():
    without, with_order = _promised(_plant(False), 5, SMART), _promised(_plant(), 5, SMART)
    assert without.promised == START + timedelta(days=CHIP_LEAD)
    assert with_order.promised == PO_DUE  # 34 days earlier: the chips come on the order, not a new one
    assert (without.promised - with_order.promised).days == CHIP_LEAD - (PO_DUE - START).days
    assert with_order.constraint == "chip: open purchase order PO-C1 due 2027-01-11 (chips-inc)"
    assert with_order.stock == {"bolt": 5, "chip": 5}


def test_what_the_open_order_does_not_cover_is_bought_with_the_lead_time():
    assert _promised(_plant(), 11, SMART).promised == START + timedelta(days=CHIP_LEAD)
    assert _promised(_plant(), 5, SMART, {"chip": 6}).promised == START + timedelta(days=CHIP_LEAD)
    assert _promised(_plant(), 4, SMART, {"chip": 6}).promised == PO_DUE


def test_a_supplier_slip_moves_exactly_the_promises_that_need_its_order():
    slipped = disrupted_plant(_plant(), (Disruption("chips-inc", delay_days=7),))
    assert _promised(slipped, 5, SMART).promised == PO_DUE + timedelta(days=7)
    assert _promised(slipped, 5, PLAIN).promised == _promised(_plant(), 5, PLAIN).promised == START
    assert _promised(slipped, 11, SMART).promised == START + timedelta(days=CHIP_LEAD + 7)


def _problem(plant: Plant, smart: int):
    rows = [
        DemandRow("CO-1", "widget", date(2027, 1, 20), smart, "order", "CO-1", SMART),
        DemandRow("CO-2", "widget", date(2027, 1, 20), 5, "order", "CO-2", PLAIN),
    ]
    return plant_problem(plant, START, 60, rows)


def test_mrp_nets_the_open_order_as_a_scheduled_receipt():
    assert [r.id for r in _problem(_plant(), 8).receipts] == ["PO-C1"]
    assert not [o for o in plan(_problem(_plant(), 8)).planned_orders if o.material == "chip"]
    (chips,) = [o for o in plan(_problem(_plant(), 15)).planned_orders if o.material == "chip"]
    assert chips.quantity == 5  # 15 needed, 10 on order
    (unplanned,) = [o for o in plan(_problem(_plant(False), 8)).planned_orders if o.material == "chip"]
    assert unplanned.quantity == 7  # 8 needed, the 1 in stock of the variant without the order


def test_a_slipped_open_order_asks_to_be_expedited_for_the_order_that_needs_it():
    """Needed on 19 January (the widgets are due on the 20th and their routing's lead time is a working day): on
    time it is due 8 days early (defer); 14 days late it is due 6 days late, and MRP nets it where it is needed
    and asks for it to be expedited, naming the order the chips go into."""
    problem = _problem(_plant(), 8)
    (on_time,) = [e for e in plan(problem).exceptions if e.material == "chip" and e.kind != "excess"]
    assert (on_time.kind, on_time.date) == ("defer", PO_DUE)
    slipped = plan(disrupted(problem, (Disruption("chips-inc", delay_days=14),)))
    (late,) = [e for e in slipped.exceptions if e.material == "chip" and e.kind != "excess"]
    assert (late.kind, late.date, late.orders) == ("expedite", date(2027, 1, 19), ("CO-1",))


def test_an_open_order_due_after_the_horizon_is_on_order_not_bought_again():
    """The 10 chips slip 40 days, past a two-week plan: a plan that dropped them bought 8 chips again (due after
    the horizon as well), and each release of its proposals ordered them once more."""
    rows = [DemandRow("CO-1", "widget", date(2027, 1, 12), 8, "order", "CO-1", SMART)]
    problem = disrupted(plant_problem(_plant(), START, 14, rows), (Disruption("chips-inc", delay_days=40),))
    assert all(r.due > START + timedelta(days=14) for r in problem.receipts)
    assert not [o for o in plan(problem).planned_orders if o.material == "chip"]
    more = [DemandRow("CO-2", "widget", date(2027, 1, 13), 3, "order", "CO-2", SMART), *rows]
    (bought,) = [
        o
        for o in plan(
            disrupted(plant_problem(_plant(), START, 14, more), (Disruption("chips-inc", delay_days=40),))
        ).planned_orders
        if o.material == "chip"
    ]
    assert bought.quantity == 1  # 11 needed, 10 on order


def test_an_expedited_order_is_not_also_cancelled_and_messages_give_the_orders_own_due_date():
    """Two orders of 10 chips due 11 January, 8 needed on the 6th (for widgets due the 7th, a working day of
    routing lead time before): both are pulled in (expedite), and neither is
    judged for cancelling on the day it was pulled in to (which named that day as its due date). An order past
    due when the plan starts is named with its own due date, not the plan's first day."""
    po = _plant().purchase_orders[0]
    two = _plant().model_copy(update={"purchase_orders": [po, po.model_copy(update={"id": "PO-C2"})]})
    rows = [DemandRow("CO-1", "widget", date(2027, 1, 7), 8, "order", "CO-1", SMART)]
    found = [(e.kind, e.message) for e in plan(plant_problem(two, START, 30, rows)).exceptions if e.kind != "excess"]
    assert found == [("expedite", "PO-C1, PO-C2: 20 chip due 2027-01-11 is needed on 2027-01-06")]
    past_due = _plant().model_copy(update={"purchase_orders": [po.model_copy(update={"due": date(2027, 1, 2)})]})
    later = [DemandRow("CO-1", "widget", date(2027, 1, 20), 8, "order", "CO-1", SMART)]
    (defer,) = [e for e in plan(plant_problem(past_due, START, 30, later)).exceptions if e.kind == "defer"]
    assert defer.message == "PO-C1: 10 chip due 2027-01-02 is first needed on 2027-01-19"


def test_the_twin_receives_the_open_order_and_buys_only_the_rest():
    epoch = datetime(2027, 1, 4, tzinfo=UTC)
    plant = _plant()
    day8 = [PlannedUnit(8 * DAY + 60.0 * k, f"S{k}", "widget", SMART) for k in range(12)]
    orders = purchase_plan(plant, day8, epoch, 10)
    chips = [o for o in orders if o.material == "chip"]
    assert [(o.id, o.quantity, o.supplier) for o in chips] == [
        ("PO-C1", 10, "chips-inc"),
        (chips[1].id, 2, "chips-inc"),
    ]
    assert chips[0].due == datetime(2027, 1, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"supplier": "nobody"}, "purchase_orders[0].supplier: unknown supplier 'nobody'"),
        ({"material": "bolt"}, "purchase_orders[0].material: supplier 'chips-inc' does not list material 'bolt'"),
        ({"quantity": 0}, "purchase_orders[0].quantity"),
        ({"due": "2027-02-30"}, "purchase_orders[0].due"),
    ],
)
def test_a_bad_open_purchase_order_is_refused_with_its_path(change, message):
    data = yaml.safe_load(PLANT_FILE.read_text())
    data["purchase_orders"][0].update(change)
    _, issues = check_plant_text(yaml.safe_dump(data))
    assert any(message in str(issue) for issue in issues), [str(i) for i in issues]


def test_an_open_purchase_order_listed_twice_is_refused():
    data = yaml.safe_load(PLANT_FILE.read_text())
    data["purchase_orders"].append(dict(data["purchase_orders"][0]))
    _, issues = check_plant_text(yaml.safe_dump(data))
    assert any("purchase_orders[1].id: purchase order 'PO-C1' is listed twice" in str(i) for i in issues)


def _order(ident: str, options: dict[str, str], quantity: int, hour: int) -> CustomerOrder:
    placed = datetime(2027, 1, 4, hour, tzinfo=UTC)  # promised from the next day, START, as soon as it can be
    return CustomerOrder(ident, "opo-site", "owner", "shop", "widget", options, quantity, placed, placed.date())


def test_the_replayed_order_book_moves_exactly_the_promises_on_the_slipped_order():
    """CO-1 (5 smart) and CO-3 (4 smart) share PO-C1's 10 chips: both wait for it; CO-2 needs no chip; CO-4's 3
    smart find 1 chip left, so they wait for a new order 40 days out. A 7-day slip moves the three smart orders
    by 7 days each (the open order and the lead time both slip) and leaves CO-2."""
    book = [_order("CO-1", SMART, 5, 8), _order("CO-2", PLAIN, 5, 9), _order("CO-3", SMART, 4, 10)]
    book.append(_order("CO-4", SMART, 3, 11))
    assert promise_book(_plant(), book) == {
        "CO-1": PO_DUE,
        "CO-2": START,
        "CO-3": PO_DUE,
        "CO-4": START + timedelta(days=CHIP_LEAD),
    }
    moves = promise_moves(_plant(), disrupted_plant(_plant(), (Disruption("chips-inc", delay_days=7),)), book)
    assert sorted((m.customer_order, m.days) for m in moves) == [("CO-1", 7), ("CO-3", 7), ("CO-4", 7)]


def test_a_promise_that_finds_no_room_after_its_material_says_when_the_material_is_in():
    """Chips 700 days out leave 30 days of the two-year horizon: 100,000 widget-minutes do not fit in them,
    though they would in the horizon's 730 days; the answer names the material and the days it had."""
    plant = _plant(False)
    late = plant.model_copy(
        update={
            "suppliers": {
                **plant.suppliers,
                "chips-inc": plant.suppliers["chips-inc"].model_copy(update={"lead_time_days": 700}),
            }
        }
    )
    quote = _promised(late, 100_000, SMART)
    assert quote.promised is None
    in_on = START + timedelta(days=700)
    assert f"from {in_on}, when the bought material is in: chip: supplier lead time 100 weeks" in quote.explanation
    assert f"to {START + timedelta(days=730)}" in quote.explanation
    assert _promised(plant, 100_000, PLAIN).promised is not None  # the same minutes fit without the chips
