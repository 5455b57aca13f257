"""What flows through the twin: a part (a serial) following its route of operations.

A route is a tuple of `Step`s, each naming where the part goes (anything with `put(part)`: a buffer, a
conveyor, the sink) and the `Task` done there. Plain, slotted objects: millions are made in a month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from factoryos.model.plant import Characteristic
from factoryos.twin.distributions import Duration


@dataclass(frozen=True, slots=True)
class TestSpec:
    """An inspection or end-of-line test: the characteristics it measures; failing units go through the rework
    loop."""

    __test__ = False  # not a pytest class
    name: str
    characteristics: tuple[Characteristic, ...] = ()


@dataclass(frozen=True, slots=True)
class Changeover:
    """Sequence-dependent setup: seconds to go from one setup group to another; the same group costs nothing."""

    default: float
    matrix: dict[str, dict[str, float]] = field(default_factory=dict)

    def seconds(self, before: str | None, after: str) -> float:
        if before is None or before == after:
            return 0.0
        return self.matrix.get(before, {}).get(after, self.default)


@dataclass(frozen=True, slots=True)
class Task:
    """A routing operation as a station runs it: how long, what set-up, and how often it comes out right.

    `tests` is the operation's inspection plan or test sequence. `rework` is the detour a failed unit takes
    (for example re-spray, or repair) before it repeats this operation; without a detour a failed unit is
    scrapped. `changeover`, when given, replaces `setup` with a
    sequence-dependent time; `units` limits the operation to some of the work units that share its inbox.
    `ideal` is the ideal seconds of one part (a lot: all its units) where that is not its mean run time or,
    on batch equipment, that over the batch size: a lot of 480 on racks of 48 takes ten rack cycles.
    `made` is how many units of its `material` one run makes where the part does not carry them (a kit's
    operations, folded: a pack's eight modules stacked in one run); else a run makes the part's quantity.
    `batch` is the batch it fills on batch equipment and the seconds that waits to fill, where not the
    equipment's: an oven that fires tiles in fours dries a mug alone.
    On equipment with a calendar an `interruptible` operation (a lot's: a saw cutting a bar lot) pauses while
    the calendar is closed; any other (a unit's, a furnace cycle of units) starts only where its planned run
    time fits before the next close, as the scheduler places it.
    """

    name: str
    run: Duration
    setup_group: str | None = None
    setup: Duration = field(default_factory=lambda: Duration(0.0))
    yield_rate: float = 1.0
    rework: tuple[Step, ...] = ()
    tests: tuple[TestSpec, ...] = ()
    changeover: Changeover | None = None
    units: frozenset[str] | None = None
    ideal: float | None = None
    made: int | None = None
    batch: tuple[int, float] | None = None
    material: str = ""
    interruptible: bool = False

    def made_of(self, part: Part) -> int:
        """How many units of its material one run of `part` makes: what the floor counts."""
        return self.made if self.made is not None else part.quantity


class Destination(Protocol):
    """Where a step sends a part: anything with `put(part)` (a buffer, a join, the sink)."""

    def put(self, part: Part) -> Any: ...


class Inbox(Destination, Protocol):
    """A work center's inbox, where an `internal` step goes: `force` takes a part in past its capacity."""

    def force(self, part: Part) -> None: ...


@dataclass(frozen=True, slots=True)
class Step:
    """Go to `to` for `op`. An `internal` step stays inside one work center and so ignores the capacity of
    its buffer (that capacity limits what enters the work center, and a work center must never block itself).
    `consumes` is the bought material the operation draws from line-side stock, (material, quantity) pairs:
    a step of a route, as the configured unit's bill of materials says, where the task is shared."""

    to: Destination
    op: Task
    internal: bool = False
    consumes: tuple[tuple[str, float], ...] = ()


def unit_label(order: str, unit: object) -> str:
    """What a unit made for `order` is called on the floor: `ORDER#k`, by its index in the order or its serial
    (finished goods peg it, purchasing and sampling group it by its order)."""
    return f"{order}#{unit}"


def order_of(label: str) -> str:
    """The order a unit's label names (`ORDER#k` -> `ORDER`)."""
    return label.split("#", 1)[0]


class Part:
    """One unit (or one lot of `quantity`) in production. A kit carries the serial of the unit it is built
    for in `parent`. `lots` is what it consumed so far (its kits, the lots its parts were drawn from); the first
    `told` of them are on the event stream already."""

    __slots__ = (
        "serial",
        "product",
        "route",
        "step",
        "released",
        "due",
        "order",
        "lots",
        "told",
        "reworks",
        "parent",
        "quantity",
        "configuration",
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
        parent: str | None = None,
        quantity: int = 1,
        configuration: dict[str, str] | None = None,
    ) -> None:
        self.serial = serial
        self.product = product
        self.route = route
        self.step = 0
        self.released = released
        self.due = due
        self.order = order
        self.lots = lots
        self.told = 0
        self.reworks = 0
        self.parent = parent
        self.quantity = quantity
        self.configuration = configuration

    def untold(self) -> tuple[str, ...]:
        """What it consumed since the event stream was last told, now counted as told: each operation's event
        names the lots drawn for it, not again all the unit ever drew."""
        new = self.lots[self.told :]
        self.told = len(self.lots)
        return new

    @property
    def op(self) -> Task:
        return self.route[self.step].op

    def __repr__(self) -> str:
        return f"Part({self.serial!r}, step={self.step}/{len(self.route)})"
