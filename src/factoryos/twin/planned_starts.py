"""When a schedule plans each piece of equipment busy: the planned start of each operation it gives it.

ISO 22400-2 counts as planned busy time the time a work unit is planned to be busy with orders. A server
waiting for a part is starved (a loss) once the planned start of the next operation of its sequence that has
not begun has come: the part is late against the plan. Before that nothing is planned for it, and it is idle.

An operation counts as begun wherever it began: the twin may run a work unit's operation on a peer of its
pool (a held-up peer's work, or work taken over from a busy one), and the unit the schedule gave it then waits
for its next one. An operation the twin runs that the schedule gave another unit does not count among the
unit's own. A unit made again after its scrap (`SERIAL-remade-k`) begins its operations under the serial first
made, which the schedule knows. Work the schedule does not sequence (lots of stocked components the twin
replenishes by its own reorder points, orders the schedule left out) plans no start: waiting for it is idle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

from factoryos.twin.part import Part

Key = tuple[str, str]  # (serial of the unit the schedule knows, operation)


class PlannedStarts:
    """Each piece of equipment's planned operations (by its path) in order of planned start (run seconds), and
    which have begun anywhere. Equipment that waits for a part asks `next_start`; equipment that begins an
    operation tells `begin`, which tells the equipment the operation was planned on (`attach`) to look again."""

    __slots__ = ("_sequences", "_owner", "_next", "_begun", "_replaces", "_watchers")

    def __init__(self, planned: Iterable[tuple[str, float, Key]], replaces: Mapping[str, str]) -> None:
        sequences: dict[str, list[tuple[float, Key]]] = {}
        for path, start, key in planned:
            sequences.setdefault(path, []).append((start, key))
        self._sequences = {path: sorted(sequence) for path, sequence in sequences.items()}
        self._owner = {key: path for path, sequence in self._sequences.items() for _, key in sequence}
        self._next = dict.fromkeys(self._sequences, 0)
        self._begun: set[Key] = set()
        self._replaces = replaces  # serial of a unit or kit made again -> the one first made
        self._watchers: dict[str, Callable[[], None]] = {}

    def attach(self, path: str, look_again: Callable[[], None]) -> None:
        """`look_again` is called when an operation planned on `path` begins (there or on a peer)."""
        self._watchers[path] = look_again

    def next_start(self, path: str) -> float:
        """The planned start of the first operation planned on `path` that has not begun (inf: none is left)."""
        sequence = self._sequences.get(path)
        if sequence is None:
            return math.inf
        k, begun = self._next[path], self._begun
        while k < len(sequence) and sequence[k][1] in begun:
            k += 1
        self._next[path] = k
        return sequence[k][0] if k < len(sequence) else math.inf

    def begin(self, part: Part, operation: str) -> None:
        """`operation` of `part` begins: it is no longer awaited where it was planned."""
        serial = part.parent or part.serial
        key = (self._replaces.get(serial, serial), operation)
        path = self._owner.get(key)
        if path is None or key in self._begun:
            return
        self._begun.add(key)
        watcher = self._watchers.get(path)
        if watcher is not None:
            watcher()
