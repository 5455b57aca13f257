"""Rescheduling: the floor changed (a machine broke down, a rush order came in, an operation runs late);
produce a new schedule that keeps what has started, is good for the objective and stays close to the old
one, and say which operations moved and why.

What started before `now` is frozen where it is. A breakdown becomes an unavailable period of its
machine; an operation caught by it pauses and resumes afterwards. Nothing else starts before `now`.
The solver minimises the objective plus `stability` times the total shift of start times (and as much
again for every operation moved to another machine), starting from the old schedule repaired in its
old order, so a planner sees few, explained moves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from factoryos.model.errors import FactoryosError
from factoryos.scheduling.dispatch import dispatch_in_order
from factoryos.scheduling.objectives import MAKESPAN, Objective
from factoryos.scheduling.problem import Frozen, Job, Operation, Problem
from factoryos.scheduling.schedule import Assignment, Result, Schedule
from factoryos.scheduling.solve import Budget, solve


@dataclass(frozen=True)
class MachineDown:
    """`machine` cannot work over [start, end): a breakdown or unplanned maintenance."""

    machine: int
    start: int
    end: int


@dataclass(frozen=True)
class RushOrder:
    """A new job to fit in: its operations in route order (their `job` field is ignored)."""

    name: str
    operations: tuple[Operation, ...]
    due: int | None = None
    weight: int = 10


@dataclass(frozen=True)
class RunningLate:
    """`operation` needs `extra` more time units than planned (started or not)."""

    operation: int
    extra: int


Disruption = MachineDown | RushOrder | RunningLate


@dataclass(frozen=True)
class Move:
    """One operation whose slot changed; `before` is None for an operation of a rush order."""

    operation: int
    before: Assignment | None
    after: Assignment
    reason: str


@dataclass(frozen=True)
class Rescheduled:
    """The new problem (old operations keep their indices, rush orders come last), its result, the moves."""

    problem: Problem
    result: Result
    moves: tuple[Move, ...]


def reschedule(
    problem: Problem,
    schedule: Schedule,
    now: int,
    disruptions: tuple[Disruption, ...] | list[Disruption],
    objective: Objective = MAKESPAN,
    *,
    stability: int = 1,
    time_limit: float = 10.0,
    workers: int = 2,
    budget: Budget | None = None,
) -> Rescheduled:
    """A new schedule for `problem` after `disruptions`, given the old `schedule` and the time `now`
    (within `time_limit` seconds, or `budget`'s work: see `solve`)."""
    if len(schedule) != len(problem.operations):
        raise FactoryosError("the old schedule does not cover the problem's operations")
    changed = apply_disruptions(problem, schedule, now, disruptions)
    goal = replace(objective, deviation=stability, machine_change=stability * _typical_duration(problem))
    repaired = dispatch_in_order(
        changed, [a.start for a in schedule] + [now] * (len(changed.operations) - len(schedule))
    )
    result = solve(
        changed, goal, time_limit=time_limit, workers=workers, baseline=schedule, initial=repaired, budget=budget
    )
    return Rescheduled(changed, result, explain(changed, schedule, result.schedule, disruptions))


def apply_disruptions(
    problem: Problem, schedule: Schedule, now: int, disruptions: tuple[Disruption, ...] | list[Disruption]
) -> Problem:
    """The problem as it stands at `now`: started operations frozen, disruptions applied."""
    machines = list(problem.machines)
    operations = list(problem.operations)
    jobs = list(problem.jobs)
    precedences = list(problem.precedences)
    extra = {d.operation: d.extra for d in disruptions if isinstance(d, RunningLate)}
    downs = [d for d in disruptions if isinstance(d, MachineDown)]
    for down in downs:
        if not 0 <= down.machine < len(machines) or down.start >= down.end:
            raise FactoryosError(f"machine down: unknown machine {down.machine} or empty period")
        machine = machines[down.machine]
        machines[down.machine] = replace(machine, unavailable=_merge((*machine.unavailable, (down.start, down.end))))
    for op, (operation, old) in enumerate(zip(problem.operations, schedule, strict=True)):
        modes = operation.modes
        if op in extra:
            modes = tuple(replace(mode, duration=mode.duration + extra[op]) for mode in modes)
        if operation.frozen is not None or old.start < now:
            caught = any(d.machine == old.machine and d.start < old.end and old.start < d.end for d in downs)
            operations[op] = replace(
                operation,
                modes=modes,
                frozen=Frozen(old.machine, old.start),
                interruptible=operation.interruptible or caught,
            )
        else:
            operations[op] = replace(operation, modes=modes, not_before=max(operation.not_before, now))
    for rush in (d for d in disruptions if isinstance(d, RushOrder)):
        job = len(jobs)
        first = len(operations)
        route = tuple(range(first, first + len(rush.operations)))
        operations.extend(replace(o, job=job, not_before=max(o.not_before, now)) for o in rush.operations)
        precedences.extend(zip(route, route[1:], strict=False))
        jobs.append(Job(rush.name, route, release=now, due=rush.due, weight=rush.weight))
    return replace(
        problem,
        machines=tuple(machines),
        jobs=tuple(jobs),
        operations=tuple(operations),
        precedences=tuple(precedences),
    )


def explain(
    problem: Problem, old: Schedule, new: Schedule, disruptions: tuple[Disruption, ...] | list[Disruption]
) -> tuple[Move, ...]:
    """Every operation whose machine or start changed, with the most direct cause found."""
    moves = []
    late = {d.operation for d in disruptions if isinstance(d, RunningLate)}
    downs = [d for d in disruptions if isinstance(d, MachineDown)]
    rush_ops = set(range(len(old), len(new)))
    for op, after in enumerate(new):
        before = old[op] if op < len(old) else None
        if before is not None and (before.machine, before.start, before.end) == (after.machine, after.start, after.end):
            continue
        moves.append(Move(op, before, after, _reason(problem, old, new, op, late, downs, rush_ops)))
    return tuple(moves)


def _reason(
    problem: Problem,
    old: Schedule,
    new: Schedule,
    op: int,
    late: set[int],
    downs: list[MachineDown],
    rush_ops: set[int],
) -> str:
    if op in rush_ops:
        return f"rush order {problem.jobs[problem.operations[op].job].name!r}"
    before = old[op]
    if op in late:
        return "runs late"
    for down in downs:
        if down.machine == before.machine and down.start < before.end and before.start < down.end:
            return f"{problem.machines[down.machine].name!r} is down over [{down.start}, {down.end})"
    for pred in problem.predecessors[op]:
        if new[pred].end > before.start:
            return f"waits for {problem.label(pred)}, which now ends at {new[pred].end}"
    return _slot_taken(problem, old, new, op, rush_ops) or "moved to improve the objective"


def _slot_taken(problem: Problem, old: Schedule, new: Schedule, op: int, rush_ops: set[int]) -> str | None:
    """Who now holds the operation's old slot: a rush order's operation, or one that moved into it."""
    before = old[op]
    machine = problem.machines[before.machine].name
    for other in sorted(rush_ops):
        if _overlaps(new[other], before):
            return f"its slot on {machine!r} went to rush order operation {problem.label(other)}"
    for other, slot in enumerate(new[: len(old)]):
        moved_in = (old[other].machine, old[other].start) != (slot.machine, slot.start)
        if other != op and moved_in and _overlaps(slot, before):
            return f"{problem.label(other)} moved into its slot on {machine!r}"
    return None


def _overlaps(a: Assignment, b: Assignment) -> bool:
    return a.machine == b.machine and a.start < b.end and b.start < a.end


def _merge(periods: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def _typical_duration(problem: Problem) -> int:
    """What moving an operation to another machine costs in the deviation term: about one operation's worth."""
    durations = sorted(operation.min_duration for operation in problem.operations)
    return max(1, durations[len(durations) // 2]) if durations else 1
