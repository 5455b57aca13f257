"""Kanban places of the buffers in front of work centers, as the rolling sequence takes them (`problem.Buffer`).

A unit takes a place when it starts its first operation on the work center that feeds a buffer and frees it when
it starts its first operation on the work center behind it: work is not started upstream that the buffer could
not take in (a module line running on over a weekend its pack line is shut for). Operations are placed in the
order they are ready, so a place is known taken before it is known freed, and it is held until then: an
operation that takes a place starts once the buffer has one free from then on, after the places planned taken by
then and later; when none will be free until units already in are taken out, it waits (`park`) until one of them
is placed (`placed`).
"""

from __future__ import annotations

import heapq
from bisect import bisect_right, insort
from collections.abc import Sequence
from itertools import groupby

from factoryos.scheduling.problem import Problem


class Places:
    """The places of one buffer: the instants each was taken and, once known, freed (sorted)."""

    __slots__ = ("capacity", "taken", "freed")

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.taken: list[int] = []
        self.freed: list[int] = []

    def room_from(self, at: int) -> int | None:
        """The earliest instant from `at` on from which one more place is free for good, as far as is known: None
        while more places are held for ever (freed by entries not yet placed) than leave one."""
        i, k = bisect_right(self.taken, at), bisect_right(self.freed, at)
        changes = heapq.merge(((t, 1) for t in self.taken[i:]), ((t, -1) for t in self.freed[k:]))
        levels = [(at, i - k)]
        for instant, same in groupby(changes, key=lambda change: change[0]):
            levels.append((instant, levels[-1][1] + sum(step for _, step in same)))
        room, highest = None, levels[-1][1]
        for instant, level in reversed(levels):
            highest = max(highest, level)
            if highest >= self.capacity:
                return room
            room = instant
        return room


class Kanbans:
    """The kanban places of a problem's buffers while a list scheduler places its operations: which operations
    take a place (the first of a unit's passage) and which free one (its entry)."""

    def __init__(self, problem: Problem) -> None:
        self.places = [Places(buffer.capacity) for buffer in problem.buffers]
        self.takes: dict[int, list[int]] = {}
        self.frees: dict[int, list[int]] = {}
        for b, buffer in enumerate(problem.buffers):
            for first, _, entry in buffer.passages:
                self.takes.setdefault(first, []).append(b)
                self.frees.setdefault(entry, []).append(b)
        self.parked: dict[int, list[tuple[float, int]]] = {}  # per buffer, a heap of (rank, operation)
        self.forced: set[int] = set()

    def room(self, op: int, ready: int) -> int | None:
        """The earliest `op` may start from `ready` with a place in each buffer it takes one of (None: not known
        yet; `park` it)."""
        if op in self.forced:
            return ready
        start: int | None = ready
        for b in self.takes.get(op, ()):
            start = self.places[b].room_from(start) if start is not None else None
        return start

    def park(self, op: int, rank: float) -> None:
        """Hold `op` (its job's place `rank` in the sequence) until a unit leaves a buffer it takes a place of."""
        for b in self.takes[op]:
            heapq.heappush(self.parked.setdefault(b, []), (rank, op))

    def placed(self, op: int, start: int) -> list[int]:
        """`op` starts at `start`: the places it takes and frees; for each it frees, the first operation in the
        sequence parked for that buffer (a place freed is one place: were it not room enough for that one, it is
        for none)."""
        for b in self.takes.get(op, ()):
            insort(self.places[b].taken, start)
        unparked = []
        for b in self.frees.get(op, ()):
            insort(self.places[b].freed, start)
            if self.parked.get(b):
                unparked.append(heapq.heappop(self.parked[b])[1])
        return unparked

    def force_first(self, placed: Sequence[object | None]) -> int | None:
        """When every operation left waits for a place that only another of them would free (a route that goes
        back and forth between two bounded buffers fills both with units waiting for the other), the first of them
        in the sequence, let in over its places from now on, as the floor's buffer would overfill
        (`checker.overfilled` says by how much); None when none waits."""
        waiting = [(rank, op) for heap in self.parked.values() for rank, op in heap if placed[op] is None]
        if not waiting:
            return None
        op = min(waiting)[1]
        self.forced.add(op)
        return op
