"""A paced (takt) line: `positions` stations joined by a conveyor that indexes every `takt` seconds.

All positions move together, so the line is one piece of equipment with one state: a breakdown anywhere
stops the whole line (its MTBF is the line's), a full outfeed blocks it, an empty infeed leaves a gap that
travels down the line. A unit spends `positions` takts on the line; one unit leaves per takt at best. Its
ideal cycle is the `design_takt`: a line paced slower than designed shows the difference as lost speed.

A unit's task on the line runs `positions` times what it holds each position: the takt, or longer where its
work at a station is longer than the takt (`factoryos.model.operation_time.run_seconds`, as the scheduler
holds each station). While such a unit is on the line, the line indexes that much slower (in proportion when
it runs slower than designed), and that is its ideal cycle: a plant file that puts more work on a station
than its takt stops the line longer, as the scheduler plans, which is not lost speed.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from factoryos.model.errors import FactoryosError
from factoryos.twin.equipment import Equipment, Server
from factoryos.twin.part import Part
from factoryos.twin.states import BLOCKED, WORKING


class PacedLine(Equipment):
    """A takt line of `positions` stations that index together every `takt` seconds, run as one piece of equipment."""

    __slots__ = ("positions", "takt", "design_takt", "on_line")

    def __init__(
        self, *args: Any, positions: int, takt: float, design_takt: float | None = None, **kwargs: Any
    ) -> None:
        if positions < 1 or not takt > 0:
            raise FactoryosError(f"paced line: needs positions >= 1 and takt > 0, got {positions} and {takt}")
        self.positions = positions
        self.takt = takt
        self.design_takt = design_takt or takt  # the ideal cycle: a line run slower loses speed
        self.on_line = 0
        super().__init__(*args, **kwargs)

    def _cycle(self, part: Part) -> float:
        """Seconds the line indexes at while `part` is on it: the takt, or longer in proportion to what its work
        holds each position beyond the design takt."""
        hold = part.route[part.step].op.run.mean / self.positions
        return self.takt * max(1.0, hold / self.design_takt)

    @property
    def line(self) -> str:
        return self.path

    def _serve(self, srv: Server) -> Any:
        inbox = self.inbox
        watched = self.watched
        slots: deque[Part | None] = deque([None] * self.positions)
        cycles: deque[float] = deque([self.takt] * self.positions)  # what each position's unit indexes at
        longer = 0  # positions whose unit holds the line longer than the takt
        while True:
            if self._gated(srv):
                yield from self._wait_until_available(srv)
            if slots[0] is None:
                part = inbox.take(self.pick)
                if part is None and self.on_line == 0:
                    part = yield from self._starve(srv)
                    if self._gated(srv):
                        yield from self._wait_until_available(srv)
                if part is not None:
                    if self.planned is not None:
                        self.planned.begin(part, part.route[part.step].op.name)
                    consumes = part.route[part.step].consumes
                    if consumes:
                        yield from self._draw(srv, part, consumes)  # the line stops for a missing part
                    slots[0] = part
                    cycles[0] = self._cycle(part)
                    longer += cycles[0] > self.takt
                    self.on_line += 1
                    if watched:
                        self._started(srv, part, part.route[part.step].op.name)
            self._to(srv, WORKING)
            yield from self._work(srv, max(cycles) if longer else self.takt)
            done = slots.pop()
            slots.appendleft(None)
            cycle = cycles.pop()
            cycles.appendleft(self.takt)
            if done is None:
                continue
            longer -= cycle > self.takt
            self.on_line -= 1
            self.completed += 1
            self.ideal_seconds += self.design_takt * cycle / self.takt
            if self._finish(done, done.route[done.step].op):
                blocked = self._forward(done)
                if blocked is not None:
                    self._to(srv, BLOCKED)
                    yield blocked
