"""Promise dates (capable-to-promise), capacity only: the earliest day the plant's constrained work center has
the minutes left to build an order, given its calendar, the ramp-up curve and the orders already promised.

CAPACITY ONLY, until the planning engine's capable-to-promise exists: material (stock, open purchase orders,
supplier lead times) is not checked, and every promise says so in its `basis`. How it works:

- an order's load is the run minutes its configured build puts on each work center (every made material's
  operations, quantities through the configured BOM, scrap included, batch operations per unit, an
  operation several work centers can do split between them); a paced line moves one unit per takt
  whatever its stations do;
- a work center's capacity on a day is its calendar's working minutes that day (holidays cancel shifts,
  lights-out runs 24 h) times its units (one for a paced line); the ramp-up line works, during the ramp,
  the units the ramp-up curve plans for the month (none before it starts), and at mature efficiency after;
- the constrained work center is the one whose capacity over the coming four weeks covers the order's
  load the fewest times; the promise walks its days from the day after the order, takes the free minutes
  (capacity less what earlier promises booked), and the day the last minute fits is the promised date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from factoryos.model.configuration import bom_lines, operations
from factoryos.model.plant import Plant
from factoryos.model.rampup import RampMonthPlan, ramp_curve, ramp_month
from factoryos.model.shift_times import shift_times

BASIS = (
    "capacity only: free minutes on the constrained work center (calendar, ramp-up curve, orders already "
    "promised); material (stock, purchase orders, supplier lead times) is not checked yet"
)
HORIZON_DAYS = 730
"""How far ahead a promise looks; an order that does not fit in it gets no date."""
WINDOW_DAYS = 28
"""The span over which work centers are compared to find the constrained one."""


@dataclass(frozen=True)
class Quote:
    """A promise: the date (None when nothing fits within the horizon), the constrained work center and why,
    the minutes it takes per day there, and the basis of the promise."""

    promised: date | None
    work_center: str
    minutes: float
    explanation: str
    allocation: dict[date, float] = field(default_factory=dict)
    basis: str = BASIS


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
    capacity: PlantCapacity, load: Mapping[str, float], quantity: int, start: date, booked: Mapping[date, float]
) -> Quote:
    """The earliest day the constrained work center (`capacity.constrained(load, start)`) has `quantity` units'
    minutes free from `start`, given the minutes earlier promises `booked` on it each day."""
    center = capacity.constrained(load, start)
    need = load[center] * quantity
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
            return Quote(day, center, need, _why(capacity, center, need, start, day, booked), allocation)
    return Quote(
        None,
        center,
        need,
        f"{capacity.name(center)} ({center}): no {need:,.0f} free minutes within {HORIZON_DAYS} days",
    )


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
