"""How far into a unit's route each work center's work on it lies: the lead-time offsets of a bill of resources.

The promise books each work center's minutes on days of its own (a rough cut). A route that takes a unit days
(cut, weld, paint, a cure, the line, the tests) cannot have its last work center's minutes on the day its parts
are in, nor ship on the day its first work center finishes. One unit is walked through its configured structure
on each work center's working windows of a working day, day after day: each operation as soon as its inputs are
done, a job that runs in one piece (the scheduler's for a part made per unit) in the first window it fits, other
work across windows. That gives each work center the working days of the route before it first works on the unit
(`Offset.lead`: the first day its minutes may be booked) and, from wherever its work ends on its last day, the
day the rest of the route is done (`RouteFlow.days_after`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from factoryos.c2m.supply import EPS

DAY = 1440.0
"""Minutes of a day: the walk's clock runs in minutes from midnight of the unit's first day."""

WALKED_DAYS = 1100
"""How many days of working windows a walk may run over: longer than the promise's horizon."""

Windows = Mapping[str, tuple[tuple[float, float], ...]]
"""Each work center's (or pool's) working windows on a working day, in minutes from its midnight, in order."""


@dataclass(frozen=True)
class Step:
    """An operation of a unit's route: its work center or pool, the minutes it takes the unit's pieces there, and
    whether it runs in one piece (`whole`: a part made per unit, not a lot's, a batch's or a paced line's work)."""

    center: str
    minutes: float
    whole: bool = False


@dataclass(frozen=True)
class Stage:
    """A made material of a unit's route: its operations in order, and the stages that make its made
    components, done before them."""

    steps: tuple[Step, ...]
    inputs: tuple[Stage, ...] = ()


@dataclass(frozen=True)
class Offset:
    """The working days of a unit's route before a work center first works on it (`lead`, whole days) and the
    minutes on the clock from its last work on the unit to the route's end (`after`)."""

    lead: int
    after: float


class Clock:
    """Working windows of each work center, day after day, to walk a unit's steps over. The day repeats, so
    the spans a step may use are made as the walk reaches them (a plant of many work centers keeps only their
    days), windows that touch across midnight joined (a round-the-clock work center is one span)."""

    def __init__(self, windows: Windows) -> None:
        self.windows = windows

    def run(self, step: Step, at: float) -> tuple[float, float]:
        """When `step`, ready at `at`, starts and ends: a whole job in the first window it fits in one piece
        (across windows where none holds it), other work from the first working minute on, across windows."""
        if not self.windows.get(step.center):
            return at, at + step.minutes
        if step.whole:
            for begin, end in self._spans(step.center, at):
                if begin + step.minutes <= end + EPS:
                    return begin, begin + step.minutes
        left, start, end = step.minutes, -1.0, at
        for begin, end in self._spans(step.center, at):
            start = begin if start < 0 else start
            if begin + left <= end + EPS:
                return start, begin + left
            left -= end - begin
        return (at if start < 0 else start), end + left

    def at_share(self, center: str, share: float) -> float:
        """The minute of a working day (from its midnight) by which `share` of `center`'s working minutes are
        worked, from its first window on."""
        windows = self.windows.get(center, ())
        target = share * sum(b - a for a, b in windows)
        for a, b in windows:
            if target <= b - a + EPS:
                return a + target
            target -= b - a
        return windows[-1][1] if windows else DAY

    def _spans(self, center: str, at: float) -> Iterator[tuple[float, float]]:
        """`center`'s working spans from `at` on (the first cut at `at`), over the walk's days."""
        day = self.windows[center]
        if len(day) == 1 and day[0][0] <= 0 and day[0][1] >= DAY:  # round the clock: one span
            if at < WALKED_DAYS * DAY:
                yield at, WALKED_DAYS * DAY
            return
        span: tuple[float, float] | None = None
        for k in range(max(0, int(at // DAY)), WALKED_DAYS):
            for a, b in day:
                begin, end = max(k * DAY + a, at), k * DAY + b
                if end <= begin:
                    continue
                if span is not None and begin <= span[1]:
                    span = (span[0], end)
                    continue
                if span is not None:
                    yield span
                span = (begin, end)
        if span is not None:
            yield span


@dataclass(frozen=True)
class RouteFlow:
    """Each work center's `Offset` in a unit's route, the work center of the product's last operation (`finish`,
    None when it has none), on whose working days the days after a work center are counted, the longest job in
    one piece a unit puts on each work center (`jobs`, minutes), and the steps after each one's last (`rests`),
    walked on `clock`."""

    offsets: Mapping[str, Offset]
    finish: str | None
    jobs: Mapping[str, float] = field(default_factory=dict)
    rests: Mapping[str, tuple[Step, ...]] = field(default_factory=dict)
    clock: Clock = field(default_factory=lambda: Clock({}), compare=False, repr=False)
    _after: dict[tuple[str, int], int] = field(default_factory=dict, compare=False, repr=False)

    def lead(self, center: str) -> int:
        found = self.offsets.get(center)
        return found.lead if found else 0

    def days_after(self, center: str, worked: float) -> int:
        """The working days after a work center's last day on which a unit is done, when the center's work on it
        ends `worked` (a share of its working minutes) into that day: the rest of the route walked from there,
        kept per thousandth of the day (rounded up: a later end is never done sooner)."""
        key = (center, math.ceil(worked * SHARES - EPS))
        if key not in self._after:
            at = self.clock.at_share(center, key[1] / SHARES) if self.rests.get(center) else 0.0
            for step in self.rests.get(center, ()):
                _, at = self.clock.run(step, at)
            self._after[key] = max(0, int((at - EPS) // DAY))
        return self._after[key]


SHARES = 1000
"""How finely `RouteFlow.days_after` tells where a work center's work ends in its day."""

NO_FLOW = RouteFlow({}, None)
"""A route whose work centers all work on a unit from its first day and finish it on their last (a rough cut)."""


def route_flow(route: Stage, clock: Clock) -> RouteFlow:
    """The offsets of `route`'s work centers, one unit walked from the start of a working day on their working
    windows (`clock`): each component's stage at once, each stage's first operation when its last input is done."""
    starts: dict[str, float] = {}
    finishes: dict[str, float] = {}
    jobs: dict[str, float] = {}
    rests: dict[str, tuple[Step, ...]] = {}

    def walk(stage: Stage, after: tuple[Step, ...]) -> float:
        at = max((walk(made, stage.steps + after) for made in stage.inputs), default=0.0)
        for k, step in enumerate(stage.steps):
            start, at = clock.run(step, at)
            starts[step.center] = min(starts.get(step.center, start), start)
            if at >= finishes.get(step.center, 0.0):
                finishes[step.center], rests[step.center] = at, stage.steps[k + 1 :] + after
            if step.whole:
                jobs[step.center] = max(jobs.get(step.center, 0.0), step.minutes)
        return at

    end = walk(route, ())
    offsets = {c: Offset(int((starts[c] + EPS) // DAY), end - finishes[c]) for c in starts}
    return RouteFlow(offsets, route.steps[-1].center if route.steps else None, jobs, rests, clock)
