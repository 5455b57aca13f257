"""Plant-sized problems: a month of a car plant is half a million operations, far beyond one CP-SAT model.
`rolling_sequence` schedules it as a planner would, in one pass over the plain `Problem`.

Jobs are released to the floor in windows (a day), each in the window it can reach its setup (a unit whose
body waits for a coil delivery, in the window the coil is in). Within a window they are sequenced in blocks of
the same setup group (paint colour, die set), blocks in the order that changes over most cheaply from the
group the lines are in, earliest due date first inside a block; a window holding more than a window's work
for a machine family (a backlog released by one delivery) is blocked a window's work at a time, in due-date
order; lots go a window ahead of the units that need them. One event-driven list-scheduling pass then
places every operation, in order of when it is ready and then of its job's place in the sequence, on the
eligible machine that finishes it first, with calendars, changeovers and the work centers' buffers (a kanban
place each, `factoryos.scheduling.kanban`). Work flows through the plant in
the sequence, so colour blocks reach paint intact (a body's passes through a booth stay together) and the
paced line gets bodies in the order paint finishes them. Half a million operations take seconds, and every
one is placed where the checker accepts it. The core's dispatching rules also run on a whole month, but they
pick one ready operation at a time and break the blocks up: on the EV month the best of them changes over
about 40 % more and is more than ten times as late (benchmarks/results/ev_month.json).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

from factoryos.model.errors import FactoryosError
from factoryos.model.shift_times import DAY
from factoryos.scheduling.batching import batched
from factoryos.scheduling.calendar import earliest_start, finish
from factoryos.scheduling.kanban import Kanbans
from factoryos.scheduling.problem import Mode, Operation, Problem
from factoryos.scheduling.schedule import Assignment, Schedule


def list_schedule(
    problem: Problem, rank: Sequence[float], release: Sequence[int] | None = None, setup_weight: float = 1.0
) -> Schedule:
    """Place operations in order of (ready time, rank of their job): each on its eligible machine where it
    ends first (its setup counted `setup_weight` times), after the machine's last operation and changeover,
    within the calendar (the changeover too). Ready times only grow, so each machine serves operations in the
    order they arrive.
    On a machine with changeovers, a job's next operation that can run there follows at once (a body's
    basecoat, tint and clearcoat passes through one booth): interleaving another job's pass between them
    would cost two changeovers. A unit starts on a work center that feeds a buffer only with a kanban place in it
    (`factoryos.scheduling.kanban`)."""
    ops, jobs, machines = problem.operations, problem.jobs, problem.machines
    release = release if release is not None else [job.release for job in jobs]
    waiting = [len(before) for before in problem.predecessors]
    ready_at = [max(release[op.job], op.not_before) for op in ops]
    free_at = [0] * len(machines)
    last: list[int | None] = [None] * len(machines)
    placed: list[Assignment | None] = [None] * len(ops)
    heap = _first_operations(problem, rank, ready_at, waiting)
    heapq.heapify(heap)
    successors, setup_time = problem.successors, problem.setup_time
    changes_over = [machine.changeover is not None for machine in machines]
    times: dict[int, int] = {}  # one int object per distinct time: only about a fifth of them are distinct
    kanbans = Kanbans(problem)
    takes = kanbans.takes

    def place(op: int, ready: int, modes: Sequence[Mode]) -> None:
        interruptible = ops[op].interruptible
        best: tuple[float, int, int, int] | None = None
        for mode in modes:
            m = mode.machine
            unavailable = machines[m].unavailable
            setup = setup_time(m, last[m], op) if changes_over[m] else 0
            gap = max(setup, _read_before(placed, last[m], op, mode)) if changes_over[m] else 0
            start = max(ready, free_at[m] + gap)
            if unavailable:
                placed_setup = problem.changeover_to_place(m, setup, op)
                start = earliest_start(unavailable, start, mode.duration, interruptible, placed_setup)
                end = finish(unavailable, start, mode.duration, interruptible)
            else:
                end = start + mode.duration
            if best is None or end + setup_weight * setup < best[0]:
                best = (end + setup_weight * setup, start, end, m)
        if best is None:
            raise FactoryosError(f"{problem.label(op)}: no machine can run it")
        _, start, end, m = best
        start, end = times.setdefault(start, start), times.setdefault(end, end)
        placed[op] = Assignment(m, start, end)
        free_at[m], last[m] = end, op
        for parked in kanbans.placed(op, start):
            heapq.heappush(heap, (max(ready, ready_at[parked]), rank[ops[parked].job], rank[ops[parked].job], parked))
        follow = None
        for successor in successors[op]:
            waiting[successor] -= 1
            if ready_at[successor] < end:
                ready_at[successor] = end
            if waiting[successor]:
                continue
            if follow is None and changes_over[m] and ops[successor].not_before <= end and successor not in takes:
                same = [mode for mode in ops[successor].modes if mode.machine == m]
                if same:
                    follow = (successor, same)
                    continue
            job_rank = rank[ops[successor].job]
            heapq.heappush(heap, (ready_at[successor], job_rank, job_rank, successor))
        if follow is not None:
            place(follow[0], ready_at[follow[0]], follow[1])

    while heap or _unstick(kanbans, placed, heap, ready_at, rank, ops):
        ready, _, job_rank, op = heapq.heappop(heap)
        if placed[op] is not None:
            continue  # unparked by two buffers
        if op in takes:
            room = kanbans.room(op, ready)
            if room is None:
                kanbans.park(op, job_rank)
                continue
            ready = room
        place(op, ready, ops[op].modes)
    return _complete(problem, placed)


def _read_before(placed: Sequence[Assignment | None], last: int | None, op: int, mode: Mode) -> int:
    """1 where `op`, of no length, would be read before the machine's last operation, of no length too, were it
    placed at the same instant (operations at one instant are read in the problem's order, `machine_sequences`),
    and so after another changeover: it goes a unit later."""
    if mode.duration or last is None or last < op:
        return 0
    previous = placed[last]
    return 1 if previous is not None and previous.start == previous.end else 0


def _unstick(
    kanbans: Kanbans,
    placed: Sequence[Assignment | None],
    heap: list[tuple[int, float, float, int]],
    ready_at: Sequence[int],
    rank: Sequence[float],
    ops: Sequence[Operation],
) -> bool:
    """Whether an operation goes back on the emptied heap: the first in the sequence of those still waiting for a
    kanban place, let in over it (`Kanbans.force_first`)."""
    op = kanbans.force_first(placed)
    if op is not None:
        heapq.heappush(heap, (ready_at[op], rank[ops[op].job], rank[ops[op].job], op))
    return op is not None


def _complete(problem: Problem, placed: list[Assignment | None]) -> Schedule:
    """The schedule, once every operation is placed."""
    schedule = tuple(assignment for assignment in placed if assignment is not None)
    if len(schedule) < len(placed):
        unplaced = next(op for op, assignment in enumerate(placed) if assignment is None)
        raise FactoryosError(f"{problem.label(unplaced)}: never became ready (do its predecessors form a cycle?)")
    return schedule


def _first_operations(
    problem: Problem, rank: Sequence[float], ready_at: Sequence[int], waiting: list[int]
) -> list[tuple[int, float, float, int]]:
    """Heap entries of the operations that wait for nothing. Those with a setup group that are ready together
    go in blocks of that group (each block where its group first appears in the sequence): the circuit boards
    of a day's appliances are printed one program after the other, not unit by unit."""
    ops = problem.operations
    first: dict[tuple[int, int | None], float] = {}
    for op, operation in enumerate(ops):
        if not waiting[op] and operation.setup_group is not None:
            key = (ready_at[op], operation.setup_group)
            first[key] = min(first.get(key, rank[operation.job]), rank[operation.job])
    entries = []
    for op, operation in enumerate(ops):
        if waiting[op]:
            continue
        job_rank = rank[operation.job]
        block = first.get((ready_at[op], operation.setup_group), job_rank)
        entries.append((ready_at[op], block, job_rank, op))
    return entries


def rolling_sequence(problem: Problem, window: int = DAY, setup_weight: float = 10.0) -> Schedule:
    """Release jobs in windows of `window` time units and sequence each window by setup blocks (see above).
    A job that feeds others (a lot of panels) goes one window ahead of the first job that needs it, so the
    lots a day needs are made the day before, in die-set blocks. A machine's setup counts `setup_weight`
    times when choosing among eligible machines: a booth already in the colour wins unless the other is
    much earlier. Batch operations are sequenced one batch at a time (`factoryos.scheduling.batching`)."""
    batches = batched(problem)
    if batches is not None:
        return batches.expand(rolling_sequence(batches.problem, window, setup_weight))
    jobs = problem.jobs
    signature = [_signature(problem, j) for j in range(len(jobs))]
    released = [-(-job.release // window) * window for job in jobs]
    feeders = _feeding_jobs(problem)
    needed: list[int | None] = [None] * len(jobs)
    for j in sorted(range(len(jobs)), key=released.__getitem__):
        for feeder in feeders[j]:
            if needed[feeder] is None:
                needed[feeder] = released[j]
    for j, at in enumerate(needed):
        if at is not None:
            released[j] = max(released[j], at - window)
    held = _held_until(problem)
    by_window: dict[int, list[int]] = {}
    for j in range(len(jobs)):
        by_window.setdefault(max(released[j], -(-held[j] // window) * window), []).append(j)
    rank = [0.0] * len(jobs)
    position = 0
    current: dict[int | None, int | None] = {}
    work = _family_work(problem, signature)
    for start in sorted(by_window):
        for j in _blocks(problem, by_window[start], signature, current, work, window):
            rank[j] = position
            position += 1
    return list_schedule(problem, rank, released, setup_weight)


def _signature(problem: Problem, job: int) -> tuple[int, int] | None:
    """(machine family, setup group) of the job's first operation with a setup group: what its block is."""
    for op in problem.jobs[job].operations:
        operation = problem.operations[op]
        if operation.setup_group is not None:
            return operation.modes[0].machine, operation.setup_group
    return None


def _held_until(problem: Problem) -> list[int]:
    """Per job, the earliest its first operation with a setup group can be ready, from the releases and material
    of everything it waits for (durations aside); its release where it has none. Units ordered over several days
    whose bodies all wait for one coil delivery reach the paint booths together: sequenced in the window the coil
    is in, they are painted in one run per colour rather than one set of colour runs per day they were ordered."""
    ops, predecessors = problem.operations, problem.predecessors
    ready = [0] * len(ops)
    for op in problem.topological_order:
        ready[op] = max(problem.release(op), max((ready[before] for before in predecessors[op]), default=0))
    return [
        next((ready[op] for op in job.operations if ops[op].setup_group is not None), job.release)
        for job in problem.jobs
    ]


def _blocks(
    problem: Problem,
    window_jobs: list[int],
    signature: list[tuple[int, int] | None],
    current: dict[int | None, int | None],
    work: list[float],
    window: int,
) -> list[int]:
    """The window's jobs in blocks of equal setup group per machine family, within due-date buckets of a window's
    work on the family (`_due_buckets`); blocks chained greedily by the cheapest changeover from the group the
    family is in, so a bucket starts in the colour the last one ended in; `current` carries that group to the next
    window."""
    families: dict[int | None, list[int]] = {}
    for j in window_jobs:
        families.setdefault((signature[j] or (None, None))[0], []).append(j)
    due = [job.due if job.due is not None else float("inf") for job in problem.jobs]
    ordered: list[list[int]] = []
    for family, family_jobs in families.items():
        matrix = problem.machines[family].changeover if family is not None else None
        at = current.get(family)
        for bucket in _due_buckets(family_jobs, due, work, window):
            remaining: dict[int | None, list[int]] = {}
            for j in bucket:
                remaining.setdefault((signature[j] or (None, None))[1], []).append(j)
            while remaining:
                if matrix is None or at is None:
                    group = min(remaining, key=lambda g: min(due[j] for j in remaining[g]))
                else:
                    row = matrix[at]
                    group = min(remaining, key=lambda g: (row[g] if g is not None else 0, g is None, g))
                ordered.append(sorted(remaining.pop(group), key=lambda j: (due[j], j)))
                at = group if group is not None else at
        current[family] = at
    return [j for block in ordered for j in block]


def _due_buckets(jobs: list[int], due: list[float], work: list[float], window: int) -> list[list[int]]:
    """The jobs in due-date order, cut into buckets each holding about a window's work on their machine family. A
    day's orders are one bucket; a backlog of several days' work (orders held for one delivery) is cut, so that
    grouping it by setup moves no job more than about a window's work behind where its due date puts it."""
    buckets: list[list[int]] = [[]]
    filled = 0.0
    for j in sorted(jobs, key=lambda j: (due[j], j)):
        if buckets[-1] and filled + work[j] > window:
            buckets.append([])
            filled = 0.0
        buckets[-1].append(j)
        filled += work[j]
    return buckets


def _family_work(problem: Problem, signature: list[tuple[int, int] | None]) -> list[float]:
    """Per job, the time its machine family takes for it: its operations there shared among the family's
    machines."""
    ops = problem.operations
    work = [0.0] * len(problem.jobs)
    for j, (job, block) in enumerate(zip(problem.jobs, signature, strict=True)):
        if block is None:
            continue
        on_family = [ops[op] for op in job.operations if any(mode.machine == block[0] for mode in ops[op].modes)]
        work[j] = sum(operation.min_duration for operation in on_family) / len(on_family[0].modes)
    return work


def _feeding_jobs(problem: Problem) -> list[list[int]]:
    """Per job, the other jobs with an operation that precedes one of its operations."""
    feeds: list[set[int]] = [set() for _ in problem.jobs]
    for before, after in problem.precedences:
        a, b = problem.operations[before].job, problem.operations[after].job
        if a != b:
            feeds[b].add(a)
    return [sorted(f) for f in feeds]
