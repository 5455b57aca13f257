"""When a calendar's shifts run, as seconds from an epoch: what the scheduler and the twin both plan with.

Shift times are wall-clock times at the site (its timezone, daylight saving included); the epoch is a UTC
instant. A holiday cancels the shifts that start on it; breaks are cut out of the shift they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from factoryos.model.plant import WEEKDAYS, Calendar

HOUR = 3600.0
DAY = 86_400


class ShiftTime(NamedTuple):
    """One shift: its paid span and its working windows (the span less its breaks), in seconds, whether a
    holiday cancels it, and which shift of the calendar it is on which site day (the day it starts)."""

    start: float
    end: float
    windows: tuple[tuple[float, float], ...]
    name: str
    day: date
    cancelled: bool = False


def shift_times(
    calendar: Calendar, timezone: str, epoch: datetime, days: float, shifts: int | None = None
) -> list[ShiftTime]:
    """The shifts (the calendar's first `shifts`, or all) in [0, days) after `epoch`, clipped to it."""
    zone = ZoneInfo(timezone)
    end = days * float(DAY)
    holidays = set(calendar.holidays)
    first = epoch.astimezone(zone).date() - timedelta(days=1)
    worked = []
    for offset in range(int(days) + 3):
        day = first + timedelta(days=offset)
        for shift in calendar.shifts[:shifts]:
            if WEEKDAYS[day.weekday()] not in shift.days:
                continue
            start = (datetime.combine(day, shift.start, zone) - epoch).total_seconds()
            stop = start + shift.length_hours * HOUR
            if stop <= 0 or start >= end:
                continue
            windows = tuple(
                (max(start + a * HOUR, 0.0), min(start + b * HOUR, end))
                for a, b in shift.working_offsets()
                if start + b * HOUR > 0 and start + a * HOUR < end
            )
            worked.append(ShiftTime(max(start, 0.0), min(stop, end), windows, shift.name, day, day in holidays))
    return sorted(worked)


Time = TypeVar("Time", int, float)


def merged(spans: Iterable[tuple[Time, Time]]) -> list[tuple[Time, Time]]:
    """Sorted spans with overlapping and touching ones joined, empty ones dropped."""
    out: list[tuple[Time, Time]] = []
    for start, end in sorted(spans):
        if start >= end:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
