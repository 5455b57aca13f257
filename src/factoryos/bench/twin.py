"""The engine benchmark: a serial line of M/M/1 stations through the twin's own classes, and the same line
as a bare SimPy model, measured in the same process so the ratio is fair.

Theory: with Poisson arrivals at rate 1 and exponential service of mean 0.8, each station is an M/M/1
queue with mean sojourn 0.8 / (1 - 0.8) = 4, so ten stations give a mean flow time of 40.
"""

from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from typing import Any

import simpy

from factoryos.model.errors import FactoryosError
from factoryos.twin.distributions import exponential
from factoryos.twin.floor import Floor
from factoryos.twin.part import Step, Task
from factoryos.twin.source import poisson


@dataclass(frozen=True)
class BenchResult:
    """One twin benchmark run: operations simulated, wall-clock seconds, their rate, and the mean flow time (a check
    that the model ran as configured)."""

    operations: int
    seconds: float
    ops_per_s: float
    mean_flow_time: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check(stations: int, parts: int) -> None:
    if stations < 1 or parts < 1:
        raise FactoryosError(f"bench twin: needs stations >= 1 and parts >= 1, got {stations} and {parts}")


def twin_line(
    stations: int = 10, parts: int = 100_000, interarrival: float = 1.0, service: float = 0.8, seed: int = 0
) -> BenchResult:
    _check(stations, parts)
    floor = Floor(seed)
    buffers = [floor.buffer(f"buffer-{k}") for k in range(stations)]
    route = tuple(Step(buffer, Task(f"op-{k}", exponential(service))) for k, buffer in enumerate(buffers))
    for k, buffer in enumerate(buffers):
        floor.station(f"station-{k}", buffer)
    floor.source(poisson(floor.rng("arrivals"), interarrival, route, parts))
    start = time.perf_counter()
    metrics = floor.run()
    seconds = time.perf_counter() - start
    operations = sum(e.completed for e in metrics.equipment)
    return BenchResult(operations, seconds, operations / seconds, metrics.avg_lead_time)


def bare_simpy_line(
    stations: int = 10, parts: int = 100_000, interarrival: float = 1.0, service: float = 0.8, seed: int = 0
) -> BenchResult:
    """The textbook SimPy model: one Store per buffer, one process per station."""
    _check(stations, parts)
    env = simpy.Environment()
    rng = random.Random(seed)
    stores = [simpy.Store(env) for _ in range(stations + 1)]
    rate = 1.0 / service
    done = {"operations": 0, "flow": 0.0, "count": 0}

    def arrivals() -> Any:
        for _ in range(parts):
            yield env.timeout(rng.expovariate(1.0 / interarrival))
            yield stores[0].put(env.now)

    def station(k: int) -> Any:
        inbox, outbox = stores[k], stores[k + 1]
        while True:
            released = yield inbox.get()
            yield env.timeout(rng.expovariate(rate))
            done["operations"] += 1
            yield outbox.put(released)

    def sink() -> Any:
        while True:
            released = yield stores[stations].get()
            done["flow"] += env.now - released
            done["count"] += 1

    env.process(arrivals())
    for k in range(stations):
        env.process(station(k))
    env.process(sink())
    start = time.perf_counter()
    env.run()
    seconds = time.perf_counter() - start
    operations = int(done["operations"])
    return BenchResult(operations, seconds, operations / seconds, done["flow"] / max(1, done["count"]))
