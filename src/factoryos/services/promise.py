"""Promise dates, capacity only: the earliest day the plant's constrained work center has the minutes left to
build an order, given its calendar, the ramp-up curve and the orders already promised.

CAPACITY ONLY, until the planning engine's capable-to-promise exists: material (stock, open purchase orders,
supplier lead times) is not checked, and every promise says so in its `basis`. How it works:

- an order's load is the run minutes its configured build puts on each work center (every made material's
  operations, quantities through the BOM, batch operations per unit, an operation shared by several work
  centers split by their units); a paced line moves one unit per takt whatever its stations do;
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

from sqlalchemy.orm import Session

from factoryos.c2m.configurator import build
from factoryos.model.plant import Plant
from factoryos.model.rampup import RampMonthPlan, ramp_curve
from factoryos.model.shift_times import shift_times
from factoryos.store.order_desk import booked_minutes

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

    def name(self, center: str) -> str:
        return self._centers[center][1].name or center

    def load(self, product: str, configuration: Mapping[str, str]) -> dict[str, float]:
        """Minutes one configured unit puts on each work center."""
        configured = build(self.plant, product, configuration)
        product_material = self.plant.products[product].material
        paced: dict[str, float] = {}
        minutes: dict[str, float] = defaultdict(float)
        for step in configured.operations:
            quantity = 1.0 if step.material == product_material else configured.requirements.get(step.material, 0.0)
            eligible = self.plant.eligible_units(step.operation)
            for unit in eligible:
                center_id = self._units[unit][1]
                center = self._centers[center_id][1]
                if center.kind == "paced-line" and center.takt_seconds:
                    paced[center_id] = max(paced.get(center_id, 0.0), quantity * center.takt_seconds / 60)
                else:
                    per_unit = step.operation.run_minutes / (step.operation.batch_size or 1)
                    minutes[center_id] += quantity * per_unit / len(eligible)
        return {**minutes, **paced}

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
        month = (day.year - ramp.start.year) * 12 + day.month - ramp.start.month - (day.day < ramp.start.day)
        if month < len(self._ramp):
            plan = self._ramp[month]
            return plan.planned_units / ramp.months[month].working_days * center.takt_seconds / 60
        return worked * ramp.mature_efficiency

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
        days = [start + timedelta(days=d) for d in range(WINDOW_DAYS)]
        return min(sorted(load), key=lambda c: sum(self.minutes(c, d) for d in days) / load[c])

    def first_day(self, ordered_at: datetime) -> date:
        """The first day an order can be worked on: the site-local day after it was placed."""
        return ordered_at.astimezone(self.zone).date() + timedelta(days=1)


def quote(session: Session, capacity: PlantCapacity, load: Mapping[str, float], quantity: int, start: date) -> Quote:
    """The earliest day the constrained work center has `quantity` units' minutes free from `start`, reading
    what earlier promises booked in `session`."""
    center = capacity.constrained(load, start)
    need = load[center] * quantity
    site = capacity.plant.site.id
    booked = booked_minutes(session, site, center, start, start + timedelta(days=HORIZON_DAYS))
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
    )
