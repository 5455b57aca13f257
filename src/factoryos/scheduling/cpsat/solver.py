"""The thin CP-SAT solver: build variables, constraints and objective, solve, read back a schedule."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.sat.python import cp_model

from factoryos.scheduling.cpsat.constraints import add_constraints
from factoryos.scheduling.cpsat.objective import objective_expression
from factoryos.scheduling.cpsat.restriction import Restriction
from factoryos.scheduling.cpsat.variables import create_variables, horizon_bound
from factoryos.scheduling.objectives import Objective
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Assignment, Schedule


@dataclass(frozen=True)
class CpSatOutcome:
    """`schedule` is None when no solution was found in time (or none exists: then `infeasible`)."""

    schedule: Schedule | None
    value: int | None
    optimal: bool
    infeasible: bool
    lower_bound: int | None


def solve_cpsat(
    problem: Problem,
    objective: Objective,
    *,
    time_limit: float,
    workers: int = 2,
    hint: Schedule | None = None,
    restriction: Restriction | None = None,
    bounds: tuple[tuple[Objective, int], ...] = (),
    baseline: Schedule | None = None,
    horizon: int | None = None,
    seed: int = 0,
    work_limit: float | None = None,
) -> CpSatOutcome:
    """Minimise `objective` subject to the problem, the restriction (large-neighbourhood search) and
    `bounds`: earlier stages of a lexicographic objective that may not get worse than their value.
    `work_limit` bounds CP-SAT's deterministic time (its own measure of work, not the clock), so the
    search does as much on a busy machine as on a quiet one; `time_limit` may then be math.inf."""
    model = cp_model.CpModel()
    variables = create_variables(model, problem, horizon or horizon_bound(problem), restriction)
    arcs = add_constraints(model, problem, variables, restriction)
    for stage, limit in bounds:
        model.add(objective_expression(model, problem, variables, arcs, stage, baseline) <= limit)
    value = objective_expression(model, problem, variables, arcs, objective, baseline)
    model.minimize(value)
    if hint is not None:
        for op, assignment in enumerate(hint):
            if op in variables.pinned:
                continue
            model.add_hint(variables.start[op], assignment.start)
            for mode in variables.modes[op]:
                if not isinstance(mode.present, int):
                    model.add_hint(mode.present, mode.machine == assignment.machine)
    solver = cp_model.CpSolver()
    if time_limit != math.inf:
        solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    if work_limit is not None:
        solver.parameters.max_deterministic_time = max(0.01, work_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CpSatOutcome(None, None, False, status == cp_model.INFEASIBLE, None)
    schedule = tuple(
        Assignment(
            next(mode.machine for mode in modes if solver.value(mode.present)),
            solver.value(variables.start[op]),
            solver.value(variables.end[op]),
        )
        for op, modes in enumerate(variables.modes)
    )
    return CpSatOutcome(
        schedule,
        solver.value(value),
        status == cp_model.OPTIMAL,
        False,
        round(solver.best_objective_bound),
    )
