"""A plant file's calendar as the twin's weekly `ShiftCalendar`, with the first N of its shifts if asked.

The simulation epoch is a Monday 00:00, so a shift on `mon` from 06:00 opens at 6 h; a shift that ends at or
before it starts runs past midnight. Holidays on or after the epoch close whole days.
"""

from __future__ import annotations

from datetime import date

from factoryos.model.plant import WEEKDAYS, Calendar
from factoryos.twin.calendar import DAY, HOUR, WEEK, ShiftCalendar, wrap


def weekly(calendar: Calendar, name: str, shifts: int | None = None, epoch: date | None = None) -> ShiftCalendar:
    windows: list[tuple[float, float]] = []
    paid: list[tuple[float, float]] = []
    for shift in calendar.shifts[:shifts]:
        for day in shift.days:
            start = WEEKDAYS.index(day) * DAY + (shift.start.hour + shift.start.minute / 60) * HOUR
            paid.append((start, start + shift.length_hours * HOUR))
            windows.extend((start + a * HOUR, start + b * HOUR) for a, b in shift.working_offsets())
    holidays = sorted(
        ((d - epoch).days * DAY, ((d - epoch).days + 1) * DAY) for d in calendar.holidays if epoch and d >= epoch
    )
    return ShiftCalendar(tuple(wrap(windows)), tuple(wrap(paid)), WEEK, name, tuple(holidays))
