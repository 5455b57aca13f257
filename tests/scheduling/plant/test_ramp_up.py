"""A line ramping up is scheduled as the promise counts it: nothing before the ramp starts, each day no more
than the ramp-up curve plans, the calendar at mature efficiency after it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.c2m.promise import PlantCapacity
from factoryos.model.plant import Plant
from factoryos.model.shift_times import DAY
from factoryos.model.validate import load_plant
from factoryos.scheduling.plant_calendar import unavailable_periods
from factoryos.scheduling.plant_schedule import schedule_plant

TWO_PARTNERS = Path(__file__).resolve().parents[2] / "data" / "two-partners-plant.yaml"
EPOCH = datetime(2026, 12, 13, 23, tzinfo=UTC)  # midnight of Monday 14 December in Berlin
DAYS = 100


@pytest.fixture(scope="module")
def plant():
    return load_plant(TWO_PARTNERS)


def working_seconds_by_day(plant, unit: str, epoch: datetime, days: int) -> dict[date, float]:
    """The scheduler's open time of `unit` on each site day: the complement of its unavailable periods."""
    zone = ZoneInfo(plant.site.timezone)
    open_at, at = [], 0
    for start, end in (*unavailable_periods(plant, unit, epoch, days), (days * DAY, days * DAY)):
        if start > at:
            open_at.append((at, start))
        at = max(at, end)
    by_day: Counter[date] = Counter()
    for start, end in open_at:
        day = (epoch + timedelta(seconds=start)).astimezone(zone).date()
        by_day[day] += end - start
    return by_day


def test_the_line_is_closed_before_the_ramp_starts_and_works_the_curve_in_its_first_month(plant):
    ramp = plant.ramp_up
    open_time = working_seconds_by_day(plant, "station-1", EPOCH, DAYS)
    assert min(open_time) == ramp.start
    # the curve by hand: 6 units an hour x one 7.5 h shift x 20 days x the initial efficiency, below the target,
    # spread over the days the line's calendar works in the month when they are more than the 20 it plans
    takt = plant.work_centers()[ramp.line][1].takt_seconds
    month_one = min(3600 / takt * ramp.shift_hours * 20 * ramp.initial_efficiency, ramp.months[0].target_units)
    first_month = [s for day, s in open_time.items() if day < date(2027, 2, 4)]
    assert first_month
    assert all(s == pytest.approx(month_one / max(20, len(first_month)) * takt, abs=1) for s in first_month)


def test_after_the_ramp_the_line_works_its_shift_at_mature_efficiency(plant):
    open_time = working_seconds_by_day(plant, "station-1", EPOCH, DAYS)
    shift = 7.5 * 3600  # 06:00-14:00 less a 30-minute break
    after = [s for day, s in open_time.items() if day >= date(2027, 3, 4)]
    assert after
    assert all(s == pytest.approx(plant.ramp_up.mature_efficiency * shift, abs=1) for s in after)


def test_the_scheduler_opens_the_line_each_day_for_the_minutes_the_promise_counts(plant):
    capacity = PlantCapacity(plant)
    open_time = working_seconds_by_day(plant, "station-1", EPOCH, DAYS)
    for offset in range(DAYS - 1):
        day = EPOCH.astimezone(ZoneInfo(plant.site.timezone)).date() + timedelta(days=offset)
        assert open_time.get(day, 0) == pytest.approx(capacity.minutes("line", day) * 60, abs=2), day


ALWAYS = {
    "shifts": [
        {"name": "all", "start": "00:00", "end": "00:00", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    ]
}


@pytest.mark.parametrize(
    ("calendar", "opens"),
    [("always", datetime(2027, 1, 3, 23, tzinfo=UTC)), ("day", datetime(2027, 1, 4, 5, tzinfo=UTC))],
)
def test_a_lights_out_ramping_line_works_the_curve_from_its_calendars_first_hour(plant, calendar, opens):
    """Lights-out on a 24/7 calendar, the line works the curve from midnight; on its day shift (06:00-14:00
    in Berlin), from 06:00: no crew is no reason to run outside its calendar."""
    data = plant.model_dump()
    data["calendars"]["always"] = ALWAYS
    data["areas"]["shop"]["work_centers"]["line"].update(lights_out=True, calendar=calendar)
    dark = Plant.model_validate(data)
    open_time = working_seconds_by_day(dark, "station-1", EPOCH, DAYS)
    capacity = PlantCapacity(dark)
    assert min(open_time) == dark.ramp_up.start
    for day, seconds in open_time.items():
        assert seconds == pytest.approx(capacity.minutes("line", day) * 60, abs=2), day
    periods = unavailable_periods(dark, "station-1", EPOCH, DAYS)
    first_open = next(end for start, end in periods if start == 0)
    assert EPOCH + timedelta(seconds=first_open) == opens


def test_orders_taken_before_the_ramp_are_built_on_the_line_only_as_fast_as_the_curve_allows(plant):
    orders = generate_orders(plant, EPOCH.date() + timedelta(days=1), 40, seed=3)
    operations = schedule_plant(plant, orders, horizon_days=40, time_limit=2, compare=False).operations
    zone = ZoneInfo(plant.site.timezone)
    on_line = [op for op in operations if op.equipment == "station-1"]
    assert on_line
    assert min(op.start.astimezone(zone).date() for op in on_line) >= plant.ramp_up.start
    busy: Counter[date] = Counter()
    for op in on_line:
        busy[op.start.astimezone(zone).date()] += (op.end - op.start).total_seconds()
    open_time = working_seconds_by_day(plant, "station-1", EPOCH, 400)
    assert all(seconds <= open_time[day] + 1 for day, seconds in busy.items())


def with_months(plant, *months):
    """The plant with its ramp-up's months replaced by `months` (shifts a day, working days, target)."""
    ramp = plant.ramp_up
    first = ramp.months[0]
    changed = [
        first.model_copy(update={"shifts_per_day": s, "working_days": d, "target_units": t}) for s, d, t in months
    ]
    return plant.model_copy(update={"ramp_up": ramp.model_copy(update={"months": changed})})


def month_units(plant, first: date, last: date) -> dict[str, float]:
    """A ramp month's units as the scheduler opens the line (seconds / takt), the promise counts it and the MPS
    plans it, from `first` to `last`."""
    from factoryos.planning.mps import line_capacity

    takt = plant.work_centers()[plant.ramp_up.line][1].takt_seconds
    days = (last - first).days + 1
    open_time = working_seconds_by_day(plant, "station-1", EPOCH, DAYS)
    capacity = PlantCapacity(plant)
    mps_start = EPOCH.astimezone(ZoneInfo(plant.site.timezone)).date()
    mps = line_capacity(plant, mps_start, DAYS)
    in_month = [first + timedelta(days=k) for k in range(days)]
    return {
        "schedule": sum(open_time.get(day, 0) for day in in_month) / takt,
        "promise": sum(capacity.minutes("line", day) * 60 for day in in_month) / takt,
        "mps": sum(mps[(day - mps_start).days] for day in in_month),
    }


def test_a_month_with_more_working_days_than_the_file_says_builds_its_target_not_more(plant):
    """Ramp month 1 (4 January to 3 February) has 22 working days on the calendar (a holiday on 6 January) where
    the file says 20: its target of 300, below the curve's 315, spread over 22 days, not 20 (which built 330)."""
    small = with_months(plant, (1, 20, 300), (1, 20, 800))
    built = month_units(small, date(2027, 1, 4), date(2027, 2, 3))
    assert built["schedule"] == pytest.approx(300, abs=1)
    assert built["promise"] == pytest.approx(300, abs=1)
    assert built["mps"] == pytest.approx(300, abs=1)


def test_a_shutdown_in_a_ramp_month_costs_output_at_the_curves_rate(plant):
    """Two weeks of holidays in month 2: the line makes the curve's units a day on the days left, not the
    month's target squeezed into them, and the schedule, the promise and the MPS agree."""
    closed = [date(2027, 2, 8) + timedelta(days=k) for k in range(14)]
    calendars = {cid: c.model_copy(update={"holidays": [*c.holidays, *closed]}) for cid, c in plant.calendars.items()}
    shut = plant.model_copy(update={"calendars": calendars})
    ramp = shut.ramp_up
    curve = 3600 / 600 * ramp.shift_hours * 1  # units a day at full efficiency on one shift
    built = month_units(shut, date(2027, 2, 4), date(2027, 3, 3))
    working = 20 - 10  # weekdays of 4 February to 3 March, less the ten closed
    assert built["schedule"] < ramp.months[1].target_units
    assert built["schedule"] <= working * curve
    assert built["promise"] == pytest.approx(built["schedule"], abs=1)
    assert built["mps"] == pytest.approx(built["schedule"], abs=1)
