"""CP-SAT objective terms: makespan, weighted tardiness, setup time and deviation from a baseline."""

from __future__ import annotations

from ortools.sat.python import cp_model

from factoryos.scheduling.cpsat.constraints import Arcs
from factoryos.scheduling.cpsat.variables import Variables
from factoryos.scheduling.objectives import Objective
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Schedule


def objective_expression(
    model: cp_model.CpModel,
    problem: Problem,
    variables: Variables,
    arcs: Arcs,
    objective: Objective,
    baseline: Schedule | None = None,
) -> cp_model.LinearExpr:
    terms = []
    if objective.makespan:
        terms.append(objective.makespan * makespan_var(model, problem, variables))
    if objective.weighted_tardiness:
        terms.append(objective.weighted_tardiness * tardiness_expression(model, problem, variables))
    if objective.setup_time:
        terms.append(objective.setup_time * setup_expression(problem, arcs))
    if baseline is not None and (objective.deviation or objective.machine_change):
        shift, moved = deviation_expressions(model, variables, baseline)
        terms.append(objective.deviation * shift + objective.machine_change * moved)
    return cp_model.LinearExpr.sum(terms)


def makespan_var(model: cp_model.CpModel, problem: Problem, variables: Variables) -> cp_model.IntVar:
    makespan = model.new_int_var(0, variables.horizon, "makespan")
    ends: list[cp_model.LinearExprT] = [variables.end[op] for ends in problem.job_ends for op in ends]
    model.add_max_equality(makespan, ends or [0])
    return makespan


def tardiness_expression(model: cp_model.CpModel, problem: Problem, variables: Variables) -> cp_model.LinearExpr:
    terms = []
    for j, job in enumerate(problem.jobs):
        if job.due is None or not job.weight:
            continue
        tardiness = model.new_int_var(0, max(0, variables.horizon - job.due), f"tardiness{j}")
        for op in problem.job_ends[j]:
            model.add(tardiness >= variables.end[op] - job.due)
        terms.append(job.weight * tardiness)
    return cp_model.LinearExpr.sum(terms)


def setup_expression(problem: Problem, arcs: Arcs) -> cp_model.LinearExpr:
    literals, times = [], []
    for machine, machine_arcs in arcs.items():
        for before, after, literal in machine_arcs:
            time = 0 if after is None else problem.setup_time(machine, before, after)
            if time:
                literals.append(literal)
                times.append(time)
    return cp_model.LinearExpr.weighted_sum(literals, times)


def deviation_expressions(
    model: cp_model.CpModel, variables: Variables, baseline: Schedule
) -> tuple[cp_model.LinearExpr, cp_model.LinearExpr]:
    """Total |start shift| and the number of operations moved off their baseline machine."""
    shifts, moved = [], []
    for op, old in enumerate(baseline[: len(variables.start)]):
        shift = model.new_int_var(0, variables.horizon + abs(old.start), f"shift{op}")
        model.add_abs_equality(shift, variables.start[op] - old.start)
        shifts.append(shift)
        same = [mode.present for mode in variables.modes[op] if mode.machine == old.machine]
        moved.append(1 - same[0] if same else 1)
    return cp_model.LinearExpr.sum(shifts), cp_model.LinearExpr.sum(moved)
