"""Transport between areas: a conveyor (every part travels the same time, no limit on how many) and a fleet
of AGVs (a vehicle carries one part, then drives back empty)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, cast

from simpy import Environment, Event

from factoryos.twin.buffer import Buffer
from factoryos.twin.distributions import Duration
from factoryos.twin.part import Inbox, Part
from factoryos.twin.sink import Sink


def _forward(part: Part, sink: Sink) -> Event | None:
    part.step += 1
    if part.step < len(part.route):
        step = part.route[part.step]
        if not step.internal:
            return step.to.put(part)
        cast(Inbox, step.to).force(part)
    else:
        sink.put(part)
    return None


@dataclass(slots=True, eq=False)
class Conveyor:
    """A route step: `put` starts the trip; the part is handed to its next step on arrival. Without a
    `travel` time of its own the trip takes the step's operation time (a repair bay works like that: no
    queue, so many units at once, each for its own time)."""

    env: Environment
    name: str
    travel: Duration | None
    sink: Sink
    rng: random.Random
    moved: int = field(default=0, init=False)
    on_board: int = field(default=0, init=False)

    def put(self, part: Part) -> None:
        self.on_board += 1
        travel = self.travel if self.travel is not None else part.route[part.step].op.run
        trip = self.env.timeout(travel.sample(self.rng), part)
        trip.callbacks.append(self._arrive)

    def _arrive(self, trip: Event) -> None:
        self.on_board -= 1
        self.moved += 1
        _forward(cast(Part, trip.value), self.sink)  # the trip's value is the part it carries


@dataclass(eq=False)
class AgvFleet:
    """Vehicles take parts from the pick-up buffer (`inbox`, a route step), drive loaded, deliver, return."""

    env: Environment
    name: str
    vehicles: int
    loaded: Duration
    empty: Duration
    sink: Sink
    rng: random.Random
    inbox: Buffer = field(init=False)
    busy_seconds: float = field(default=0.0, init=False)
    moved: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.inbox = Buffer(self.env, f"{self.name}/pick-up")
        for _ in range(self.vehicles):
            self.env.process(self._drive())

    def put(self, part: Part) -> Event | None:
        return self.inbox.put(part)

    def _drive(self) -> Any:
        env = self.env
        while True:
            part = self.inbox.take()
            if part is None:
                part = yield self.inbox.wait()
            start = env.now
            yield env.timeout(self.loaded.sample(self.rng))
            blocked = _forward(part, self.sink)
            if blocked is not None:
                yield blocked
            yield env.timeout(self.empty.sample(self.rng))
            self.moved += 1
            self.busy_seconds += env.now - start
