"""A work center's calendar as the unavailable periods a scheduling problem needs.

Shift times are wall-clock times at the site (its timezone, daylight saving included), turned into
seconds from the plan's epoch (a UTC instant). A holiday cancels the shifts that start on it; breaks
interrupt the shift they belong to; planned maintenance stops the named work unit (or every unit of the
named work center). A lights-out work center works its calendar like any other: it has no crew, not no
calendar (a 24/7 one runs it around the clock, one that keeps weekends and holidays stops it on them). A line
ramping up works no more of each day than its ramp-up curve allows, as the promise counts it: nothing before
the ramp starts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

from factoryos.model.plant import Calendar, Plant, WorkCenter
from factoryos.model.rampup import LineRamp, ramps
from factoryos.model.shift_times import DAY, merged, shift_times, working_windows
from factoryos.scheduling.calendar import Periods


def working_periods(calendar: Calendar, timezone: str, epoch: datetime, days: int) -> list[tuple[int, int]]:
    """Sorted, merged [start, end) periods when shifts run, in seconds from `epoch`, over `days` days."""
    return [(round(start), round(end)) for start, end in working_windows(calendar, timezone, epoch, days)]


def ramped_periods(plant: Plant, line: WorkCenter, epoch: datetime, days: int) -> list[tuple[int, int]]:
    """When the ramping line works: each site day, the first of its working time that the ramp-up allows
    (`model.rampup.LineRamp`), so a month on one shift at 30 % efficiency works the first third of it."""
    by_day: dict[date, list[tuple[float, float]]] = defaultdict(list)
    for shift in shift_times(plant.calendars[line.calendar], plant.site.timezone, epoch, days):
        if not shift.cancelled:
            by_day[shift.day].extend(shift.windows)
    ramp = LineRamp(plant)
    worked = (window for day, windows in sorted(by_day.items()) for window in ramp.worked(day, merged(windows)))
    return merged((round(start), round(stop)) for start, stop in worked)


def unavailable_periods(plant: Plant, work_unit: str, epoch: datetime, days: int) -> Periods:
    """When `work_unit` cannot work within the first `days` days after `epoch`: off shift, on a break, on a
    holiday, in planned maintenance. After that the calendar is open: a plan longer than that is not
    held up by an unknown future."""
    _, wc_id, _ = plant.work_units()[work_unit]
    _, work_center = plant.work_centers()[wc_id]
    calendar = plant.calendars[work_center.calendar]
    end = days * DAY
    if ramps(plant, wc_id):
        working = ramped_periods(plant, work_center, epoch, days)
    else:
        working = working_periods(calendar, plant.site.timezone, epoch, days)
    off, at = [], 0
    for start, stop in working:
        if start > at:
            off.append((at, start))
        at = stop
    if at < end:
        off.append((at, end))
    for window in calendar.maintenance:
        if window.equipment in (work_unit, wc_id):
            start = round(
                ((window.start if window.start.tzinfo else window.start.replace(tzinfo=UTC)) - epoch).total_seconds()
            )
            stop = start + round(window.hours * 3600)
            if stop > 0 and start < end:
                off.append((max(start, 0), min(stop, end)))
    return tuple(merged(off))
