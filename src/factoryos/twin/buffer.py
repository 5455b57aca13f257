"""A buffer between equipment: finite capacity blocks the upstream, an empty one starves the downstream.

Unlike a SimPy `Store`, a part that can move now moves without an event: `take` returns a part or None and
`put` returns None or an event to wait on, so the common case costs no scheduling at all. Stations that
follow a schedule or a dispatching rule pass a `Picker` that chooses among the waiting parts.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from simpy import Environment, Event

if TYPE_CHECKING:
    from factoryos.twin.part import Part

Picker = Callable[["deque[Part]"], int]  # index of the part to take, or -1 for none acceptable


TURNS = 1000  # how far down the queue waiting for room another product is looked for


class Buffer:
    """A buffer of parts with a capacity: `take` and `put` move a part at once when they can, else return an event
    to wait on; it keeps its time-average content."""

    __slots__ = ("env", "name", "capacity", "items", "_getters", "_putters", "_area", "_last", "_turn")

    def __init__(self, env: Environment, name: str, capacity: float = float("inf")) -> None:
        self.env = env
        self.name = name
        self.capacity = capacity
        self.items: deque[Part] = deque()
        self._getters: list[tuple[Picker | None, Event]] = []
        self._putters: deque[tuple[Event, Part]] = deque()
        self._area = 0.0
        self._last = 0.0
        self._turn = ""  # the product last let in from the queue waiting for room

    def put(self, part: Part) -> Event | None:
        """Hand the part to a waiting taker, store it, or return an event that fires once there is room."""
        if self._getters and self._handover(part):
            return None
        if len(self.items) >= self.capacity:
            event = Event(self.env)
            self._putters.append((event, part))
            self.reoffer()
            return event
        self._store(part)
        return None

    def force(self, part: Part) -> None:
        """Store a part whatever the capacity (a move inside the work center that owns this buffer)."""
        if not (self._getters and self._handover(part)):
            self._store(part)

    def take(self, pick: Picker | None = None) -> Part | None:
        items = self.items
        if not items:
            return None
        if pick is None:
            self._accrue()
            part = items.popleft()
        else:
            index = pick(items)
            if index < 0:
                return self._from_queue(pick) if self._putters else None
            part = self._remove(index)
        self._admit()
        return part

    def _from_queue(self, pick: Picker) -> Part | None:
        """The first part waiting for room (within `TURNS`) that a taker who will take none inside accepts: it
        comes in and out at once. A full inbox of parts a station will not take yet (another flavour than the one
        its schedule runs next) must not lock out the one it waits for."""
        putters = self._putters
        for k in range(min(len(putters), TURNS)):
            event, part = putters[k]
            if pick(deque((part,))) >= 0:
                del putters[k]
                event.succeed()
                return part
        return None

    def _remove(self, index: int) -> Part:
        self._accrue()
        part = self.items[index]
        del self.items[index]
        return part

    def _admit(self) -> None:
        """A place came free: the first part waiting for room comes in, products taking turns (the first of
        another product than the last admitted, within `TURNS`): one product's queue does not hold up
        another's at an inbox they share."""
        putters = self._putters
        if putters:
            k = 0
            if len(putters) > 1 and putters[0][1].product == self._turn:
                for i in range(1, min(len(putters), TURNS)):
                    if putters[i][1].product != self._turn:
                        k = i
                        break
            if k:
                event, waiting = putters[k]
                del putters[k]
            else:
                event, waiting = putters.popleft()
            self._turn = waiting.product
            event.succeed()
            if not (self._getters and self._handover(waiting)):
                self._store(waiting)

    def reoffer(self) -> None:
        """Offer the parts inside to the takers waiting again: now that the buffer holds up its upstream (see
        `blocking`), or a taker's patience ran out, one may take a part it would not take before."""
        for k, (pick, event) in enumerate(self._getters):
            index = pick(self.items) if pick is not None else 0
            if index >= 0:
                del self._getters[k]
                event.succeed(self._remove(index))
                self._admit()
                return

    @property
    def blocking(self) -> bool:
        """Full, with parts waiting upstream for room."""
        return bool(self._putters)

    def wait(self, pick: Picker | None = None) -> Event:
        """An event whose value is the next part this taker accepts (call after `take` returned None)."""
        event = Event(self.env)
        self._getters.append((pick, event))
        return event

    def cancel(self, event: Event) -> None:
        """Stop waiting: `event`, from `wait`, takes no part (one it already took is the caller's)."""
        self._getters = [(pick, waiting) for pick, waiting in self._getters if waiting is not event]

    @property
    def level(self) -> int:
        return len(self.items)

    def average_level(self, now: float) -> float:
        return (self._area + len(self.items) * (now - self._last)) / now if now > 0 else 0.0

    def _handover(self, part: Part) -> bool:
        probe: deque[Part] | None = None
        for i, (pick, event) in enumerate(self._getters):
            if pick is not None:
                probe = probe or deque((part,))
                if pick(probe) < 0:
                    continue
            del self._getters[i]
            event.succeed(part)
            return True
        return False

    def _store(self, part: Part) -> None:
        self._accrue()
        self.items.append(part)

    def _accrue(self) -> None:
        now = self.env.now
        self._area += len(self.items) * (now - self._last)
        self._last = now
