"""Public scheduling instances solved by the full solver, each schedule checked by the independent checker."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from factoryos.scheduling.checker import check
from factoryos.scheduling.readers import machine_number_offset, read_instance
from factoryos.scheduling.schedule import makespan
from factoryos.scheduling.solve import solve


def solve_instances(
    files: Sequence[Path], time_limit: float, workers: int
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """For each instance file: its figures (makespan, seconds, feasible, method, optimal) and its solution
    (every operation's machine, numbered as in the file, start and end). The tabu search is compiled (or
    loaded from Numba's cache) first, so that no instance's seconds include it."""
    from factoryos.scheduling import tabu

    tabu.prepare()
    for path in files:
        problem = read_instance(path)
        started = time.monotonic()
        result = solve(problem, time_limit=time_limit, workers=workers)
        seconds = round(time.monotonic() - started, 2)
        line = {
            "instance": path.stem,
            "makespan": makespan(result.schedule),
            "seconds": seconds,
            "feasible": not check(problem, result.schedule),
            "method": result.method,
            "optimal": result.optimal,
        }
        offset = machine_number_offset(path)
        operations = [
            {"job": j, "index": k, "machine": result.schedule[op].machine + offset}
            | {"start": result.schedule[op].start, "end": result.schedule[op].end}
            for j, job in enumerate(problem.jobs)
            for k, op in enumerate(job.operations)
        ]
        yield line, {"instance": path.stem, "makespan": line["makespan"], "operations": operations}
