"""Low-level codes: each item's deepest level in any bill, so it is netted once, after all its parents.

An item used both in a finished product and in a sub-assembly gets the lower level; its requirements from
every parent are then consolidated before netting (Orlicky's low-level coding).
"""

from __future__ import annotations

import numpy as np

from factoryos.planning.problem import PlanningError


def low_level_codes(items: int, parent: np.ndarray, component: np.ndarray, names: list[str]) -> np.ndarray:
    """Level per item (0 for items no bill uses): the longest path from a root, found by relaxing every bill
    line at once until nothing changes; PlanningError naming an item on a cycle if levels pass the item count."""
    level = np.zeros(items, dtype=np.int64)
    for _ in range(items + 1):
        deeper = np.zeros(items, dtype=np.int64)
        np.maximum.at(deeper, component, level[parent] + 1)
        if (deeper <= level).all():
            return level
        level = np.maximum(level, deeper)
    stuck = names[int(np.argmax(level))]
    raise PlanningError(f"bill of materials: {stuck!r} is on a cycle (through its components it is its own part)")
