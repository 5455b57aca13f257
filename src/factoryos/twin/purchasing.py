"""Purchase orders for the twin: a material plan's (`purchase_orders`, from `factoryos.planning`), or for the
scenarios a stand-in purchase plan (`purchase_plan`). The scenarios keep the stand-in for now: on the EV
example, MRP within its suppliers' weekly capacities leaves some battery parts unplaced for the month, and a
twin run on those orders starves its module line throughout.

The stand-in is pure and date-phased: each planned unit's bought parts (its configured bill of materials,
scrap included) are needed on the day it is released; those of a component made in lots (a stamped panel)
earlier, by the days the supermarket makes it ahead (its reorder cover, `STOCK_COVER_DAYS`, a lot's days of
use and a day to make it), and at the end what it makes by then for the days after the plan. The plant
file's inventory and its open purchase orders (each from its due date, and delivered among the plan's) are
netted first, and what is still short on a day is ordered from the material's first supplier, rounded up to
its minimum order and order multiple, due `PURCHASE_COVER_DAYS` before that day.
Lead times are not offset (every order is taken as placed in time) and supplier capacity is not checked:
the plan has no late supply of its own, so the lateness the twin sees is the suppliers' (their `delivery`
record), which is what it is for.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from factoryos.model.configuration import bom_lines
from factoryos.model.orders import PurchaseOrder
from factoryos.model.plant import Plant
from factoryos.twin import plant_defaults as defaults
from factoryos.twin.calendar import DAY
from factoryos.twin.plant_twin import PlannedUnit, lot_size

if TYPE_CHECKING:
    from factoryos.planning.plan import PlannedOrder

Parts = dict[tuple[str, tuple[str, ...]], float]
"""(bought material, the components made in lots it goes into, outermost first) -> quantity."""


def purchase_plan(plant: Plant, plan: Iterable[PlannedUnit], epoch: datetime, days: float) -> list[PurchaseOrder]:
    """Purchase orders that bring every bought part of `plan` (released over `days` from `epoch`) on time."""
    exploded: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Parts, dict[str, float]]] = {}
    released: dict[tuple[tuple[str, tuple[tuple[str, str], ...]], int], int] = {}  # (unit kind, day) -> units
    for unit in plan:
        key = (unit.product, tuple(sorted(unit.configuration.items())))
        if key not in exploded:
            exploded[key] = ({}, {})
            _bought(plant, plant.products[unit.product].material, unit.configuration, 1.0, (), *exploded[key])
        day = math.floor(unit.at / DAY)
        released[key, day] = released.get((key, day), 0) + 1
    in_lots: dict[str, float] = {}
    for (key, _), count in released.items():
        for component, quantity in exploded[key][1].items():
            in_lots[component] = in_lots.get(component, 0.0) + quantity * count
    ahead = {
        component: math.ceil(defaults.STOCK_COVER_DAYS + lot_size(plant, component, used / days) / (used / days) + 1)
        for component, used in in_lots.items()
    }
    needs: dict[tuple[int, str], float] = {}
    through_lots: dict[tuple[str, int], float] = {}
    for (key, day), count in released.items():
        for (material, via), quantity in exploded[key][0].items():
            early = sum(ahead[c] for c in via)
            needs[day - early, material] = needs.get((day - early, material), 0.0) + quantity * count
            if early:
                through_lots[material, early] = through_lots.get((material, early), 0.0) + quantity * count
    for (material, early), quantity in through_lots.items():  # lots made by the end for what follows the plan
        day = math.floor(days) - early
        needs[day, material] = needs.get((day, material), 0.0) + quantity / days * early
    return _orders(plant, needs, epoch)


def _orders(plant: Plant, needs: dict[tuple[int, str], float], epoch: datetime) -> list[PurchaseOrder]:
    """The plant file's open purchase orders, then, netting each material's needs day by day against its
    inventory and the open orders due by then, orders for what is still short."""
    on_hand: dict[str, float] = {}
    for lot in plant.inventory:
        on_hand[lot.material] = on_hand.get(lot.material, 0.0) + lot.quantity
    supplier_of: dict[str, str] = {}
    for supplier_id, supplier in plant.suppliers.items():
        for material in supplier.materials:
            supplier_of.setdefault(material, supplier_id)
    placed = open_purchase_orders(plant)
    arriving = sorted(placed, key=lambda o: o.due, reverse=True)
    orders: list[PurchaseOrder] = []
    for (day, material), quantity in sorted(needs.items()):
        while arriving and arriving[-1].due <= epoch + timedelta(days=day):
            arrived = arriving.pop()
            on_hand[arrived.material] = on_hand.get(arrived.material, 0.0) + arrived.quantity
        left = on_hand.get(material, 0.0) - quantity
        if left < 0 and material in supplier_of:
            supplier = plant.suppliers[supplier_of[material]]
            ordered = max(-left, supplier.min_order)
            ordered = math.ceil(ordered / supplier.order_multiple - 1e-9) * supplier.order_multiple
            due = epoch + timedelta(days=day - defaults.PURCHASE_COVER_DAYS)
            orders.append(PurchaseOrder(f"PO-{len(orders) + 1:06d}", material, ordered, supplier_of[material], due))
            left += ordered
        on_hand[material] = left
    return placed + orders


def open_purchase_orders(plant: Plant) -> list[PurchaseOrder]:
    """The plant file's open purchase orders, each due at the start of its due day at the site."""
    zone = ZoneInfo(plant.site.timezone)
    return [
        PurchaseOrder(o.id, o.material, o.quantity, o.supplier, datetime.combine(o.due, time(), zone))
        for o in plant.purchase_orders
    ]


def _bought(
    plant: Plant,
    material: str,
    configuration: dict[str, str],
    quantity: float,
    via: tuple[str, ...],
    parts: Parts,
    in_lots: dict[str, float],
) -> None:
    """Add the bought parts under `quantity` of `material` to `parts`, and the components made in lots to
    `in_lots`."""
    for line in bom_lines(plant, material, configuration):
        component = plant.materials[line.component]
        need = quantity * line.quantity / (1 - line.scrap)
        if component.source == "buy":
            parts[line.component, via] = parts.get((line.component, via), 0.0) + need
            continue
        lots = line.component in plant.routings and component.lot_size.rule != "lot-for-lot"
        if lots:
            in_lots[line.component] = in_lots.get(line.component, 0.0) + need
        _bought(plant, line.component, configuration, need, (*via, line.component) if lots else via, parts, in_lots)


def purchase_orders(planned: Iterable[PlannedOrder], timezone: str) -> list[PurchaseOrder]:
    """A material plan's buy orders (`factoryos.planning`) as the purchase orders the twin receives: each due
    at the start of its `due` day (the day its quantity is available) at the site."""
    zone = ZoneInfo(timezone)
    return [
        PurchaseOrder(o.id, o.material, o.quantity, o.supplier, datetime.combine(o.due, time(), zone))
        for o in planned
        if o.kind == "buy" and o.supplier is not None
    ]
