"""Dispatching rules: fast, explainable schedules, used alone and as a warm start for the exact solvers.

A serial Giffler-Thompson scheme: among ready operations, find the earliest possible completion C*; the
rule picks, among those that could start before C*, which one goes next. Each operation takes its machine
and slot (gaps included) that finish earliest, respecting calendars, changeovers and frozen operations.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence

from factoryos.model.errors import FactoryosError
from factoryos.scheduling.calendar import earliest_start, finish
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Assignment, Schedule

RULES = ("SPT", "LPT", "MWKR", "MOPNR", "FIFO", "EDD", "ATC")
"""Shortest / longest processing time, most work remaining, most operations remaining, first in first out,
earliest due date, apparent tardiness cost."""


class _Timeline:
    """The operations placed on one machine so far, sorted by start."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.ops: list[int] = []

    def insert(self, op: int, start: int, end: int) -> None:
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.ops.insert(i, op)


def dispatch(problem: Problem, rule: str = "MWKR") -> Schedule:
    """A schedule built by one dispatching rule (see RULES)."""
    if rule not in RULES:
        raise FactoryosError(f"unknown dispatching rule {rule!r}; choose from {', '.join(RULES)}")
    priority = _priority(problem, rule)

    def giffler_thompson(ready: set[int], best: dict, work: list[int], count: list[int]) -> int:
        completion = min(best[op][1] for op in ready)
        conflict = [op for op in ready if best[op][0] < completion]
        return min(conflict, key=lambda op: (priority(op, best[op], work, count), best[op][0], op))

    return _build(problem, giffler_thompson)


def dispatch_in_order(problem: Problem, key: Sequence[float]) -> Schedule:
    """A schedule that places ready operations strictly by `key` (smallest first), each in its earliest
    slot: with the old start times as key, this repairs a schedule while keeping its order."""

    def by_key(ready: set[int], best: dict, work: list[int], count: list[int]) -> int:
        return min(ready, key=lambda op: (key[op], op))

    return _build(problem, by_key)


def _build(problem: Problem, pick: Callable[[set[int], dict, list[int], list[int]], int]) -> Schedule:
    """Serial schedule generation: frozen operations first, then whatever `pick` chooses among the ready."""
    n = len(problem.operations)
    timelines = [_Timeline() for _ in problem.machines]
    placed: list[Assignment | None] = [None] * n
    for op, operation in enumerate(problem.operations):
        if operation.frozen is not None:
            machine, start = operation.frozen.machine, operation.frozen.start
            end = finish(
                problem.machines[machine].unavailable, start, operation.duration_on(machine), operation.interruptible
            )
            placed[op] = Assignment(machine, start, end)
            timelines[machine].insert(op, start, end)
    waiting = [len(problem.predecessors[op]) for op in range(n)]
    for op in range(n):
        if placed[op] is not None:
            for successor in problem.successors[op]:
                waiting[successor] -= 1
    ready = {op for op in range(n) if waiting[op] == 0 and placed[op] is None}
    remaining_work = [sum(problem.operations[op].min_duration for op in job.operations) for job in problem.jobs]
    remaining_ops = [len(job.operations) for job in problem.jobs]
    best: dict[int, tuple[int, int, int]] = {}
    while ready:
        for op in ready:
            if op not in best:
                best[op] = _best_slot(problem, timelines, placed, op)
        chosen = pick(ready, best, remaining_work, remaining_ops)
        start, end, machine = best.pop(chosen)
        placed[chosen] = Assignment(machine, start, end)
        timelines[machine].insert(chosen, start, end)
        ready.discard(chosen)
        job = problem.operations[chosen].job
        remaining_work[job] -= problem.operations[chosen].min_duration
        remaining_ops[job] -= 1
        for op in [op for op in best if any(mode.machine == machine for mode in problem.operations[op].modes)]:
            del best[op]
        for successor in problem.successors[chosen]:
            waiting[successor] -= 1
            if waiting[successor] == 0 and placed[successor] is None:
                ready.add(successor)
    return tuple(a for a in placed if a is not None)


def _best_slot(problem: Problem, timelines: list[_Timeline], placed: list, op: int) -> tuple[int, int, int]:
    """(start, end, machine) finishing earliest over the operation's eligible machines."""
    ready_at = max(
        [problem.release(op)] + [placed[p].end for p in problem.predecessors[op]],
    )
    options = []
    for mode in problem.operations[op].modes:
        start, end = _earliest_fit(problem, timelines[mode.machine], mode.machine, op, mode.duration, ready_at)
        options.append((end, start, mode.machine))
    end, start, machine = min(options)
    return start, end, machine


def _earliest_fit(
    problem: Problem, timeline: _Timeline, machine: int, op: int, duration: int, ready_at: int
) -> tuple[int, int]:
    """The earliest [start, end) on `machine` at or after `ready_at` that fits a gap, changeovers included."""
    operation = problem.operations[op]
    unavailable = problem.machines[machine].unavailable
    i = bisect_right(timeline.ends, ready_at)
    while True:
        previous = timeline.ops[i - 1] if i > 0 else None
        free_from = timeline.ends[i - 1] if i > 0 else 0
        start = max(ready_at, free_from + problem.setup_time(machine, previous, op))
        start = earliest_start(unavailable, start, duration, operation.interruptible)
        end = finish(unavailable, start, duration, operation.interruptible)
        if i == len(timeline.ops) or end + problem.setup_time(machine, op, timeline.ops[i]) <= timeline.starts[i]:
            return start, end
        i += 1


Priority = Callable[[int, tuple[int, int, int], list[int], list[int]], float]


def _priority(problem: Problem, rule: str) -> Priority:
    """Smaller goes first."""
    ops, jobs = problem.operations, problem.jobs
    if rule == "SPT":
        return lambda op, slot, work, count: slot[1] - slot[0]
    if rule == "LPT":
        return lambda op, slot, work, count: slot[0] - slot[1]
    if rule == "MWKR":
        return lambda op, slot, work, count: -work[ops[op].job]
    if rule == "MOPNR":
        return lambda op, slot, work, count: -count[ops[op].job]
    if rule == "FIFO":
        return lambda op, slot, work, count: slot[0]
    if rule == "EDD":
        return lambda op, slot, work, count: _due(jobs[ops[op].job].due)
    mean = max(1.0, sum(op.min_duration for op in ops) / max(1, len(ops)))

    def apparent_tardiness_cost(op: int, slot: tuple[int, int, int], work: list[int], count: list[int]) -> float:
        job = jobs[ops[op].job]
        duration = max(1, slot[1] - slot[0])
        slack = max(0.0, _due(job.due) - work[ops[op].job] - slot[0])
        return -(job.weight / duration) * math.exp(-slack / (2.0 * mean))

    return apparent_tardiness_cost


def _due(due: int | None) -> float:
    return math.inf if due is None else due
