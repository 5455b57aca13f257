"""The bills of materials as arrays, and their explosion: what a quantity of each parent needs of each component.

MRP explodes its planned lots through them into the gross requirements it nets, and pegging explodes each
lot's share of every demand it serves the same way, so both read one issued quantity per bill line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Bills:
    """Every item's bill: item i's lines are `start[i]:start[i + 1]`, each a `component` and the quantity
    `issued` per good unit of the parent (the line's scrap and the parent routing's final yield included)."""

    start: np.ndarray
    component: np.ndarray
    issued: np.ndarray

    def explode(self, item: np.ndarray, quantity: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, component, quantity) of every bill line of each (item, quantity) row: row indexes the input."""
        lines = self.start[item + 1] - self.start[item]
        row = np.repeat(np.arange(len(item)), lines)
        offsets = np.arange(len(row)) - np.repeat(np.cumsum(lines) - lines, lines)
        line = self.start[item][row] + offsets
        return row, self.component[line], quantity[row] * self.issued[line]
