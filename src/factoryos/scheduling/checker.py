"""An independent feasibility check: it trusts no solver and reports every broken rule, not just the first."""

from __future__ import annotations

from dataclasses import dataclass

from factoryos.scheduling.calendar import blocked, finish, off_during
from factoryos.scheduling.problem import Buffer, Problem, occupancy
from factoryos.scheduling.schedule import Assignment, Schedule, machine_batches, machine_sequences


@dataclass(frozen=True)
class Violation:
    """`kind` is one of: missing, eligibility, duration, calendar, release, precedence, overlap, changeover
    (one done while its machine is off), batch, frozen."""

    kind: str
    operations: tuple[int, ...]
    message: str


def check(problem: Problem, schedule: Schedule) -> list[Violation]:
    """Every way `schedule` breaks `problem`; an empty list means it is feasible."""
    if len(schedule) != len(problem.operations):
        return [
            Violation(
                "missing",
                (),
                f"schedule has {len(schedule)} operations, the problem {len(problem.operations)}",
            )
        ]
    violations: list[Violation] = []
    for op in range(len(problem.operations)):
        violations.extend(_check_operation(problem, schedule, op))
    for before, after in problem.precedences:
        if schedule[before].end > schedule[after].start:
            violations.append(
                Violation(
                    "precedence",
                    (before, after),
                    f"{problem.label(after)} starts at {schedule[after].start} before "
                    f"{problem.label(before)} ends at {schedule[before].end}",
                )
            )
    known = tuple(a if 0 <= a.machine < len(problem.machines) else Assignment(0, 0, 0) for a in schedule)
    if not problem.has_batches:
        for machine, sequence in enumerate(machine_sequences(problem, known)):
            on_machine = [op for op in sequence if schedule[op].machine == machine]
            violations.extend(_check_machine(problem, schedule, machine, on_machine))
        return violations
    for machine, batches in enumerate(machine_batches(problem, known)):
        batches_here = [batch for batch in batches if schedule[batch[0]].machine == machine]
        violations.extend(_check_batches(problem, machine, batches_here))
        violations.extend(_check_machine(problem, schedule, machine, [batch[0] for batch in batches_here]))
    return violations


def _check_operation(problem: Problem, schedule: Schedule, op: int) -> list[Violation]:
    """Release, frozen slot, eligibility, duration and calendar of one operation. Labels are made only for
    what is found: the check runs over millions of operations."""
    operation, assignment = problem.operations[op], schedule[op]
    found = []
    release = problem.release(op)
    if assignment.start < release:
        message = f"{problem.label(op)} starts at {assignment.start}, before its release {release}"
        found.append(Violation("release", (op,), message))
    frozen = operation.frozen
    if frozen is not None and (frozen.machine, frozen.start) != (assignment.machine, assignment.start):
        message = (
            f"{problem.label(op)} is frozen at {frozen.start} on machine {frozen.machine}, "
            f"scheduled at {assignment.start} on machine {assignment.machine}"
        )
        found.append(Violation("frozen", (op,), message))
    duration = next((mode.duration for mode in operation.modes if mode.machine == assignment.machine), None)
    if duration is None:
        message = f"{problem.label(op)} is on machine {assignment.machine}, not eligible"
        found.append(Violation("eligibility", (op,), message))
        return found
    machine = problem.machines[assignment.machine]
    expected_end = finish(machine.unavailable, assignment.start, duration, operation.interruptible)
    if assignment.end != expected_end:
        message = f"{problem.label(op)} runs [{assignment.start}, {assignment.end}), should end at {expected_end}"
        found.append(Violation("duration", (op,), message))
    if blocked(machine.unavailable, assignment.start, assignment.end, operation.interruptible):
        message = (
            f"{problem.label(op)} runs [{assignment.start}, {assignment.end}) into a period when "
            f"{machine.name!r} is off"
        )
        found.append(Violation("calendar", (op,), message))
    return found


def _check_batches(problem: Problem, machine: int, batches: list[list[int]]) -> list[Violation]:
    """A batch holds at most its kind's batch size."""
    found = []
    for batch in batches:
        kind = problem.operations[batch[0]].batch  # a batch of more than one has a kind (machine_batches)
        size = problem.batch_sizes[kind] if kind is not None and len(batch) > 1 else 1
        if len(batch) > size:
            found.append(
                Violation(
                    "batch",
                    tuple(batch),
                    f"on {problem.machines[machine].name!r}, a batch of {len(batch)} operations "
                    f"({problem.label(batch[0])} ...) runs together, more than its batch size {size}",
                )
            )
    return found


def _check_machine(problem: Problem, schedule: Schedule, machine: int, sequence: list[int]) -> list[Violation]:
    """Batches (each by its first operation) one at a time, each after the previous one's end and changeover,
    the changeover in the machine's working time just before the batch starts."""
    found = []
    name = problem.machines[machine].name
    previous = None
    for op in sequence:
        ready = 0 if previous is None else schedule[previous].end
        setup = problem.setup_time(machine, previous, op)
        needed = ready + setup
        pair = (op,) if previous is None else (previous, op)
        if schedule[op].start < needed and (previous is not None or needed > 0):
            after = _after(problem, previous)
            found.append(
                Violation(
                    "overlap",
                    pair,
                    f"on {name!r}, {problem.label(op)} starts at {schedule[op].start}, but after {after} "
                    f"(and its changeover) the machine is free only at {needed}",
                )
            )
        start = schedule[op].start
        placed = problem.changeover_to_place(machine, setup, op)
        off = off_during(problem.machines[machine].unavailable, start - placed, start) if placed else None
        if off is not None:
            found.append(
                Violation(
                    "changeover",
                    pair,
                    f"on {name!r}, the changeover from {_after(problem, previous)} to {problem.label(op)} over "
                    f"[{start - placed}, {start}) falls in [{off[0]}, {off[1]}), when the machine is off",
                )
            )
        if previous is None or schedule[op].end >= schedule[previous].end:
            previous = op
    return found


def _after(problem: Problem, previous: int | None) -> str:
    """What a machine changes over from: its initial setup, or the operation before."""
    return "the machine's initial setup" if previous is None else problem.label(previous)


@dataclass(frozen=True)
class Overfill:
    """A buffer the schedule plans more units into than it holds: at most `peak` at once, over capacity for
    `seconds` in all."""

    buffer: str
    capacity: int
    peak: int
    seconds: int


def overfilled(problem: Problem, schedule: Schedule) -> list[Overfill]:
    """The buffers the schedule overfills: each unit in one from the end of its feeder to the start of its entry
    (`problem.Buffer`), a unit leaving as another comes in at the same instant."""
    found = []
    for buffer in problem.buffers:
        peak, seconds = _fill(buffer, schedule)
        if peak > buffer.capacity:
            found.append(Overfill(buffer.name, buffer.capacity, peak, seconds))
    return found


def overfill_seconds(problem: Problem, schedule: Schedule) -> int:
    """The seconds the schedule holds more units in its buffers than they hold, summed over the buffers: what ranks
    a schedule that blocks the floor after every one that does not (`objectives.ranked`)."""
    return sum(found.seconds for found in overfilled(problem, schedule))


def _fill(buffer: Buffer, schedule: Schedule) -> tuple[int, int]:
    """The most units at once in the buffer, and the seconds it holds more than its capacity."""
    held = occupancy((schedule[feeder].end, schedule[entry].start) for _, feeder, entry in buffer.passages)
    peak = max((units for _, _, units in held), default=0)
    return peak, sum(end - start for start, end, units in held if units > buffer.capacity)
