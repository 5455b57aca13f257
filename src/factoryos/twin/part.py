"""What flows through the twin: a part (a serial) following its route of operations.

A route is a tuple of `Step`s, each naming where the part goes (anything with `put(part)`: a buffer, a
conveyor, the sink) and the `Operation` done there. Plain, slotted objects: millions are made in a month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from factoryos.twin.distributions import Duration


@dataclass(frozen=True, slots=True)
class TestSpec:
    """An end-of-line test: named measurements with limits; failing units go through the rework loop."""

    __test__ = False  # not a pytest class
    name: str
    measurements: tuple[tuple[str, str, float, float, float], ...] = ()  # (name, unit, nominal, low, high)


@dataclass(frozen=True, slots=True)
class Operation:
    """One routing operation: how long it runs, what it needs set up, and how often it comes out right.

    `rework` is the detour a failed unit takes (for example re-spray, or repair) before it repeats this
    operation; without a detour a failed unit is scrapped.
    """

    name: str
    run: Duration
    setup_group: str | None = None
    setup: Duration = field(default_factory=lambda: Duration(0.0))
    yield_rate: float = 1.0
    rework: tuple[Step, ...] = ()
    test: TestSpec | None = None
    work_order_op: str | None = None


class Destination(Protocol):
    def put(self, part: Part) -> Any: ...


@dataclass(frozen=True, slots=True)
class Step:
    to: Destination
    op: Operation


class Part:
    """One unit in production. `sequence` and `unit` carry the schedule (its order and assigned equipment)."""

    __slots__ = (
        "serial",
        "product",
        "route",
        "step",
        "released",
        "due",
        "order",
        "lots",
        "sequence",
        "unit",
        "reworks",
    )

    def __init__(
        self,
        serial: str,
        route: tuple[Step, ...],
        released: float,
        due: float = float("inf"),
        product: str = "",
        order: str = "",
        lots: tuple[str, ...] = (),
    ) -> None:
        self.serial = serial
        self.product = product
        self.route = route
        self.step = 0
        self.released = released
        self.due = due
        self.order = order
        self.lots = lots
        self.sequence: dict[str, int] | None = None
        self.unit: dict[str, str] | None = None
        self.reworks = 0

    @property
    def op(self) -> Operation:
        return self.route[self.step].op

    def __repr__(self) -> str:
        return f"Part({self.serial!r}, step={self.step}/{len(self.route)})"
