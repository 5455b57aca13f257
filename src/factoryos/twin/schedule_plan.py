"""A schedule from `factoryos.scheduling` as the twin's plan: releases, and each work unit's sequence.

Every unit (a serial of a production order) is released at its first scheduled start; each work unit takes
its scheduled operations in the schedule's order, and when the next one is not there yet (reality ran
late) takes the earliest of those that are, so the sequence is kept where it can be and nothing waits for
a unit that is stuck elsewhere. Lots of stocked components are left to the twin's own replenishment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, ScheduledOperation
from factoryos.model.plant import Plant
from factoryos.model.shift_times import site_day
from factoryos.scheduling.plant import production_orders, unit_number
from factoryos.twin.part import unit_label
from factoryos.twin.plant_twin import PlannedUnit

Assignments = dict[tuple[str, str], tuple[str, int]]  # (serial, material/operation) -> (work unit, position)
Starts = dict[tuple[str, str], float]  # (serial, material/operation) -> planned start, run seconds
WorkOrders = dict[tuple[str, str], str]  # (serial, material/operation) -> work order


def schedule_plan(
    plant: Plant, orders: Sequence[CustomerOrder], schedule: Sequence[ScheduledOperation], epoch: datetime
) -> tuple[list[PlannedUnit], Assignments, Starts, WorkOrders]:
    """The schedule's units, in the order the scheduler serves them (its production orders' order, then unit by
    unit: the order it gives the plant file's stock in), each work unit's sequence, each operation's planned start
    and each operation's work order."""
    production = {po.id: po for po in production_orders(plant, orders)}
    product_of = {p.material: product_id for product_id, p in plant.products.items()}
    customer = {o.id: o for o in orders}
    zone = ZoneInfo(plant.site.timezone)
    first: dict[str, tuple[float, str]] = {}
    work_orders: WorkOrders = {}
    starts: Starts = {}
    by_unit: dict[str, list[tuple[float, str, str]]] = {}
    for k, line in enumerate(schedule):
        if line.serial is None:
            continue
        if line.production_order not in production:
            raise FactoryosError(
                f"schedule[{k}]: production order {line.production_order!r} is not one of the given orders'"
            )
        if line.equipment not in plant.work_units():
            raise FactoryosError(f"schedule[{k}].equipment: unknown work unit {line.equipment!r}")
        start = max(0.0, (line.start - epoch).total_seconds())
        if line.serial not in first or start < first[line.serial][0]:
            first[line.serial] = (start, line.production_order)
        by_unit.setdefault(line.equipment, []).append((start, line.serial, line.operation))
        work_orders[line.serial, line.operation] = line.work_order
        starts[line.serial, line.operation] = start
    assignments: Assignments = {}
    for unit, lines in by_unit.items():
        for position, (_, serial, operation) in enumerate(sorted(lines)):
            assignments[serial, operation] = (unit, position)
    plan = []
    rank = {po_id: k for k, po_id in enumerate(production)}
    for serial, (start, po_id) in sorted(first.items(), key=lambda item: (rank[item[1][1]], unit_number(item[0]))):
        po = production[po_id]
        if po.material not in product_of:
            raise FactoryosError(f"production order {po_id}: {po.material!r} is not a product's material")
        order = customer.get(po.customer_order or "")
        due = (site_day(po.due_date, zone)[1] - epoch).total_seconds()
        placed = (order.ordered_at - epoch).total_seconds() if order is not None else start
        plan.append(
            PlannedUnit(
                start,
                serial,
                product_of[po.material],
                dict(po.configuration),
                unit_label(po.customer_order or po_id, serial),
                due if math.isfinite(due) else math.inf,
                placed,
            )
        )
    return plan, assignments, starts, work_orders
