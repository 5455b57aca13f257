from datetime import date, timedelta
from pathlib import Path

import pytest

from factoryos.model.plant import RampMonth, RampUp
from factoryos.model.rampup import LineRamp, ramp_curve, ramp_month
from factoryos.model.validate import load_plant

POOLED_LINES = Path(__file__).parents[1] / "data" / "pooled-lines-plant.yaml"


def test_the_ev_ramp_goes_from_a_first_batch_to_ten_thousand_a_month(ev_plant):
    plans = ramp_curve(ev_plant)
    assert 1500 <= plans[0].planned_units <= 2500
    assert any(p.planned_units >= 9500 for p in plans[4:6])
    assert all(p.planned_units <= min(p.capacity_units, p.target_units) + 1e-6 for p in plans)


def test_efficiency_only_grows_and_stays_below_maturity(ev_plant):
    plans = ramp_curve(ev_plant)
    efficiencies = [p.efficiency for p in plans]
    assert efficiencies == sorted(efficiencies)
    assert efficiencies[0] == ev_plant.ramp_up.initial_efficiency
    assert efficiencies[-1] <= ev_plant.ramp_up.mature_efficiency


def test_capacity_is_line_rate_times_hours_times_efficiency(ev_plant):
    _, line = ev_plant.work_centers()[ev_plant.ramp_up.line]
    for plan in ramp_curve(ev_plant):
        assert plan.capacity_units == 3600 / line.takt_seconds * plan.hours * plan.efficiency


def test_a_ramp_month_runs_from_the_start_day_to_the_day_before_it_next_month():
    ramp = RampUp(
        line="l", start=date(2027, 1, 15), months=[{"shifts_per_day": 1, "working_days": 20, "target_units": 1}]
    )
    assert ramp_month(ramp, date(2027, 1, 14)) is None
    assert ramp_month(ramp, date(2027, 1, 15)) == 0
    assert ramp_month(ramp, date(2027, 2, 14)) == 0
    assert ramp_month(ramp, date(2027, 2, 15)) == 1
    assert ramp_month(ramp, date(2028, 1, 15)) == 12  # past the last month it counts on


@pytest.mark.parametrize(("working_days", "target"), [(20, 10_000), (31, 10_000), (20, 150)])
def test_a_ramp_month_builds_neither_past_its_curve_nor_past_its_target_whatever_days_its_calendar_works(
    working_days, target
):
    """Line B of the pooled-lines plant ramps from 5 January 2027 and its calendar works every day: 31 days in the
    first month. Its curve makes 60 units an hour x 1 h x the month's working days x 50 %: 600 units over 20
    days, 930 over 31. The month builds the smaller of the curve and the target, whichever days the month
    counts (it used to build the curve's 30 a day on all 31 days: 930 where the curve said 600)."""
    plant = load_plant(POOLED_LINES)
    assert plant.ramp_up is not None
    month = RampMonth(shifts_per_day=1, working_days=working_days, target_units=target)
    plant = plant.model_copy(update={"ramp_up": plant.ramp_up.model_copy(update={"months": [month]})})
    ramp = LineRamp(plant)
    assert ramp.month_days == [31]
    days = [plant.ramp_up.start + timedelta(days=d) for d in range(31)]
    built = sum(ramp.seconds(day, ramp.worked_seconds(day)) for day in days) / ramp.takt_seconds
    assert built == pytest.approx(min(60 * working_days * 0.5, target))
