"""Work centers in parallel that a unit stays on once it enters one: identical ones (four SMT lines) and
paced lines of any takt (a fast and a slow packing line). A unit picks one line when it reaches them and
stays on it for the operations that follow on that kind of line.

A route holds the first line's steps as placeholders; `Lines` is the destination of the first of them and,
when a unit arrives, puts the chosen line's steps in their place. The unit goes to the line its schedule
assigned it to, else to the line with the fewest units waiting in its inboxes (ties in turn).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from factoryos.twin.buffer import Buffer
from factoryos.twin.part import Part, Step


class Lines:
    """A route step at parallel lines: the chosen line's steps replace the placeholders."""

    __slots__ = ("name", "variants", "inboxes", "centers", "assigned", "_turn")

    def __init__(self, name: str, assigned: Callable[[Part, str], str | None] | None = None) -> None:
        self.name = name  # `material/operation`, as a schedule names the operation (a paced line's task is the line)
        self.variants: list[list[Step]] = []  # one list of steps per line, all of the same length
        self.inboxes: list[list[Buffer]] = []
        self.centers: list[str] = []  # each line's work center
        self.assigned = assigned  # the work center a schedule put this unit's operation on, if any
        self._turn = 0

    def add(self, line: int, step: Step, center: str) -> None:
        while len(self.variants) <= line:
            self.variants.append([])
            self.inboxes.append([])
            self.centers.append(center)
        self.variants[line].append(step)
        if isinstance(step.to, Buffer):
            self.inboxes[line].append(step.to)

    def last(self, line: int) -> Step | None:
        return self.variants[line][-1] if line < len(self.variants) and self.variants[line] else None

    def choose(self, part: Part) -> int:
        if self.assigned is not None:
            center = self.assigned(part, self.name)  # the routing operation's, whatever a line runs it as
            if center in self.centers:
                return self.centers.index(center)
        queued = [sum(b.level for b in inboxes) for inboxes in self.inboxes]
        fewest = min(queued)
        count = len(queued)
        for k in range(count):
            line = (self._turn + k) % count
            if queued[line] == fewest:
                self._turn = line + 1
                return line
        return 0

    def _enter(self, part: Part) -> Step:
        variant = self.variants[self.choose(part)]
        i = part.step
        part.route = part.route[:i] + tuple(variant) + part.route[i + len(variant) :]
        return variant[0]

    def put(self, part: Part) -> Any:
        step = self._enter(part)
        if step.internal:
            step.to.force(part)  # type: ignore[attr-defined]
            return None
        return step.to.put(part)

    def force(self, part: Part) -> None:
        self._enter(part).to.force(part)  # type: ignore[attr-defined]
