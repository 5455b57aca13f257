"""A small builder for `Problem`: add machines, jobs and operations by name and get indices back."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from factoryos.scheduling.problem import Buffer, Frozen, Job, Machine, Mode, Operation, Problem


@dataclass
class _JobDraft:
    """A job while it is built: its operations are appended as they are added."""

    name: str
    release: int
    due: int | None
    weight: int
    operations: list[int] = field(default_factory=list)


class Model:
    """Collects a problem step by step. Operations of a job follow each other (a routing) unless added with
    `after_previous=False`; `add_precedence` adds other links, e.g. a sub-assembly feeding final assembly."""

    def __init__(self) -> None:
        self._machines: list[Machine] = []
        self._groups: list[str] = []
        self._jobs: list[_JobDraft] = []
        self._operations: list[Operation] = []
        self._precedences: list[tuple[int, int]] = []
        self._batch_sizes: list[int] = []
        self._buffers: list[Buffer] = []

    def add_setup_group(self, name: str) -> int:
        self._groups.append(name)
        return len(self._groups) - 1

    def add_batch_kind(self, size: int) -> int:
        """A kind of operation that runs in batches of up to `size` on one machine (same start, same end)."""
        self._batch_sizes.append(size)
        return len(self._batch_sizes) - 1

    def add_machine(
        self,
        name: str,
        unavailable: Iterable[tuple[int, int]] = (),
        changeover: Iterable[Iterable[int]] | None = None,
        initial_group: int | None = None,
    ) -> int:
        matrix = None if changeover is None else tuple(tuple(row) for row in changeover)
        self._machines.append(Machine(name, tuple(sorted(unavailable)), matrix, initial_group))
        return len(self._machines) - 1

    def add_job(self, name: str, release: int = 0, due: int | None = None, weight: int = 1) -> int:
        self._jobs.append(_JobDraft(name, release, due, weight))
        return len(self._jobs) - 1

    def add_operation(
        self,
        job: int,
        durations: Mapping[int, int],
        name: str = "",
        setup_group: int | None = None,
        interruptible: bool = False,
        frozen: Frozen | None = None,
        after_previous: bool = True,
        batch: int | None = None,
        not_before: int = 0,
    ) -> int:
        """`durations` maps each eligible machine to the operation's duration on it (a batch's duration,
        for an operation of a batch kind); `not_before` holds it back past its job's release (its material)."""
        op = len(self._operations)
        modes = tuple(Mode(machine, duration) for machine, duration in durations.items())
        self._operations.append(Operation(job, modes, name, setup_group, interruptible, frozen, not_before, batch))
        route = self._jobs[job].operations
        if after_previous and route:
            self._precedences.append((route[-1], op))
        route.append(op)
        return op

    def add_precedence(self, before: int, after: int) -> None:
        self._precedences.append((before, after))

    def add_buffer(self, name: str, capacity: int, passages: Iterable[tuple[int, int]]) -> None:
        """Room for `capacity` units waiting between operations: each passage `(feeder, entry)` is a unit
        waiting from the end of `feeder` to the start of `entry` (its first operation upstream is `feeder`)."""
        self._buffers.append(Buffer(name, capacity, tuple((feeder, feeder, entry) for feeder, entry in passages)))

    def problem(self) -> Problem:
        jobs = tuple(Job(job.name, tuple(job.operations), job.release, job.due, job.weight) for job in self._jobs)
        return Problem(
            tuple(self._machines),
            jobs,
            tuple(self._operations),
            tuple(self._precedences),
            tuple(self._groups),
            tuple(self._batch_sizes),
            buffers=tuple(self._buffers),
        )
