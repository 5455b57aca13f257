"""The bills of materials as arrays, and their explosion: what a quantity of each parent needs of each component.

MRP explodes its planned lots through them into the gross requirements it nets, and pegging explodes each
lot's share of every demand it serves the same way, so both read one issued quantity per bill line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True)
class Bills:
    """Every item's bill: item i's lines are `start[i]:start[i + 1]`, each a `component` and the quantity
    `issued` per good unit of the parent (the line's scrap and the parent routing's final yield included)."""

    start: np.ndarray
    component: np.ndarray
    issued: np.ndarray

    def explode(self, item: np.ndarray, quantity: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, component, quantity) of every bill line of each (item, quantity) row: row indexes the input."""
        return _explode(self.start, self.component, self.issued, item, quantity)


@njit(cache=True, nogil=True)
def _explode(start, component, issued, item, quantity):
    """`Bills.explode` in one pass that writes its three columns and nothing else (it runs on every lot's share of
    every demand)."""
    lines = 0
    for i in item:
        lines += start[i + 1] - start[i]
    row = np.empty(lines, np.int64)
    needed = np.empty(lines, np.int64)
    needed_qty = np.empty(lines)
    k = 0
    for r in range(item.shape[0]):
        for line in range(start[item[r]], start[item[r] + 1]):
            row[k], needed[k] = r, component[line]
            needed_qty[k] = quantity[r] * issued[line]
            k += 1
    return row, needed, needed_qty
