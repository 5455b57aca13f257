"""A plant file's calendar as the twin's `ShiftCalendar` over a run, with the first N of its shifts if asked.

Shifts are worked at the site's wall-clock times (its timezone, daylight saving included), as the scheduler
plans them, so a schedule and the twin that runs it agree on when each shift starts; holidays cancel the
shifts that start on them (the twin's holidays are those shifts). The calendar spans the whole weeks that
cover the run rather than repeating one.

The ramp-up line works what its ramp-up plans rather than what its calendar opens: the scheduler's working
time each day (`scheduling.plant_calendar.ramped_periods`, the same reckoning as the promise's), so the twin
builds no more on it than the plan and the schedule do.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from datetime import datetime

from factoryos.model.plant import Calendar, Plant
from factoryos.model.rampup import LineRamp
from factoryos.model.shift_times import ShiftTime, merged, shift_times
from factoryos.scheduling.plant_calendar import ramped_periods
from factoryos.twin.calendar import DAY, ShiftCalendar


def site_calendar(
    calendar: Calendar, name: str, timezone: str, epoch: datetime, days: float, shifts: int | None = None
) -> ShiftCalendar:
    span = 7 * math.ceil(days / 7)
    every = shift_times(calendar, timezone, epoch, span, shifts)
    windows = merged([window for shift in every for window in shift.windows])
    paid = merged([(shift.start, shift.end) for shift in every])
    holidays = merged([(shift.start, shift.end) for shift in every if shift.cancelled])
    return ShiftCalendar(tuple(windows), tuple(paid), span * DAY, name, tuple(holidays))


def ramp_calendar(plant: Plant, epoch: datetime, days: float) -> ShiftCalendar:
    """The ramp-up line's calendar over a run: open when the scheduler opens it (nothing before the ramp, the
    start of each day for as long as the ramp month plans, the calendar at mature efficiency after), its crew
    paid for the shifts the ramp month plans and any the line works into (lights-out: the time it works). A run
    that ends before the ramp starts gets the ramp's first week too, so the line waits for it rather than
    finding its calendar never open."""
    ramp = LineRamp(plant)
    to_ramp = (ramp.ramp.start - epoch.astimezone(ramp.zone).date()).days + 7
    span = 7 * math.ceil(max(days, to_ramp) / 7)
    windows = [(float(start), float(stop)) for start, stop in ramped_periods(plant, ramp.line, epoch, span)]
    if ramp.line.lights_out:
        paid = windows
    else:
        paid = _paid(ramp, shift_times(ramp.calendar, plant.site.timezone, epoch, span), windows)
    return ShiftCalendar(tuple(windows), tuple(paid), span * DAY, ramp.line.calendar)


def _paid(ramp: LineRamp, shifts: list[ShiftTime], windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The shifts a ramping line's crew is paid for: those among the first the ramp month plans (all after the
    ramp), and any the line works in; none a holiday cancels."""
    order = {shift.name: k for k, shift in enumerate(ramp.calendar.shifts)}
    starts = [start for start, _ in windows]
    paid = []
    for shift in shifts:
        if shift.cancelled:
            continue
        planned = ramp.shifts(shift.day)
        last = bisect_left(starts, shift.end) - 1  # the last window that starts before the shift ends
        worked_in = last >= 0 and windows[last][1] > shift.start
        if planned is None or order[shift.name] < planned or worked_in:
            paid.append((shift.start, shift.end))
    return merged(paid)
