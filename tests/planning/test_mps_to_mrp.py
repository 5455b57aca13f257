"""The MPS feeds MRP: its rows are independent demand whose finished units MRP plans to make by the MPS day,
with an order's configured bill and the forecast's mix."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.model.orders import CustomerOrderState
from factoryos.model.rampup import ramp_bound_products
from factoryos.model.validate import load_plant
from factoryos.planning.mps import line_capacity
from factoryos.planning.mrp import plan
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.services.forecast import History
from factoryos.services.mps import mps_demand_rows, plan_mps

DATA = Path(__file__).resolve().parents[1] / "data"
START = date(2027, 4, 5)


@pytest.fixture(scope="module")
def small():
    return load_plant(DATA / "partner-ramp-plant.yaml")


def test_mrp_makes_every_mps_unit_of_a_finished_product_by_its_day(small):
    orders = generate_orders(small, START - timedelta(days=60), 60, seed=2)
    history = History(small, orders, START, 60 - 21, "generated")
    run = plan_mps(history, 14, "orders")
    rows = mps_demand_rows(run.schedule)
    assert rows
    assert {r.kind for r in rows} == {"order"}
    assert all(r.configuration is not None for r in rows)
    mrp = plan(plant_problem(small, START, 14, rows))
    overloads = [e.message for e in mrp.exceptions if e.kind == "capacity-overload"]
    assert not overloads  # MRP reads the line's capacity as the MPS builds to it
    wanted: dict[str, float] = defaultdict(float)
    for row in rows:
        wanted[row.item] += row.quantity
    made: dict[str, float] = defaultdict(float)
    for order in mrp.planned_orders:
        if order.material in wanted:
            assert order.kind == "make"
            made[order.material] += order.quantity
    for material, quantity in wanted.items():
        assert made[material] == pytest.approx(quantity)
        for k in range(14):
            day = START + timedelta(days=k)
            by_day = sum(o.quantity for o in mrp.planned_orders if o.material == material and o.due <= day)
            assert by_day >= sum(r.quantity for r in rows if r.item == material and r.due <= day) - 1e-9


def test_orders_already_in_production_or_shipped_are_not_planned_again(small):
    orders = generate_orders(small, START - timedelta(days=60), 60, seed=2)
    due = [o for o in orders if START <= o.due_date < START + timedelta(days=14)]
    due[0].state, due[1].state = CustomerOrderState.SHIPPED, CustomerOrderState.IN_PRODUCTION
    run = plan_mps(History(small, orders, START, 39, "generated"), 14, "orders")
    planned = {r.customer_order for r in run.schedule.rows}
    assert due[0].id not in planned
    assert due[1].id not in planned
    assert due[2].id in planned or due[2].id in run.schedule.unplanned


def test_an_open_order_past_due_is_planned_first_and_late(small):
    """The order book's past-due orders are its most urgent, not out of the horizon: built on the first days
    the line has room, before anything due later."""
    orders = generate_orders(small, START - timedelta(days=60), 60, seed=2)
    for order in orders:
        if order.due_date < START:
            order.state = CustomerOrderState.SHIPPED
    overdue = next(o for o in orders if o.due_date >= START)
    overdue.due_date, overdue.state = START - timedelta(days=3), CustomerOrderState.PROMISED
    run = plan_mps(History(small, orders, START, 39, "generated"), 14, "orders")
    built = [r for r in run.schedule.rows if r.customer_order == overdue.id]
    assert sum(r.quantity for r in built) == overdue.quantity
    assert all(r.late_days >= 3 for r in built)
    first = min(r.day for r in run.schedule.rows)
    assert max(r.day for r in built) == first  # the first day the line builds


def test_a_capacity_overload_reads_the_line_as_the_mps_builds_to_it(small):
    """A day's starts past the ramp-up line: MRP's exception names the whole units the MPS would build that day,
    not a capacity of its own (it read the month's uncapped capacity over the plant file's working days)."""
    product = ramp_bound_products(small)[0]
    material = small.products[product].material
    day = START + timedelta(days=9)
    rows = [DemandRow(f"D{k}", material, day, 40, "forecast") for k in range(5)]
    mrp = plan(plant_problem(small, START, 14, rows))
    capacity = line_capacity(small, START, 14)
    overloads = [e for e in mrp.exceptions if e.kind == "capacity-overload"]
    assert overloads
    for exception in overloads:
        assert exception.message.endswith(f", {capacity[(exception.date - START).days]:g} can")
