"""MRP on plant files: configured bills per order, the option mix for the forecast, and the EV plant's month."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from factoryos.c2m.demand import generate_orders
from factoryos.c2m.supply import site_working_days
from factoryos.model.plant import LotSizing, Material
from factoryos.model.validate import load_plant
from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.planning.problem import PlanningError

MINI = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"
START = date(2027, 3, 1)


@pytest.fixture(scope="module")
def mini():
    return load_plant(MINI)


def _needs(result, material):
    return sum(
        q
        for item, q in zip(result.need_item.tolist(), result.need_qty.tolist(), strict=True)
        if result.problem.items[item].material_id == material
    )


def test_each_order_explodes_its_own_configuration_and_common_parts_are_consolidated(mini):
    rows = [
        DemandRow("D1", "cart", date(2027, 4, 20), 3, "order", "CO1", {"size": "big", "colour": "blue"}),
        DemandRow("D2", "cart", date(2027, 4, 20), 5, "order", "CO2", {"size": "small", "colour": "red"}),
    ]
    p = plant_problem(mini, START, 60, rows)
    assert {i.id for i in p.items if i.material_id == "cart"} == {"cart[size=big]", "cart[size=small]"}
    result = plan(p)
    assert _needs(result, "motor-big") == pytest.approx(3)
    assert _needs(result, "motor-small") == pytest.approx(5)
    assert len([i for i in p.items if i.material_id == "wheel"]) == 1
    wheels = [o for o in result.planned_orders if o.material == "wheel"]
    assert sum(o.quantity for o in wheels) == pytest.approx(32)
    assert {s.material for s in result.supplies_under("CO1")} >= {"cart", "motor-big", "wheel", "body", "panel"}
    assert "motor-small" not in {s.material for s in result.supplies_under("CO1")}
    assert check_plan(p, result) == []


def test_a_forecast_is_split_over_the_option_mix(mini):
    # size: small 70 %, big 30 % (the planning bill): 100 carts forecast need 70 small and 30 big motors.
    p = plant_problem(mini, START, 60, [DemandRow("F1", "cart", date(2027, 4, 20), 100, "forecast")])
    result = plan(p)
    assert _needs(result, "motor-small") == pytest.approx(70, rel=1e-3)
    assert _needs(result, "motor-big") == pytest.approx(30, rel=1e-3)
    assert all(peg.demand == "F1" for o in range(len(result.lot_qty)) for peg in result.pegging(o))


def test_the_site_works_the_days_its_calendars_have_shifts(mini):
    # The mini plant's one calendar has weekday shifts only; 2027-03-06 is a Saturday.
    assert site_working_days(mini, START, 7) == (True, True, True, True, True, False, False)


def test_a_site_whose_manned_centers_are_closed_throughout_works_its_lights_out_days(kiln_plant):
    """The kiln plant's manned glazing and packing closed for the whole span: its lights-out presses and kilns
    still run every day, and MRP plans on those days (it refused a calendar with no working day)."""
    span = [START + timedelta(days=k) for k in range(14)]
    manned = kiln_plant.calendars["three-shifts"]
    closed = kiln_plant.model_copy(
        update={"calendars": {**kiln_plant.calendars, "three-shifts": manned.model_copy(update={"holidays": span})}}
    )
    assert site_working_days(kiln_plant, START, 14).count(True) == 12  # weekdays and Saturdays (shift a, b)
    assert site_working_days(closed, START, 14) == (True,) * 14
    partly = closed.model_copy(
        update={"calendars": {**kiln_plant.calendars, "three-shifts": manned.model_copy(update={"holidays": span[:7]})}}
    )
    assert site_working_days(partly, START, 14)[:7] == (False,) * 7  # open later: the manned days are the site's


def test_a_calendar_no_work_center_keeps_does_not_open_the_site(kiln_plant):
    """Every center of the kiln plant closed for the span, beside a spare round-the-clock calendar that no center
    keeps: the site does not work (it worked every day on the spare calendar's shifts)."""
    span = [START + timedelta(days=k) for k in range(14)]
    calendars = {name: c.model_copy(update={"holidays": span}) for name, c in kiln_plant.calendars.items()}
    closed = kiln_plant.model_copy(update={"calendars": calendars | {"spare": kiln_plant.calendars["always"]}})
    assert site_working_days(closed, START, 14) == (False,) * 14


def test_an_order_due_before_the_site_opens_is_late_supply_not_planned_on_time_later(kiln_plant):
    """The kiln plant's manned cells closed for its first week: plates due on day 3 cannot be made by then. They
    were planned as wanted on the first working day, on time; they are late supply naming the order."""
    manned = kiln_plant.calendars["three-shifts"]
    closed_week = [START + timedelta(days=k) for k in range(7)]
    plant = kiln_plant.model_copy(
        update={
            "calendars": {**kiln_plant.calendars, "three-shifts": manned.model_copy(update={"holidays": closed_week})}
        }
    )
    due = START + timedelta(days=3)
    result = plan(plant_problem(plant, START, 30, [DemandRow("CO-1", "plate", due, 20, "order", "CO-1", {})]))
    late = [e for e in result.exceptions if e.kind == "late-supply" and e.material == "plate"]
    assert late
    assert late[0].date == due
    assert "CO-1" in late[0].orders


def test_unknown_demand_material_is_refused(mini):
    with pytest.raises(PlanningError, match="unknown material 'scooter'"):
        plant_problem(mini, START, 30, [DemandRow("D", "scooter", START, 1)])


def test_the_plant_file_says_period_order_quantity_and_eoq():
    assert LotSizing(rule="poq", periods=5).periods == 5
    with pytest.raises(ValidationError, match="needs periods"):
        LotSizing(rule="poq")
    with pytest.raises(ValidationError, match="needs order_cost"):
        LotSizing(rule="eoq")
    with pytest.raises(ValidationError, match="unit_cost"):
        Material(kind="raw", source="buy", lot_size=LotSizing(rule="eoq", order_cost=50))


@pytest.mark.parametrize("on_order", [True, False])
def test_a_month_of_ev_orders_is_covered_or_in_an_exception_naming_the_orders(ev_plant, on_order):
    plant = ev_plant if on_order else ev_plant.model_copy(update={"purchase_orders": []})
    orders = generate_orders(plant, START, 30, seed=3, volume=0.3)
    rows = [DemandRow(o.id, o.product, o.due_date, o.quantity, "order", o.id, o.configuration) for o in orders]
    p = plant_problem(plant, START, 90, rows)
    result = plan(p)
    assert check_plan(p, result) == []
    shortages = [e for e in result.exceptions if e.kind == "shortage"]
    assert on_order or shortages  # without its open orders, the long-lead parts cannot come in time
    assert all(e.orders for e in shortages if e.material in _ordered_materials(result))
    assert {o.material for o in result.planned_orders if o.kind == "buy"} <= {
        m for m, mat in plant.materials.items() if mat.source == "buy"
    }


def _ordered_materials(result):
    return {result.problem.items[int(i)].material_id for i in result.need_item}


def test_a_forecast_follows_the_forecasts_attach_rates_where_given(mini):
    # Measured: half the carts big. The big motor then takes half of 100 forecast carts.
    rates = {"cart": {"size": {"small": 0.5, "big": 0.5}}}
    p = plant_problem(
        mini, START, 60, [DemandRow("F1", "cart", date(2027, 4, 20), 100, "forecast")], attach_rates=rates
    )
    result = plan(p)
    assert _needs(result, "motor-big") == pytest.approx(50, rel=1e-2)  # raking nears a boundary mix slowly
