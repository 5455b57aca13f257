"""MRP plans a material counted in pieces ("ea", "set") in whole units, and a measured one ("kg") to any fraction.

The plant is a bike shop of our own: a bike is assembled from a wheelset (made, counted in sets), a frame (bought,
1 % of those issued lost to damage, a BOM line's scrap) and grease (bought by the kg, to the gram); its assembly
scraps what fails the final test (first-pass yield 0.985, no repair), so its components are planned for the bikes
made again. A wheelset is laced from 36 spokes. Ten bikes need 10 / 0.985 = 10.15 wheelsets and
10 / (0.985 x 0.99) = 10.26 frames, which a planner makes and buys as 11 of each; the 0.85 wheelset left over is
stock that the next order takes first.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.model.plant import Plant
from factoryos.model.validate import check_plant_text
from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.planning.problem import Demand, Item, LotRule, PlanningError

from .records import day, problem

YIELD, SCRAP, GREASE, SPOKES = 0.985, 0.01, 0.05, 36
PLANT = f"""
source: Test fixture; invented figures.
enterprise: {{id: bikes, name: Bikes}}
site: {{id: shop, name: Bike shop}}
tenants: {{owner: {{name: Bikes, role: owner}}}}
customers: {{rider: {{name: Rider, tenant: owner}}}}
equipment_classes:
  stand: {{capabilities: [assemble, lace]}}
calendars:
  always: {{shifts: [{{name: all, start: "00:00", end: "00:00", days: [mon, tue, wed, thu, fri, sat, sun]}}]}}
areas:
  shop:
    work_centers:
      bench:
        calendar: always
        work_units:
          stand-1: {{equipment_class: stand}}
materials:
  bike: {{kind: finished, source: make, lead_time_days: 0}}
  wheelset: {{kind: sub-assembly, source: make, uom: set, lead_time_days: 0}}
  frame: {{kind: component, source: buy}}
  grease: {{kind: component, source: buy, uom: kg}}
  spoke: {{kind: component, source: buy}}
boms:
  bike:
    - {{component: wheelset, quantity: 1}}
    - {{component: frame, quantity: 1, scrap: {SCRAP}}}
    - {{component: grease, quantity: {GREASE}}}
  wheelset: [{{component: spoke, quantity: {SPOKES}}}]
routings:
  bike:
    operations: [{{id: assemble, capability: assemble, run_minutes: 30, quality: {{first_pass_yield: {YIELD}}}}}]
  wheelset: {{operations: [{{id: lace, capability: lace, run_minutes: 20}}]}}
products:
  bike: {{material: bike, tenant: owner}}
suppliers:
  wholesaler: {{lead_time_days: 2, materials: [frame, spoke]}}
  oils: {{lead_time_days: 3, order_multiple: 0.001, materials: [grease]}}
"""
START = date(2027, 3, 1)
DUE = date(2027, 3, 15)
HORIZON = 40


def bike_shop(yield_: float = YIELD, scrap: float = SCRAP, wheelset_lot: dict[str, Any] | None = None) -> Plant:
    data = yaml.safe_load(PLANT)
    data["routings"]["bike"]["operations"][0]["quality"]["first_pass_yield"] = yield_
    data["boms"]["bike"][1]["scrap"] = scrap
    if wheelset_lot:
        data["materials"]["wheelset"]["lot_size"] = wheelset_lot
        data["materials"]["wheelset"]["unit_cost"] = 40
    found, issues = check_plant_text(yaml.safe_dump(data))
    assert found is not None, issues
    return found


def _run(plant: Plant, orders: list[tuple[date, float]]):
    rows = [DemandRow(f"CO-{k}", "bike", due, qty, "order", f"CO-{k}") for k, (due, qty) in enumerate(orders, 1)]
    p = plant_problem(plant, START, HORIZON, rows)
    return p, plan(p)


def _lots(result, material: str) -> list[float]:
    return [o.quantity for o in sorted(result.planned_orders, key=lambda o: o.due) if o.material == material]


def test_a_counted_items_lot_is_the_smallest_whole_number_covering_its_need_and_a_measured_one_keeps_its_fraction():
    p, result = _run(bike_shop(), [(DUE, 10)])
    assert {i.id: i.whole for i in p.items} == {
        "bike": True,
        "wheelset": True,
        "frame": True,
        "grease": False,
        "spoke": True,
    }
    # By hand: 10 / 0.985 = 10.152 wheelsets, 10 / (0.985 x 0.99) = 10.255 frames, 0.05 x 10.152 = 0.508 kg.
    assert _lots(result, "bike") == [10]
    assert _lots(result, "wheelset") == [11]
    assert _lots(result, "frame") == [11]
    assert _lots(result, "spoke") == [11 * SPOKES]  # the whole wheelset lot is laced, its spare one too
    assert _lots(result, "grease") == [pytest.approx(0.508)]  # 0.05 x 10.152 kg, to the supplier's gram
    assert check_plan(p, result) == []


def test_the_rounding_excess_is_stock_that_the_next_order_takes_before_a_new_lot_is_planned():
    p, result = _run(bike_shop(), [(DUE, 10), (DUE + timedelta(days=1), 3)])
    first, second = 10 / YIELD, 3 / YIELD
    left = math.ceil(first) - first  # 0.848 wheelset over from the first lot
    assert _lots(result, "wheelset") == [11, math.ceil(second - left)]  # 3, not the 4 that 3.05 alone asks
    wheelset = next(k for k, i in enumerate(p.items) if i.id == "wheelset")
    day = (DUE - START).days
    assert result.projected[wheelset, day] == pytest.approx(left)
    assert result.projected[wheelset, day + 1] == pytest.approx(math.ceil(second - left) - (second - left))
    frames = 3 / (YIELD * (1 - SCRAP))
    assert _lots(result, "frame") == [11, math.ceil(frames - (11 - 10 / (YIELD * (1 - SCRAP))))]
    # The second order's wheelsets are pegged to the first lot's spare 0.848 before the second lot.
    order = {o.material + str(o.due): k for k, o in enumerate(result.planned_orders)}
    on_first = {peg.demand: peg.quantity for peg in result.pegging(order[f"wheelset{DUE}"])}
    assert on_first == pytest.approx({"CO-1": first, "CO-2": left})
    assert check_plan(p, result) == []


def _whole(quantity: float) -> bool:
    return abs(quantity - round(quantity)) < 1e-9


@settings(max_examples=40, deadline=None)
@given(
    orders=st.lists(
        st.tuples(st.integers(0, HORIZON - 8), st.floats(0.5, 40.0, allow_nan=False)), min_size=1, max_size=6
    ),
    yield_=st.floats(0.5, 1.0),
    scrap=st.sampled_from([0.0, 0.01, 0.1, 0.33]),
    wheelset_lot=st.sampled_from(
        [
            None,
            {"rule": "minimum", "quantity": 7.5},
            {"rule": "multiple", "quantity": 4},
            {"rule": "poq", "periods": 3},
            {"rule": "eoq", "order_cost": 60},
        ]
    ),
)
def test_for_any_demand_stream_and_yields_counted_lots_are_whole_checked_and_pegged(
    orders, yield_, scrap, wheelset_lot
):
    """Orders of any size (a forecast split can ask for a fraction of a bike) on any days, any yield and scrap,
    any lot rule on the wheelset: every lot of a counted item is whole, the independent checker finds nothing, no
    lot is pegged past its quantity, and each demand's pegs through an item sum to its requirement of it."""
    p, result = _run(bike_shop(yield_, scrap, wheelset_lot), [(START + timedelta(days=d), q) for d, q in orders])
    whole = {i.id: i.whole for i in p.items}
    assert all(_whole(o.quantity) for o in result.planned_orders if whole[o.item])
    assert check_plan(p, result) == []
    supplies = np.bincount(result.peg_supply, weights=result.peg_qty, minlength=result.lots_start + len(result.lot_qty))
    assert (supplies[result.lots_start :] <= result.lot_qty + 1e-6).all()
    pegged = np.bincount(result.peg_need, weights=result.peg_qty, minlength=len(result.need_qty))
    required, covered = defaultdict(float), defaultdict(float)
    for item, demand, need, got in zip(
        result.need_item.tolist(), result.need_demand.tolist(), result.need_qty.tolist(), pegged.tolist(), strict=True
    ):
        required[demand, item] += need
        covered[demand, item] += got
    assert covered == pytest.approx(required)
    bike = next(k for k, i in enumerate(p.items) if i.id == "bike")
    assert [required[d, bike] for d in range(len(orders))] == pytest.approx([q for _, q in orders])


def test_a_counted_materials_fixed_lot_or_multiple_must_be_whole():
    data = yaml.safe_load(PLANT)
    data["materials"]["wheelset"]["lot_size"] = {"rule": "multiple", "quantity": 2.5}
    found, issues = check_plant_text(yaml.safe_dump(data), "bikes.yaml")
    assert found is None
    assert any("materials.wheelset" in i.path and "not whole" in i.message for i in issues), issues
    data["materials"]["wheelset"]["uom"] = "m"  # measured: any multiple
    assert check_plant_text(yaml.safe_dump(data))[0] is not None
    with pytest.raises(PlanningError, match="'w' is planned in whole units: its fixed lot 2.5 is not"):
        plan(problem((Item("w", "make", lot=LotRule("fixed", 2.5), whole=True),)))


def test_an_item_built_by_hand_is_planned_to_any_fraction_unless_it_says_whole():
    orders = (Demand("D", "a", day(2), 2.25),)
    assert plan(problem((Item("a", "make"),), demands=orders)).planned_orders[0].quantity == pytest.approx(2.25)
    assert plan(problem((Item("a", "make", whole=True),), demands=orders)).planned_orders[0].quantity == 3
