"""The twin works a line ramping up for what its ramp-up plans, as the scheduler and the promise count it: in
a month on one shift it builds no more a day than that shift's share of the learning curve, its crew is paid
one shift, and after the ramp it works both shifts at mature efficiency.

The plant is the twin's small test plant with one assembly line (a paced line on two 8 h shifts without
breaks, its other one gone), ramping up from Monday 4 January 2027: one month on one shift from 50 %
efficiency, a target it cannot reach, then mature at 90 %."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.scheduling.plant_calendar import unavailable_periods
from factoryos.twin.calendar import DAY, HOUR
from factoryos.twin.scenarios import prepare
from tests.twin.small_plants import small_plant

TAKT = 60.0
SHIFT_HOURS = 8.0
INITIAL, MATURE = 0.5, 0.9
RAMP_START = date(2027, 1, 4)  # a Monday
AFTER_RAMP = date(2027, 2, 4)  # a ramp month runs to the day before the same day of the next
DAYS = 40
WEEKDAYS = 23
"""The days the line's calendar works in the first ramp month, the weekdays from 4 January to 3 February."""
RAMP_MONTH = 3600 / TAKT * SHIFT_HOURS * 1 * 20 * INITIAL
"""The first month's curve by hand: the rate x one shift x its 20 working days x the efficiency at no output yet
(the initial), 4,800 units."""
RAMP_DAY = RAMP_MONTH / WEEKDAYS
"""Units a day in the first month: the month's curve spread over the days its calendar works, more than the 20 it
plans, so that the month builds no more than its curve: 208.7."""
MATURE_DAY = 3600 / TAKT * SHIFT_HOURS * 2 * MATURE
"""Units a day after the ramp: the rate x both shifts x the mature efficiency."""


@pytest.fixture(scope="module")
def ramping():
    return small_plant(
        areas__back__work_centers={
            "final-p": {
                "kind": "paced-line",
                "calendar": "evenings",
                "takt_seconds": TAKT,
                "operators_per_shift": 4,
                "buffer_capacity": 20,
                "work_units": {"p-1": {"equipment_class": "assembler"}},
            },
            "check-cell": {
                "kind": "cell",
                "calendar": "always",
                "buffer_capacity": 20,
                "work_units": {"chk-1": {"equipment_class": "checker"}, "chk-2": {"equipment_class": "checker"}},
            },
        },
        ramp_up={
            "line": "final-p",
            "start": RAMP_START.isoformat(),
            "shift_hours": SHIFT_HOURS,
            "initial_efficiency": INITIAL,
            "mature_efficiency": MATURE,
            "months": [{"shifts_per_day": 1, "working_days": 20, "target_units": 100_000}],
        },
    )


@pytest.fixture(scope="module", params=["smart", "traditional"])
def built_by_day(request, ramping):
    """The run and the units the ramp line completes on each of its days, with orders at twice the plant's
    mature demand (1,200 a day), above what the ramp lets it make and what the mature line makes."""
    orders = generate_orders(ramping, RAMP_START, DAYS, seed=1, volume=2.0)
    run = prepare(ramping, request.param, DAYS, seed=1, warmup_days=0, orders=orders)
    line = next(e for name, e in run.floor.equipment.items() if name.endswith("/final-p"))
    built, before = {}, 0
    for k in range(DAYS):
        run.floor.env.run(until=(k + 1) * DAY)
        built[RAMP_START + timedelta(days=k)], before = line.completed - before, line.completed
    return run, built


def test_in_a_ramp_month_on_one_shift_the_line_builds_no_more_a_day_than_the_curve(built_by_day):
    _, built = built_by_day
    month_one = [units for day, units in built.items() if day < AFTER_RAMP]
    assert abs(max(month_one) - RAMP_DAY) < 1  # not the 2 x 8 h x 60 = 960 both shifts could make
    assert sum(month_one) <= RAMP_MONTH + 1e-9


def test_after_the_ramp_the_line_works_both_shifts_at_mature_efficiency(built_by_day):
    _, built = built_by_day
    after = [units for day, units in built.items() if day >= AFTER_RAMP]
    assert max(after) == MATURE_DAY
    assert MATURE_DAY > 3600 / TAKT * SHIFT_HOURS  # more than one shift could make


def test_the_crew_is_paid_the_shifts_the_ramp_month_plans(built_by_day):
    run, _ = built_by_day
    calendar = run.floor.crews["final-p"].calendar
    paid = {
        RAMP_START + timedelta(days=k): (calendar.paid_seconds((k + 1) * DAY) - calendar.paid_seconds(k * DAY)) / HOUR
        for k in range(DAYS)
    }
    weekdays = {day: hours for day, hours in paid.items() if day.weekday() < 5}
    assert {hours for day, hours in weekdays.items() if day < AFTER_RAMP} == {SHIFT_HOURS}
    assert {hours for day, hours in weekdays.items() if day >= AFTER_RAMP} == {2 * SHIFT_HOURS}
    assert all(hours == 0 for day, hours in paid.items() if day.weekday() >= 5)


def test_the_twin_opens_the_ramp_line_when_the_scheduler_does(built_by_day, ramping):
    run, _ = built_by_day
    epoch = datetime.combine(RAMP_START, datetime.min.time(), UTC)
    assert run.epoch == epoch
    calendar = run.staffing["final-p"].calendar
    closed = unavailable_periods(ramping, "p-1", epoch, DAYS)
    for second in range(0, DAYS * round(DAY), 900):
        scheduled = not any(start <= second < end for start, end in closed)
        assert calendar.is_open(second) == scheduled, epoch + timedelta(seconds=second)


def test_a_run_over_before_the_ramp_starts_leaves_the_line_idle(ramping):
    run = prepare(ramping, "smart", 7, seed=1, warmup_days=0, start=RAMP_START - timedelta(days=14))
    run.floor.run(run.horizon)
    line = next(e for name, e in run.floor.equipment.items() if name.endswith("/final-p"))
    assert line.completed == 0
