"""A work center's calendar as the unavailable periods a scheduling problem needs.

Shift times are wall-clock times at the site (its timezone, daylight saving included), turned into
seconds from the plan's epoch (a UTC instant). A holiday cancels the shifts that start on it; breaks
interrupt the shift they belong to; planned maintenance stops the named work unit (or every unit of the
named work center). A lights-out work center runs around the clock, whatever shifts its calendar lists,
and stops only for maintenance.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from factoryos.model.plant import WEEKDAYS, Calendar, Plant

Periods = tuple[tuple[int, int], ...]


def working_periods(calendar: Calendar, timezone: str, epoch: datetime, days: int) -> list[tuple[int, int]]:
    """Sorted, merged [start, end) periods when shifts run, in seconds from `epoch`, over `days` days."""
    zone = ZoneInfo(timezone)
    holidays = set(calendar.holidays)
    first = epoch.astimezone(zone).date() - timedelta(days=1)
    periods = []
    for offset in range(days + 2):
        day = first + timedelta(days=offset)
        if day in holidays:
            continue
        for shift in calendar.shifts:
            if WEEKDAYS[day.weekday()] not in shift.days:
                continue
            start = _at(day, shift.start, zone)
            periods.extend((start + timedelta(hours=a), start + timedelta(hours=b)) for a, b in shift.working_offsets())
    seconds = sorted((_seconds(s, epoch), _seconds(e, epoch)) for s, e in periods)
    return _merge([(max(s, 0), min(e, days * 86400)) for s, e in seconds if e > 0 and s < days * 86400])


def unavailable_periods(plant: Plant, work_unit: str, epoch: datetime, days: int) -> Periods:
    """When `work_unit` cannot work within the first `days` days after `epoch`: off shift, on a break, on a
    holiday, in planned maintenance. After that the calendar is open: a plan longer than that is not
    held up by an unknown future."""
    _, wc_id, _ = plant.work_units()[work_unit]
    _, work_center = plant.work_centers()[wc_id]
    calendar = plant.calendars[work_center.calendar]
    end = days * 86400
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
            start = _seconds(window.start if window.start.tzinfo else window.start.replace(tzinfo=UTC), epoch)
            stop = start + round(window.hours * 3600)
            if stop > 0 and start < end:
                off.append((max(start, 0), min(stop, end)))
    return tuple(_merge(sorted(off)))


def _at(day: date, moment, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, zone).astimezone(UTC)


def _seconds(moment: datetime, epoch: datetime) -> int:
    return round((moment - epoch).total_seconds())


def _merge(periods: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in periods:
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
