"""A batch process (an oven, an e-coat dip, a press run on one die set): several parts processed together.

The batch starts with the parts waiting when the station is free, up to `batch_size` (or only once it is
full, with `full_batches`, as a press waits for a full run); the cycle time is the first part's operation
run time, and a changeover follows the setup group of the batch.
"""

from __future__ import annotations

from typing import Any

from factoryos.model.errors import FactoryosError
from factoryos.twin.equipment import Equipment, Server
from factoryos.twin.states import BLOCKED, WORKING


class BatchStation(Equipment):
    def __init__(self, *args: Any, batch_size: int, full_batches: bool = False, **kwargs: Any) -> None:
        if batch_size < 1:
            raise FactoryosError(f"batch station: batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.full_batches = full_batches
        self.batches = 0
        super().__init__(*args, **kwargs)

    def _serve(self, srv: Server) -> Any:
        inbox = self.inbox
        while True:
            if self._gated(srv):
                yield from self._wait_until_available(srv)
            batch = []
            while len(batch) < self.batch_size:
                part = inbox.take(self.pick)
                if part is None:
                    if batch and not self.full_batches:
                        break
                    part = yield from self._starve(srv)
                batch.append(part)
            if self.crew is not None:
                yield from self._man(srv)
            started = self.env.now
            op = batch[0].route[batch[0].step].op
            yield from self._set_up_for(srv, op)
            self._to(srv, WORKING)
            if self.publisher is not None:
                for part in batch:
                    self._started(srv, part, op.name)
            yield from self._work(srv, op.run.sample(self.rng) / self.speed)
            if self.crew is not None:
                self.crew.release(self.env.now - started)
            self.batches += 1
            for part in batch:
                self.completed += 1
                self.ideal_seconds += op.run.mean / self.speed / self.batch_size
                if self._finish(part, part.route[part.step].op):
                    blocked = self._forward(part)
                    if blocked is not None:
                        self._to(srv, BLOCKED)
                        yield blocked
