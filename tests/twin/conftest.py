"""Small floors the twin's tests share, handed out as fixtures."""

from __future__ import annotations

import pytest

from factoryos.twin import Floor, Step, Task, exponential, poisson


def serial_line(
    seed: int,
    stations: int = 1,
    parts: int = 5_000,
    service: float = 0.8,
    servers: int = 1,
    warmup: float = 0.0,
    **floor_options: object,
) -> Floor:
    """Poisson arrivals at rate 1 into `stations` exponential stations in series, unlimited buffers."""
    floor = Floor(seed, warmup=warmup, **floor_options)  # type: ignore[arg-type]
    route = tuple(Step(floor.buffer(f"b{k}"), Task(f"op{k}", exponential(service))) for k in range(stations))
    for k, step in enumerate(route):
        floor.station(f"line/s{k}", step.to, servers=servers)
    floor.source(poisson(floor.rng("arrivals"), 1.0, route, parts))
    return floor


@pytest.fixture
def line():
    return serial_line
