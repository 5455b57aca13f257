"""The pegging network's multi-level answers against a plain walk down the single-level pegs (a demand's own
requirement, the component needs for it of the lots pegged to it, and so on down; for what holds it up, every
component need of those lots), on the EV plant and a kiln plant of our own; and
the network read back from the store answering as the run's own, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

import numpy as np
import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.planning.mrp import plan
from factoryos.planning.plan import Plan
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.services.plan import latest_plan, plan_material
from factoryos.store.orders import save_orders
from factoryos.store.plans import stored_pegging
from factoryos.store.plants import store_plant


def _plan(plant, days: int = 10, past_due: int = 0) -> Plan:
    start = plant.first_day()
    orders = generate_orders(plant, start, days, seed=3)
    rows = [DemandRow(o.id, o.product, o.due_date, o.quantity, "order", o.id, o.configuration) for o in orders[:150]]
    return plan(plant_problem(plant, date.fromordinal(start.toordinal() + past_due), 60, rows))


def _walked_down(result: Plan, demand: int, for_demand: bool) -> tuple[dict[int, float], set[int]]:
    """Supply -> how much of it the walk down from the demand's own requirement meets, and the requirements it
    visits: each peg's supply, and when it is a lot, the lot's component needs, for that demand only
    (`for_demand`: what serves it) or all of them (what a lot waits for)."""
    pegs = defaultdict(list)
    for k, need in enumerate(result.peg_need.tolist()):
        pegs[need].append(k)
    children = defaultdict(list)
    for need, (parent, d) in enumerate(zip(result.need_parent.tolist(), result.need_demand.tolist(), strict=True)):
        children[parent, d if for_demand else None].append(need)
    served: dict[int, float] = defaultdict(float)
    frontier, visited = [demand], {demand}
    while frontier:
        need = frontier.pop()
        for k in pegs[need]:
            supply = int(result.peg_supply[k])
            served[supply] += float(result.peg_qty[k])
            if supply >= result.lots_start:
                below = children[supply - result.lots_start, demand if for_demand else None]
                frontier.extend(n for n in below if n not in visited)
                visited.update(below)
    return served, visited


@pytest.mark.parametrize(("plant_fixture", "past_due"), [("ev_plant", 0), ("ev_plant", 12), ("kiln_plant", 0)])
def test_every_answer_is_the_walk_down_the_single_level_pegs(request, plant_fixture, past_due):
    result = _plan(request.getfixturevalue(plant_fixture), past_due=past_due)
    network = result.pegging_network
    demands = random.Random(7).sample(range(len(result.problem.demands)), 25)
    value = np.random.default_rng(7).integers(0, 1000, network.supplies)
    latest = network.latest_under(value)
    by_lot: dict[int, dict[int, float]] = defaultdict(dict)
    for d in demands:
        expected, visited = _walked_down(result, d, for_demand=True)
        assert expected, "every demand is covered by something"
        assert visited == set(np.flatnonzero(result.need_demand == d).tolist()), "each share hangs under its demand"
        assert network.served_by([d]) == pytest.approx(expected)
        column = network.shares[:, d].tocoo()
        assert dict(zip(column.row.tolist(), column.data.tolist(), strict=True)) == pytest.approx(expected)
        assert latest[d] == max(value[s] for s in _walked_down(result, d, for_demand=False)[0])
        for supply, quantity in expected.items():
            if supply >= result.lots_start:
                by_lot[supply - result.lots_start][d] = quantity
    for lot, served in by_lot.items():
        walked = network.demand_shares(lot)
        assert {d: walked[d] for d in served} == pytest.approx(served)
    assert any(len(network.demand_shares(lot)) > 1 for lot in by_lot), "some lot serves several orders"


def test_a_stored_run_answers_as_the_run_itself(engine, kiln_plant):
    store_plant(engine, kiln_plant, "kiln-plant.yaml")
    save_orders(engine, generate_orders(kiln_plant, kiln_plant.first_day(), 10, seed=5))
    run = plan_material(engine, horizon_days=60)
    stored = stored_pegging(engine, latest_plan(engine))
    own = run.plan.pegging_network
    lots = len(run.plan.lot_qty)
    assert stored.demands == own.demands
    for lot in range(lots):
        assert stored.pegging(lot) == pytest.approx(own.pegging(lot))
    for d in range(0, len(own.demands), 7):
        on_lots = {s - own.lots_start: q for s, q in own.served_by([d]).items() if s >= own.lots_start}
        assert stored.served_by([d]) == pytest.approx(on_lots)
    due = np.array([o.due.toordinal() for o in run.plan.planned_orders], dtype=float)
    own_due = np.concatenate([np.full(own.lots_start, -np.inf), due])
    assert np.array_equal(stored.latest_under(due), own.latest_under(own_due))
