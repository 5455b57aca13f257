"""CP-SAT decision variables: a start and end per operation, and an (optional) interval per eligible machine."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from factoryos.scheduling.bounds import heads_and_tails
from factoryos.scheduling.calendar import finish
from factoryos.scheduling.cpsat.restriction import Restriction
from factoryos.scheduling.problem import Problem


@dataclass
class ModeVar:
    """One machine an operation may run on: its duration there, its interval and whether it is chosen."""

    machine: int
    duration: int
    interval: cp_model.IntervalVar
    present: cp_model.IntVar | int
    """1 when the operation has only this machine (a constant), else a literal."""


@dataclass
class Variables:
    """The CP-SAT variables of a problem: start and end per operation, its modes, and the horizon."""

    start: list[cp_model.IntVar]
    end: list[cp_model.IntVar]
    modes: list[list[ModeVar]]
    horizon: int
    pinned: set[int]
    """Operations whose start is a constant (frozen or fixed by a restriction)."""


def horizon_bound(problem: Problem) -> int:
    """A time by which some feasible schedule surely ends: every operation one after another, with its
    longest duration and changeover, after the last fixed event (calendar period, release, frozen end)."""
    frozen_ends = [
        finish(
            problem.machines[op.frozen.machine].unavailable, op.frozen.start, op.duration_on(op.frozen.machine), True
        )
        for op in problem.operations
        if op.frozen is not None
    ]
    last_event = max(
        [period[1] for machine in problem.machines for period in machine.unavailable]
        + [problem.release(op) for op in range(len(problem.operations))]
        + frozen_ends
        + [0]
    )
    longest_setup = max((max(map(max, m.changeover)) for m in problem.machines if m.changeover), default=0)
    work = sum(max(mode.duration for mode in op.modes) + longest_setup for op in problem.operations)
    return last_event + work + longest_setup


def create_variables(
    model: cp_model.CpModel, problem: Problem, horizon: int, restriction: Restriction | None
) -> Variables:
    restriction = restriction or Restriction()
    kept_machine = restriction.machine_of()
    head, tail = heads_and_tails(problem)
    starts, ends, all_modes, pinned = [], [], [], set()
    for op, operation in enumerate(problem.operations):
        fixed = restriction.fixed.get(op)
        if operation.frozen is not None:
            allowed = {operation.frozen.machine}
        elif fixed is not None:
            allowed = {fixed.machine}
        elif op in kept_machine:
            allowed = {kept_machine[op]}
        else:
            allowed = {mode.machine for mode in operation.modes}
        modes = [mode for mode in operation.modes if mode.machine in allowed]
        pinned_to = operation.frozen if operation.frozen is not None else fixed
        if pinned_to is not None:
            at = pinned_to.start
            start = model.new_constant(at)
            pinned.add(op)
            end = model.new_int_var(at, horizon, f"end{op}")
        else:
            latest = max(head[op], horizon - tail[op] - min(mode.duration for mode in modes))
            start = model.new_int_var(head[op], latest, f"start{op}")
            end = model.new_int_var(head[op], horizon, f"end{op}")
        op_modes = []
        for mode in modes:
            machine = problem.machines[mode.machine]
            present = 1 if len(modes) == 1 else model.new_bool_var(f"on{op}_{mode.machine}")
            size = (
                model.new_int_var(mode.duration, horizon, f"size{op}_{mode.machine}")
                if operation.interruptible and machine.unavailable
                else mode.duration
            )
            if isinstance(present, int):
                interval = model.new_interval_var(start, size, end, f"iv{op}_{mode.machine}")
            else:
                interval = model.new_optional_interval_var(start, size, end, present, f"iv{op}_{mode.machine}")
            op_modes.append(ModeVar(mode.machine, mode.duration, interval, present))
        if len(op_modes) > 1:
            model.add_exactly_one(mode.present for mode in op_modes)
        starts.append(start)
        ends.append(end)
        all_modes.append(op_modes)
    return Variables(starts, ends, all_modes, horizon, pinned)
