"""Where parts enter the floor: a release process over (time, part) pairs, Poisson arrivals or a plan."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import Any

from simpy import Environment

from factoryos.twin.part import Part, Step
from factoryos.twin.sink import Sink


class Source:
    """Releases each part at its time into the first step of its route (blocking if that buffer is full)."""

    def __init__(self, env: Environment, sink: Sink, releases: Iterable[tuple[float, Part]]) -> None:
        self.env = env
        self.sink = sink
        self.released = 0
        self.process = env.process(self._run(iter(releases)))

    def _run(self, releases: Iterator[tuple[float, Part]]) -> Any:
        env = self.env
        sink = self.sink
        for at, part in releases:
            if at > env.now:
                yield env.timeout(at - env.now)
            part.released = env.now
            sink.released(part)
            self.released += 1
            blocked = part.route[0].to.put(part)
            if blocked is not None:
                yield blocked


def poisson(
    rng: random.Random, mean_interarrival: float, route: tuple[Step, ...], count: int, product: str = "part"
) -> Iterator[tuple[float, Part]]:
    """`count` parts on `route` with exponential interarrival times."""
    t = 0.0
    rate = 1.0 / mean_interarrival
    for k in range(count):
        t += rng.expovariate(rate)
        yield t, Part(f"{product}-{k}", route, t, product=product)
