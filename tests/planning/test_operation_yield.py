"""MRP plans the material of the units a routing scraps and makes again.

The plant is a bakery of our own: a loaf is dough (mixed: 90 % come out right, the rest scrapped), baked (80 %
right, the rest scrapped), seeded when the customer chooses seeds (50 % right, scrapped) and packed in a bag. A
unit scrapped on the way is made again from the start, drawing its material again (the twin's rule), so for N
good loaves N / 0.8 doughs, and N / (0.8 x 0.9) doughs' flour, are used in expectation: checked against that
formula and against the twin run on the bakery with a fixed seed.
"""

from __future__ import annotations

import copy
import math
from datetime import UTC, date, datetime
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.model.plant import Plant, Quality
from factoryos.model.validate import MIN_FINAL_YIELD, check_plant_text
from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.planning.problem import Item, PlanningError
from factoryos.twin.calendar import DAY
from factoryos.twin.floor import Floor
from factoryos.twin.plant_twin import PlannedUnit, PlantTwin, Staffing

from .records import problem

MIX, BAKE, SEED = 0.9, 0.8, 0.5
FLOUR = 0.5  # kg a dough
PLANT = f"""
source: Test fixture; invented figures.
enterprise: {{id: bakery, name: Bakery}}
site: {{id: bakehouse, name: Bakehouse}}
tenants: {{owner: {{name: Bakery, role: owner}}}}
customers: {{shop: {{name: Shop, tenant: owner}}}}
equipment_classes:
  mixer: {{capabilities: [mix]}}
  oven: {{capabilities: [bake]}}
  bench: {{capabilities: [seed, pack]}}
calendars:
  always: {{shifts: [{{name: all, start: "00:00", end: "00:00", days: [mon, tue, wed, thu, fri, sat, sun]}}]}}
areas:
  bakehouse:
    work_centers:
      line:
        calendar: always
        work_units:
          mixer-1: {{equipment_class: mixer}}
          oven-1: {{equipment_class: oven}}
          bench-1: {{equipment_class: bench}}
materials:
  loaf: {{kind: finished, source: make, lead_time_days: 0}}
  dough: {{kind: sub-assembly, source: make, lead_time_days: 0}}
  flour: {{kind: component, source: buy, uom: kg}}
  bag: {{kind: component, source: buy}}
  seeds: {{kind: component, source: buy}}
boms:
  loaf:
    - {{component: dough, quantity: 1}}
    - {{component: bag, quantity: 1}}
    - {{component: seeds, quantity: 1, when: {{topping: [seeded]}}}}
  dough: [{{component: flour, quantity: {FLOUR}}}]
routings:
  dough: {{operations: [{{id: mix, capability: mix, run_minutes: 2, quality: {{first_pass_yield: {MIX}}}}}]}}
  loaf:
    operations:
      - {{id: bake, capability: bake, run_minutes: 3, quality: {{first_pass_yield: {BAKE}}}}}
      - id: seed
        capability: seed
        run_minutes: 1
        when: {{topping: [seeded]}}
        quality: {{first_pass_yield: {SEED}}}
      - {{id: pack, capability: pack, run_minutes: 1}}
products:
  loaf:
    material: loaf
    tenant: owner
    option_families:
      topping: {{options: {{plain: {{mix: 0.5}}, seeded: {{mix: 0.5}}}}}}
suppliers:
  mill: {{lead_time_days: 2, materials: [flour, bag, seeds]}}
inventory:
  - {{material: flour, location: store, lot: F-1, quantity: 100000}}
  - {{material: bag, location: store, lot: B-1, quantity: 100000}}
"""
START = date(2027, 3, 1)
DUE = date(2027, 3, 22)
LOAVES = 150


def bakery(**changes: Any) -> Plant:
    """The bakery, validated, with `changes` (dotted path -> value) made to its document first."""
    data = yaml.safe_load(PLANT)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    found, issues = check_plant_text(yaml.safe_dump(data))
    assert found is not None, issues
    return found


@pytest.fixture(scope="module")
def plain_plant() -> Plant:
    """The bakery without stock, so that every requirement is planned."""
    return bakery(inventory=[])


def _run(plant: Plant, topping: str = "plain", loaves: float = LOAVES):
    rows = [DemandRow("CO-1", "loaf", DUE, loaves, "order", "CO-1", {"topping": topping})]
    p = plant_problem(plant, START, 40, rows)
    return p, plan(p)


def _needs(result, material: str) -> float:
    """Every requirement on `material` that serves the order, independent and dependent (not what a lot rounded up
    to whole units brings past it, which serves no demand)."""
    items = result.problem.items
    serving = result.need_demand >= 0
    return sum(
        q
        for i, q in zip(result.need_item[serving].tolist(), result.need_qty[serving].tolist(), strict=True)
        if items[i].material_id == material
    )


def _planned(result, material: str) -> float:
    return sum(o.quantity for o in result.planned_orders if o.material == material)


def test_the_components_of_a_routing_that_scraps_are_planned_for_the_units_made_again(plain_plant):
    p, result = _run(plain_plant)
    assert _needs(result, "loaf") == pytest.approx(LOAVES)
    assert _needs(result, "dough") == pytest.approx(LOAVES / BAKE)
    assert _needs(result, "bag") == pytest.approx(LOAVES / BAKE)
    assert _needs(result, "flour") == pytest.approx(FLOUR * LOAVES / (BAKE * MIX))
    assert _needs(result, "seeds") == 0
    # A lot is the good units it brings: lot-for-lot, the loaves ordered and the doughs the bakes need, whole.
    assert _planned(result, "loaf") == pytest.approx(LOAVES)
    assert _planned(result, "dough") == math.ceil(LOAVES / BAKE)
    (loaf,) = [o for o in result.planned_orders if o.material == "loaf"]
    assert loaf.note == f"components for {LOAVES / BAKE:,.4g} started, {100 * BAKE:.4g} % good"
    assert check_plan(p, result) == []


def test_pegs_still_sum_to_the_demand_they_serve_and_each_lot_to_its_quantity(plain_plant):
    """The loaf lot serves the order's 150 loaves, no more; each lot below it serves the order with what is
    required of it (the remakes' share included; a bought lot rounded up to its supplier's multiple keeps the
    rest), as the pegging of a plan without scrap does."""
    _, result = _run(plain_plant)
    assert len({o.material for o in result.planned_orders}) == len(result.planned_orders) == 4  # one lot each
    for lot, order in enumerate(result.planned_orders):
        pegs = result.pegging(lot)
        assert [peg.demand for peg in pegs] == ["CO-1"]
        assert pegs[0].quantity == pytest.approx(_needs(result, order.material))
        assert pegs[0].quantity <= order.quantity + 1e-9
    under = {s.material: s.quantity for s in result.supplies_under("CO-1") if s.kind == "planned"}
    assert under["dough"] == pytest.approx(LOAVES / BAKE)
    assert not [e for e in result.exceptions if e.kind in ("shortage", "late-supply")]


def test_an_operation_whose_condition_the_configuration_does_not_meet_adds_no_gross_up(plain_plant):
    _, seeded = _run(plain_plant, "seeded")
    _, plain = _run(plain_plant, "plain")
    assert _needs(seeded, "dough") == pytest.approx(LOAVES / (BAKE * SEED))
    assert _needs(seeded, "seeds") == pytest.approx(LOAVES / (BAKE * SEED))
    assert _needs(plain, "dough") == pytest.approx(LOAVES / BAKE)


@pytest.mark.parametrize("way_back", [{"repair_minutes": 5}, {"redo": ["bake"]}], ids=["repaired", "redone"])
def test_a_routing_whose_failures_are_reworked_plans_no_gross_up(way_back):
    reworked = bakery(**{"inventory": [], "routings.loaf.operations.0.quality": {"first_pass_yield": BAKE, **way_back}})
    _, result = _run(reworked)
    assert _needs(result, "dough") == pytest.approx(LOAVES)
    assert _needs(result, "bag") == pytest.approx(LOAVES)
    assert _needs(result, "flour") == pytest.approx(FLOUR * LOAVES / MIX)


def test_the_plants_quality_of_a_capability_applies_where_an_operation_has_none():
    by_capability = bakery(
        **{"inventory": [], "routings.loaf.operations.0.quality": None, "quality": {"bake": {"first_pass_yield": 0.6}}}
    )
    _, result = _run(by_capability)
    assert _needs(result, "dough") == pytest.approx(LOAVES / 0.6)
    own = bakery(**{"inventory": [], "quality": {"bake": {"first_pass_yield": 0.6}, "mix": {"first_pass_yield": 0.7}}})
    _, result = _run(own)  # the operations' own figures stand
    assert _needs(result, "dough") == pytest.approx(LOAVES / BAKE)
    assert _needs(result, "flour") == pytest.approx(FLOUR * LOAVES / (BAKE * MIX))


@settings(max_examples=25, deadline=None)
@given(
    yields=st.lists(st.floats(min_value=1e-3, max_value=1.0, exclude_min=False), min_size=1, max_size=3),
    loaves=st.integers(min_value=1, max_value=500),
)
def test_for_any_yields_the_components_cover_the_units_started(yields, loaves):
    """Yields in (0, 1] (validation refuses the routings below `MIN_FINAL_YIELD`; MRP carries whatever it is
    given): the flour planned is the flour of loaves / (product of the yields) doughs, and the plan balances."""
    data = yaml.safe_load(PLANT)
    data["inventory"] = []
    data["routings"]["dough"]["operations"] = [
        {"id": f"mix-{k}", "capability": "mix", "run_minutes": 1, "quality": {"first_pass_yield": y}}
        for k, y in enumerate(yields)
    ]
    p, result = _run(Plant.model_validate(data), loaves=loaves)
    assert _needs(result, "flour") == pytest.approx(FLOUR * loaves / (BAKE * math.prod(yields)), rel=1e-9)
    assert _planned(result, "dough") == math.ceil(loaves / BAKE - 1e-9)
    assert check_plan(p, result) == []


def test_a_routing_that_scraps_nearly_all_it_starts_is_refused_where_it_is_written():
    data = yaml.safe_load(PLANT)
    data["routings"]["dough"]["operations"] = [
        {"id": f"mix-{k}", "capability": "mix", "run_minutes": 1, "quality": {"first_pass_yield": 0.001}}
        for k in range(5)
    ]
    found, issues = check_plant_text(yaml.safe_dump(data), "bakery.yaml")
    assert found is None
    (issue,) = issues
    assert issue.path == "routings.dough.operations"
    assert issue.line is not None
    assert "mix-0 0.001" in issue.message
    assert f"at least {MIN_FINAL_YIELD:g}" in issue.message
    data["routings"]["dough"]["operations"] = data["routings"]["dough"]["operations"][:1]
    data["routings"]["dough"]["operations"][0]["quality"] = {"first_pass_yield": 0.001, "repair_minutes": 5}
    assert check_plant_text(yaml.safe_dump(data))[0] is not None  # repaired, not scrapped: nothing to gross up


def test_mrp_refuses_a_final_yield_outside_zero_to_one():
    with pytest.raises(PlanningError, match="final yield 0 is not in"):
        plan(problem((Item("a", "make", final_yield=0.0),)))


# -- the twin, an independent check ----------------------------------------------------------------------------

EPOCH = datetime(2027, 3, 1, tzinfo=UTC)
EVERY = 600.0  # a loaf released every 10 minutes: the oven, the busiest, is busy under half the time


def _twin_draws(seed: int) -> tuple[dict[str, float], int]:
    """The bakery's twin making `LOAVES` plain loaves for an order, each scrapped one made again, run until all
    are done: what it drew of each bought part, and how many loaves it finished."""
    plant = bakery()
    floor = Floor(seed)
    twin = PlantTwin(plant, floor, line_side=True)
    units = [PlannedUnit(k * EVERY, f"L-{k:04d}", "loaf", {"topping": "plain"}, "CO-1") for k in range(LOAVES)]
    horizon = 5 * DAY
    twin.work_center_load(units, 1)
    twin.build({"line": Staffing(None, 0)}, {}, horizon, lambda at: (at - EPOCH).total_seconds(), [])
    twin.release(units)
    metrics = floor.run(horizon)
    assert twin.line_side is not None
    return dict(twin.line_side.consumed), metrics.completed


def _within(drawn: float, per_start: float, good: int, passing: float) -> bool:
    """Whether `drawn` is within four standard deviations of what `good` units draw when each start takes
    `per_start` and passes with probability `passing`: the starts to make one good unit are geometric (mean
    1 / p, variance (1 - p) / p^2), so the starts for `good` have mean good / p and variance good (1 - p) / p^2."""
    mean = good / passing
    sd = math.sqrt(good * (1 - passing)) / passing
    return abs(drawn / per_start - mean) <= 4 * sd


def test_the_twin_draws_what_the_plan_plans_for_the_units_it_makes_again(plain_plant):
    """Flour is drawn at the mix, each start; a bag at the bake, by each start that came through the mix. The
    plan's requirements (150 / (0.8 x 0.9) doughs' flour, 150 / 0.8 bags) are the twin's expected draws, and the
    twin's draws lie within four standard deviations of them; without the gross-up (150 doughs' flour) they
    would lie some six standard deviations below."""
    drawn, completed = _twin_draws(seed=11)
    assert completed == LOAVES
    _, result = _run(plain_plant)
    assert _needs(result, "flour") == pytest.approx(FLOUR * LOAVES / (MIX * BAKE))
    assert _within(drawn["flour"], FLOUR, LOAVES, MIX * BAKE)
    assert _needs(result, "bag") == pytest.approx(LOAVES / BAKE)
    assert _within(drawn["bag"], 1, LOAVES, BAKE)
    assert not _within(FLOUR * LOAVES, FLOUR, LOAVES, MIX * BAKE)
    assert drawn.get("seeds", 0) == 0


def test_the_twin_applies_the_yields_the_plan_grosses_up_by():
    """The same rule finds each operation's quality in both: the twin's tasks carry the yields whose product is
    the plan's final yield, and a repaired bake scraps nothing there either."""
    plant = bakery()
    twin = PlantTwin(plant, Floor(1), line_side=True)
    route = twin.unit_plan("loaf", {"topping": "seeded"}).route
    scrapping = [step.op.yield_rate for step in route if step.op.yield_rate < 1 and not step.op.rework]
    p, _ = _run(plant, "seeded")
    items = {item.id: item.final_yield for item in p.items}
    assert math.prod(scrapping) == pytest.approx(items["loaf[topping=seeded]"] * items["dough"])
    assert math.prod(scrapping) == pytest.approx(MIX * BAKE * SEED)
    repaired = copy.deepcopy(plant)
    repaired.routings["loaf"].operations[0].quality = Quality(first_pass_yield=BAKE, repair_minutes=5)
    route = PlantTwin(repaired, Floor(1), line_side=True).unit_plan("loaf", {"topping": "plain"}).route
    assert [step.op.yield_rate for step in route if step.op.yield_rate < 1 and not step.op.rework] == [MIX]
