"""A schedule: for every operation, the machine it runs on and when; and what a solver hands back."""

from __future__ import annotations

from dataclasses import dataclass

from factoryos.scheduling.problem import Problem


@dataclass(frozen=True, slots=True)
class Assignment:
    """Operation runs on `machine` over [start, end); end includes any pauses of an interruptible one."""

    machine: int
    start: int
    end: int


Schedule = tuple[Assignment, ...]
"""One assignment per operation, in the problem's operation order."""


@dataclass(frozen=True)
class Result:
    """What a solver found. `objective` is an int, or a tuple for a lexicographic objective; `optimal`
    says the solver proved nothing better exists; `method` says which stage found the schedule."""

    schedule: Schedule
    objective: int | tuple[int, ...]
    optimal: bool
    seconds: float
    method: str
    lower_bound: int | None = None


def makespan(schedule: Schedule) -> int:
    return max((a.end for a in schedule), default=0)


def machine_sequences(problem: Problem, schedule: Schedule) -> list[list[int]]:
    """The operations on each machine, in start order."""
    sequences: list[list[int]] = [[] for _ in problem.machines]
    for op, assignment in enumerate(schedule):
        sequences[assignment.machine].append(op)
    for sequence in sequences:
        sequence.sort(key=lambda op: (schedule[op].start, schedule[op].end))
    return sequences


def machine_batches(problem: Problem, schedule: Schedule) -> list[list[list[int]]]:
    """Per machine, what it runs in start order, as batches: operations of one batch kind over the same
    [start, end) share one batch; any other operation is a batch of its own."""
    ops = problem.operations
    result = []
    for sequence in machine_sequences(problem, schedule):
        batches: list[list[int]] = []
        for op in sequence:
            kind = ops[op].batch
            if batches and kind is not None:
                first = batches[-1][0]
                if ops[first].batch == kind and (schedule[first].start, schedule[first].end) == (
                    schedule[op].start,
                    schedule[op].end,
                ):
                    batches[-1].append(op)
                    continue
            batches.append([op])
        result.append(batches)
    return result


def job_completion(problem: Problem, schedule: Schedule, job: int) -> int:
    return max((schedule[op].end for op in problem.job_ends[job]), default=problem.jobs[job].release)


def setup_times(problem: Problem, schedule: Schedule) -> list[tuple[int, int | None, int, int]]:
    """Every changeover in the schedule as (machine, operation before or None, operation after, time); a
    batch changes over once, before its first operation."""
    changes: list[tuple[int, int | None, int, int]] = []
    if problem.has_batches:
        firsts = [[batch[0] for batch in batches] for batches in machine_batches(problem, schedule)]
    else:
        firsts = machine_sequences(problem, schedule)
    for machine, sequence in enumerate(firsts):
        if problem.machines[machine].changeover is None:
            continue
        previous: int | None = None
        for op in sequence:
            time = problem.setup_time(machine, previous, op)
            if time:
                changes.append((machine, previous, op, time))
            previous = op
    return changes
