"""The scheduling problem as plain data: machines, jobs, operations, precedences, calendars, changeovers,
buffers.

Everything refers to everything else by position (machine 3, operation 17) so that solvers stay fast;
names are there for people and error messages. Times are integers from the plan's epoch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter

from factoryos.model.errors import FactoryosError
from factoryos.scheduling.calendar import finish


@dataclass(frozen=True, slots=True)
class Machine:
    """A machine (work unit). `unavailable` lists sorted, disjoint [start, end) periods when it does not
    work: shifts off, breaks, planned maintenance. `changeover[g][h]` is the setup time when an operation
    of setup group h follows one of group g, done in one piece just before that operation and in working time
    (outside the unavailable periods; a plant file whose changeover fits in no stretch of its calendar does not
    validate); `initial_group` is what the machine is set up for at time 0."""

    name: str
    unavailable: tuple[tuple[int, int], ...] = ()
    changeover: tuple[tuple[int, ...], ...] | None = None
    initial_group: int | None = None


@dataclass(frozen=True, slots=True)
class Mode:
    """One way to run an operation: on `machine`, taking `duration` working time units."""

    machine: int
    duration: int


@dataclass(frozen=True, slots=True)
class Frozen:
    """An operation that may not move: it has started, or a planner locked it."""

    machine: int
    start: int


@dataclass(frozen=True, slots=True)
class Operation:
    """One step of a job. An interruptible operation stretches across its machine's unavailable periods;
    any other operation must fit between them. `not_before` holds it back further than its job's release
    (material arriving, or the present moment when rescheduling). Operations of one `batch` kind (an index
    into the problem's `batch_sizes`) may run together on one machine, as one batch over the same
    [start, end): an oven curing a rack of boards, a flashing rack programming units."""

    job: int
    modes: tuple[Mode, ...]
    name: str = ""
    setup_group: int | None = None
    interruptible: bool = False
    frozen: Frozen | None = None
    not_before: int = 0
    batch: int | None = None

    def duration_on(self, machine: int) -> int:
        for mode in self.modes:
            if mode.machine == machine:
                return mode.duration
        raise KeyError(machine)

    @property
    def min_duration(self) -> int:
        return min(mode.duration for mode in self.modes)


@dataclass(frozen=True, slots=True)
class Job:
    """A work order's operations, listed in route order; it may not start before `release` and is late
    after `due`, which costs `weight` per time unit."""

    name: str
    operations: tuple[int, ...]
    release: int = 0
    due: int | None = None
    weight: int = 1


@dataclass(frozen=True, slots=True)
class Buffer:
    """Room for `capacity` units in front of a work center. Each passage `(first, feeder, entry)` is a unit
    going through it: it waits there from the end of `feeder` (its last operation upstream) to the start of
    `entry` (its first one here), and that wait is what the floor's buffer holds, an upstream station blocking
    when it is full. The rolling sequence keeps a kanban on it: a unit takes its place when it starts `first`
    (its first operation on the feeder's work center), so work upstream is not started that could not be passed
    on; `checker.overfilled` measures any schedule against the buffer itself."""

    name: str
    capacity: int
    passages: tuple[tuple[int, int, int], ...]


def occupancy(stays: Iterable[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """How many of the stays (from, to) overlap, over each stretch where any does: (from, to, how many). One ending
    as another begins at the same instant do not overlap: the units a buffer holds (`Buffer`)."""
    changes: dict[int, int] = defaultdict(int)
    for begin, end in stays:
        if begin < end:
            changes[begin] += 1
            changes[end] -= 1
    stretches, held = [], 0
    times = sorted(changes)
    for at, after in zip(times, times[1:], strict=False):
        held += changes[at]
        if held:
            stretches.append((at, after, held))
    return stretches


@dataclass(frozen=True)
class Problem:
    """A complete, validated scheduling problem. `precedences` are (before, after) operation pairs: the
    chains of routings as well as sub-assemblies feeding final assembly, within or across jobs.
    `batch_sizes[k]` is how many operations of batch kind k one batch holds; `batch_due_span`, how far apart the
    due dates of one batch's members may be (None: any), so that units due long after the others do not join,
    and hold back, a batch of units due sooner. `buffers` limit the units waiting in front of work centers
    (`Buffer`)."""

    machines: tuple[Machine, ...]
    jobs: tuple[Job, ...]
    operations: tuple[Operation, ...]
    precedences: tuple[tuple[int, int], ...] = ()
    setup_groups: tuple[str, ...] = ()
    batch_sizes: tuple[int, ...] = ()
    batch_due_span: int | None = None
    buffers: tuple[Buffer, ...] = ()

    def __post_init__(self) -> None:
        validate(self)

    def label(self, op: int) -> str:
        """How people name an operation: 'job/operation'."""
        job = self.jobs[self.operations[op].job]
        return f"{job.name}/{self.operations[op].name or job.operations.index(op)}"

    @cached_property
    def predecessors(self) -> tuple[tuple[int, ...], ...]:
        return _grouped(self.precedences, len(self.operations), by=1)

    @cached_property
    def successors(self) -> tuple[tuple[int, ...], ...]:
        return _grouped(self.precedences, len(self.operations), by=0)

    @cached_property
    def topological_order(self) -> tuple[int, ...]:
        return _topological_order(self)

    @cached_property
    def job_ends(self) -> tuple[tuple[int, ...], ...]:
        """Per job, the operations with no successor inside the job: the job is done when they are."""
        ends = []
        for j, job in enumerate(self.jobs):
            ends.append(
                tuple(op for op in job.operations if all(self.operations[s].job != j for s in self.successors[op]))
            )
        return tuple(ends)

    def release(self, op: int) -> int:
        """The earliest the operation may start, before any precedence."""
        return max(self.jobs[self.operations[op].job].release, self.operations[op].not_before)

    def frozen_span(self, op: int) -> tuple[int, int]:
        """Where a frozen operation stands: its start, and its end, which its machine's calendar stretches if it is
        interruptible."""
        operation = self.operations[op]
        assert operation.frozen is not None, f"{self.label(op)} is not frozen"
        machine, start = operation.frozen.machine, operation.frozen.start
        duration = operation.duration_on(machine)
        return start, finish(self.machines[machine].unavailable, start, duration, operation.interruptible)

    @property
    def has_batches(self) -> bool:
        """Whether some operations may share a machine as a batch."""
        return any(size > 1 for size in self.batch_sizes)

    @property
    def has_setups(self) -> bool:
        return any(machine.changeover is not None for machine in self.machines)

    def changeover_to_place(self, machine: int, setup: int, op: int) -> int:
        """The changeover before `op` on `machine` that must lie in working time just before it: all of `setup`,
        except before a frozen operation (placed before this rule, wherever its changeover was done) and on a
        machine without a calendar."""
        if not setup or self.operations[op].frozen is not None or not self.machines[machine].unavailable:
            return 0
        return setup

    def setup_time(self, machine: int, before: int | None, after: int) -> int:
        """Changeover time on `machine` between operation `before` (None: the machine's initial state)
        and operation `after`."""
        matrix = self.machines[machine].changeover
        if matrix is None:
            return 0
        group_from = self.machines[machine].initial_group if before is None else self.operations[before].setup_group
        group_to = self.operations[after].setup_group
        if group_from is None or group_to is None:
            return 0
        return matrix[group_from][group_to]


def _grouped(pairs: tuple[tuple[int, int], ...], n: int, by: int) -> tuple[tuple[int, ...], ...]:
    """Per operation, the other end of the pairs whose end `by` it is. Built from the pairs sorted by that
    end rather than from a list per operation: a plant's week has millions of operations."""
    other = 1 - by
    keyed = sorted(pairs, key=itemgetter(by))
    grouped: list[tuple[int, ...]] = [()] * n
    i, m = 0, len(keyed)
    while i < m:
        op, j = keyed[i][by], i + 1
        while j < m and keyed[j][by] == op:
            j += 1
        grouped[op] = (keyed[i][other],) if j == i + 1 else tuple(pair[other] for pair in keyed[i:j])
        i = j
    return tuple(grouped)


def validate(problem: Problem) -> None:
    """Raise FactoryosError naming the first thing that makes the problem unsolvable or meaningless."""
    for machine in problem.machines:
        _validate_machine(machine, len(problem.setup_groups))
    seen_in_job = _validate_jobs(problem)
    for op, operation in enumerate(problem.operations):
        if not 0 <= operation.job < len(problem.jobs) or seen_in_job[op] == -1:
            raise FactoryosError(f"operation {op} ({operation.name!r}) is not listed in its job {operation.job}")
        _validate_operation(problem, op, operation)
    if any(size < 1 for size in problem.batch_sizes):
        raise FactoryosError(f"batch sizes must be >= 1, got {min(problem.batch_sizes)}")
    n_ops = len(problem.operations)
    for a, b in problem.precedences:
        if not (0 <= a < n_ops and 0 <= b < n_ops) or a == b:
            raise FactoryosError(f"precedence ({a}, {b}) names an unknown operation or the same one twice")
    for buffer in problem.buffers:
        _validate_buffer(buffer, n_ops)
    _topological_order(problem)


def _validate_buffer(buffer: Buffer, n_ops: int) -> None:
    if buffer.capacity < 1:
        raise FactoryosError(f"buffer {buffer.name!r}: capacity must be >= 1, got {buffer.capacity}")
    for passage in buffer.passages:
        if not all(0 <= op < n_ops for op in passage):
            raise FactoryosError(f"buffer {buffer.name!r}: passage {passage} names an unknown operation")


def _validate_jobs(problem: Problem) -> list[int]:
    """Each operation's job as its job lists it (-1 where none does); an operation in two jobs is an error."""
    n_ops = len(problem.operations)
    seen_in_job = [-1] * n_ops
    for j, job in enumerate(problem.jobs):
        if job.weight < 0:
            raise FactoryosError(f"job {job.name!r}: weight must be >= 0, got {job.weight}")
        for op in job.operations:
            if not 0 <= op < n_ops or problem.operations[op].job != j or seen_in_job[op] != -1:
                raise FactoryosError(f"job {job.name!r}: operation {op} does not belong to it (or appears twice)")
            seen_in_job[op] = j
    return seen_in_job


def _validate_operation(problem: Problem, op: int, operation: Operation) -> None:
    where = f"operation {problem.label(op)!r}"
    if not operation.modes:
        raise FactoryosError(f"{where} has no eligible machine")
    machines = [mode.machine for mode in operation.modes]
    if len(set(machines)) != len(machines):
        raise FactoryosError(f"{where} lists a machine twice among its eligible machines")
    n_machines = len(problem.machines)
    for mode in operation.modes:
        if not 0 <= mode.machine < n_machines:
            raise FactoryosError(f"{where}: unknown machine {mode.machine} (there are {n_machines} machines)")
        if mode.duration < 0:
            raise FactoryosError(f"{where}: duration on machine {mode.machine} must be >= 0")
    if operation.setup_group is not None and not 0 <= operation.setup_group < len(problem.setup_groups):
        raise FactoryosError(f"{where}: unknown setup group {operation.setup_group}")
    if operation.batch is not None and not 0 <= operation.batch < len(problem.batch_sizes):
        raise FactoryosError(f"{where}: unknown batch kind {operation.batch}")
    if operation.frozen is not None and operation.frozen.machine not in machines:
        raise FactoryosError(f"{where} is frozen on machine {operation.frozen.machine}, which is not eligible")


def _validate_machine(machine: Machine, n_groups: int) -> None:
    where = f"machine {machine.name!r}"
    previous_end = None
    for start, end in machine.unavailable:
        if start >= end or (previous_end is not None and start < previous_end):
            raise FactoryosError(f"{where}: unavailable periods must be non-empty, sorted and disjoint")
        previous_end = end
    if machine.changeover is not None:
        if len(machine.changeover) != n_groups or any(len(row) != n_groups for row in machine.changeover):
            raise FactoryosError(f"{where}: changeover matrix must be {n_groups} x {n_groups} (one per setup group)")
        if any(value < 0 for row in machine.changeover for value in row):
            raise FactoryosError(f"{where}: changeover times must be >= 0")
    if machine.initial_group is not None and not 0 <= machine.initial_group < n_groups:
        raise FactoryosError(f"{where}: unknown initial setup group {machine.initial_group}")


def _topological_order(problem: Problem) -> tuple[int, ...]:
    n = len(problem.operations)
    indegree = [0] * n
    after: list[list[int]] = [[] for _ in range(n)]
    for a, b in problem.precedences:
        after[a].append(b)
        indegree[b] += 1
    order = [op for op in range(n) if indegree[op] == 0]
    for op in order:
        for b in after[op]:
            indegree[b] -= 1
            if indegree[b] == 0:
                order.append(b)
    if len(order) < n:
        cycle = sorted(op for op in range(n) if indegree[op] > 0)
        names = ", ".join(problem.label(op) for op in cycle[:6])
        raise FactoryosError(f"precedences are cyclic: operations {names}{' ...' if len(cycle) > 6 else ''}")
    return tuple(order)
