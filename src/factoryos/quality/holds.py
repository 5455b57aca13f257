"""Holds: containment of suspect product until someone decides what becomes of it.

A hold is on a lot (every unit containing it), a range of serials (a unit in it, or containing one), or an
equipment's output over a window (every unit worked on there then, or containing one). While it is placed
the units it covers do not ship; it is released with a disposition: use as is, rework, or scrap. Who placed
and released it, when and why, stay on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from factoryos.model.errors import FactoryosError
from factoryos.model.readings import to_us

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


class HoldError(FactoryosError):
    """A hold that cannot be placed or released as asked."""


class HoldScope(StrEnum):
    """What a hold is placed on."""

    LOT = "lot"
    SERIALS = "serials"
    EQUIPMENT = "equipment"


class Disposition(StrEnum):
    """What becomes of held units when the hold is released."""

    USE = "use"
    REWORK = "rework"
    SCRAP = "scrap"


@dataclass(frozen=True)
class Hold:
    """A hold as placed (and, once released, its disposition). `target` is the lot, the first serial of the
    range, or the equipment path; `last` the last serial of a range; `start`/`end` an equipment's window."""

    id: int
    scope: HoldScope
    target: str
    reason: str
    placed_by: str
    placed_at: datetime
    last: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    released_at: datetime | None = None
    released_by: str | None = None
    disposition: Disposition | None = None
    release_note: str | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None

    def covers(self, items: Iterable[str], visits: Iterable[tuple[str, int, int | None]]) -> bool:
        """Whether the hold covers a unit made of `items` (its serial and everything in it) that was worked on
        in `visits` (equipment, start_us, end_us or None while running)."""
        if self.scope is HoldScope.LOT:
            return self.target in set(items)
        if self.scope is HoldScope.SERIALS:
            return any(in_range(item, self.target, self.last or self.target) for item in items)
        assert self.start is not None
        assert self.end is not None
        start_us, end_us = to_us(self.start), to_us(self.end)
        return any(
            on_or_under(equipment, self.target) and begin < end_us and (finish is None or finish >= start_us)
            for equipment, begin, finish in visits
        )


_GRAVITY = {Disposition.USE: 0, Disposition.REWORK: 1, Disposition.SCRAP: 2}


def gravest(holds: Iterable[Hold]) -> Hold | None:
    """Of the released `holds` (all covering one unit), the one that decides what became of it: scrap over
    rework over use, and of two alike the later release (a unit reworked twice is good after the second)."""
    ranked = [
        (_GRAVITY[hold.disposition], hold.released_at, hold.id, hold)
        for hold in holds
        if hold.disposition is not None and hold.released_at is not None
    ]
    return max(ranked)[-1] if ranked else None


def on_or_under(equipment: str, path: str) -> bool:
    """Whether `equipment` is the equipment at `path` or part of it."""
    return equipment == path or equipment.startswith(path.rstrip("/") + "/")


def check_range(first: str, last: str) -> None:
    """A serial range is one serial (any, such as a kit `MO0000218-1/asm-roof`), or two serials of one prefix
    ending in numbers, the first not after the last."""
    if first == last:
        return
    a, b = _NUMBERED.match(first), _NUMBERED.match(last)
    if a is None or b is None or a.group(1) != b.group(1):
        raise HoldError(
            f"serial range {first}..{last}: expected two serials with the same prefix ending in a number, "
            "e.g. SN-0100..SN-0250"
        )
    if int(a.group(2)) > int(b.group(2)):
        raise HoldError(f"serial range {first}..{last}: the first serial comes after the last")


def range_prefix(first: str) -> str:
    """What every serial of a range starting at `first` starts with: its prefix before the number (or all of
    it, a range of one serial without a number)."""
    match = _NUMBERED.match(first)
    return match.group(1) if match is not None else first


def in_range(serial: str, first: str, last: str) -> bool:
    """Whether `serial` has the range's prefix and a number within it (a range of one serial is that serial)."""
    if serial in (first, last):
        return True
    match, low, high = _NUMBERED.match(serial), _NUMBERED.match(first), _NUMBERED.match(last)
    if match is None or low is None or high is None or match.group(1) != low.group(1):
        return False
    return int(low.group(2)) <= int(match.group(2)) <= int(high.group(2))


def covering(holds: Iterable[Hold]) -> Callable[[Iterable[str], Iterable[tuple[str, int, int | None]]], bool]:
    """Whether a placed hold (of any scope) among `holds` covers a unit made of these items, worked on in these
    visits (see `Hold.covers`): the judgement the twin's quarantine obeys."""
    placed = [hold for hold in holds if hold.active]

    def covered(items: Iterable[str], visits: Iterable[tuple[str, int, int | None]]) -> bool:
        items, visits = tuple(items), tuple(visits)
        return any(hold.covers(items, visits) for hold in placed)

    return covered
