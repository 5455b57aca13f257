"""Operators: a crew of a given headcount that works a shift calendar; manned equipment needs its share of them.

A crew mans one station per operator unless it is a team sized for its stations (`stations`: how many of them
it can run at once, as when a work center's crew is cut to the load and some of its stations stand). Labour
is counted as paid hours (headcount x shift hours, breaks included), whatever the crew does with them: that
is what output per labour hour divides by.
"""

from __future__ import annotations

from collections import deque

from simpy import Environment, Event

from factoryos.model.errors import FactoryosError
from factoryos.twin.calendar import ShiftCalendar


class Crew:
    """Operators who work a shift calendar; a station waits for one of them (or for the team's share when `stations`
    is given) to run."""

    __slots__ = ("env", "name", "headcount", "calendar", "free", "_waiting", "busy_seconds")

    def __init__(
        self, env: Environment, name: str, headcount: int, calendar: ShiftCalendar, stations: int | None = None
    ) -> None:
        if headcount < 1:
            raise FactoryosError(f"crew {name}: headcount must be at least 1, got {headcount}")
        if stations is not None and stations < 1:
            raise FactoryosError(f"crew {name}: it must man at least 1 station, got {stations}")
        self.env = env
        self.name = name
        self.headcount = headcount
        self.calendar = calendar
        self.free = headcount if stations is None else stations
        self._waiting: deque[Event] = deque()
        self.busy_seconds = 0.0

    def acquire(self) -> Event | None:
        """None when an operator (or a station's team) is free now, else an event that fires when one is
        handed over."""
        if self.free > 0:
            self.free -= 1
            return None
        event = Event(self.env)
        self._waiting.append(event)
        return event

    def release(self, busy: float) -> None:
        self.busy_seconds += busy
        if self._waiting:
            self._waiting.popleft().succeed()
        else:
            self.free += 1

    def labour_hours(self, horizon: float) -> float:
        return self.headcount * self.calendar.paid_seconds(horizon) / 3600.0
