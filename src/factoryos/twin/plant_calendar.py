"""A plant file's calendar as the twin's weekly `ShiftCalendar`, with the first N of its shifts if asked.

The simulation epoch is a Monday 00:00, so a shift on `mon` from 06:00 opens at 6 h; a shift that ends at or
before it starts runs past midnight. Holidays on or after the epoch close whole days.
"""

from __future__ import annotations

from datetime import date, time

from factoryos.model.plant import WEEKDAYS, Calendar
from factoryos.twin.calendar import DAY, HOUR, WEEK, ShiftCalendar, wrap


def _hours(t: time) -> float:
    return t.hour + t.minute / 60 + t.second / 3600


def weekly(calendar: Calendar, name: str, shifts: int | None = None, epoch: date | None = None) -> ShiftCalendar:
    windows: list[tuple[float, float]] = []
    paid: list[tuple[float, float]] = []
    for shift in calendar.shifts[:shifts]:
        start_h, end_h = _hours(shift.start), _hours(shift.end)
        length = (end_h - start_h) % 24 or 24.0
        for day in shift.days:
            start = WEEKDAYS.index(day) * DAY + start_h * HOUR
            end = start + length * HOUR
            paid.append((start, end))
            cursor = start
            for brk in sorted(shift.breaks, key=lambda b: (_hours(b.start) - start_h) % 24):
                brk_start = start + ((_hours(brk.start) - start_h) % 24) * HOUR
                if cursor < brk_start < end:
                    windows.append((cursor, brk_start))
                    cursor = min(end, brk_start + brk.minutes * 60)
            if cursor < end:
                windows.append((cursor, end))
    holidays = sorted(
        ((d - epoch).days * DAY, ((d - epoch).days + 1) * DAY) for d in calendar.holidays if epoch and d >= epoch
    )
    return ShiftCalendar(tuple(wrap(windows)), tuple(wrap(paid)), WEEK, name, tuple(holidays))
