"""How long a routing operation holds a work unit for a quantity: what the scheduler plans it to take and what
material planning counts a made part's lead time from, so that the two agree."""

from __future__ import annotations

import math
from collections.abc import Iterable

from factoryos.model.plant import Plant, RoutingOperation


def pieces(quantity: float) -> int:
    """The whole pieces a quantity takes: a fraction of one is a piece."""
    return max(1, math.ceil(quantity - 1e-9))


def batch_units(op: RoutingOperation, quantity: float) -> int:
    """How many units' `op` share one batch when each puts `quantity` in it: the batch size over the whole pieces a
    unit takes; 1 when `op` is no batch operation or a unit fills more than half a batch (it then runs alone, as
    many cycles as its pieces need)."""
    whole = pieces(quantity)
    if not op.batch_size or op.batch_size < 2 * whole:
        return 1
    return op.batch_size // whole


def run_seconds(plant: Plant, unit: str, op: RoutingOperation, quantity: float) -> int:
    """Seconds `op` runs `quantity` on `unit`: run time per unit times quantity, faster on a faster unit; on a
    paced line every station holds a unit for at least one takt. A batch operation's run time is per batch: one
    cycle for what fits one batch, as many cycles as a bigger lot needs. Its setup is not in it: that is paid
    once per run of the operation on the unit."""
    _, wc_id, work_unit = plant.work_units()[unit]
    _, work_center = plant.work_centers()[wc_id]
    runs = quantity if not op.batch_size else math.ceil(pieces(quantity) / op.batch_size)
    seconds = op.run_minutes * 60 * runs / work_unit.speed_factor
    if work_center.kind == "paced-line" and work_center.takt_seconds:
        seconds = max(seconds, work_center.takt_seconds * quantity)
    return max(1, round(seconds))


def fastest_run(plant: Plant, units: Iterable[str], op: RoutingOperation, quantity: float) -> int:
    """Seconds `op` runs `quantity` on the fastest of `units` (`run_seconds`): how long a paced line holds a unit
    at the station that does it, in the twin and the promise alike."""
    return min(run_seconds(plant, unit, op, quantity) for unit in units)
