"""Finite-capacity scheduling: a pure-data problem, solvers, rescheduling and benchmark readers.

Build a problem with `Model` (or construct `Problem` directly; it validates itself), then:

    result = solve(problem, Objective(weighted_tardiness=10, setup_time=1), time_limit=30)
    violations = check(problem, result.schedule)        # [] when feasible

Times are integers from the plan's epoch; machines, jobs and operations are referred to by index.

- Problem data: `Problem`, `Machine` (unavailable periods, changeover matrix), `Job` (release, due,
  weight), `Operation` (eligible `Mode`s with their own duration, setup group, interruptible, `Frozen`,
  not_before), precedences as (before, after) pairs; `Model` builds one by name.
- Objectives: `Objective` (weighted sum of makespan, weighted tardiness, setup time, deviation from a
  baseline), `Lexicographic` (stages in order); `evaluate` computes a schedule's value.
- Batches: an operation of a batch kind (`Operation.batch`, sized by `Problem.batch_sizes`) may share its
  machine and its [start, end) with others of its kind: an oven's rack. Every solver schedules them one
  batch at a time (`factoryos.scheduling.batching`); the checker counts what each batch holds.
- Buffers: `Buffer` is the room in front of a work center; the rolling sequence and the full solver keep within
  it (the dispatching rules do not), and `overfilled` measures any schedule against it (an `Overfill` per buffer
  it plans more into than it holds; `objectives.ranked` puts a schedule that overfills after one that does not).
- Solvers: `solve` (the full solver: dispatching, CP-SAT, tabu search and large-neighbourhood search,
  within a time limit or a `Budget` of work),
  `dispatch` (one rule of `RULES`), `solve_cpsat` (one CP-SAT model). A `Schedule` is a tuple of
  `Assignment`s (machine, start, end), one per operation; `solve` returns a `Result`.
- `makespan_lower_bound` (chains and machine loads): a schedule that reaches it is optimal.
- `check` reports every `Violation` of a schedule; `reschedule` reacts to `MachineDown`, `RushOrder` and
  `RunningLate` and explains each `Move`.
- `read_instance` reads JSSP (.txt) and FJSP (.fjs) benchmark files.
"""

from typing import TYPE_CHECKING, Any

from factoryos.scheduling.bounds import makespan_lower_bound
from factoryos.scheduling.checker import Overfill, Violation, check, overfilled
from factoryos.scheduling.dispatch import RULES, dispatch, dispatch_in_order
from factoryos.scheduling.model import Model
from factoryos.scheduling.objectives import MAKESPAN, SETUP_TIME, TARDINESS, Lexicographic, Objective, evaluate
from factoryos.scheduling.problem import Buffer, Frozen, Job, Machine, Mode, Operation, Problem
from factoryos.scheduling.readers import read_fjsp, read_instance, read_jssp
from factoryos.scheduling.reschedule import MachineDown, Move, Rescheduled, RunningLate, RushOrder, reschedule
from factoryos.scheduling.schedule import Assignment, Result, Schedule, makespan
from factoryos.scheduling.solve import Budget, best_dispatch, solve

if TYPE_CHECKING:
    from factoryos.scheduling.cpsat.solver import solve_cpsat


def __getattr__(name: str) -> Any:
    """`solve_cpsat` is imported when first asked for: importing the package does not load CP-SAT."""
    if name != "solve_cpsat":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from factoryos.scheduling.cpsat.solver import solve_cpsat

    return solve_cpsat


__all__ = [
    "MAKESPAN",
    "RULES",
    "SETUP_TIME",
    "TARDINESS",
    "Assignment",
    "Budget",
    "Buffer",
    "Frozen",
    "Job",
    "Lexicographic",
    "Machine",
    "MachineDown",
    "Mode",
    "Model",
    "Move",
    "Objective",
    "Operation",
    "Overfill",
    "Problem",
    "Rescheduled",
    "Result",
    "RunningLate",
    "RushOrder",
    "Schedule",
    "Violation",
    "best_dispatch",
    "check",
    "dispatch",
    "dispatch_in_order",
    "evaluate",
    "makespan",
    "makespan_lower_bound",
    "overfilled",
    "read_fjsp",
    "read_instance",
    "read_jssp",
    "reschedule",
    "solve",
    "solve_cpsat",
]
