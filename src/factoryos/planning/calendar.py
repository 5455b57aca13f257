"""Lead-time offsets on the site's working calendar, as index arrays over days from the plan's start.

A made item's lead time counts working days (the shop works them); a bought item's counts calendar days
(the supplier's trucks run anyway) and the order goes out on the last working day before. Receipts and
releases fall on working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from factoryos.c2m.supply import SupplyDays, supply_days
from factoryos.planning.problem import PlanningError


@dataclass(frozen=True)
class WorkCalendar:
    """Day-indexed lookups: `work_days` the working days in order, `rank[t]` how many working days come before t,
    and `supply` the weeks and next and last working days that lots are placed on (`SupplyDays`, weeks counted
    from the plan's first)."""

    working: np.ndarray
    work_days: np.ndarray
    rank: np.ndarray
    supply: SupplyDays

    @property
    def days(self) -> int:
        return len(self.working)

    @property
    def prev_work(self) -> np.ndarray:
        """`prev_work[t]`, the last working day <= t (-1 if none)."""
        return self.supply.prev_work

    @property
    def first(self) -> int:
        return int(self.work_days[0])

    def back_working(self, due: np.ndarray, lead: np.ndarray) -> np.ndarray:
        """The working day `lead` working days before each (working) `due`; the first working day if that is
        before the start."""
        position = self.rank[due] - lead
        return np.where(position >= 0, self.work_days[np.clip(position, 0, len(self.work_days) - 1)], self.first)

    def back_calendar(self, due: np.ndarray, lead: np.ndarray) -> np.ndarray:
        """The last working day on or before `due - lead` calendar days; the first working day if before the start."""
        day = due - lead
        found = self.prev_work[np.clip(day, 0, self.days - 1)]
        return np.where((day >= 0) & (found >= 0), found, self.first)

    def earliest_made(self, lead: int) -> int:
        """The first day a made item with `lead` working days can be ready if released today."""
        return int(self.work_days[min(lead, len(self.work_days) - 1)]) if lead > 0 else 0

    def earliest_bought(self, lead: int) -> int:
        """The first working day a bought item with `lead` calendar days can arrive if ordered today."""
        day = self.first + lead
        return int(self.supply.next_work[day]) if day < self.days else self.days


def work_calendar(start: date, working: tuple[bool, ...], days: int) -> WorkCalendar:
    """The lookups over `days` days; past the end of `working` the last week's pattern repeats."""
    if not any(working):
        raise PlanningError("the working calendar has no working day")
    pattern = np.array(working, dtype=bool)
    if len(pattern) < days:
        week = pattern[-7:] if len(pattern) >= 7 else np.ones(7, dtype=bool)
        tail = np.resize(week, days - len(pattern))
        pattern = np.concatenate([pattern, tail])
    pattern = pattern[:days]
    if not pattern.any():
        raise PlanningError("the working calendar has no working day in the planned days")
    work_days = np.flatnonzero(pattern)
    rank = np.cumsum(pattern) - pattern
    return WorkCalendar(pattern, work_days, rank, supply_days(start, pattern))
