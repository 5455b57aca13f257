"""Large-neighbourhood search over CP-SAT: free a part of the incumbent (a time window, a few machines, a
few jobs), keep the rest in order, let CP-SAT re-solve that part, keep the result if it is no worse.

Big problems get good answers in little time because each sub-problem is small; neighbourhood sizes
adapt: they grow while CP-SAT solves them to optimality quickly and shrink while it runs out of time.
"""

from __future__ import annotations

import math
import random
import time

from factoryos.scheduling.cpsat.restriction import Restriction
from factoryos.scheduling.cpsat.solver import solve_cpsat
from factoryos.scheduling.cpsat.variables import horizon_bound
from factoryos.scheduling.objectives import Objective, makespan_only
from factoryos.scheduling.pool import SharedBest
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Schedule, machine_sequences, makespan

NEIGHBOURHOODS = ("window", "jobs", "window", "machines")
"""Taken in turn; time windows, which free whole stretches of the critical path, come up most often."""
SUB_TIME_LIMIT = 0.5
"""Seconds per sub-problem: enough to solve a well-sized neighbourhood to optimality."""
SUB_WORK_LIMIT = 0.1
"""CP-SAT's deterministic time per sub-problem under a step budget: about as much work as SUB_TIME_LIMIT
seconds gets done on a quiet machine (its deterministic time runs about five times slower than the clock)."""


def improve(
    problem: Problem,
    objective: Objective,
    pool: SharedBest,
    *,
    deadline: float,
    workers: int = 1,
    seed: int = 0,
    bounds: tuple[tuple[Objective, int], ...] = (),
    baseline: Schedule | None = None,
    max_steps: int | None = None,
) -> None:
    """Improve the pool's schedule until `deadline` (a time.monotonic() value), until it is optimal, or
    after `max_steps` neighbourhoods; with `max_steps`, each sub-problem gets CP-SAT's deterministic time
    rather than seconds, so the search does the same work on a busy machine."""
    rng = random.Random(seed)
    n = len(problem.operations)
    size = {name: float(min(n, 60)) for name in NEIGHBOURHOODS}
    only_makespan = makespan_only(objective) and not bounds
    general_horizon = horizon_bound(problem)
    iteration = 0
    while time.monotonic() < deadline - 0.05 and n and not pool.optimal and iteration != max_steps:
        name = NEIGHBOURHOODS[iteration % len(NEIGHBOURHOODS)]
        iteration += 1
        schedule, value = pool.snapshot()
        free = _choose(name, problem, schedule, round(size[name]), rng)
        outcome = solve_cpsat(
            problem,
            objective,
            time_limit=math.inf if max_steps is not None else min(SUB_TIME_LIMIT, deadline - time.monotonic()),
            work_limit=SUB_WORK_LIMIT if max_steps is not None else None,
            workers=workers,
            hint=schedule,
            restriction=_restriction(problem, schedule, free),
            bounds=bounds if only_makespan else (*bounds, (objective, value)),
            baseline=baseline,
            horizon=makespan(schedule) if only_makespan else general_horizon,
            seed=rng.randrange(1 << 30),
        )
        if outcome.optimal:
            size[name] = min(n, size[name] * 1.1 + 1)
        else:
            size[name] = max(8.0, size[name] * 0.93)
        if outcome.schedule is not None:
            pool.offer(outcome.schedule, f"lns:{name}", accept_equal=True)


def _choose(name: str, problem: Problem, schedule: Schedule, size: int, rng: random.Random) -> set[int]:
    """The operations a neighbourhood frees, about `size` of them."""
    n = len(problem.operations)
    if name == "window":
        by_start = sorted(range(n), key=lambda op: schedule[op].start)
        first = rng.randrange(max(1, n - size + 1))
        return set(by_start[first : first + size])
    if name == "machines":
        sequences = [s for s in machine_sequences(problem, schedule) if s]
        rng.shuffle(sequences)
        chosen = sequences[: max(2, min(len(sequences), len(sequences) // 4))]
        per_machine = max(1, size // len(chosen))
        anchor = rng.randrange(makespan(schedule) + 1)
        free = set()
        for sequence in chosen:
            around = min(range(len(sequence)), key=lambda k: abs(schedule[sequence[k]].start - anchor))
            first = max(0, min(around - per_machine // 2, len(sequence) - per_machine))
            free.update(sequence[first : first + per_machine])
        return free
    jobs = list(range(len(problem.jobs)))
    rng.shuffle(jobs)
    free = set()
    for job in jobs:
        if len(free) >= size:
            break
        free.update(problem.jobs[job].operations)
    return free


def _restriction(problem: Problem, schedule: Schedule, free: set[int]) -> Restriction:
    """Keep every other operation on its machine in its order; those that end before the freed part
    starts stay exactly where they are."""
    window_start = min((schedule[op].start for op in free), default=0)
    fixed = {op: a for op, a in enumerate(schedule) if op not in free and a.end <= window_start}
    sequences = tuple(
        tuple(op for op in sequence if op not in free) for sequence in machine_sequences(problem, schedule)
    )
    return Restriction(fixed, sequences)
