from datetime import date

from factoryos.model.plant import RampUp
from factoryos.model.rampup import ramp_curve, ramp_month


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
