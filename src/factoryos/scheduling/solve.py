"""The full solver: whatever does best within the time limit.

Dispatching rules give a first schedule in milliseconds. Then two workers share the best schedule:
when the problem is a plain job shop and the objective is makespan, tabu search (compiled, without
the GIL) runs while CP-SAT in its own thread first works on the whole problem, which proves small
problems optimal, and then does large-neighbourhood search; each continues from the other's progress.
Otherwise CP-SAT and large-neighbourhood search (which handles flexible machines, calendars,
changeovers and due dates) get every worker. A lexicographic objective is solved stage by stage, each
stage bounded by the values reached before. Batch operations are solved one batch at a time
(`factoryos.scheduling.batching`).

A `Budget` replaces the clock with counts of work (CP-SAT's deterministic time, neighbourhoods, tabu
moves): what it finds then does not depend on how busy the machine is, which is what tests need.

CP-SAT and the compiled tabu search are imported by the functions that run them: the plant's rolling
sequence and the dispatching rules never load them.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from factoryos.model.errors import FactoryosError
from factoryos.scheduling.batching import Batched, batched
from factoryos.scheduling.bounds import makespan_lower_bound
from factoryos.scheduling.checker import check, overfill_seconds
from factoryos.scheduling.dispatch import RULES, dispatch
from factoryos.scheduling.objectives import MAKESPAN, Lexicographic, Objective, evaluate, makespan_only, ranked
from factoryos.scheduling.pool import SharedBest
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.scheduling.schedule import Result, Schedule, makespan

SMALL = 250
"""Up to this many operations CP-SAT on the whole problem often proves optimality, so it gets more time."""


MAX_WHOLE_MODEL_ARCS = 250_000
"""Changeovers make a whole-problem model quadratic in the operations per machine; beyond this many
sequence arcs only neighbourhoods are solved."""


@dataclass(frozen=True)
class Budget:
    """How much work each stage of the solver may do, instead of a time limit: `cpsat` in CP-SAT's
    deterministic time (roughly seconds of one quiet core) for the whole-problem model, `neighbourhoods`
    sub-problems of large-neighbourhood search, `tabu_moves` moves of tabu search."""

    cpsat: float = 5.0
    neighbourhoods: int = 100
    tabu_moves: int = 100_000


def changeover_arcs(problem: Problem) -> int:
    eligible = [0] * len(problem.machines)
    for operation in problem.operations:
        for mode in operation.modes:
            eligible[mode.machine] += 1
    return sum(count * count for machine, count in zip(problem.machines, eligible, strict=True) if machine.changeover)


def full_model_share(problem: Problem) -> float:
    """Part of the budget for CP-SAT on the whole problem before large-neighbourhood search starts."""
    return 0.3 if len(problem.operations) <= SMALL else 0.05


def solve(
    problem: Problem,
    objective: Objective | Lexicographic = MAKESPAN,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    baseline: Schedule | None = None,
    initial: Schedule | None = None,
    budget: Budget | None = None,
) -> Result:
    """The best schedule found within `time_limit` seconds, or within `budget` (then the clock is not
    looked at). `baseline` is the schedule deviation is measured from (rescheduling); `initial` is a
    feasible schedule to start from instead of dispatching."""
    batches = batched(problem)
    if batches is not None:
        return _solve_batches(problem, batches, objective, time_limit, workers, seed, baseline, initial, budget)
    stages = objective.stages if isinstance(objective, Lexicographic) else (objective,)
    if _tabu_runs(problem, stages[0], workers):
        from factoryos.scheduling import tabu

        tabu.prepare()
    started = time.monotonic()
    incumbent = initial if initial is not None and not check(problem, initial) else None
    bounds: tuple[tuple[Objective, int], ...] = ()
    optimal = True
    for k, stage in enumerate(stages):
        deadline = math.inf if budget is not None else started + time_limit * (k + 1) / len(stages)
        found = _solve_stage(problem, stage, incumbent, deadline, workers, seed, bounds, baseline, budget)
        incumbent, optimal = found.schedule, optimal and found.optimal
        bounds = (*bounds, (stage, found.value))
    return Result(
        found.schedule,
        evaluate(problem, found.schedule, objective, baseline),
        optimal,
        round(time.monotonic() - started, 3),
        found.method,
        found.lower_bound if len(stages) == 1 else None,
    )


def _solve_batches(
    problem: Problem,
    batches: Batched,
    objective: Objective | Lexicographic,
    time_limit: float,
    workers: int,
    seed: int,
    baseline: Schedule | None,
    initial: Schedule | None,
    budget: Budget | None,
) -> Result:
    """Solve the problem of batches and give every operation its batch's slot. The batches are formed
    before solving, so neither optimality nor a lower bound carries over."""
    reduced = solve(
        batches.problem,
        objective,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        baseline=None if baseline is None else batches.reduce(baseline),
        initial=None if initial is None else batches.reduce(initial),
        budget=budget,
    )
    schedule = batches.expand(reduced.schedule)
    value = evaluate(problem, schedule, objective, baseline)
    return Result(schedule, value, False, reduced.seconds, reduced.method)


def best_dispatch(
    problem: Problem, objective: Objective | Lexicographic, baseline: Schedule | None = None
) -> tuple[Schedule, str] | None:
    """The best feasible schedule over all dispatching rules, with the rule's name (one that overfills a buffer
    ranks after every one that does not: `objectives.ranked`)."""
    candidates = []
    for rule in RULES:
        schedule = dispatch(problem, rule)
        if not check(problem, schedule):
            candidates.append((ranked(problem, schedule, objective, baseline), rule, schedule))
    if not candidates:
        return None
    value, rule, schedule = min(candidates, key=lambda c: c[0])
    return schedule, f"dispatch:{rule}"


def _keeping_buffers(
    problem: Problem, objective: Objective, baseline: Schedule | None, incumbent: Schedule | None, method: str
) -> tuple[Schedule | None, str]:
    """The rolling sequence instead of an incumbent that overfills a buffer, where it ranks better: the rules do
    not keep the buffers and its kanban does, and CP-SAT, which keeps them, improves on a schedule that keeps
    them (a neighbourhood of one that overfills cannot be mended within its bound)."""
    if incumbent is None or not problem.buffers or not overfill_seconds(problem, incumbent):
        return incumbent, method
    kept = rolling_sequence(problem)
    if check(problem, kept) or ranked(problem, kept, objective, baseline) >= ranked(
        problem, incumbent, objective, baseline
    ):
        return incumbent, method
    return kept, "rolling sequence"


def _solve_stage(
    problem: Problem,
    objective: Objective,
    incumbent: Schedule | None,
    deadline: float,
    workers: int,
    seed: int,
    bounds: tuple[tuple[Objective, int], ...],
    baseline: Schedule | None,
    budget: Budget | None,
) -> SharedBest:
    from factoryos.scheduling import tabu
    from factoryos.scheduling.cpsat.solver import solve_cpsat
    from factoryos.scheduling.cpsat.variables import horizon_bound

    method = "initial"
    if incumbent is None:
        found = best_dispatch(problem, objective, baseline)
        if found is not None:
            incumbent, method = found
    incumbent, method = _keeping_buffers(problem, objective, baseline, incumbent, method)
    only_makespan = makespan_only(objective) and not bounds
    if incumbent is None:
        outcome = solve_cpsat(
            problem,
            objective,
            time_limit=deadline - time.monotonic(),
            workers=workers,
            bounds=bounds,
            baseline=baseline,
            horizon=horizon_bound(problem),
            seed=seed,
            work_limit=None if budget is None else budget.cpsat,
        )
        if outcome.schedule is None:
            raise FactoryosError(
                "no feasible schedule: frozen operations or precedences conflict"
                if outcome.infeasible
                else "no feasible schedule found within the time limit"
            )
        incumbent, method = outcome.schedule, "cp-sat"
        if outcome.optimal:
            pool = SharedBest(problem, objective, incumbent, method, baseline)
            pool.optimal, pool.lower_bound = True, outcome.lower_bound
            return pool
    pool = SharedBest(problem, objective, incumbent, method, baseline)
    if only_makespan:
        pool.bound(objective.makespan * makespan_lower_bound(problem))
    settings = (problem, objective, pool, deadline, seed, bounds, baseline, budget)
    if not bounds and _tabu_runs(problem, objective, workers):
        helper = threading.Thread(target=_exact_then_lns, args=(*settings, workers - 1))
        helper.start()
        tabu.tabu_search(problem, pool, deadline, seed, None if budget is None else budget.tabu_moves)
        helper.join()
    else:
        _exact_then_lns(*settings, workers)
    return pool


def _tabu_runs(problem: Problem, objective: Objective, workers: int) -> bool:
    """Tabu search takes a worker of its own on a plain job shop's makespan (the first stage only)."""
    from factoryos.scheduling import tabu

    return makespan_only(objective) and workers >= 2 and tabu.applies(problem)


def _exact_then_lns(
    problem: Problem,
    objective: Objective,
    pool: SharedBest,
    deadline: float,
    seed: int,
    bounds: tuple[tuple[Objective, int], ...],
    baseline: Schedule | None,
    budget: Budget | None,
    workers: int,
) -> None:
    """CP-SAT on the whole problem for a share of the time (small problems end here, proven optimal),
    then large-neighbourhood search for the rest."""
    from factoryos.scheduling.cpsat.solver import solve_cpsat
    from factoryos.scheduling.cpsat.variables import horizon_bound
    from factoryos.scheduling.lns import improve

    steps = None if budget is None else budget.neighbourhoods

    def improve_with_lns() -> None:
        improve(
            problem,
            objective,
            pool,
            deadline=deadline,
            workers=workers,
            seed=seed,
            bounds=bounds,
            baseline=baseline,
            max_steps=steps,
        )

    if changeover_arcs(problem) > MAX_WHOLE_MODEL_ARCS:
        improve_with_lns()
        return
    only_makespan = makespan_only(objective) and not bounds
    schedule, _ = pool.snapshot()
    outcome = solve_cpsat(
        problem,
        objective,
        time_limit=math.inf if budget is not None else (deadline - time.monotonic()) * full_model_share(problem),
        workers=workers,
        hint=schedule,
        bounds=bounds,
        baseline=baseline,
        horizon=makespan(schedule) if only_makespan else horizon_bound(problem),
        seed=seed,
        work_limit=None if budget is None else budget.cpsat,
    )
    pool.bound(outcome.lower_bound)
    if outcome.schedule is not None:
        pool.offer(outcome.schedule, "cp-sat")
        if outcome.optimal:
            pool.optimal = True
            return
    improve_with_lns()
