"""Promise dates (capable-to-promise): the earliest day the plant can build an order, given the capacity left on
its constrained work center (calendar, ramp-up curve, orders already promised) and the bought material it
needs (stock on hand less what earlier promises took, supplier lead times); the promise names the binding
constraint ("Battery cells (cell-nmc): supplier lead time 16 weeks", "GA line (ga-line) capacity").

The planning engine (MRP) plans whole horizons; this answers one order in milliseconds. How it works:

- an order's load is the run minutes its configured build puts on each work center (every made material's
  operations, quantities through the configured BOM, scrap included, batch operations per unit, an
  operation several work centers can do split between them); a paced line moves one unit per takt
  whatever its stations do;
- a work center's capacity on a day is its calendar's working minutes that day (holidays cancel shifts,
  lights-out runs 24 h) times its units (one for a paced line); the ramp-up line works, during the ramp,
  the units the ramp-up curve plans for the month (none before it starts), and at mature efficiency after;
- the constrained work center is the one whose capacity over the coming four weeks covers the order's
  load the fewest times; the promise walks its days from the day after the order, takes the free minutes
  (capacity less what earlier promises booked), and the day the last minute fits is the promised date;
- material: the bought materials the plant keeps stock of or has on order (inventory lots or open purchase
  orders in the plant file; the others are taken as supplied on call, kanban or consignment) are exploded
  through the configured BOM; stock and open purchase orders, each from its due date, are taken first come
  first served (what earlier promises took is taken off every day's total); what they do not cover by the
  time a new order would arrive is bought and arrives the supplier's lead time (else the material's own)
  after the order's first day; the constrained work center is walked from the day the last material is in.
  Supplier capacity is not counted.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from factoryos.model.configuration import bom_lines, explode, operations
from factoryos.model.plant import OpenPurchaseOrder, Plant
from factoryos.model.rampup import RampMonthPlan, ramp_curve, ramp_month
from factoryos.model.shift_times import shift_times

BASIS = (
    "capacity and material: free minutes on the constrained work center (calendar, ramp-up curve, orders already "
    "promised) after the bought material is in (stock on hand and open purchase orders from their due date, less "
    "what earlier promises took; a shortfall arrives a supplier lead time after the order); supplier capacity "
    "is not counted"
)
HORIZON_DAYS = 730
"""How far ahead a promise looks; an order that does not fit in it gets no date."""
WINDOW_DAYS = 28
"""The span over which work centers are compared to find the constrained one."""


@dataclass(frozen=True)
class Quote:
    """A promise: the date (None when nothing fits within the horizon), the binding constraint in a few words,
    the constrained work center and why, the minutes it takes per day there (`allocation`), the stock of
    bought materials it takes, and the basis of the promise."""

    promised: date | None
    work_center: str
    minutes: float
    explanation: str
    allocation: dict[date, float] = field(default_factory=dict)
    constraint: str = ""
    stock: dict[str, float] = field(default_factory=dict)
    basis: str = BASIS


@dataclass(frozen=True)
class MaterialCheck:
    """When an order's bought material is in: `ready`, the first day it can be worked on; `binding`, the short
    material that arrives last (None when stock covers everything); `stock`, what it takes from stock."""

    ready: date
    binding: str | None = None
    stock: dict[str, float] = field(default_factory=dict)


class PlantMaterial:
    """The bought materials the plant keeps stock of or has on order (its inventory lots and open purchase
    orders), how long each takes to buy and from whom, and what one configured unit of a product needs of them
    (memoised per choice of the families that its BOM depends on)."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        self.on_hand: dict[str, float] = defaultdict(float)
        for lot in plant.inventory:
            if plant.materials[lot.material].source == "buy":
                self.on_hand[lot.material] += lot.quantity
        self.on_order: dict[str, list[OpenPurchaseOrder]] = defaultdict(list)
        for order in sorted(plant.purchase_orders, key=lambda o: (o.due, o.id)):
            self.on_order[order.material].append(order)
            self.on_hand[order.material] += 0.0
        self.supply: dict[str, tuple[float, str | None]] = {
            m: min(
                [(s.lead_time_days, s.name or sid) for sid, s in plant.suppliers.items() if m in s.materials],
                default=(plant.materials[m].lead_time_days, None),
            )
            for m in self.on_hand
        }
        self._relevant: dict[str, tuple[str, ...]] = {}
        self._needs: dict[tuple[str, tuple[str | None, ...]], dict[str, float]] = {}

    def needs(self, product: str, configuration: Mapping[str, str]) -> dict[str, float]:
        """Of the stocked bought materials, how much one configured unit of `product` needs (scrap included)."""
        material = self.plant.products[product].material
        if material not in self._relevant:
            self._relevant[material] = _conditioned_families(self.plant, material)
        key = (material, tuple(configuration.get(f) for f in self._relevant[material]))
        if key not in self._needs:
            exploded = explode(self.plant, material, configuration)
            self._needs[key] = {m: q for m, q in exploded.items() if m in self.on_hand}
        return self._needs[key]

    def check(
        self, needs: Mapping[str, float], quantity: int, start: date, taken: Mapping[str, float]
    ) -> MaterialCheck:
        """When `quantity` units' material is in, given what earlier promises `taken` from stock and open purchase
        orders: what they cover is taken, from the day the last purchase order it needs is due; a shortfall
        they do not cover before a new order would arrive is bought, in a lead time after `start` (calendar
        days, rounded up)."""
        ready, binding, stock = start, None, {}
        for material in sorted(needs):
            need = needs[material] * quantity
            arrives, why, covered = self._arrival(material, need, start, taken.get(material, 0.0))
            if covered > 0:
                stock[material] = covered
            if arrives > ready:
                ready, binding = arrives, why
        return MaterialCheck(ready, binding, stock)

    def _arrival(self, material: str, need: float, start: date, taken: float) -> tuple[date, str | None, float]:
        """When `need` of `material` is in (and why), and how much of it stock and open purchase orders cover."""
        days, source = self.supply[material]
        bought = start + timedelta(days=math.ceil(days))
        left = self.on_hand[material] - taken
        arrives, last = start, None
        for order in self.on_order[material]:
            if left >= need - 1e-9 or order.due >= bought:
                break
            left += order.quantity
            arrives, last = max(start, order.due), order
        covered = min(need, max(0.0, left))
        if left < need - 1e-9:
            return bought, self._lead_time(material, days, source), covered
        if last is None or arrives == start:
            return start, None, covered
        why = f"{self.name(material)}: open purchase order {last.id} due {last.due} ({last.supplier})"
        return arrives, why, covered

    def _lead_time(self, material: str, days: float, supplier: str | None) -> str:
        if supplier is None:  # no supplier in the plant file lists it: the material's own lead time
            return f"{self.name(material)}: lead time {_span(days)}"
        return f"{self.name(material)}: supplier lead time {_span(days)} ({supplier})"

    def name(self, material: str) -> str:
        found = self.plant.materials[material].name
        return f"{found} ({material})" if found else material


class PlantCapacity:
    """Each work center's working minutes per day (memoised): computed once per plant and kept."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        self.zone = ZoneInfo(plant.site.timezone)
        self._centers = plant.work_centers()
        self._units = plant.work_units()
        self._ramp: list[RampMonthPlan] = ramp_curve(plant)
        self._calendar_minutes: dict[tuple[str, date], float] = {}
        self._day_minutes: dict[tuple[str, date], float] = {}
        self._relevant: dict[str, tuple[str, ...]] = {}
        self._loads: dict[tuple[str, tuple[str | None, ...]], dict[str, float]] = {}
        self._eligible: dict[int, list[str]] = {}
        self._windows: dict[tuple[str, date], float] = {}
        self._paced = {c for c, (_, wc) in self._centers.items() if wc.kind == "paced-line" and wc.takt_seconds}

    def name(self, center: str) -> str:
        return self._centers[center][1].name or center

    def label(self, center: str) -> str:
        """The work center as planners read it: its name and id, or its id when it has no name."""
        name = self._centers[center][1].name
        return f"{name} ({center})" if name and name != center else center

    def load(self, product: str, configuration: Mapping[str, str]) -> dict[str, float]:
        """Minutes one configured unit puts on each work center: its material's operations and, through the
        configured BOM, those of every made material below it."""
        return dict(self._below(self.plant.products[product].material, configuration))

    def _below(self, material: str, configuration: Mapping[str, str]) -> dict[str, float]:
        """The load of one unit of `material`, kept per choice of the families its own subtree depends on (the
        same sub-assembly in many configurations is worked out once)."""
        if material not in self._relevant:
            self._relevant[material] = _conditioned_families(self.plant, material)
        key = (material, tuple(configuration.get(f) for f in self._relevant[material]))
        if key not in self._loads:
            load = self._own(material, configuration)
            for line in bom_lines(self.plant, material, configuration):
                per_unit = line.quantity / (1 - line.scrap)
                for center, minutes in self._below(line.component, configuration).items():
                    if center in self._paced:  # the unit passes down the line once, its parts with it
                        load[center] = max(load.get(center, 0.0), per_unit * minutes)
                    else:
                        load[center] = load.get(center, 0.0) + per_unit * minutes
            self._loads[key] = load
        return self._loads[key]

    def _own(self, material: str, configuration: Mapping[str, str]) -> dict[str, float]:
        """Minutes one unit of `material` takes on each work center for its own routing operations; a paced
        line counts its takt once, however many of its stations the operations use."""
        load: dict[str, float] = defaultdict(float)
        for operation in operations(self.plant, material, configuration):
            if id(operation) not in self._eligible:
                self._eligible[id(operation)] = [self._units[u][1] for u in self.plant.eligible_units(operation)]
            centers = self._eligible[id(operation)]
            for center_id in centers:
                takt = self._centers[center_id][1].takt_seconds
                if center_id in self._paced and takt:
                    load[center_id] = takt / 60
                else:
                    load[center_id] += operation.run_minutes / (operation.batch_size or 1) / len(centers)
        return dict(load)

    def minutes(self, center: str, day: date) -> float:
        """Working minutes of `center` on `day` (site-local)."""
        key = (center, day)
        if key not in self._day_minutes:
            self._day_minutes[key] = self._minutes(center, day)
        return self._day_minutes[key]

    def _minutes(self, center_id: str, day: date) -> float:
        center = self._centers[center_id][1]
        paced = center.kind == "paced-line" and center.takt_seconds
        units = 1.0 if paced else sum(u.speed_factor for u in center.work_units.values())
        worked = 24 * 60.0 if center.lights_out else self._calendar(center.calendar, day)
        ramp = self.plant.ramp_up
        if ramp is None or ramp.line != center_id or not worked or not center.takt_seconds:
            return worked * units
        if day < ramp.start:
            return 0.0
        month = self._ramp_month(day)
        if month is not None:
            return self._ramp[month].planned_units / ramp.months[month].working_days * center.takt_seconds / 60
        return worked * ramp.mature_efficiency

    def ramp_note(self, center: str, day: date) -> str:
        """What the ramp-up curve allows `center` on `day`, when it is the ramp-up line (else nothing)."""
        ramp = self.plant.ramp_up
        month = self._ramp_month(day)
        if ramp is None or ramp.line != center or month is None:
            return ""
        plan = self._ramp[month]
        return (
            f"; ramp-up month {month + 1}: {plan.planned_units / ramp.months[month].working_days:,.1f} units a day "
            f"at {plan.efficiency:.0%} efficiency"
        )

    def _ramp_month(self, day: date) -> int | None:
        """Which month of the ramp-up `day` falls in (0 first), or None before it starts and after it ends."""
        month = ramp_month(self.plant.ramp_up, day) if self.plant.ramp_up else None
        return month if month is not None and month < len(self._ramp) else None

    def _calendar(self, calendar_id: str, day: date) -> float:
        key = (calendar_id, day)
        if key not in self._calendar_minutes:
            epoch = datetime.combine(day, time(), self.zone).astimezone(UTC)
            shifts = shift_times(self.plant.calendars[calendar_id], self.plant.site.timezone, epoch, 1)
            seconds = sum(b - a for s in shifts if not s.cancelled for a, b in s.windows)
            self._calendar_minutes[key] = seconds / 60
        return self._calendar_minutes[key]

    def constrained(self, load: Mapping[str, float], start: date) -> str:
        """The work center whose next WINDOW_DAYS cover the load the fewest times (ties: the first by id)."""
        return min(sorted(load), key=lambda c: self._window(c, start) / load[c])

    def _window(self, center: str, start: date) -> float:
        """Working minutes of `center` in the WINDOW_DAYS from `start`."""
        key = (center, start)
        if key not in self._windows:
            self._windows[key] = sum(self.minutes(center, start + timedelta(days=d)) for d in range(WINDOW_DAYS))
        return self._windows[key]

    def first_day(self, ordered_at: datetime) -> date:
        """The first day an order can be worked on: the site-local day after it was placed."""
        return ordered_at.astimezone(self.zone).date() + timedelta(days=1)


def promise(
    capacity: PlantCapacity,
    load: Mapping[str, float],
    quantity: int,
    start: date,
    booked: Mapping[date, float],
    material: MaterialCheck | None = None,
) -> Quote:
    """The earliest day the constrained work center (`capacity.constrained(load, start)`) has `quantity` units'
    minutes free, from `start` or from the day the order's `material` is in if later, given the minutes
    earlier promises `booked` on it each day. The binding constraint is the material when the work center
    alone would have promised an earlier day."""
    center = capacity.constrained(load, start)
    need = load[center] * quantity
    ready = max(start, material.ready) if material else start
    allocation = _fit(capacity, center, need, ready, booked)
    stock = material.stock if material else {}
    if allocation is None:
        why = f"{capacity.name(center)} ({center}): no {need:,.0f} free minutes within {HORIZON_DAYS} days"
        return Quote(None, center, need, why, constraint=f"{capacity.label(center)} capacity", stock=stock)
    day = max(allocation)
    why = _why(capacity, center, need, ready, day, booked)
    constraint = f"{capacity.label(center)} capacity"
    if material is not None and material.binding and ready > start:
        unbound = _fit(capacity, center, need, start, booked)
        if unbound is None or max(unbound) < day:
            constraint = material.binding
            why = f"the bought material is in on {ready} ({material.binding}); then " + why
    return Quote(day, center, need, why, allocation, constraint, stock)


def _fit(
    capacity: PlantCapacity, center: str, need: float, start: date, booked: Mapping[date, float]
) -> dict[date, float] | None:
    """The minutes `need` takes on each day of `center` from `start`, first free minute first; None when it
    does not fit within the horizon."""
    allocation: dict[date, float] = {}
    left = need
    for offset in range(HORIZON_DAYS):
        day = start + timedelta(days=offset)
        free = capacity.minutes(center, day) - booked.get(day, 0.0)
        if free <= 1e-9:
            continue
        take = min(free, left)
        allocation[day] = take
        left -= take
        if left <= 1e-9:
            return allocation
    return None


def _span(days: float) -> str:
    """A lead time as planners say it: whole weeks in weeks, else days."""
    return f"{days / 7:g} weeks" if days % 7 == 0 else f"{days:g} days"


def _why(
    capacity: PlantCapacity, center: str, need: float, start: date, promised: date, booked: Mapping[date, float]
) -> str:
    days = [start + timedelta(days=d) for d in range((promised - start).days + 1)]
    total = sum(capacity.minutes(center, d) for d in days)
    taken = sum(min(booked.get(d, 0.0), capacity.minutes(center, d)) for d in days)
    share = taken / total if total else 1.0
    return (
        f"{capacity.name(center)} ({center}) is the constrained work center: the order needs {need:,.0f} min; "
        f"{share:.0%} of its {total:,.0f} working min from {start} to {promised} was already promised"
        + capacity.ramp_note(center, promised)
    )


def _conditioned_families(plant: Plant, material: str) -> tuple[str, ...]:
    """The option families that any BOM line or routing operation below `material` is conditioned on."""
    families: set[str] = set()
    seen: set[str] = set()
    todo = [material]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        routing = plant.routings.get(current)
        for operation in routing.operations if routing else []:
            families.update(operation.when or {})
        for line in plant.boms.get(current, []):
            families.update(line.when or {})
            todo.append(line.component)
    return tuple(sorted(families))
