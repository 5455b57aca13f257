"""The hours the ramp-up plan opens its line over a run, against the ramp's own arithmetic: at takt, the units
its curve makes a working day take units x takt, and the crew is on the shifts the ramp month plans."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from factoryos.model.rampup import LineRamp
from factoryos.services.demo import ramp_opened_hours


def _shift_hours(start: time, end: time) -> float:
    return (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 3600


def test_the_ev_ramps_first_month_opens_its_line_for_its_units_at_takt(ev_plant) -> None:
    ramp = LineRamp(ev_plant)
    line = ev_plant.ramp_up.line
    path = next(f"{ev_plant.site.id}/{a}/{wc}" for wc, (a, _) in ev_plant.work_centers().items() if wc == line)
    first = ev_plant.ramp_up.start
    start = datetime.combine(first, time(), ZoneInfo(ev_plant.site.timezone))
    opened, on_shift = ramp_opened_hours(ev_plant, path, start, start + timedelta(days=30))
    worked = sum(ramp.working(first + timedelta(days=d)) for d in range(30))
    assert ramp.month(first + timedelta(days=29)) == 0  # the run lies within the ramp's first month
    assert opened == pytest.approx(ramp.units_a_day(0) * worked * ramp.takt_seconds / 3600, abs=0.01)
    planned = ev_plant.ramp_up.months[0].shifts_per_day
    shift = sum(_shift_hours(s.start, s.end) for s in ramp.calendar.shifts[:planned])
    assert on_shift == pytest.approx(shift * worked)


def test_a_line_that_does_not_ramp_has_no_opened_hours(ev_plant) -> None:
    ramped = ev_plant.ramp_up.line
    start = datetime(2027, 3, 1, tzinfo=ZoneInfo(ev_plant.site.timezone))
    path = next(f"{ev_plant.site.id}/{a}/{wc}" for wc, (a, _) in ev_plant.work_centers().items() if wc != ramped)
    assert ramp_opened_hours(ev_plant, path, start, start + timedelta(days=7)) is None
