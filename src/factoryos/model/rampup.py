"""The ramp-up capacity curve: what a new line can make each month as crews learn it.

Capacity in month m = line rate (3600 / takt per hour) x shift hours x shifts x working days x efficiency,
where efficiency follows Wright's learning curve on cumulative output (each doubling of cumulative units
cuts the lost time by the learning rate) from `initial_efficiency` toward `mature_efficiency`. Output is
the smaller of capacity and the month's target: the plan never builds ahead of the ramp.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from factoryos.model.plant import Plant, RampUp
from factoryos.model.shift_times import worked_seconds


@dataclass(frozen=True)
class RampMonthPlan:
    """One month of a ramp-up: the target, the line's rate and hours, the learning-curve efficiency, and the units
    it can make."""

    month: int
    target_units: float
    line_rate_per_hour: float
    hours: float
    efficiency: float
    capacity_units: float
    planned_units: float
    cumulative_units: float


def efficiency(ramp: RampUp, cumulative_units: float, first_batch: float) -> float:
    """Wright's curve on the gap to mature efficiency; experience counts the first batch's size as one unit."""
    doublings = math.log2((cumulative_units + first_batch) / first_batch)
    gap: float = (ramp.mature_efficiency - ramp.initial_efficiency) * ramp.learning_rate**doublings
    return ramp.mature_efficiency - gap


def ramp_curve(plant: Plant) -> list[RampMonthPlan]:
    ramp = plant.ramp_up
    if ramp is None:
        return []
    _, line = plant.work_centers()[ramp.line]
    rate = 3600 / line.takt_seconds if line.takt_seconds else 0.0
    first_batch = ramp.months[0].target_units
    plans, cumulative = [], 0.0
    for number, month in enumerate(ramp.months, start=1):
        hours = ramp.shift_hours * month.shifts_per_day * month.working_days
        eff = efficiency(ramp, cumulative, first_batch)
        capacity = rate * hours * eff
        planned = min(capacity, month.target_units)
        cumulative += planned
        plans.append(RampMonthPlan(number, month.target_units, rate, hours, eff, capacity, planned, cumulative))
    return plans


def ramp_month(ramp: RampUp, day: date) -> int | None:
    """Which month of the ramp `day` falls in (0 the first; a month runs to the day before the same day of the
    next month), None before the ramp starts; past the last month it counts on."""
    if day < ramp.start:
        return None
    return (day.year - ramp.start.year) * 12 + day.month - ramp.start.month - (day.day < ramp.start.day)


class LineRamp:
    """The ramp-up line's working time each day, one reckoning for the promise, the MPS, MRP and the scheduler.

    None before the ramp starts. In ramp month m, on a working day of the line's calendar, the units its curve
    makes a day (takt rate x shift hours x the month's shifts x its efficiency) but no more than the month's
    target, nor its curve's capacity, spread over the working days the calendar has in that month: a month never
    builds past its target or its curve (a calendar of 22 working days against the 20 the month plans does not
    build 10 % more than the ramp-up report says), and a shutdown costs output rather than speeding up the days
    around it. After the ramp, the calendar's working time at mature efficiency."""

    def __init__(self, plant: Plant) -> None:
        if plant.ramp_up is None:
            raise ValueError("the plant has no ramp-up")
        self.ramp = plant.ramp_up
        _, self.line = plant.work_centers()[self.ramp.line]
        self.takt_seconds = self.line.takt_seconds or 0.0
        self.calendar = plant.calendars[self.line.calendar]
        self.zone = ZoneInfo(plant.site.timezone)
        self.curve = ramp_curve(plant)
        self.month_days = [0] * len(self.curve)
        """The line calendar's working days in each ramp month."""
        day = self.ramp.start
        while (month := ramp_month(self.ramp, day)) is not None and month < len(self.curve):
            self.month_days[month] += self.working(day)
            day += timedelta(days=1)

    def working(self, day: date) -> bool:
        """A shift of the line's calendar starts that weekday and it is no holiday (lights-out or not)."""
        return self.calendar.works_on(day)

    def month(self, day: date) -> int | None:
        """The ramp month of `day` (0 the first), None before the ramp starts and after it ends."""
        month = ramp_month(self.ramp, day)
        return month if month is not None and month < len(self.curve) else None

    def units_a_day(self, month: int) -> float:
        """What the line makes on a working day of ramp month `month`."""
        plan, days = self.curve[month], self.month_days[month]
        curve_rate = plan.capacity_units / max(self.ramp.months[month].working_days, days)
        return min(curve_rate, plan.target_units / days) if days else 0.0

    def worked_seconds(self, day: date) -> float:
        """The working time of the line's calendar on the site day `day`."""
        return worked_seconds(self.calendar, self.zone.key, day)

    def seconds(self, day: date, worked_seconds: float) -> float:
        """How many of the `worked_seconds` its calendar opens on `day` the line works."""
        month = ramp_month(self.ramp, day)
        if month is None or not worked_seconds or not self.working(day):
            return 0.0
        if month < len(self.curve):
            return min(worked_seconds, self.units_a_day(month) * self.takt_seconds)
        return worked_seconds * self.ramp.mature_efficiency

    def worked(self, day: date, windows: list[tuple[float, float]]) -> list[tuple[float, float]]:
        """The first of `day`'s working `windows` (sorted, apart) that the ramp-up allows: a line that works a
        third of its day works the start of it, so the scheduler and the twin open it at the same times."""
        left = self.seconds(day, sum(b - a for a, b in windows))
        worked = []
        for start, stop in windows:
            if left <= 0:
                break
            worked.append((start, min(stop, start + left)))
            left -= stop - start
        return worked

    def shifts(self, day: date) -> int | None:
        """How many of its calendar's shifts (the first ones) the line's crew works on `day`: none before the
        ramp, the month's `shifts_per_day` during it, all of them (None) after it."""
        month = ramp_month(self.ramp, day)
        if month is None:
            return 0
        return self.ramp.months[month].shifts_per_day if month < len(self.curve) else None


def ramps(plant: Plant, work_center: str) -> bool:
    """Whether the ramp-up limits `work_center`: it is the ramp-up line and has a takt to count its units at."""
    if plant.ramp_up is None or plant.ramp_up.line != work_center:
        return False
    return bool(plant.work_centers()[work_center][1].takt_seconds)


def ramp_bound_products(plant: Plant) -> list[str]:
    """The products the ramp-up limits: those whose routing has an operation that only the ramping line's work
    units can do (a product another line can also build is not bound by the ramp)."""
    if plant.ramp_up is None:
        return []
    ramping = {wu for wu, (_, wc, _) in plant.work_units().items() if wc == plant.ramp_up.line}
    bound = []
    for product_id, product in plant.products.items():
        routing = plant.routings.get(product.material)
        if routing is None:
            continue
        if any(set(units) <= ramping for op in routing.operations if (units := plant.eligible_units(op))):
            bound.append(product_id)
    return bound


def demand_share(plant: Plant, month: int) -> float:
    """The share of mature demand that month `month` of the ramp-up (0 the first) can build of the products it
    limits: its planned units over those products' demand for a month; 1 past the curve, or when it limits
    nothing."""
    plans = ramp_curve(plant)
    limited = [d for p in ramp_bound_products(plant) if (d := plant.products[p].demand) is not None]
    demand = sum(d.units_per_day * sum(d.weekday_profile) / 7 for d in limited)
    if month >= len(plans) or not demand:
        return 1.0
    return min(1.0, plans[month].planned_units / 30 / demand)
