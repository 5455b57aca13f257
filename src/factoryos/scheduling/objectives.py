"""What makes one schedule better than another: weighted sums and lexicographic orders of plant measures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

from factoryos.scheduling.checker import overfill_seconds
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Schedule, job_completion, makespan, setup_times


@dataclass(frozen=True)
class Objective:
    """A weighted sum. `deviation` weighs how far operations move from a baseline schedule (rescheduling):
    the sum of |start shift| plus `machine_change` for every operation moved to another machine."""

    makespan: int = 0
    weighted_tardiness: int = 0
    setup_time: int = 0
    deviation: int = 0
    machine_change: int = 0

    def __post_init__(self) -> None:
        if min(self.makespan, self.weighted_tardiness, self.setup_time, self.deviation, self.machine_change) < 0:
            raise ValueError("objective weights must be >= 0")


@dataclass(frozen=True)
class Lexicographic:
    """Objectives in order of importance: a later one only breaks ties of the earlier ones."""

    stages: tuple[Objective, ...]

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("a lexicographic objective needs at least one stage")


MAKESPAN = Objective(makespan=1)


def makespan_only(objective: Objective) -> bool:
    """Whether only the makespan counts: then any schedule's makespan bounds the search horizon."""
    return objective == Objective(makespan=objective.makespan)


TARDINESS = Objective(weighted_tardiness=1)
SETUP_TIME = Objective(setup_time=1)


@overload
def evaluate(problem: Problem, schedule: Schedule, objective: Objective, baseline: Schedule | None = None) -> int: ...
@overload
def evaluate(
    problem: Problem, schedule: Schedule, objective: Lexicographic, baseline: Schedule | None = None
) -> tuple[int, ...]: ...
@overload
def evaluate(
    problem: Problem, schedule: Schedule, objective: Objective | Lexicographic, baseline: Schedule | None = None
) -> int | tuple[int, ...]: ...
def evaluate(
    problem: Problem,
    schedule: Schedule,
    objective: Objective | Lexicographic,
    baseline: Schedule | None = None,
) -> int | tuple[int, ...]:
    """The objective's value for a schedule; a tuple for a lexicographic objective (compare as tuples)."""
    if isinstance(objective, Lexicographic):
        return tuple(_value(problem, schedule, stage, baseline) for stage in objective.stages)
    return _value(problem, schedule, objective, baseline)


def ranked(
    problem: Problem, schedule: Schedule, objective: Objective | Lexicographic, baseline: Schedule | None = None
) -> tuple[int, ...]:
    """How two schedules compare: first the seconds each overfills the buffers (one that plans more into a buffer
    than it holds blocks the floor, however good its value), then the objective, stage by stage."""
    value = evaluate(problem, schedule, objective, baseline)
    return (overfill_seconds(problem, schedule), *(value if isinstance(value, tuple) else (value,)))


def weighted_tardiness(problem: Problem, schedule: Schedule) -> int:
    return sum(
        job.weight * max(0, job_completion(problem, schedule, j) - job.due)
        for j, job in enumerate(problem.jobs)
        if job.due is not None
    )


def total_setup_time(problem: Problem, schedule: Schedule) -> int:
    return sum(time for *_, time in setup_times(problem, schedule))


def start_shift(baseline: Schedule, schedule: Schedule) -> int:
    """How far operations moved in time; operations the baseline does not know (a rush order) are free."""
    return sum(abs(new.start - old.start) for old, new in zip(baseline, schedule, strict=False))


def machine_changes(baseline: Schedule, schedule: Schedule) -> int:
    return sum(1 for old, new in zip(baseline, schedule, strict=False) if old.machine != new.machine)


def _value(problem: Problem, schedule: Schedule, objective: Objective, baseline: Schedule | None) -> int:
    value = 0
    if objective.makespan:
        value += objective.makespan * makespan(schedule)
    if objective.weighted_tardiness:
        value += objective.weighted_tardiness * weighted_tardiness(problem, schedule)
    if objective.setup_time:
        value += objective.setup_time * total_setup_time(problem, schedule)
    if baseline is not None:
        value += objective.deviation * start_shift(baseline, schedule)
        value += objective.machine_change * machine_changes(baseline, schedule)
    return value
