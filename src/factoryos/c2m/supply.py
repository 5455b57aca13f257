"""Buying material the one way the plan (MRP, `factoryos.planning`) and the promise (`factoryos.c2m.promise`)
both buy it: on the site's working days, each supplier within what is left of its weekly capacity, in the
suppliers' order of preference.

`place_lots` is the compiled step both run when a quantity is short on a day. Each week offers the quantity to
the material's sources in preference order; a source takes it in a lot rounded to the supplier's minimum and
multiple and cut to the capacity it has left that week (a cut lot is rounded down to the multiple and dropped
below the minimum), and what is left goes to the next source, then to the next week. The need's week comes
first, from the sources that deliver on time (on the need's day, or the first working day after it), a
preferred supplier whose lead time would land later in the week passed over for one that is on time; then, as
a finite-capacity MRP buys ahead rather than late, the weeks before it, latest first, each on its last working
day, as long as the lead time allows (no lot arrives before the calendar's first working day plus the lead
time: nothing is ordered in the past); then the need's week again, late, on each source's first working day
from the need on that its lead time allows; only what none of them can take spills to the weeks after, each on
its first working day that the lead time allows. A late week goes first to the source that delivers soonest in it,
preference deciding between those that deliver on the same day: late, the preferred supplier's Thursday does not
beat another's Tuesday. The promise places from its calendar's first day, so for it
there is no week before.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np
from numba import njit

from factoryos.model.plant import Plant

EPS = 1e-9


@njit(cache=True, nogil=True)
def supplier_quantity(quantity: float, minimum: float, multiple: float) -> float:
    """The quantity a supplier takes an order for: at least its minimum, in whole multiples."""
    quantity = max(quantity, minimum)
    return math.ceil(quantity / multiple - EPS) * multiple if multiple > 0 else quantity


class SupplyDays(NamedTuple):
    """The days lots are placed on, counted from a first day: `week_of[t]` the ISO week of day t,
    `week_first[w]` that week's first day, `next_work[t]` the first working day on or after t (len if none),
    `prev_work[t]` the last working day on or before t (-1 if none)."""

    week_of: np.ndarray
    week_first: np.ndarray
    next_work: np.ndarray
    prev_work: np.ndarray


class Sources(NamedTuple):
    """Where lots are bought, as `place_lots` reads it: source k is supplier `supplier[k]`, which can deliver
    from day `earliest[k]`; per supplier its minimum order, order multiple and the capacity it has left per
    week (`capacity`, supplier x week, used up as lots are placed)."""

    supplier: np.ndarray
    earliest: np.ndarray
    minimum: np.ndarray
    multiple: np.ndarray
    capacity: np.ndarray


@njit(cache=True, nogil=True)
def _lot_day(t, week, earliest, calendar):
    """The day a source that can deliver from day `earliest` ships a lot in `week` for a need on day `t` (-1: it
    cannot that week): from the need's week on, the first working day from the need on; before it, the week's
    last working day, the least ahead of the need."""
    week_of, week_first, next_work, prev_work = calendar
    days = week_of.shape[0]
    if week < week_of[t]:
        day = prev_work[week_first[week + 1] - 1]
        return day if day >= max(earliest, week_first[week]) else -1
    day = max(t, week_first[week], earliest)
    if day >= days:
        return -1
    day = next_work[day]
    return day if day < days and week_of[day] == week else -1


@njit(cache=True, nogil=True)
def _lot_size(quantity: float, minimum: float, multiple: float, left: float) -> float:
    """The lot a supplier with `left` capacity that week takes of `quantity`: rounded to its minimum and multiple,
    cut to what is left (rounded down to the multiple, none below the minimum)."""
    want = supplier_quantity(quantity, minimum, multiple)
    take = min(want, left)
    if take < want - EPS:
        take = math.floor(take / multiple + EPS) * multiple
        if take < minimum - EPS:
            take = 0.0
    return take


@njit(cache=True, nogil=True)
def place_lots(quantity, t, first, last, sources, calendar, lot_day, lot_source, lot_qty):
    """Place `quantity` needed on day `t` on the sources `first`..`last` - 1 (in preference order) within their
    weekly capacity, on `calendar` (`SupplyDays`; either record may come as the plain tuple of its fields): the
    need's week on time, the weeks before it latest first, the need's week late, then the weeks after (see the
    module docstring). The
    lots go to `lot_day`, `lot_source`, `lot_qty` (room for weeks x sources); returns how many and the quantity
    no week of the calendar could take."""
    source_supplier, source_earliest, supplier_min, supplier_multiple, capacity = sources
    week_of, week_first, next_work, _ = calendar
    days = week_of.shape[0]
    need = week_of[t]
    lowest = need  # no source delivers in a week before it
    for k in range(first, last):
        lowest = min(lowest, week_of[min(source_earliest[k], days - 1)])
    back = need - lowest
    on_time = next_work[t] if t < days else days
    placed = 0
    count = last - first
    lot_days = np.empty(count, np.int64)
    order = np.arange(count)
    for step in range(week_first.shape[0] - lowest + 1):
        if quantity <= EPS:
            break
        week = need - step if step <= back else need + step - back - 1
        for i in range(count):
            lot_days[i] = _lot_day(t, week, source_earliest[first + i], calendar)
        if step > back and count > 1:
            order = np.argsort(lot_days, kind="mergesort")
        for j in range(count):
            i = order[j]
            k, day = first + i, lot_days[i]
            if day < 0 or (step == 0 and day > on_time):
                continue
            s = source_supplier[k]
            take = _lot_size(quantity, supplier_min[s], supplier_multiple[s], capacity[s, week])
            if take <= EPS:
                continue
            capacity[s, week] -= take
            lot_day[placed], lot_source[placed], lot_qty[placed] = day, k, take
            placed += 1
            quantity -= take
            if quantity <= EPS:
                break
    return placed, quantity


def site_working_days(plant: Plant, start: date, days: int) -> tuple[bool, ...]:
    """Per day from `start`: does a shift run in a manned work center's calendar, and is it not its holiday? A
    site whose manned centers are closed throughout (or that has none) works on its lights-out centers' days."""
    centers = plant.work_centers().values()
    manned = _worked(plant, {wc.calendar for _, wc in centers if not wc.lights_out}, start, days)
    return manned if any(manned) else _worked(plant, {wc.calendar for _, wc in centers if wc.lights_out}, start, days)


def _worked(plant: Plant, used: set[str], start: date, days: int) -> tuple[bool, ...]:
    calendars = [plant.calendars[c] for c in sorted(used)]
    return tuple(any(c.works_on(start + timedelta(k)) for c in calendars) for k in range(days))


def next_working(working: np.ndarray) -> np.ndarray:
    """`next_work[t]`, the first working day on or after day t (len(working) if none)."""
    days = len(working)
    return np.minimum.accumulate(np.where(working, np.arange(days), days)[::-1])[::-1]


def prev_working(working: np.ndarray) -> np.ndarray:
    """`prev_work[t]`, the last working day on or before day t (-1 if none)."""
    return np.maximum.accumulate(np.where(working, np.arange(len(working)), -1))


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week: the week a supplier's weekly capacity counts a delivery in."""
    return day - timedelta(days=day.weekday())


def supply_days(start: date, working: np.ndarray) -> SupplyDays:
    """The `SupplyDays` of the days from `start` that `working` says are worked: weeks are ISO weeks counted
    from `start`'s, and a week's first day is its Monday (day 0 for the first week)."""
    index = np.arange(len(working))
    week_of = (index + start.weekday()) // 7
    week_first = np.maximum(np.arange(week_of[-1] + 1) * 7 - start.weekday(), 0)
    return SupplyDays(week_of, week_first, next_working(working), prev_working(working))
