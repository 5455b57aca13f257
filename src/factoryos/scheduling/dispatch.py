"""Dispatching rules: fast, explainable schedules, used alone and as a warm start for the exact solvers.

A serial Giffler-Thompson scheme with per-machine conflict sets. Among the ready operations, the one that
could complete first sets C* and its machine M*; the rule picks, among the ready operations that can start
on M* before C* and finish there no later than on any other eligible machine, which one goes on M* next
(without that condition long operations go to slow machines: LPT on Brandimarte's mk02 took 55, not 39).
Calendars, changeovers, release dates, frozen operations and precedences (DAGs) are respected; batch
operations are dispatched one batch at a time (`factoryos.scheduling.batching`).

Dispatched operations are appended to their machine: they never fill a gap left between operations
dispatched earlier (gaps before frozen operations are still used). Classic Giffler-Thompson builds active
schedules without such insertion, and appending is what keeps a step cheap: every operation that has
arrived at a machine (ready no later than the machine's last end) then starts at the same moment up to
its changeover and calendar fit, so arrived operations are kept in buckets of equal (setup group,
duration, interruptible) whose slot is computed once per change of the machine, each bucket holding heaps
in the rule's order. A step costs O(buckets + log n) rather than O(ready set): a month of a car plant
(half a million operations) dispatches in well under a minute, where rescanning took about 100 s a day.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from heapq import heappop, heappush

from factoryos.model.errors import FactoryosError
from factoryos.scheduling.batching import batched
from factoryos.scheduling.calendar import earliest_start, finish, off_during
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Assignment, Schedule

RULES = ("SPT", "LPT", "MWKR", "MOPNR", "FIFO", "EDD", "ATC")
"""Shortest / longest processing time, most work remaining, most operations remaining, first in first out,
earliest due date, apparent tardiness cost."""
Key = Callable[[int], float]
"""Orders the operations waiting in one bucket: key(op)."""
Score = Callable[[int, float, int, int, int], float]
"""Compares candidates across buckets, smaller first: score(op, key, start, end, job weight)."""


class _Timeline:
    """The operations placed on one machine so far, sorted by start, then end (so the ends are sorted too, which
    the fit looks up, also where an operation of no length is placed at another's start), then operation: the
    order the checker reads them in (`machine_sequences`)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.ops: list[int] = []

    def insert(self, op: int, start: int, end: int) -> None:
        low, high = bisect_left(self.starts, start), bisect_right(self.starts, start)
        low, high = bisect_left(self.ends, end, low, high), bisect_right(self.ends, end, low, high)
        i = bisect_right(self.ops, op, low, high)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.ops.insert(i, op)


class _Floor:
    """What is placed so far: frozen operations first, then each dispatched one appended to its machine.
    `free[m]` is where the last dispatched operation on m ends; `version[m]` counts changes of m."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        n = len(problem.operations)
        self.timelines = [_Timeline() for _ in problem.machines]
        self.free = [0] * len(problem.machines)
        self.version = [0] * len(problem.machines)
        self.placed: list[Assignment | None] = [None] * n
        self.ready_at = [problem.release(op) for op in range(n)]
        self.waiting = [len(before) for before in problem.predecessors]
        for op, operation in enumerate(problem.operations):
            if operation.frozen is not None:
                machine, start = operation.frozen.machine, operation.frozen.start
                unavailable = problem.machines[machine].unavailable
                end = finish(unavailable, start, operation.duration_on(machine), operation.interruptible)
                self.placed[op] = Assignment(machine, start, end)
                self.timelines[machine].insert(op, start, end)
        for op, assignment in enumerate(self.placed):
            if assignment is not None:
                self._release_successors(op, assignment.end)
        self.ready = [op for op in range(n) if self.waiting[op] == 0 and self.placed[op] is None]

    def fit(self, machine: int, op: int, duration: int, ready_at: int) -> tuple[int, int]:
        """The earliest [start, end) for `op` on `machine`, after its last dispatched operation."""
        timeline = self.timelines[machine]
        return _earliest_fit(self.problem, timeline, machine, op, duration, max(ready_at, self.free[machine]))

    def best_slot(self, op: int) -> tuple[int, int, int]:
        """(end, start, machine) finishing earliest over the operation's eligible machines."""
        slots = []
        for mode in self.problem.operations[op].modes:
            start, end = self.fit(mode.machine, op, mode.duration, self.ready_at[op])
            slots.append((end, start, mode.machine))
        return min(slots)

    def place(self, op: int, machine: int, start: int, end: int) -> list[int]:
        """Put `op` on `machine` over [start, end); the operations this makes ready."""
        self.placed[op] = Assignment(machine, start, end)
        self.timelines[machine].insert(op, start, end)
        self.free[machine] = max(self.free[machine], end)
        self.version[machine] += 1
        return self._release_successors(op, end)

    def _release_successors(self, op: int, end: int) -> list[int]:
        ready = []
        for successor in self.problem.successors[op]:
            self.waiting[successor] -= 1
            self.ready_at[successor] = max(self.ready_at[successor], end)
            if self.waiting[successor] == 0 and self.placed[successor] is None:
                ready.append(successor)
        return ready

    def schedule(self) -> Schedule:
        return tuple(a for a in self.placed if a is not None)


def dispatch(problem: Problem, rule: str = "MWKR") -> Schedule:
    """A schedule built by one dispatching rule (see RULES)."""
    if rule not in RULES:
        raise FactoryosError(f"unknown dispatching rule {rule!r}; choose from {', '.join(RULES)}")
    batches = batched(problem)
    if batches is not None:
        return batches.expand(dispatch(batches.problem, rule))
    floor = _Floor(problem)
    remaining_work = [sum(problem.operations[op].min_duration for op in job.operations) for job in problem.jobs]
    remaining_ops = [len(job.operations) for job in problem.jobs]
    key, score = _rule(problem, rule, floor.ready_at, remaining_work, remaining_ops)
    _GifflerThompson(floor, key, score).run(remaining_work, remaining_ops)
    return floor.schedule()


def dispatch_in_order(problem: Problem, key: Sequence[float]) -> Schedule:
    """A schedule that places ready operations strictly by `key` (smallest first), each in its earliest
    slot after what its machine already has: with the old start times as key, this repairs a schedule
    while keeping its order."""
    batches = batched(problem)
    if batches is not None:
        reduced_key = [min(key[op] for op in members) for members in batches.members]
        return batches.expand(dispatch_in_order(batches.problem, reduced_key))
    floor = _Floor(problem)
    heap = [(key[op], op) for op in floor.ready]
    heap.sort()
    while heap:
        _, op = heappop(heap)
        end, start, machine = floor.best_slot(op)
        for successor in floor.place(op, machine, start, end):
            heappush(heap, (key[successor], successor))
    return floor.schedule()


class _Bucket:
    """Operations arrived at one machine with equal (setup group, duration, interruptible): they share
    the slot the machine offers, computed once per machine version. Heaps of (key, op), one per job weight."""

    __slots__ = ("heaps", "slot", "version", "op")

    def __init__(self, op: int) -> None:
        self.heaps: dict[int, list[tuple[float, int]]] = {}
        self.slot = (0, 0)
        self.version = -1
        self.op = op  # any member: stands for the bucket when fitting


class _GifflerThompson:
    """Per machine: arrived operations in buckets, the others in a heap by the time they are ready; a heap
    of machines by the earliest completion they offer, recomputed only for machines that changed."""

    def __init__(self, floor: _Floor, key: Key, score: Score) -> None:
        self.floor = floor
        self.problem = problem = floor.problem
        self.key, self.score = key, score
        n_machines = len(problem.machines)
        self.buckets: list[dict[tuple[int | None, int, bool, int], _Bucket]] = [{} for _ in range(n_machines)]
        self.later: list[list[tuple[int, int]]] = [[] for _ in range(n_machines)]
        self.shortest = [math.inf] * n_machines
        for operation in problem.operations:
            for mode in operation.modes:
                self.shortest[mode.machine] = min(self.shortest[mode.machine], mode.duration)
        self.earliest: list[tuple[float, int, int]] = []
        self.stamp = [0] * n_machines
        self.later_slots: list[dict[int, tuple[int, int]]] = [{} for _ in range(n_machines)]
        self.later_version = [0] * n_machines

    def run(self, remaining_work: list[int], remaining_ops: list[int]) -> None:
        problem, floor = self.problem, self.floor
        dirty = set()
        for op in floor.ready:
            dirty.update(self._enqueue(op))
        while True:
            for machine in dirty:
                self._refresh(machine)
            dirty.clear()
            found = self._next_machine()
            if found is None:
                return
            completion, machine = found
            op, start, end = self._choose(machine, completion)
            job = problem.operations[op].job
            remaining_work[job] -= problem.operations[op].min_duration
            remaining_ops[job] -= 1
            dirty.update(mode.machine for mode in problem.operations[op].modes)
            for successor in floor.place(op, machine, start, end):
                dirty.update(self._enqueue(successor))
            self._arrive(machine)

    def _enqueue(self, op: int) -> list[int]:
        machines = []
        for mode in self.problem.operations[op].modes:
            machine = mode.machine
            machines.append(machine)
            if self.floor.ready_at[op] <= self.floor.free[machine]:
                self._into_bucket(machine, op, mode.duration)
            else:
                heappush(self.later[machine], (self.floor.ready_at[op], op))
        return machines

    def _into_bucket(self, machine: int, op: int, duration: int) -> None:
        operation = self.problem.operations[op]
        changes_over = self.problem.machines[machine].changeover is not None
        group = operation.setup_group if changes_over else None
        alone = op if duration == 0 and changes_over else -1  # its slot depends on where it is listed (_earliest_fit)
        name = (group, duration, operation.interruptible, alone)
        bucket = self.buckets[machine].get(name)
        if bucket is None:
            bucket = self.buckets[machine][name] = _Bucket(op)
        weight = self.problem.jobs[operation.job].weight
        heappush(bucket.heaps.setdefault(weight, []), (self.key(op), op))

    def _arrive(self, machine: int) -> None:
        """Move the operations ready by the machine's new last end into its buckets."""
        later, free, placed = self.later[machine], self.floor.free[machine], self.floor.placed
        while later and later[0][0] <= free:
            _, op = heappop(later)
            if placed[op] is None:
                self._into_bucket(machine, op, self.problem.operations[op].duration_on(machine))

    def _slot(self, machine: int, bucket: _Bucket) -> tuple[int, int]:
        if bucket.version != self.floor.version[machine]:
            op = bucket.op
            duration = self.problem.operations[op].duration_on(machine)
            bucket.slot = self.floor.fit(machine, op, duration, 0)
            bucket.version = self.floor.version[machine]
        return bucket.slot

    def _top(self, heap: list[tuple[float, int]]) -> tuple[float, int] | None:
        """The heap's first entry still waiting, its key brought up to date (keys only grow)."""
        placed = self.floor.placed
        while heap:
            stored, op = heap[0]
            if placed[op] is not None:
                heappop(heap)
                continue
            current = self.key(op)
            if current == stored:
                return heap[0]
            heappop(heap)
            heappush(heap, (current, op))
        return None

    def _refresh(self, machine: int) -> None:
        """Recompute the earliest completion the machine offers and file it in the heap of machines."""
        best: float = math.inf
        buckets = self.buckets[machine]
        for name in list(buckets):
            bucket = buckets[name]
            if not any(self._top(heap) for heap in bucket.heaps.values()):
                del buckets[name]
                continue
            best = min(best, self._slot(machine, bucket)[1])
        later, placed, shortest = self.later[machine], self.floor.placed, self.shortest[machine]
        taken = []
        while later and later[0][0] + shortest < best:
            entry = heappop(later)
            if placed[entry[1]] is None:
                taken.append(entry)
                best = min(best, self._later_slot(machine, entry[1])[1])
        for entry in taken:
            heappush(later, entry)
        self.stamp[machine] += 1
        if best < math.inf:
            heappush(self.earliest, (best, machine, self.stamp[machine]))

    def _later_before(self, machine: int, time: float) -> list[tuple[int, int]]:
        """The machine's operations not yet arrived that are ready by `time`."""
        later, placed = self.later[machine], self.floor.placed
        taken = []
        while later and later[0][0] <= time:
            entry = heappop(later)
            if placed[entry[1]] is None:
                taken.append(entry)
        for entry in taken:
            heappush(later, entry)
        return taken

    def _later_slot(self, machine: int, op: int) -> tuple[int, int]:
        """The slot of an operation not yet arrived, kept until the machine changes."""
        slots = self.later_slots[machine]
        if self.later_version[machine] != self.floor.version[machine]:
            slots.clear()
            self.later_version[machine] = self.floor.version[machine]
        slot = slots.get(op)
        if slot is None:
            duration = self.problem.operations[op].duration_on(machine)
            slot = slots[op] = self.floor.fit(machine, op, duration, self.floor.ready_at[op])
        return slot

    def _next_machine(self) -> tuple[float, int] | None:
        while self.earliest:
            completion, machine, stamp = heappop(self.earliest)
            if stamp == self.stamp[machine]:
                return completion, machine
        return None

    def _choose(self, machine: int, completion: float) -> tuple[int, int, int]:
        """The rule's pick among the operations that can start on `machine` before `completion` (or
        complete by then: a zero-duration one) and finish no later anywhere else."""
        jobs, ops = self.problem.jobs, self.problem.operations
        best: tuple[tuple[float, int, float, int], int, int] | None = None
        heap_of: list[tuple[float, int]] | None = None
        skipped: list[tuple[list[tuple[float, int]], tuple[float, int]]] = []
        for bucket in self.buckets[machine].values():
            start, end = self._slot(machine, bucket)
            if start >= completion and end > completion:
                continue
            for heap in bucket.heaps.values():
                while (top := self._top(heap)) is not None and not self._best_here(top[1], machine, end):
                    skipped.append((heap, heappop(heap)))
                if top is not None:
                    key, op = top
                    rank = (self.score(op, key, start, end, jobs[ops[op].job].weight), start, key, op)
                    if best is None or rank < best[0]:
                        best, heap_of = (rank, start, end), heap
        for _, op in self._later_before(machine, completion):
            start, end = self._later_slot(machine, op)
            if (start < completion or end <= completion) and self._best_here(op, machine, end):
                key = self.key(op)
                rank = (self.score(op, key, start, end, jobs[ops[op].job].weight), start, key, op)
                if best is None or rank < best[0]:
                    best, heap_of = (rank, start, end), None
        if best is None:
            raise RuntimeError(
                f"dispatch: nothing to start on machine {machine} although its heap offered {completion}"
            )
        rank, start, end = best
        if heap_of is not None:
            heappop(heap_of)
        for heap, entry in skipped:
            heappush(heap, entry)
        return rank[-1], start, end

    def _best_here(self, op: int, machine: int, end: int) -> bool:
        """Whether no other eligible machine finishes `op` before `end`."""
        modes = self.problem.operations[op].modes
        if len(modes) == 1:
            return True
        ready_at = self.floor.ready_at[op]
        return all(
            mode.machine == machine or self.floor.fit(mode.machine, op, mode.duration, ready_at)[1] >= end
            for mode in modes
        )


def _earliest_fit(
    problem: Problem, timeline: _Timeline, machine: int, op: int, duration: int, ready_at: int
) -> tuple[int, int]:
    """The earliest [start, end) on `machine` at or after `ready_at` that fits a gap, changeovers (in working
    time) included. On a machine with changeovers, an operation of no length goes where the checker reads it
    (`_Timeline`): at the instant of one of no length listed after it, it would be read before that one, after
    another changeover, so it goes a unit later."""
    operation = problem.operations[op]
    unavailable = problem.machines[machine].unavailable
    ordered = duration == 0 and problem.machines[machine].changeover is not None  # no other can tie
    i = bisect_right(timeline.ends, ready_at)
    while True:
        previous = timeline.ops[i - 1] if i > 0 else None
        free_from = timeline.ends[i - 1] if i > 0 else 0
        setup = problem.setup_time(machine, previous, op)
        placed_setup = problem.changeover_to_place(machine, setup, op)
        start = earliest_start(
            unavailable, max(ready_at, free_from + setup), duration, operation.interruptible, placed_setup
        )
        end = finish(unavailable, start, duration, operation.interruptible)
        if ordered and previous is not None and (start, end, op) < (timeline.starts[i - 1], free_from, previous):
            ready_at = start + 1
            continue
        if i == len(timeline.ops) or (
            _fits_before(problem, timeline, i, machine, op, end)
            and (not ordered or (start, end, op) < (timeline.starts[i], timeline.ends[i], timeline.ops[i]))
        ):
            return start, end
        i += 1


def _fits_before(problem: Problem, timeline: _Timeline, i: int, machine: int, op: int, end: int) -> bool:
    """Whether `op`, ending at `end`, leaves room for the changeover to the operation already placed `i`-th on
    the machine, in working time where it must be (`Problem.changeover_to_place`)."""
    following, following_start = timeline.ops[i], timeline.starts[i]
    setup = problem.setup_time(machine, op, following)
    placed = problem.changeover_to_place(machine, setup, following)
    unavailable = problem.machines[machine].unavailable
    return end + setup <= following_start and off_during(unavailable, following_start - placed, following_start) is None


def _rule(problem: Problem, rule: str, ready_at: list[int], work: list[int], count: list[int]) -> tuple[Key, Score]:
    """(key, score): `key(op)` orders the operations of a bucket (it may only grow while they wait: the
    heaps refresh it lazily); `score(op, key, start, end, weight)` compares across buckets, smaller first,
    and agrees with `key` inside one (same start, end and weight)."""
    ops, jobs = problem.operations, problem.jobs

    def plain(op: int, key: float, start: int, end: int, weight: int) -> float:
        return key

    if rule == "SPT":
        return (lambda op: 0), lambda op, key, start, end, weight: end - start
    if rule == "LPT":
        return (lambda op: 0), lambda op, key, start, end, weight: start - end
    if rule == "MWKR":
        return (lambda op: -work[ops[op].job]), plain
    if rule == "MOPNR":
        return (lambda op: -count[ops[op].job]), plain
    if rule == "FIFO":
        return ready_at.__getitem__, lambda op, key, start, end, weight: start
    if rule == "EDD":
        return (lambda op: _due(jobs[ops[op].job].due)), plain
    mean = max(1.0, sum(op.min_duration for op in ops) / max(1, len(ops)))

    def apparent_tardiness_cost(op: int, key: float, start: int, end: int, weight: int) -> float:
        slack = max(0.0, key - start)
        return -(weight / max(1, end - start)) * math.exp(-slack / (2.0 * mean))

    return (lambda op: _due(jobs[ops[op].job].due) - work[ops[op].job]), apparent_tardiness_cost


def _due(due: int | None) -> float:
    return math.inf if due is None else due
