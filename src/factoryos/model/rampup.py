"""The ramp-up capacity curve: what a new line can make each month as crews learn it.

Capacity in month m = line rate (3600 / takt per hour) x shift hours x shifts x working days x efficiency,
where efficiency follows Wright's learning curve on cumulative output (each doubling of cumulative units
cuts the lost time by the learning rate) from `initial_efficiency` toward `mature_efficiency`. Output is
the smaller of capacity and the month's target: the plan never builds ahead of the ramp.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from factoryos.model.plant import Plant, RampUp


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


def ramp_day_seconds(
    ramp: RampUp, curve: Sequence[RampMonthPlan], takt_seconds: float, worked_seconds: float, day: date
) -> float:
    """How many of the `worked_seconds` its calendar opens on `day` the ramping line works: none before the ramp
    starts, the month's planned units at takt during it (the plan never builds ahead of the curve, nor past the
    calendar), the calendar at mature efficiency after it. The promise and the scheduler both hold to this."""
    month = ramp_month(ramp, day)
    if month is None or not worked_seconds:
        return 0.0
    if month < len(curve):
        return min(worked_seconds, curve[month].planned_units / ramp.months[month].working_days * takt_seconds)
    return worked_seconds * ramp.mature_efficiency


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
