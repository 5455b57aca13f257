"""A plant file's calendar as the twin's `ShiftCalendar` over a run, with the first N of its shifts if asked.

Shifts are worked at the site's wall-clock times (its timezone, daylight saving included), as the scheduler
plans them, so a schedule and the twin that runs it agree on when each shift starts; holidays cancel the
shifts that start on them (the twin's holidays are those shifts). The calendar spans the whole weeks that
cover the run rather than repeating one.
"""

from __future__ import annotations

import math
from datetime import datetime

from factoryos.model.plant import Calendar
from factoryos.model.shift_times import merged, shift_times
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
