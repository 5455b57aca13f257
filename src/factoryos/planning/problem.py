"""An MRP problem as plain data: items, their bills, stock, open receipts, suppliers and independent demand.

Everything an MRP run reads, and nothing about where it came from: `factoryos.planning.plant_problem` builds
one from a plant file and its orders, `factoryos.bench.mrp` generates large ones. Quantities are in each
item's unit of measure; days are calendar dates, the first being `start`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from factoryos.model.errors import FactoryosError

LotRuleName = Literal["lot-for-lot", "fixed", "multiple", "minimum", "poq", "eoq"]


@dataclass(frozen=True)
class LotRule:
    """How a net requirement becomes a planned quantity. `quantity` is the lot (fixed), the multiple, or the
    minimum; `periods` the days of net requirements one period order quantity covers; an EOQ lot is
    sqrt(2 x demand per year x `order_cost` / (unit cost x `carrying_rate`)), never below the net requirement."""

    rule: LotRuleName = "lot-for-lot"
    quantity: float = 0.0
    periods: int = 1
    order_cost: float = 0.0
    carrying_rate: float = 0.25


def one_rule_of_each(
    fixed: float, multiple: float, minimum: float, periods: int, order_cost: float
) -> tuple[LotRule, ...]:
    """Every lot-sizing rule once, lot-for-lot first: a `fixed` lot, a `multiple`, a `minimum`, a period order
    quantity over `periods` days and an EOQ at `order_cost`; the mix generated problems draw their items'
    rules from (the MRP benchmark, the checker's property tests)."""
    return (
        LotRule(),
        LotRule("fixed", fixed),
        LotRule("multiple", multiple),
        LotRule("minimum", minimum),
        LotRule("poq", periods=periods),
        LotRule("eoq", order_cost=order_cost),
    )


@dataclass(frozen=True)
class Item:
    """A material as MRP plans it. `material` is the plant's material id (configured variants of one
    material are separate items that share it); `suppliers` lists the sources of a bought item, preferred
    first; `lead_time_days` is in working days for a made item and calendar days for a bought one without
    a supplier; `lead_time_basis` says how a lead time the plant file does not give was worked out (empty:
    given). `final_yield` is the share of the units started that come out good (a made item's routing scraps
    the rest, `model.plant.Plant.final_yield`): a planned lot is the good units it brings, and its components
    are required for quantity / `final_yield` started, so that they cover the units made again. A `whole` item
    is counted in pieces (the plant's "ea" or "set", `model.plant.COUNTED_UNITS`): each of its planned lots is
    rounded up to a whole number of units after its lot-size rule, the rounding's excess kept as stock for later
    needs; one not whole (the default, as for "kg" or "m") is planned to any fraction."""

    id: str
    source: Literal["make", "buy"]
    lead_time_days: int = 0
    lot: LotRule = field(default_factory=LotRule)
    safety_stock: float = 0.0
    unit_cost: float = 0.0
    suppliers: tuple[str, ...] = ()
    material: str = ""
    lead_time_basis: str = ""
    final_yield: float = 1.0
    whole: bool = False

    @property
    def material_id(self) -> str:
        return self.material or self.id


@dataclass(frozen=True)
class BomLine:
    """`quantity` of `component` per unit of `parent`; a share `scrap` of what is issued is lost, so
    quantity / (1 - scrap) is issued."""

    parent: str
    component: str
    quantity: float
    scrap: float = 0.0

    @property
    def issued(self) -> float:
        return self.quantity / (1.0 - self.scrap)


@dataclass(frozen=True)
class Supplier:
    """A source of bought items: lead time in calendar days, minimum order, order multiple, and capacity per
    ISO week summed over everything it ships (None: unlimited)."""

    id: str
    lead_time_days: int
    min_order: float = 0.0
    order_multiple: float = 1.0
    weekly_capacity: float | None = None


@dataclass(frozen=True)
class Stock:
    """On hand: a lot of an item at a location."""

    item: str
    location: str
    lot: str
    quantity: float


@dataclass(frozen=True)
class Allocation:
    """Stock already promised to an order outside this plan (issued to a released order): not available."""

    item: str
    quantity: float
    reference: str = ""


@dataclass(frozen=True)
class Receipt:
    """An open (scheduled) receipt: a purchase order or production order already released, due on `due`."""

    id: str
    item: str
    due: date
    quantity: float
    supplier: str | None = None


@dataclass(frozen=True)
class Demand:
    """Independent demand: a customer order line or a forecast quantity, due on `due`."""

    id: str
    item: str
    due: date
    quantity: float
    kind: Literal["order", "forecast"] = "order"
    customer_order: str | None = None


@dataclass(frozen=True)
class LineCapacity:
    """The constrained line: the items it builds and the units it can start per day (by day from `start`)."""

    id: str
    items: tuple[str, ...]
    per_day: tuple[float, ...]


@dataclass(frozen=True)
class Problem:
    """One MRP run's input. `working` says, per day from `start`, whether the site works; it must cover the
    horizon and the longest lead time beyond it."""

    start: date
    horizon_days: int
    working: tuple[bool, ...]
    items: tuple[Item, ...]
    bom: tuple[BomLine, ...] = ()
    suppliers: tuple[Supplier, ...] = ()
    stock: tuple[Stock, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    receipts: tuple[Receipt, ...] = ()
    demands: tuple[Demand, ...] = ()
    line: LineCapacity | None = None

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)


def working_days(
    start: date, days: int, off_weekdays: frozenset[int] = frozenset({5, 6}), holidays: Iterable[date] = ()
) -> tuple[bool, ...]:
    """A calendar that works every day but the given weekdays (Monday 0) and holidays."""
    closed = set(holidays)
    return tuple(
        (start + timedelta(days=k)).weekday() not in off_weekdays and start + timedelta(days=k) not in closed
        for k in range(days)
    )


class PlanningError(FactoryosError):
    """An MRP problem that cannot be planned: a cycle in the bills, an unknown item, a bad figure."""
