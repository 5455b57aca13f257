"""A batch process (an oven, an e-coat dip, a press run on one die set): several parts processed together.

The batch starts with the parts waiting when the station is free, up to `batch_size` units of the same
operation (its own batch where its task says one: an oven that fires tiles in fours dries a mug alone); one
that is not full waits up to `fill_wait` seconds for more (inf: until it is full, as a press waits for a full
run), starved meanwhile, then starts with what it has. A lot fills a batch of its own, its run
time already that of the batches it needs. The cycle time is the first part's operation run time, and a
changeover follows the setup group of the batch.
"""

from __future__ import annotations

import math
from typing import Any

from factoryos.model.errors import FactoryosError
from factoryos.twin.buffer import Picker
from factoryos.twin.equipment import Equipment, Server
from factoryos.twin.part import Part, Task
from factoryos.twin.states import BLOCKED, WORKING


class BatchStation(Equipment):
    """A station that processes up to `batch_size` parts of one operation together (an oven, a dip, a press run);
    a batch that is not full waits up to `fill_wait` seconds for more (0: none, inf: until it is full)."""

    __slots__ = ("batch_size", "fill_wait", "batches")

    def __init__(self, *args: Any, batch_size: int, fill_wait: float = 0.0, **kwargs: Any) -> None:
        if batch_size < 1:
            raise FactoryosError(f"batch station: batch_size must be >= 1, got {batch_size}")
        if not fill_wait >= 0:
            raise FactoryosError(f"batch station: fill_wait must be >= 0 seconds, got {fill_wait}")
        self.batch_size = batch_size
        self.fill_wait = fill_wait
        self.batches = 0
        super().__init__(*args, **kwargs)

    def _serve(self, srv: Server) -> Any:
        inbox = self.inbox
        while True:
            if self._gated(srv):
                yield from self._wait_until_available(srv)
            batch: list[Part] = []
            filled, until, size = 0, math.inf, self.batch_size
            while filled < size:
                pick = self.pick if not batch else self._fits(batch[0].route[batch[0].step].op, size - filled)
                part = inbox.take(pick)
                if part is None and not batch:
                    part = yield from self._starve(srv)
                elif part is None:
                    if self.env.now >= until:
                        break
                    part = yield from self._fill(srv, pick, until)
                    if part is None:
                        break
                if not batch:
                    size, wait = self._batch_of(part.route[part.step].op)
                    until = self.env.now + wait
                batch.append(part)
                filled += part.quantity
                if self.planned is not None:
                    self.planned.begin(part, part.route[part.step].op.name)
            for part in batch:
                consumes = part.route[part.step].consumes
                if consumes:
                    yield from self._draw(srv, part, consumes)
            if self.crew is not None:
                yield from self._man(srv)
            started = self.env.now
            op = batch[0].route[batch[0].step].op
            yield from self._set_up_for(srv, op)
            if self.calendar is not None:
                yield from self._hold_for_shift(srv, op)
            self._to(srv, WORKING)
            if self.watched:
                for part in batch:
                    self._started(srv, part, op.name)
            seconds = op.run.sample(self.rng) / self.speed
            if self.calendar is not None and op.interruptible:
                yield from self._work_in_shifts(srv, seconds)
            else:
                yield from self._work(srv, seconds)
            if self.crew is not None:
                self.crew.release(self.env.now - started)
            self.batches += 1
            for part in batch:
                task = part.route[part.step].op
                self.completed += task.made_of(part)
                ideal = task.ideal if task.ideal is not None else task.run.mean / size
                self.ideal_seconds += ideal / self.speed
                if self._finish(part, task):
                    blocked = self._forward(part)
                    if blocked is not None:
                        self._to(srv, BLOCKED)
                        yield blocked

    def _fill(self, srv: Server, pick: Picker | None, until: float) -> Any:
        """Wait for a part that fits the batch until `until` (inf: for good; see `_start_waiting`); None when
        none came in time."""
        self._start_waiting(srv)
        arrival = self.inbox.wait(pick)
        if math.isinf(until):
            yield arrival
        else:
            yield arrival | self.env.timeout(until - self.env.now)
        srv.waiting = False
        if arrival.triggered:
            return arrival.value
        self.inbox.cancel(arrival)
        return None

    def _batch_of(self, task: Task) -> tuple[int, float]:
        """The batch `task` fills and the seconds that waits to fill: its own, else the station's."""
        return task.batch if task.batch is not None else (self.batch_size, self.fill_wait)

    def _fits(self, task: Task, room: int) -> Picker:
        """Parts that may join a batch: the same operation, and `room` for them (a lot fills its own)."""

        def pick(items: Any) -> int:
            for i, part in enumerate(items):
                if part.quantity <= room and part.route[part.step].op.name == task.name:
                    return i
            return -1

        return pick
