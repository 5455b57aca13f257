"""The bought parts that lots draw, shared by the lots and the units that draw the same parts: each taken from
what is physically there or on its way, once.

A lot draws its bought parts for the whole lot at its operation (a saw cuts a lot of shafts from bar stock), often
before the units it feeds would need theirs and more than they need; the promise's material replay only says when
each order's own share is in. So every draw of a part that some lot draws (each lot's, and each production order's
units' own) takes, in the sequence the work is needed (the release position of the first order it serves; a lot
before the units it feeds), from the part's supply: the plant file's stock on hand at once, then its open purchase
orders, those released from plans among them, each from the site-local midnight of its due day. A draw the supply
does not cover waits for the last of it and for the day it is in otherwise (`Draw.known`: a unit's the replay's, a
lot's the latest of the orders it serves), which are bought on lead time beyond it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from zoneinfo import ZoneInfo

from factoryos.model.plant import Plant
from factoryos.model.shift_times import site_day


@dataclass(frozen=True)
class Draw:
    """What one lot, or one production order's units, take of a bought `material`: `quantity` of it at the
    `operations` (problem indices) that consume it; `need`, its place in the sequence the work is needed;
    `known`, when it is in at the latest by what else is known of it (seconds from the epoch)."""

    material: str
    quantity: float
    need: tuple[int, int]
    operations: tuple[int, ...]
    known: int = 0


def supply(plant: Plant, epoch: datetime, materials: Iterable[str]) -> dict[str, list[tuple[int, float]]]:
    """Per material, (seconds from `epoch`, quantity) in time order: the stock on hand at once, each open purchase
    order (the plant file's, and those released from plans when the plant carries them) from its due day's site
    midnight, or at once when that is past."""
    zone = ZoneInfo(plant.site.timezone)
    held = plant.stock_on_hand()
    found = {m: [(0, held[m])] if held.get(m) else [] for m in materials}
    for order in plant.purchase_orders:
        if order.material in found:
            due = round((site_day(order.due, zone)[0] - epoch).total_seconds())
            found[order.material].append((max(0, due), order.quantity))
    return {m: sorted(arrivals) for m, arrivals in found.items()}


def draw_times(supply: dict[str, list[tuple[int, float]]], draws: Sequence[Draw]) -> list[int]:
    """When each draw is in (seconds from the epoch): the draws of each material served in the sequence they are
    needed, first come first served from its supply; one the supply does not cover when the last of it and what
    else is known of it (`Draw.known`) are in."""
    times = [0] * len(draws)
    taken: dict[str, float] = {}
    for k in sorted(range(len(draws)), key=lambda k: draws[k].need):
        draw = draws[k]
        arrivals = supply.get(draw.material, [])
        taken[draw.material] = amount = taken.get(draw.material, 0.0) + draw.quantity
        covered = next((when for when, came in _running(arrivals) if came >= amount - 1e-9), None)
        times[k] = covered if covered is not None else max(draw.known, arrivals[-1][0] if arrivals else 0)
    return times


def _running(arrivals: Sequence[tuple[int, float]]) -> Iterable[tuple[int, float]]:
    """(when, what has come by then) along the supply."""
    return zip((when for when, _ in arrivals), accumulate(quantity for _, quantity in arrivals), strict=True)
