"""When a calendar's shifts run, as seconds from an epoch: what the scheduler and the twin both plan with.

Shift times are wall-clock times at the site (its timezone, daylight saving included); the epoch is a UTC
instant. A holiday cancels the shifts that start on it; breaks are cut out of the shift they belong to. A
shift over a daylight-saving change is as long as the clock on the wall says: the night of 22:00-06:00 is
seven hours in spring and nine in autumn.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple, TypeVar
from zoneinfo import ZoneInfo

from factoryos.model.plant import WEEKDAYS, Calendar

DAY = 86_400


def site_instant(wall: datetime, zone: tzinfo) -> datetime:
    """The UTC instant of a wall-clock time (naive) at a site in `zone`.

    Site times are turned into UTC before any arithmetic because Python compares and subtracts two datetimes
    that share one tzinfo by their wall-clock readings, as if no daylight-saving change lay between them: a
    site day would always be 24 h. A time the clocks skip in spring (02:30 in Berlin) is read on the clock
    before the change, so it lands as far past the gap as it was into it (03:30); one they pass twice in
    autumn is its first passing. Both keep later wall-clock times at later (or equal) instants, so a window
    never turns inside out."""
    return wall.replace(tzinfo=zone).astimezone(UTC)


def site_day(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """A site day from its midnight to the next, as UTC instants: 23 h or 25 h on a daylight-saving day."""
    midnight, next_midnight = (site_instant(datetime.combine(day + timedelta(days=n), time()), zone) for n in (0, 1))
    return midnight, next_midnight


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
            begins = datetime.combine(day, shift.start)
            start, stop = (_seconds(epoch, begins, hours, zone) for hours in (0.0, shift.length_hours))
            if stop <= 0 or start >= end:
                continue
            pieces = (
                (_seconds(epoch, begins, a, zone), _seconds(epoch, begins, b, zone)) for a, b in shift.working_offsets()
            )
            windows = tuple((max(a, 0.0), min(b, end)) for a, b in pieces if b > 0 and a < end and a < b)
            worked.append(ShiftTime(max(start, 0.0), min(stop, end), windows, shift.name, day, day in holidays))
    return sorted(worked)


def working_windows(calendar: Calendar, timezone: str, epoch: datetime, days: float) -> list[tuple[float, float]]:
    """When the calendar works in [0, days) after `epoch`, in seconds: its shifts less their breaks, none a
    holiday cancels, windows that touch joined (a 24/7 calendar is one window however many shifts it names)."""
    shifts = shift_times(calendar, timezone, epoch, days)
    return merged(window for shift in shifts if not shift.cancelled for window in shift.windows)


def day_windows(calendar: Calendar, timezone: str, day: date) -> list[tuple[float, float]]:
    """`working_windows` of the site day `day`, in seconds from its midnight to the next: 23 h or 25 h of a
    round-the-clock calendar on a daylight-saving day, not the next day's first hour or 24 h."""
    midnight, next_midnight = site_day(day, ZoneInfo(timezone))
    return working_windows(calendar, timezone, midnight, (next_midnight - midnight).total_seconds() / DAY)


def worked_seconds(calendar: Calendar, timezone: str, day: date) -> float:
    """The calendar's working time on the site day `day` (less on a holiday, more or less on a daylight-saving
    change)."""
    return sum(end - start for start, end in day_windows(calendar, timezone, day))


def _seconds(epoch: datetime, begins: datetime, hours: float, zone: ZoneInfo) -> float:
    """Seconds from `epoch` to `hours` on the site's wall clock after `begins` (a shift's start there)."""
    return (site_instant(begins + timedelta(hours=hours), zone) - epoch).total_seconds()


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
