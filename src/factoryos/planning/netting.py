"""Gross-to-net for a group of items, compiled: the tight loop over items and days.

Day by day, the projected on hand is on hand + open receipts + planned receipts - gross requirements. When
it (with what is already on order and not yet in) would fall below safety stock, later open receipts are
pulled in first (an expedite), then a lot is planned: sized by the item's rule, rounded up to a whole number
of units for an item counted in pieces (`Item.whole`: the excess is projected stock, there for later needs),
rounded to its supplier's minimum and multiple, and placed within the supplier's weekly capacity
(`c2m.supply.place_lots`): in the need's week, spilling to the next source in preference order, then bought
ahead in the weeks before that still have capacity (on hand from its arrival on), and only then late in the
weeks after. A lot that cannot arrive by the day it is needed (lead time, capacity) arrives late, and the days
before show the shortage.

The items of one low level are netted item by item. Items that share a supplier's weekly capacity are netted by
need date: day by day, each day every item in turn, so that the week goes to the earliest need whichever item it
is of (earliest due date, as frePPLe and every finite-capacity MRP allocate it), a later need taking only what is
left; needs of one day go in the order the rows are given.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from factoryos.c2m.supply import EPS, place_lots

LOT_FOR_LOT, FIXED, MULTIPLE, MINIMUM, PERIOD_ORDER_QUANTITY, EOQ = range(6)
UNPLACED = -2
"""The source of a lot no supplier can ship before the end of the calendar: kept as a record, never planned."""


@njit(cache=True, nogil=True)
def lot_quantity(
    rule: int,
    lot: float,
    periods: int,
    need: float,
    i: int,
    t: int,
    gross: np.ndarray,
    open_: np.ndarray,
    position: float,
    safety: float,
) -> float:
    """Item i's lot for a net requirement `need` at day `t` (`gross` and `open_` per item and day); `position` is
    on hand + on order after day t's net."""
    if rule == FIXED or rule == MULTIPLE:  # noqa: SIM109 - compiled by Numba, which wants plain comparisons
        return math.ceil(need / lot - EPS) * lot
    if rule == MINIMUM or rule == EOQ:  # noqa: SIM109
        return max(need, lot)
    if rule == PERIOD_ORDER_QUANTITY:
        running, extra = position + need, 0.0
        for u in range(t + 1, min(t + periods, gross.shape[1])):
            running += open_[i, u] - gross[i, u]
            extra = max(extra, safety - running)
        return need + extra
    return need


@njit(cache=True, nogil=True)
def _grow(ints: np.ndarray, floats: np.ndarray, used: int) -> tuple[np.ndarray, np.ndarray]:
    if used < floats.shape[0]:
        return ints, floats
    bigger_ints = np.empty((2 * ints.shape[0], ints.shape[1]), np.int64)
    bigger_floats = np.empty(2 * floats.shape[0])
    bigger_ints[:used] = ints[:used]
    bigger_floats[:used] = floats[:used]
    return bigger_ints, bigger_floats


@njit(cache=True, nogil=True)
def _add_lot(
    lots: np.ndarray, lot_qty: np.ndarray, used: int, item: int, need: int, due: int, source: int, quantity: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """Append a lot (item row, need day, due day, source) of `quantity`, the arrays grown when they are full."""
    lots, lot_qty = _grow(lots, lot_qty, used)
    lots[used, 0], lots[used, 1], lots[used, 2], lots[used, 3] = item, need, due, source
    lot_qty[used] = quantity
    return lots, lot_qty, used + 1


@njit(cache=True, nogil=True)
def _receive(
    arriving: np.ndarray, projected: np.ndarray, i: int, today: int, due: int, quantity: float
) -> tuple[float, float]:
    """A new lot of item i as (on hand today, pending): on hand if it is due by `today` (one bought ahead is on hand
    in the item's `projected` row from its due day), else pending, and counted as arriving on its due day when that
    is inside the horizon (`arriving` and `projected` per item and day)."""
    if due <= today:
        for u in range(due, today):
            projected[i, u] += quantity
        return quantity, 0.0
    if due < arriving.shape[1]:
        arriving[i, due] += quantity
    return 0.0, quantity


@njit(cache=True, nogil=True)
def net_items(
    gross,
    scheduled,
    on_order_after,
    on_hand,
    safety,
    rule,
    lot,
    periods,
    whole,
    own_earliest,
    source_first,
    source_last,
    sources,
    calendar,
    by_need_date,
):
    """Net the items whose rows are given, `on_order_after` each one's open receipts due after the horizon (on
    order, so no lot is planned for what they cover); `whole[i]` says item i's lots are whole units; item i
    buys from `sources` (`Sources`) `source_first[i]` .. `source_last[i]` - 1 on `calendar` (`SupplyDays`).
    Item by item, or `by_need_date`: day by day, each day every item in row order, so that the sources' capacity
    goes to the earliest need first. Returns the projected on hand (items x days), the lots as (item row, need
    day, due day, source index or -1 for made, or UNPLACED) with their quantities, and the expedites as (item row,
    from day, to day) with quantities. The sources' capacity is used up."""
    n, horizon = gross.shape
    projected = np.empty((n, horizon))
    open_ = scheduled.copy()  # the open receipts, as they are expedited
    arriving = np.zeros((n, horizon))
    have = on_hand.astype(np.float64)  # a copy, and float if the caller's counts are whole
    pending = on_order_after.astype(np.float64)
    later = scheduled.sum(axis=1)
    lots = np.empty((max(16, 2 * n), 4), np.int64)
    lot_qty = np.empty(lots.shape[0])
    moves = np.empty((16, 3), np.int64)
    move_qty = np.empty(16)
    used = 0
    moved = 0
    room = calendar.week_first.shape[0] * max(1, int((source_last - source_first).max())) if n else 1
    placing = (np.empty(room, np.int64), np.empty(room, np.int64), np.empty(room))
    items = (safety, rule, lot, periods, whole, own_earliest, source_first, source_last)
    outer, inner = (horizon, n) if by_need_date else (n, horizon)
    for a in range(outer):
        for b in range(inner):
            i, t = (b, a) if by_need_date else (a, b)
            have[i] += open_[i, t] + arriving[i, t] - gross[i, t]
            pending[i] -= arriving[i, t]
            later[i] -= open_[i, t]
            if have[i] + pending[i] < safety[i] - EPS and later[i] > EPS:
                have[i], later[i], moves, move_qty, moved = _expedite(
                    i, t, open_[i], have[i], pending[i], later[i], safety[i], moves, move_qty, moved
                )
            if have[i] + pending[i] < safety[i] - EPS:
                have[i], pending[i], lots, lot_qty, used = _place(
                    i,
                    t,
                    have[i],
                    pending[i],
                    (gross, open_, arriving, projected),
                    items,
                    sources,
                    calendar,
                    placing,
                    lots,
                    lot_qty,
                    used,
                )
            projected[i, t] = have[i]
    return projected, lots[:used], lot_qty[:used], moves[:moved], move_qty[:moved]


@njit(cache=True, nogil=True)
def _expedite(i, t, open_, have, pending, later, safety, moves, move_qty, moved):
    """Pull item i's open receipts after day t (`open_`, its row; `later` their sum) in to t, the nearest first, while
    on hand and on order are below `safety`; each goes to `moves` as (item, from day, to day)."""
    u = t + 1
    while have + pending < safety - EPS and u < open_.shape[0] and later > EPS:
        if open_[u] > EPS:
            moves, move_qty = _grow(moves, move_qty, moved)
            moves[moved, 0], moves[moved, 1], moves[moved, 2] = i, u, t
            move_qty[moved] = open_[u]
            moved += 1
            have += open_[u]
            later -= open_[u]
            open_[u] = 0.0
        u += 1
    return have, later, moves, move_qty, moved


@njit(cache=True, nogil=True, inline="always")
def _place(i, t, have, pending, rows, items, sources, calendar, placing, lots, lot_qty, used):
    """Plan item i's lots for its need on day t, on hand `have` and on order `pending` below its safety stock: made
    on its lead time, or bought on its sources (`place_lots`), and what none can take kept UNPLACED. `rows` are per
    item and day (gross, open receipts, lots arriving, projected on hand), `items` `net_items`'s figures per item.
    Returns on hand and on order with the lots in, and the lots as they grow. Inlined: a call passing its two dozen
    arrays costs more than most placings."""
    safety, rule, lot, periods, whole, own_earliest, source_first, source_last = items
    gross, open_, arriving, projected = rows
    next_work = calendar.next_work
    days = next_work.shape[0]
    need = safety[i] - have - pending
    remaining = lot_quantity(rule[i], lot[i], periods[i], need, i, t, gross, open_, have + pending, safety[i])
    if whole[i]:
        remaining = math.ceil(remaining - EPS)
    first, last = source_first[i], source_last[i]
    if first == last:
        due = next_work[min(max(t, own_earliest[i]), days - 1)]
        lots, lot_qty, used = _add_lot(lots, lot_qty, used, i, t, due, -1, remaining)
        now, coming = _receive(arriving, projected, i, t, due, remaining)
        have, pending = have + now, pending + coming
        remaining = 0.0
    lot_day, lot_source, lot_take = placing
    placed, remaining = place_lots(remaining, t, first, last, sources, calendar, lot_day, lot_source, lot_take)
    for j in range(placed):
        lots, lot_qty, used = _add_lot(lots, lot_qty, used, i, t, lot_day[j], lot_source[j], lot_take[j])
        now, coming = _receive(arriving, projected, i, t, lot_day[j], lot_take[j])
        have, pending = have + now, pending + coming
    if remaining > EPS:
        lots, lot_qty, used = _add_lot(lots, lot_qty, used, i, t, days, UNPLACED, remaining)
        pending += remaining
    return have, pending, lots, lot_qty, used
