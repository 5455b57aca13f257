"""Buying material the one way the plan (MRP, `factoryos.planning`) and the promise (`factoryos.c2m.promise`)
both buy it: on the site's working days, each supplier within what is left of its weekly capacity, in the
suppliers' order of preference.

`place_lots` is the compiled step both run when a quantity is short on a day: from the day's week on, each
week offers the quantity to the material's sources in preference order; a source takes it in a lot on its
first working day of the week that its lead time allows, rounded to the supplier's minimum and multiple and
cut to the capacity it has left that week (a cut lot is rounded down to the multiple and dropped below the
minimum); what is left spills to the next source, then to the next week.
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
def place_lots(quantity, t, first, last, sources, calendar, lot_day, lot_source, lot_qty):
    """Place `quantity` needed on day `t` on the sources `first`..`last` - 1 (in preference order), week by
    week within the sources' capacity, on `calendar` (`SupplyDays`; either record may come as the plain tuple
    of its fields). The lots go to `lot_day`, `lot_source`, `lot_qty` (room for weeks x sources); returns how
    many and the quantity no week of the calendar could take."""
    source_supplier, source_earliest, supplier_min, supplier_multiple, capacity = sources
    week_of, week_first, next_work, _ = calendar
    days = week_of.shape[0]
    weeks = week_first.shape[0]
    placed = 0
    week = week_of[t]
    while quantity > EPS and week < weeks and first < last:
        for k in range(first, last):
            s = source_supplier[k]
            day = max(t, week_first[week], source_earliest[k])
            if day >= days:
                continue
            day = next_work[day]
            if day >= days or week_of[day] != week:
                continue
            want = supplier_quantity(quantity, supplier_min[s], supplier_multiple[s])
            take = min(want, capacity[s, week])
            if take < want - EPS:
                take = math.floor(take / supplier_multiple[s] + EPS) * supplier_multiple[s]
                if take < supplier_min[s] - EPS:
                    take = 0.0
            if take <= EPS:
                continue
            capacity[s, week] -= take
            lot_day[placed], lot_source[placed], lot_qty[placed] = day, k, take
            placed += 1
            quantity -= take
            if quantity <= EPS:
                break
        week += 1
    return placed, quantity


def site_working_days(plant: Plant, start: date, days: int) -> tuple[bool, ...]:
    """Per day from `start`: does a shift run in a manned work center's calendar, and is it not its holiday? A
    site whose manned centers are closed throughout (or that has none) works on its lights-out centers' days."""
    centers = plant.work_centers().values()
    manned = _worked(plant, {wc.calendar for _, wc in centers if not wc.lights_out}, start, days)
    return manned if any(manned) else _worked(plant, set(plant.calendars), start, days)


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
