"""Quarantine: the twin's side of a hold. A unit is held when a hold covers it, anything built into it at any
depth (a kit, a lot drawn from a supermarket, and what those consumed in turn), or an operation on it or on
anything in it.

The floor tells the quarantine of every operation as it starts (the part and what it has consumed so far)
and ends (where, from when to when); a serial found covered is remembered, so a kit or a lot carries its
hold into every unit that consumes it. `covers` is the holds' judgement (see `factoryos.quality.holds`): told
a unit's items (its serial and what it consumed) and visits (equipment path, start and end in microseconds
since the Unix epoch), whether a placed hold covers them. Times are the event stream's, so a hold in the
twin covers exactly the units the stored genealogy would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from factoryos.model.readings import to_us
from factoryos.twin.part import Part

Visit = tuple[str, int, int | None]
Covers = Callable[[tuple[str, ...], tuple[Visit, ...]], bool]


class Quarantine:
    """The serials a hold covers, found as the floor works on them."""

    def __init__(self, covers: Covers, epoch: datetime) -> None:
        self.covers = covers
        self.epoch = epoch
        self.held: set[str] = set()
        self._started: dict[str, int] = {}

    def started(self, part: Part, now: float) -> None:
        """An operation on `part` starts: held when it, or anything it consumed, is."""
        self._started[part.serial] = self._us(now)
        self.holds(part)

    def finished(self, part: Part, equipment: str, now: float) -> None:
        """An operation on `part` at `equipment` ends: held when a hold covers that visit."""
        begin = self._started.pop(part.serial, None)
        end = self._us(now)
        if part.serial not in self.held and self.covers((), ((equipment, end if begin is None else begin, end),)):
            self.held.add(part.serial)

    def holds(self, part: Part) -> bool:
        """Whether `part` is held (and remember it when it is)."""
        serial = part.serial
        if serial in self.held:
            return True
        if any(item in self.held for item in part.lots) or self.covers((serial, *part.lots), ()):
            self.held.add(serial)
            return True
        return False

    def _us(self, now: float) -> int:
        return to_us(self.epoch + timedelta(seconds=now))
