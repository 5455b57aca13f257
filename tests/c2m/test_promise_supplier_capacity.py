"""Promises that buy within the supplier's weekly capacity, on tests/data/open-po-plant.yaml without its open
order: a smart widget takes one chip, one chip is in stock, chips-inc ships 20 chips a week 40 days after an
order. The cell works every day around the clock and a widget takes a minute, so the day the chips are in is
the promised day.

By hand: orders start on Tuesday 5 January 2027, so chips can come from Sunday 14 February, in the ISO week
of Monday 8 February. Three orders of 15 smart widgets, first come first served:
- A takes the chip in stock and buys 14 in that week (6 left): in on 14 February, bound by the lead time;
- B buys the 6 left that week and 9 in the next (11 left), which starts Monday 15 February: in on the 15th,
  bound by the capacity taken until Sunday 14 February;
- C buys the 11 left that week and 4 in the week of Monday 22 February: in on the 22nd.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from factoryos.c2m.promise import Commitments, Lot, PlantCapacity, PlantMaterial, promise
from factoryos.c2m.replay import promise_book, promise_moves
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import InventoryLot, Plant
from factoryos.model.validate import load_plant
from factoryos.planning.disruption import Disruption, disrupted_plant
from factoryos.planning.mrp import plan
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.services.order_desk import OrderInput, place_orders, submit_order
from factoryos.services.tenants import Caller
from factoryos.store.order_desk import commitments
from factoryos.store.plants import store_plant

from ..planning.test_open_purchase_orders import PLANT_FILE

START = date(2027, 1, 5)
NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)
SMART = {"brain": "smart"}
DUE = NOW.date()
"""Asked for as soon as possible, so that each promise is the earliest day the plant can build the order."""
WEEKLY = 20
FIRST, SECOND, THIRD = date(2027, 2, 14), date(2027, 2, 15), date(2027, 2, 22)
HAND = {"A": FIRST, "B": SECOND, "C": THIRD}


def _plant() -> Plant:
    plant = load_plant(PLANT_FILE)
    chips = plant.suppliers["chips-inc"].model_copy(update={"weekly_capacity": WEEKLY})
    chip = InventoryLot(material="chip", location="store", lot="C-1", quantity=1)
    return plant.model_copy(
        update={
            "purchase_orders": [],
            "inventory": [*plant.inventory, chip],
            "suppliers": {**plant.suppliers, "chips-inc": chips},
        }
    )


def _orders() -> list[CustomerOrder]:
    return [
        CustomerOrder(ident, "opo-site", "owner", "shop", "widget", SMART, 15, NOW.replace(hour=8 + n), DUE)
        for n, ident in enumerate("ABC")
    ]


def _quotes(plant: Plant):
    capacity, material = PlantCapacity(plant), PlantMaterial(plant)
    held, quotes = Commitments(), []
    for order in _orders():
        check = material.check(material.needs("widget", SMART), order.quantity, START, held)
        quote = promise(capacity, capacity.load("widget", SMART), order.quantity, START, {}, check)
        held.add(quote.stock, quote.lots)
        quotes.append(quote)
    return quotes, held


def test_promises_move_later_as_orders_take_the_suppliers_weekly_capacity():
    assert promise_book(_plant(), _orders()) == HAND


def test_the_binding_constraint_names_the_lead_time_then_the_capacity_taken():
    a, b, c = (q.constraint for q in _quotes(_plant())[0])
    assert a == "chip: supplier lead time 40 days (chips-inc)"
    assert b == "chip: supplier chips-inc weekly capacity 20 taken until 2027-02-14"
    assert c == "chip: supplier chips-inc weekly capacity 20 taken until 2027-02-21"


def test_the_lots_bought_are_those_mrp_plans_for_the_same_demand():
    """MRP buys the 44 chips that 45 smart widgets due on the first day need beyond the one in stock with the
    same kernel, so the promises' lots add up to its planned orders, day by day."""
    quotes, held = _quotes(_plant())
    assert [q.lots for q in quotes] == [
        (Lot("chip", "chips-inc", FIRST, 14),),
        (Lot("chip", "chips-inc", FIRST, 6), Lot("chip", "chips-inc", SECOND, 9)),
        (Lot("chip", "chips-inc", SECOND, 11), Lot("chip", "chips-inc", THIRD, 4)),
    ]
    assert held.bought == {"chip": {FIRST: 20, SECOND: 20, THIRD: 4}}
    problem = plant_problem(_plant(), START, 60, [DemandRow("D", "widget", START, 45, "order", "D", SMART)])
    planned = [o for o in plan(problem).planned_orders if o.material == "chip"]
    assert {o.due: o.quantity for o in planned} == held.bought["chip"]
    assert {o.supplier for o in planned} == {"chips-inc"}


def test_the_suppliers_minimum_and_multiple_round_a_lot_and_its_excess_serves_the_next_order():
    """With orders of 5 and a multiple of 8: A buys 8 for the 4 it lacks (4 to spare); B's 5 find those 4 and buy
    8 more; the week's 20 hold two lots of 8, so a third order's lot waits for the next week."""
    plant = _plant()
    chips = plant.suppliers["chips-inc"].model_copy(update={"order_multiple": 8})
    plant = plant.model_copy(update={"suppliers": {**plant.suppliers, "chips-inc": chips}})
    orders = [replace(o, quantity=5) for o in _orders()]
    orders.append(replace(orders[0], id="D", ordered_at=NOW.replace(hour=12)))
    # A: 1 + 8 (4 spare); B: 4 spare + 8 (7 spare); C: 5 of the 7 spare; D: 2 spare + 8 in the next week
    assert promise_book(plant, orders) == {"A": FIRST, "B": FIRST, "C": FIRST, "D": SECOND}


def test_a_cut_in_the_suppliers_capacity_moves_the_promise():
    cut = disrupted_plant(_plant(), (Disruption("chips-inc", capacity_share=0.5),))
    (moved,) = promise_moves(_plant(), cut, _orders()[:1])  # 10 of A's 14 chips in the first week, 4 the next
    assert (moved.before, moved.after) == (FIRST, SECOND)


@pytest.fixture
def desk(engine):
    store_plant(engine, _plant(), "supplier capacity test plant")
    return engine, Caller("test", "opo-site", "owner", "planner", owner=True)


def _request() -> OrderInput:
    return OrderInput("shop", "widget", SMART, 15, DUE)


def test_the_order_desk_books_supplier_capacity_as_the_engine_does(desk):
    engine, owner = desk
    dates = [
        submit_order(engine, owner, _request(), order.ordered_at, lambda o, q: {"promise": q})
        .result()
        .answer["promise"]
        .promised
        for order in _orders()
    ]
    assert dates == [FIRST, SECOND, THIRD]
    with engine.connect() as connection:
        held = commitments(connection, "opo-site", START)
    assert held.booked == {"chips-inc": {date(2027, 2, 8): 20, date(2027, 2, 15): 20, date(2027, 2, 22): 4}}
    assert held.taken["chip"] == 45


def test_orders_placed_at_once_book_supplier_capacity_as_one_by_one(desk):
    engine, owner = desk
    placed = place_orders(engine, owner, [(_request(), order.ordered_at) for order in _orders()])
    assert [o.promised_date for o, _ in placed] == [FIRST, SECOND, THIRD]
