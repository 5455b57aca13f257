"""Stock kept lot by lot and used first in, first out, so a unit's genealogy names the lots its parts really came
from (two when a draw empties one lot and opens the next)."""

from __future__ import annotations

from collections import deque
from typing import Any

EMPTY = 1e-9
"""Units of stock below which a lot counts as used up (draws are in fractions when a BOM line has scrap)."""

Lots = deque[list[Any]]
"""A material's lots as [lot, quantity left], oldest first."""


def first_in(lots: Lots, quantity: float) -> list[str]:
    """Draw `quantity` from `lots`, oldest first: the lots it comes from."""
    used = []
    while quantity > EMPTY and lots:
        head = lots[0]
        used.append(head[0])
        taken = min(quantity, head[1])
        head[1] -= taken
        quantity -= taken
        if head[1] <= EMPTY:
            lots.popleft()
    return used
