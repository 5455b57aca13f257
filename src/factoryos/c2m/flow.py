"""How far into a unit's route each work center's work on it lies: the lead-time offsets of a bill of resources.

The promise books each work center's minutes on days of its own (a rough cut). A route that takes a unit days
(cut, weld, paint, a cure, the line, the tests) cannot have its last work center's minutes on the day its parts
are in, nor ship on the day its first work center finishes. One unit's flow through its configured structure,
each operation as soon as its inputs are done and counted in its work center's working days, gives each work
center the whole working days of the route before it first works on the unit (`Offset.lead`) and after it last
does (`Offset.tail`): the first day its minutes may be booked, and how long after its last day the unit is done.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from factoryos.c2m.supply import EPS


@dataclass(frozen=True)
class Offset:
    """The whole working days of a unit's route before a work center first works on it (`lead`), and the
    working days, a part of one counted, of the route after it last does (`tail`)."""

    lead: int
    tail: float


@dataclass(frozen=True)
class Step:
    """An operation of a unit's route: its work center or pool, the working `days` it takes the unit's pieces
    there, and the minutes of the job it runs there in one piece (`whole`: 0 for work that may pause at a break
    or a shift's end, as a lot's, a batch's or a paced line's, which are counted otherwise)."""

    center: str
    days: float
    whole: float = 0.0


@dataclass(frozen=True)
class Stage:
    """A made material of a unit's route: its operations in order, and the stages that make its made
    components, done before them."""

    steps: tuple[Step, ...]
    inputs: tuple[Stage, ...] = ()


@dataclass(frozen=True)
class RouteFlow:
    """Each work center's `Offset` in a unit's route, the work center of the product's last operation
    (`finish`, None when it has none), on whose working days the tail after a work center is counted, and the
    longest job in one piece a unit puts on each work center (`jobs`, minutes)."""

    offsets: Mapping[str, Offset]
    finish: str | None
    jobs: Mapping[str, float] = field(default_factory=dict)

    def lead(self, center: str) -> int:
        found = self.offsets.get(center)
        return found.lead if found else 0

    def tail(self, center: str) -> float:
        found = self.offsets.get(center)
        return found.tail if found else 0.0

    def days_after(self, center: str, worked: float) -> int:
        """The whole working days after a work center's last day on which a unit is done, when the center's work
        on it ends `worked` (a share) into that day: none while the rest of the route fits what is left of it."""
        return max(0, math.ceil(worked + self.tail(center) - EPS) - 1)


NO_FLOW = RouteFlow({}, None)
"""A route whose work centers all work on a unit from its first day and finish it on their last (a rough cut)."""


def route_flow(route: Stage) -> RouteFlow:
    """The offsets of `route`'s work centers: each component's stage starts at once and each stage's first
    operation when its last input is done; a work center's lead is the earliest start of its operations in the
    route in whole working days (a part of a day is worked the same day), and its tail the route's end less the
    latest finish of them."""
    starts: dict[str, float] = {}
    finishes: dict[str, float] = {}
    jobs: dict[str, float] = {}

    def walk(stage: Stage) -> float:
        at = max((walk(made) for made in stage.inputs), default=0.0)
        for step in stage.steps:
            starts[step.center] = min(starts.get(step.center, math.inf), at)
            at += step.days
            finishes[step.center] = max(finishes.get(step.center, 0.0), at)
            if step.whole > jobs.get(step.center, 0.0):
                jobs[step.center] = step.whole
        return at

    end = walk(route)
    offsets = {c: Offset(math.floor(starts[c] + EPS), max(0.0, end - finishes[c])) for c in starts}
    return RouteFlow(offsets, route.steps[-1].center if route.steps else None, jobs)
