"""Shift calendars: when manned equipment can work, and how many hours its crew is paid for.

Times are seconds from the simulation epoch. A calendar repeats with a period (a week by default) and is a
sorted list of open windows inside it; breaks are gaps between windows of the same shift, and are paid.
Holidays are absolute closed spans on top of the weekly pattern: nobody works, nobody is paid a shift.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from factoryos.model.errors import FactoryosError

HOUR = 3600.0
DAY = 24 * HOUR
WEEK = 7 * DAY


@dataclass(frozen=True)
class ShiftCalendar:
    """Open windows `(start, end)` within `period`; `paid` are the shift spans (breaks included);
    `holidays` are sorted, absolute `(start, end)` spans when it is closed."""

    windows: tuple[tuple[float, float], ...]
    paid: tuple[tuple[float, float], ...]
    period: float = WEEK
    name: str = "calendar"
    holidays: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        last = 0.0
        for start, end in self.windows:
            if not (last <= start < end <= self.period):
                raise FactoryosError(
                    f"calendar {self.name}: window ({start}, {end}) must be sorted, non-overlapping and within "
                    f"the period {self.period}"
                )
            last = end
        object.__setattr__(self, "_starts", [w[0] for w in self.windows])
        object.__setattr__(self, "_holiday_starts", [h[0] for h in self.holidays])

    @property
    def always_open(self) -> bool:
        return self.windows == ((0.0, self.period),) and not self.holidays

    def is_open(self, t: float) -> bool:
        tm = t % self.period
        i = bisect_right(self._starts, tm) - 1  # type: ignore[attr-defined]
        return i >= 0 and tm < self.windows[i][1] and self._holiday_end(t) is None

    def _holiday_end(self, t: float) -> float | None:
        """The end of the holiday t falls in, if it does."""
        if not self.holidays:
            return None
        i = bisect_right(self._holiday_starts, t) - 1  # type: ignore[attr-defined]
        return self.holidays[i][1] if i >= 0 and t < self.holidays[i][1] else None

    def next_open(self, t: float) -> float:
        """The earliest time >= t at which the calendar is open."""
        if not self.windows:
            raise FactoryosError(f"calendar {self.name} is never open")
        while True:
            t = self._next_weekly_open(t)
            end = self._holiday_end(t)
            if end is None:
                return t
            t = end

    def _next_weekly_open(self, t: float) -> float:
        base = t - t % self.period
        tm = t - base
        i = bisect_right(self._starts, tm) - 1  # type: ignore[attr-defined]
        if i >= 0 and tm < self.windows[i][1]:
            return t
        if i + 1 < len(self.windows):
            return base + self.windows[i + 1][0]
        return base + self.period + self.windows[0][0]

    def open_until(self, t: float) -> float:
        """When the open stretch that t falls in closes (t itself when it is closed): at the end of its window, or
        at a holiday's start, whichever comes first; inf for one open a whole period on (it never closes)."""
        if not self.is_open(t):
            return t
        end = t
        while True:
            base = end - end % self.period
            window_end = base + self.windows[bisect_right(self._starts, end - base) - 1][1]  # type: ignore[attr-defined]
            j = bisect_right(self._holiday_starts, end)  # type: ignore[attr-defined]
            if j < len(self.holidays) and self.holidays[j][0] < window_end:
                return self.holidays[j][0]
            end = window_end
            if not self.is_open(end):
                return end
            if end - t > self.period:
                return math.inf

    def next_fit(self, t: float, seconds: float) -> float:
        """The earliest time >= t that starts an open stretch of at least `seconds`, where work that may not pause
        starts; the next opening when no stretch within a period is that long (the work runs on past its close)."""
        first = start = self.next_open(t)
        while self.open_until(start) - start < seconds:
            start = self.next_open(self.open_until(start))
            if start - first > self.period:
                return first
        return start

    def next_change(self, t: float) -> float:
        """The next time after t at which the calendar may open or close."""
        base = t - t % self.period
        tm = t - base
        change = base + self.period + self.windows[0][0]
        for start, end in self.windows:
            if tm < start:
                change = base + start
                break
            if tm < end:
                change = base + end
                break
        for start, end in self.holidays:
            if t < start:
                return min(change, start)
            if t < end:
                return min(change, end)
        return change

    def paid_seconds(self, horizon: float) -> float:
        """Paid crew seconds per head in [0, horizon)."""
        return self._minus_holidays(self.paid, horizon)

    @property
    def open_per_period(self) -> float:
        """Open seconds in one period of the pattern (holidays aside): the capacity of an ordinary week."""
        return sum(end - start for start, end in self.windows)

    def open_seconds(self, horizon: float) -> float:
        return self._minus_holidays(self.windows, horizon)

    def holiday_seconds(self, horizon: float) -> float:
        """Open seconds that holidays close in [0, horizon)."""
        return _overlap(self.windows, self.period, horizon) - self.open_seconds(horizon)

    def _minus_holidays(self, spans: tuple[tuple[float, float], ...], horizon: float) -> float:
        total = _overlap(spans, self.period, horizon)
        for start, end in self.holidays:
            if start >= horizon:
                break
            end = min(end, horizon)
            total -= _overlap(spans, self.period, end) - _overlap(spans, self.period, start)
        return total


def _overlap(spans: tuple[tuple[float, float], ...], period: float, horizon: float) -> float:
    full, rest = divmod(horizon, period)
    per_period = sum(end - start for start, end in spans)
    return full * per_period + sum(max(0.0, min(end, rest) - start) for start, end in spans if start < rest)


def always(name: str = "24/7") -> ShiftCalendar:
    return ShiftCalendar(((0.0, WEEK),), ((0.0, WEEK),), WEEK, name)


def shifts(
    count: int,
    hours: float = 8.0,
    first_start_hour: float = 6.0,
    days_per_week: int = 5,
    break_minutes: float = 30.0,
    name: str = "shifts",
) -> ShiftCalendar:
    """`count` back-to-back shifts a day on the first `days_per_week` days, each with one mid-shift break."""
    if not (count >= 1 and count * hours <= 24 and 1 <= days_per_week <= 7):
        raise FactoryosError(
            f"calendar {name}: {count} shifts of {hours} h on {days_per_week} days does not fit a week"
        )
    if count * hours == 24 and days_per_week == 7 and break_minutes == 0:
        return always(name)
    windows: list[tuple[float, float]] = []
    paid: list[tuple[float, float]] = []
    brk = break_minutes * 60.0
    for day in range(days_per_week):
        for k in range(count):
            start = day * DAY + first_start_hour * HOUR + k * hours * HOUR
            end = start + hours * HOUR
            paid.append((start, end))
            mid = (start + end) / 2
            windows.extend([(start, mid - brk / 2), (mid + brk / 2, end)] if brk > 0 else [(start, end)])
    windows = wrap(windows)
    paid = wrap(paid)
    return ShiftCalendar(tuple(windows), tuple(paid), WEEK, name)


def wrap(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Fold spans that run past the end of the week back to its start, and merge touching spans."""
    folded: list[tuple[float, float]] = []
    for start, end in spans:
        if end <= WEEK:
            folded.append((start, end))
        elif start >= WEEK:
            folded.append((start - WEEK, end - WEEK))
        else:
            folded.extend([(start, WEEK), (0.0, end - WEEK)])
    folded.sort()
    merged: list[tuple[float, float]] = []
    for start, end in folded:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
