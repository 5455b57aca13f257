from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import InventoryLot
from factoryos.model.validate import load_plant
from factoryos.scheduling.plant import build_problem, production_orders, structure
from factoryos.scheduling.plant_calendar import unavailable_periods

from .conftest import EPOCH

HOUR = 3600


def test_one_production_order_per_order_line_in_due_date_order_then_one_per_lot(ev_plant, ev_orders):
    """Lots of both lot-size rules, with the plant's stock of lot-made parts (which a few orders draw from)
    left out."""
    bought_stock = [lot for lot in ev_plant.inventory if ev_plant.materials[lot.material].source == "buy"]
    productions = production_orders(ev_plant.model_copy(update={"inventory": bought_stock}), ev_orders)
    units = [p for p in productions if p.customer_order]
    assert sorted(p.customer_order for p in units) == sorted(o.id for o in ev_orders)
    assert [p.due_date for p in units] == sorted(p.due_date for p in units)
    lots = [p for p in productions if not p.customer_order]
    assert {ev_plant.materials[p.material].lot_size.rule for p in lots} == {"fixed", "multiple"}
    panel = next(p for p in lots if p.material.startswith("panel-"))
    assert panel.quantity == 1000
    assert len(panel.work_orders) == 1


def test_work_orders_cover_the_configured_routings_of_every_made_sub_assembly(ev_plant, ev_orders):
    """With the plant's stock of made parts left out: its battery modules would spare the order its modules."""
    order = ev_orders[0]
    bought_stock = [lot for lot in ev_plant.inventory if ev_plant.materials[lot.material].source == "buy"]
    plant = ev_plant.model_copy(update={"inventory": bought_stock})
    unit = next(p for p in production_orders(plant, [order]) if p.customer_order)
    materials = {w.operation.split("/")[0] for w in unit.work_orders}
    assert {"ev-sedan", "biw-painted", "biw"} <= materials
    assert any(m.startswith("battery-pack-") for m in materials)
    assert any(m.startswith("battery-module-") for m in materials)
    assert not any(m.startswith("panel-") for m in materials)
    adas = order.configuration["driver-assist"] in ("enhanced", "full")
    assert any(w.operation == "ev-sedan/adas-fit" for w in unit.work_orders) == adas
    modules = next(w for w in unit.work_orders if w.operation.startswith("battery-module-"))
    assert modules.quantity == 4 * order.quantity
    assert len({w.id for w in unit.work_orders}) == len(unit.work_orders)


def test_operations_get_their_eligible_work_units_and_durations(ev_problem):
    problem, machines = ev_problem.problem, ev_problem.machines
    by_name = {op.name: op for op in problem.operations}
    basecoat = by_name["biw-painted/basecoat"]
    assert {machines[m.machine] for m in basecoat.modes} == {"booth-1", "booth-2"}
    assert {m.duration for m in basecoat.modes} == {54}
    stamp = next(op for op in problem.operations if op.name.endswith("/stamp"))
    durations = {machines[m.machine]: m.duration for m in stamp.modes}
    assert durations["pl1-tandem"] == round(0.083 * 60 * 1000)
    assert durations["pl2-servo"] == round(0.083 * 60 * 1000 / 1.2)
    assert stamp.interruptible
    assert not basecoat.interruptible
    trim = by_name["ev-sedan/trim-1"]
    assert [m.duration for m in trim.modes] == [62]  # a paced-line station holds a unit one takt


def test_shifts_breaks_weekends_and_holidays_become_unavailable_periods(ev_plant):
    # Berlin is UTC+1 in early March: the early shift starts at 05:00 UTC, its first break at 08:00 UTC; the
    # line's ramp-up (which holds it to part of a shift, tests/scheduling/plant/test_ramp_up.py) is left out
    periods = unavailable_periods(ev_plant.model_copy(update={"ramp_up": None}), "ga-trim-1", EPOCH, 30)
    assert periods[0] == (0, 5 * HOUR)
    assert (8 * HOUR, 8 * HOUR + 15 * 60) in periods
    saturday = 5 * 24 * HOUR + 12 * HOUR
    assert any(start <= saturday < end for start, end in periods)
    holiday = (ev_plant.calendars["two-shift"].holidays[0] - EPOCH.date()).days * 24 * HOUR + 10 * HOUR
    assert any(start <= holiday < end for start, end in periods)
    assert all(a[1] < b[0] for a, b in zip(periods, periods[1:], strict=False))


def test_lights_out_work_centers_run_around_the_clock_except_maintenance(ev_plant):
    assert unavailable_periods(ev_plant, "mod-weld-1", EPOCH, 30) == ()
    window = next(w for w in ev_plant.calendars["lights-out-24-7"].maintenance if w.equipment == "mod-stack-1")
    start = round((window.start - EPOCH).total_seconds())
    assert unavailable_periods(ev_plant, "mod-stack-1", EPOCH, 30) == ((start, start + round(window.hours * HOUR)),)


def test_maintenance_of_a_work_center_stops_every_unit_in_it(ev_plant):
    window = next(w for w in ev_plant.calendars["two-shift"].maintenance if w.equipment == "ga-line")
    start = round((window.start - EPOCH).total_seconds())
    periods = unavailable_periods(ev_plant, "ga-final-2", EPOCH, 60)
    assert any(s <= start and start + window.hours * HOUR <= e for s, e in periods)


def test_changeover_matrix_comes_from_the_plant_keyed_by_the_configured_attribute(ev_plant, ev_problem):
    problem = ev_problem.problem
    booth = problem.machines[ev_problem.machines.index("booth-1")]
    groups = {name: k for k, name in enumerate(problem.setup_groups)}
    colours = ev_plant.changeovers["paint-colour"]
    red, white = groups.get("paint-colour:ultra-red"), groups.get("paint-colour:arctic-white")
    for a, b in [
        (a, b) for a in groups for b in groups if a.startswith("paint-colour") and b.startswith("paint-colour")
    ]:
        expected = round(colours.minutes(a.split(":")[1], b.split(":")[1]) * 60)
        assert booth.changeover[groups[a]][groups[b]] == expected
    assert red is None or white is None or booth.changeover[red][white] == 15 * 60
    press = problem.machines[ev_problem.machines.index("pl1-tandem")]
    dies = [k for name, k in groups.items() if name.startswith("die-sets")]
    assert press.changeover[dies[0]][dies[1]] > 0
    assert problem.machines[ev_problem.machines.index("ga-trim-1")].changeover is None
    clearcoat = next(op for op in problem.operations if op.name == "biw-painted/clearcoat")
    assert problem.setup_groups[clearcoat.setup_group].startswith("paint-colour:")


def test_sub_assemblies_and_lots_precede_what_they_go_into(ev_plant, ev_problem):
    problem = ev_problem.problem
    names = [op.name for op in problem.operations]
    vehicle = next(j for j, job in enumerate(problem.jobs) if job.weight)
    ops = set(problem.jobs[vehicle].operations)

    def first(prefix: str) -> int:
        return next(op for op in sorted(ops) if names[op].startswith(prefix))

    def reaches(a: int, b: int) -> bool:
        seen, todo = set(), [a]
        while todo:
            op = todo.pop()
            if op == b:
                return True
            for s in problem.successors[op]:
                if s not in seen:
                    seen.add(s)
                    todo.append(s)
        return False

    assert reaches(first("biw-painted/"), first("ev-sedan/trim-1"))
    assert reaches(first("battery-module-"), first("ev-sedan/"))
    assert reaches(first("biw/framing"), first("biw-painted/pretreat"))
    lot_feeds = [a for a, b in problem.precedences if b in ops and problem.operations[a].job != vehicle]
    fed_from = {names[a].split("/")[0] for a in lot_feeds}
    assert fed_from  # what the stock of stamped panels and castings leaves to lots
    assert all(ev_plant.materials[m].lot_size.rule != "lot-for-lot" for m in fed_from)
    order = next(p for p in ev_problem.production_orders if problem.jobs[vehicle].name.startswith(p.id + "-"))
    site_midnight = datetime.combine(order.due_date + timedelta(days=1), time(), ZoneInfo(ev_plant.site.timezone))
    assert problem.jobs[vehicle].due == (site_midnight - EPOCH).total_seconds()  # the end of the due day at the site


def test_every_unit_structure_starts_with_the_product(ev_plant, ev_orders):
    nodes = structure(ev_plant, "ev-sedan", ev_orders[0].configuration)
    assert nodes[0].material == "ev-sedan"
    assert nodes[0].parent is None
    assert all(n.parent is not None and n.parent < k for k, n in enumerate(nodes) if k)


def test_the_shared_appliance_plant_maps_partner_orders_and_runs_its_cells_lights_out(appliance_plant):
    from datetime import date

    from factoryos.c2m.demand import generate_orders
    from factoryos.scheduling.checker import check
    from factoryos.scheduling.plant import build_problem
    from factoryos.scheduling.rolling import rolling_sequence

    units = appliance_plant.work_units()
    lights_out = [u for u, (_, wc, _) in units.items() if appliance_plant.work_centers()[wc][1].lights_out]
    manned = [u for u, (_, wc, _) in units.items() if not appliance_plant.work_centers()[wc][1].lights_out]
    assert lights_out
    assert manned
    for unit in lights_out:
        periods = unavailable_periods(appliance_plant, unit, EPOCH, 14)
        assert sum(e - s for s, e in periods) <= 24 * HOUR  # maintenance at most
    assert sum(e - s for s, e in unavailable_periods(appliance_plant, manned[0], EPOCH, 14)) > 4 * 24 * HOUR
    orders = generate_orders(appliance_plant, date(2027, 3, 1), 1, seed=3)
    partners = [o for o in orders if appliance_plant.tenants[o.tenant].role == "partner"][:2]
    plant_problem = build_problem(
        appliance_plant, production_orders(appliance_plant, partners), EPOCH, calendar_days=20
    )
    assert check(plant_problem.problem, rolling_sequence(plant_problem.problem)) == []


TWO_CELLS = Path(__file__).parents[2] / "data" / "two-cells.yaml"


@pytest.mark.parametrize(("seats_in_stock", "lots", "fed_by_stock"), [(0, 2, 0), (7, 1, 7), (30, 0, 24)])
def test_lots_are_cut_for_what_the_stock_of_a_lot_made_part_does_not_cover(seats_in_stock, lots, fed_by_stock):
    """24 stools, a seat each, seats cut in lots of 20: the stock covers the first stools (no lot before them),
    lots of 20 the rest, ceil((24 - stock) / 20) of them (the twin and MRP net that stock too)."""
    plant = load_plant(TWO_CELLS)
    stock = [InventoryLot(material="seat", location="store", lot="S-1", quantity=n) for n in [seats_in_stock] if n]
    plant = plant.model_copy(update={"inventory": plant.inventory + stock})
    order = CustomerOrder(
        "CO1", plant.site.id, "owner", "web", "stool", {"padded": "no", "finish": "on"}, 24, EPOCH, date(2027, 1, 20)
    )
    productions = production_orders(plant, [order])
    assert [p.quantity for p in productions if not p.customer_order] == [20] * lots
    problem = build_problem(plant, productions, EPOCH, calendar_days=40).problem
    lot_ops = {op for j, job in enumerate(problem.jobs) if job.name.startswith("LOT") for op in job.operations}
    fed = {problem.operations[b].job for a, b in problem.precedences if a in lot_ops and b not in lot_ops}
    units = [j for j, job in enumerate(problem.jobs) if job.name.startswith("MO")]
    assert len(units) == 24
    assert [j for j in units if j not in fed] == units[:fed_by_stock]
