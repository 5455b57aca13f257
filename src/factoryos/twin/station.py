"""A station (an ISA-95 work unit): takes a part from its inbox, sets up, processes it, and passes it on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from factoryos.twin.equipment import Equipment, Maintenance, Reliability, Server
from factoryos.twin.states import BLOCKED, WORKING

if TYPE_CHECKING:
    from factoryos.twin.part import Inbox, Task

__all__ = ["Maintenance", "Reliability", "Station"]


class Station(Equipment):
    """One or more identical servers; a changeover is needed when the setup group differs from the last one.

    A station of a paced line run as its stations (`takt` > 0) holds each unit at least one takt, as the
    scheduler plans it (`factoryos.model.operation_time.run_seconds`): the line indexes no faster than its takt,
    and a unit whose work there is longer holds it longer.

    The loop is the twin's hot path: a part that can move moves without a SimPy event, and nothing is
    published unless a publisher is attached.
    """

    __slots__ = ("takt",)

    def __init__(self, *args: Any, takt: float = 0.0, **kwargs: Any) -> None:
        self.takt = takt  # seconds a unit holds the station at least (0: no takt)
        super().__init__(*args, **kwargs)

    def _planned_run(self, op: Task, units: int = 1) -> float:
        """The run time of `op` for `units` as planned here: its mean, at least a takt a unit."""
        return max(super()._planned_run(op), self.takt * units)

    def _serve(self, srv: Server) -> Any:
        env = self.env
        inbox = self.inbox
        pick = self.pick
        rng = self.rng
        watched = self.watched
        crew = self.crew
        simple = self.reliability is None
        speed = self.speed
        calendar = self.calendar
        planned_stops = self.maintenance is not None or calendar is not None  # else nothing holds a server
        planned = self.planned
        takt = self.takt
        while True:
            if planned_stops and self._gated(srv):
                yield from self._wait_until_available(srv)
            part = inbox.take(pick)
            if part is None:
                if calendar is None and planned is None:
                    self._to(srv, self.waiting_state)
                    part = yield inbox.wait(pick)
                else:
                    part = yield from self._starve(srv)
                if planned_stops and self._gated(srv):
                    yield from self._wait_until_available(srv)
            step = part.route[part.step]
            if planned is not None:
                planned.begin(part, step.op.name)
            if step.consumes:
                yield from self._draw(srv, part, step.consumes)
            if crew is not None:
                yield from self._man(srv)
            started = env.now
            op = step.op
            yield from self._set_up_for(srv, op)
            if calendar is not None:
                yield from self._hold_for_shift(srv, op)
            self._to(srv, WORKING)
            if watched:
                self._started(srv, part, op.name)
            seconds = op.run.sample(rng) if speed == 1.0 else op.run.sample(rng) / speed
            if takt:
                seconds = max(seconds, takt * op.made_of(part))  # the line indexes no faster
            if calendar is not None and op.interruptible:
                yield from self._work_in_shifts(srv, seconds)
            elif simple:
                yield env.timeout(seconds)
            else:
                yield from self._work(srv, seconds)
            if crew is not None:
                crew.release(env.now - started)
            units = op.made_of(part)
            self.completed += units
            self.ideal_seconds += self._planned_run(op, units) if takt else op.run.mean / speed
            if op.yield_rate < 1.0 or op.tests or watched:
                if not self._finish(part, op):
                    continue
            else:
                self.good += units
            part.step += 1
            if part.step < len(part.route):
                step = part.route[part.step]
                if step.internal:
                    cast("Inbox", step.to).force(part)
                    blocked = None
                else:
                    blocked = step.to.put(part)
            else:
                self.sink.put(part)
                blocked = None
            if blocked is not None:
                self._to(srv, BLOCKED)
                yield blocked
