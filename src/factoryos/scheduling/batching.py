"""Batches for the solvers: operations of one batch kind (a rack of 48 boards in an oven) become one
operation per batch, which every solver schedules as it schedules any other; the batch's slot is then
every member's slot.

Members are taken in the order their jobs are due (then released), up to the batch size and the problem's
`batch_due_span` from the first member's due date, and only with members that are alike in everything a solver
looks at (eligible machines and durations, setup group, interruptible, frozen slot, the day the material they
or an operation before them draws is in), so any schedule of the batches is a feasible schedule of the
operations, a unit waiting for a part holds no batch of units that have theirs, and units due weeks later
(built when their turn comes) do not fill, and hold back, a batch of units due now.
A batch belongs to a job of its own: released when its last member may start, due when its first member
is due, and carrying the weight of the members whose job it ends, so tardiness still counts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from factoryos.model.errors import FactoryosError
from factoryos.scheduling.problem import Buffer, Job, Operation, Problem
from factoryos.scheduling.schedule import Assignment, Schedule


@dataclass(frozen=True)
class Batched:
    """`problem` has one operation per batch; `members[k]` are the original operations of its operation k
    (one, for an operation that is not batched)."""

    original: Problem
    problem: Problem
    members: tuple[tuple[int, ...], ...]

    def expand(self, schedule: Schedule) -> Schedule:
        """Every original operation in its batch's slot."""
        placed: list[Assignment | None] = [None] * len(self.original.operations)
        for op, members in enumerate(self.members):
            for member in members:
                placed[member] = schedule[op]
        return tuple(placed)  # type: ignore[arg-type]

    def reduce(self, schedule: Schedule) -> Schedule:
        """A schedule of the original operations as one of the batches (each batch where its first member is)."""
        return tuple(schedule[members[0]] for members in self.members)


def batched(problem: Problem, rank: Sequence[float] | None = None) -> Batched | None:
    """The problem with its batch operations grouped, or None when nothing may share a batch. `rank` orders
    jobs for grouping (default: due date, then release)."""
    if not problem.has_batches:
        return None
    ops, jobs = problem.operations, problem.jobs
    order = rank if rank is not None else [(_due(job), job.release, j) for j, job in enumerate(jobs)]
    ready = _material_ready(problem)
    alike: dict[tuple[object, ...], list[int]] = {}
    for op in sorted(
        (op for op, o in enumerate(ops) if o.batch is not None and problem.batch_sizes[o.batch] > 1),
        key=lambda op: (order[ops[op].job], op),
    ):
        o = ops[op]
        alike.setdefault((o.batch, o.modes, o.setup_group, o.interruptible, o.frozen, ready[op]), []).append(op)
    leader = list(range(len(ops)))
    groups: dict[int, tuple[int, ...]] = {}
    for members in alike.values():
        size = problem.batch_sizes[ops[members[0]].batch or 0]
        for group in _filled(members, size, [_due(jobs[ops[m].job]) for m in members], problem.batch_due_span):
            groups[group[0]] = group
            for member in group:
                leader[member] = group[0]
    return _reduced(problem, leader, groups)


def _filled(members: list[int], size: int, dues: list[float], span: int | None) -> list[tuple[int, ...]]:
    """`members` (in due-date order, their due dates `dues`) cut into batches of at most `size`, each within
    `span` of its first member's due date."""
    batches: list[tuple[int, ...]] = []
    first = 0
    for k in range(1, len(members) + 1):
        if k == len(members) or k - first == size or (span is not None and dues[k] - dues[first] > span):
            batches.append(tuple(members[first:k]))
            first = k
    return batches


def _material_ready(problem: Problem) -> list[int]:
    """Per operation, the latest `not_before` of it and every operation that must precede it: a unit whose
    battery comes on the 15th reaches the oven after the 15th, though curing itself draws nothing."""
    ready = [op.not_before for op in problem.operations]
    if any(ready):
        predecessors = problem.predecessors
        for op in problem.topological_order:
            for before in predecessors[op]:
                ready[op] = max(ready[op], ready[before])
    return ready


def _reduced(problem: Problem, leader: list[int], groups: dict[int, tuple[int, ...]]) -> Batched:
    ops, jobs = problem.operations, problem.jobs
    index = [-1] * len(ops)
    members: list[tuple[int, ...]] = []
    new_ops: list[Operation] = []
    batch_jobs: list[Job] = []
    ending = {op for ends in problem.job_ends for op in ends}
    for op, operation in enumerate(ops):
        if leader[op] != op:
            continue
        index[op] = len(new_ops)
        group = groups.get(op, (op,))
        members.append(group)
        if len(group) == 1:
            new_ops.append(replace(operation, batch=None) if operation.batch is not None else operation)
            continue
        member_jobs = [jobs[ops[m].job] for m in group]
        dues = [job.due for job in member_jobs if job.due is not None]
        weight = sum(jobs[ops[m].job].weight for m in group if m in ending)
        name = f"batch of {len(group)}: {problem.label(op)} ..."
        release = max(job.release for job in member_jobs)
        batch_jobs.append(Job(name, (len(new_ops),), release, min(dues) if dues else None, weight))
        not_before = max(ops[m].not_before for m in group)
        new_ops.append(replace(operation, job=len(jobs) + len(batch_jobs) - 1, batch=None, not_before=not_before))
    for op in range(len(ops)):
        index[op] = index[leader[op]]
    unit_jobs = tuple(
        replace(job, operations=tuple(index[op] for op in job.operations if len(members[index[op]]) == 1))
        for job in jobs
    )
    precedences = sorted({(index[a], index[b]) for a, b in problem.precedences})
    inside = next((a for a, b in precedences if a == b), None)
    if inside is not None:
        raise FactoryosError(
            f"a batch of {problem.label(members[inside][0])} would hold an operation and its successor"
        )
    reduced = Problem(
        problem.machines,
        unit_jobs + tuple(batch_jobs),
        tuple(new_ops),
        tuple(precedences),
        problem.setup_groups,
        buffers=tuple(_passing(buffer, index, members) for buffer in problem.buffers),
    )
    return Batched(problem, reduced, tuple(members))


def _passing(buffer: Buffer, index: list[int], members: list[tuple[int, ...]]) -> Buffer:
    """The buffer in the reduced problem: its passages through operations that are not batched (a batch moves
    many units at once, which no kanban place follows)."""
    passages = tuple(
        (index[first], index[feeder], index[entry])
        for first, feeder, entry in buffer.passages
        if all(len(members[index[op]]) == 1 for op in (first, feeder, entry))
    )
    return replace(buffer, passages=passages)


def _due(job: Job) -> float:
    return float("inf") if job.due is None else job.due
