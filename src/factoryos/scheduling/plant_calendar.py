"""A work center's calendar as the unavailable periods a scheduling problem needs.

Shift times are wall-clock times at the site (its timezone, daylight saving included), turned into
seconds from the plan's epoch (a UTC instant). A holiday cancels the shifts that start on it; breaks
interrupt the shift they belong to; planned maintenance stops the named work unit (or every unit of the
named work center). A lights-out work center runs around the clock, whatever shifts its calendar lists,
and stops only for maintenance.
"""

from __future__ import annotations

from datetime import UTC, datetime

from factoryos.model.plant import Calendar, Plant
from factoryos.model.shift_times import merged, shift_times
from factoryos.scheduling.calendar import DAY, Periods


def working_periods(calendar: Calendar, timezone: str, epoch: datetime, days: int) -> list[tuple[int, int]]:
    """Sorted, merged [start, end) periods when shifts run, in seconds from `epoch`, over `days` days."""
    shifts = shift_times(calendar, timezone, epoch, days)
    windows = [window for shift in shifts if not shift.cancelled for window in shift.windows]
    return [(round(start), round(end)) for start, end in merged(windows)]


def unavailable_periods(plant: Plant, work_unit: str, epoch: datetime, days: int) -> Periods:
    """When `work_unit` cannot work within the first `days` days after `epoch`: off shift, on a break, on a
    holiday, in planned maintenance. After that the calendar is open: a plan longer than that is not
    held up by an unknown future."""
    _, wc_id, _ = plant.work_units()[work_unit]
    _, work_center = plant.work_centers()[wc_id]
    calendar = plant.calendars[work_center.calendar]
    end = days * DAY
    working = [(0, end)] if work_center.lights_out else working_periods(calendar, plant.site.timezone, epoch, days)
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
