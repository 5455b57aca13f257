"""Single-level pegging: which supply covers which requirement, first come first served.

Per item, requirements in date order take supplies in the order they become available (stock, then open
receipts and planned lots by due date). Each pair gets the quantity it shares; chained level by level this
traces a planned lot up to the customer orders and forecast it serves, and a customer order down to every
lot under it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

EPS = 1e-9


@njit(cache=True, nogil=True)
def _match(need_start, need_qty, supply_start, supply_qty):
    """Per item (rows `*_start` delimit each item's requirements and supplies, both already in order), the
    (requirement, supply, quantity) pairs of a first-come-first-served allocation."""
    items = need_start.shape[0] - 1
    size = need_qty.shape[0] + supply_qty.shape[0] + 1
    pairs = np.empty((size, 2), np.int64)
    shared = np.empty(size)
    used = 0
    for i in range(items):
        r, r_end = need_start[i], need_start[i + 1]
        s, s_end = supply_start[i], supply_start[i + 1]
        r_left = need_qty[r] if r < r_end else 0.0
        s_left = supply_qty[s] if s < s_end else 0.0
        while r < r_end and s < s_end:
            take = min(r_left, s_left)
            if take > EPS:
                pairs[used, 0], pairs[used, 1] = r, s
                shared[used] = take
                used += 1
            r_left -= take
            s_left -= take
            if r_left <= EPS:
                r += 1
                r_left = need_qty[r] if r < r_end else 0.0
            if s_left <= EPS:
                s += 1
                s_left = supply_qty[s] if s < s_end else 0.0
    return pairs[:used], shared[:used]


def _sorted_by(*keys: np.ndarray) -> np.ndarray:
    """The order that sorts by the first key, then the next: stable radix passes on 16-bit keys, last key
    first, when every key fits (linear time), else one sort on a combined key."""
    if all(len(k) == 0 or (k.min() >= 0 and k.max() < 2**16) for k in keys):
        order = np.arange(len(keys[0]))
        for key in reversed(keys):
            order = order[np.argsort(key[order].astype(np.uint16), kind="stable")]
        return order
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        combined = combined * (int(key.max()) + 1) + key
    return np.argsort(combined, kind="stable")


def peg(
    items: int,
    need_item: np.ndarray,
    need_day: np.ndarray,
    need_qty: np.ndarray,
    supply_item: np.ndarray,
    supply_day: np.ndarray,
    supply_rank: np.ndarray,
    supply_qty: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(requirement index, supply index, quantity) for every pegged pair; `supply_rank` orders supplies
    available on the same day (stock before receipts before planned lots)."""
    need_order = _sorted_by(need_item, need_day)
    supply_order = _sorted_by(supply_item, supply_day + 1, supply_rank)
    need_start = np.searchsorted(need_item[need_order], np.arange(items + 1))
    supply_start = np.searchsorted(supply_item[supply_order], np.arange(items + 1))
    pairs, shared = _match(need_start, need_qty[need_order], supply_start, supply_qty[supply_order])
    return need_order[pairs[:, 0]], supply_order[pairs[:, 1]], shared
