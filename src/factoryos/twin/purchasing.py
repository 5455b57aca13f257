"""Purchase orders for the twin: a material plan's (`material_plan`, MRP from `factoryos.planning` over the
release plan; what the smart scenario buys with), or a stand-in purchase plan (`purchase_plan`; what the
traditional scenario buys with).

The material plan is MRP over the release plan: each unit's product and configuration is independent demand
due `PURCHASE_COVER_DAYS` before the day it is released (the stand-in's cover, so the two differ in how they
plan, not in how early they want parts), netted against the plant file's bought stock, sized by the plant
file's lot rules, safety stock and supplier minimums, multiples and weekly capacities, and offset by lead
times. It is made as of the run's start less the bills' longest cumulative lead time, as a plant that plans
ahead would have made it: a part with 300 days' lead time needed in the run's first week cannot be ordered
at its start, and a plan made then would leave the twin short for want of planning, not of parts. Made
that far ahead, the plan places every order itself: the plant file's open purchase orders (what a plan made
closer to the run placed) are left out, as netting them would expedite them by months to build safety stock
in the plan's first days, and the twin would get them on their own dates. The plan nets the made stock the twin
opens with (the plant file's lots of parts made in lots and of sub-assemblies it gives units) and keeps the
supermarket's reorder point of each component it makes in lots. A made material's lead time is the plant
file's (none: none), not its routing's as a plan of the plant takes it: the twin starts a unit's whole made
structure on its release day, which the parts' due day already leads by the cover. The twin receives the
plan's buy orders on their due days; what the plan cannot bring in time (a supplier's weekly capacity spent)
arrives late, as the plan's late-supply exception says.

The stand-in is pure and date-phased: each planned unit's bought parts (its configured bill of materials,
scrap included) are needed on the day it is released; those of a component made in lots (a stamped panel)
earlier, by the days the supermarket makes it ahead (its reorder cover, `STOCK_COVER_DAYS`, a lot's days of
use and a day to make it), and at the end what it makes by then for the days after the plan. The plant
file's inventory and its open purchase orders (each from its due date, and delivered among the plan's) are
netted first, and what is still short on a day is ordered from the material's first supplier, rounded up to
its minimum order and order multiple, due `PURCHASE_COVER_DAYS` before that day.
Lead times are not offset (every order is taken as placed in time), supplier capacity is not checked and no
safety stock is kept: the plan has no late supply of its own, so the lateness the twin sees is the
suppliers' (their `delivery` record).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from factoryos.model.configuration import bom_lines
from factoryos.model.lots import lot_size
from factoryos.model.orders import PurchaseOrder
from factoryos.model.plant import Material, Plant
from factoryos.model.unit_structure import made_stock
from factoryos.planning.mrp import plan as mrp
from factoryos.planning.plan import Plan, PlannedOrder
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.twin import plant_defaults as defaults
from factoryos.twin.calendar import DAY
from factoryos.twin.part import order_of
from factoryos.twin.plant_twin import PlannedUnit, reorder_point

TWIN_ORDER = "TWIN-"
"""What the ids of the purchase orders the twin places itself begin with: each is a lot in its units' genealogy,
and a plan's planned-order id alone (PL000047) would name another plan's order in the store."""
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
        component: math.ceil(
            defaults.STOCK_COVER_DAYS + lot_size(plant.materials[component], used / days) / (used / days) + 1
        )
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
    on_hand = plant.stock_on_hand()
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
            order_id = f"{TWIN_ORDER}PO{len(orders) + 1:06d}"
            orders.append(PurchaseOrder(order_id, material, ordered, supplier_of[material], due))
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
        if component.on_call:
            continue
        need = quantity * line.issued
        if component.source == "buy":
            parts[line.component, via] = parts.get((line.component, via), 0.0) + need
            continue
        lots = line.component in plant.routings and component.lot_size.rule != "lot-for-lot"
        if lots:
            in_lots[line.component] = in_lots.get(line.component, 0.0) + need
        _bought(plant, line.component, configuration, need, (*via, line.component) if lots else via, parts, in_lots)


def material_plan(
    plant: Plant, plan: Iterable[PlannedUnit], epoch: datetime, days: float, stock_per_day: Mapping[str, float]
) -> Plan:
    """MRP over the release `plan` (released over `days` from `epoch`), made the bills' longest cumulative lead
    time (and a week for the calendar) before the run's first day. A component the twin makes in lots into
    its supermarket (`stock_per_day`: its daily use) keeps at least the supermarket's reorder point as safety
    stock, so the plan buys for the lots the supermarket makes to refill, up to the run's end. Made stock counts
    as the twin uses it: only the plant file's lots of those components and of sub-assemblies units take."""
    zone = ZoneInfo(plant.site.timezone)
    first = epoch.astimezone(zone).date()
    known: dict[str, int] = {}
    ahead = max((_lead_days(plant, m, known) for m in plant.materials), default=0) + 7
    taken = made_stock(plant)
    held = [
        lot
        for lot in plant.inventory
        if plant.materials[lot.material].source == "buy" or lot.material in stock_per_day or lot.material in taken
    ]
    materials = {
        m: material.model_copy(update=_as_the_twin_makes(material, stock_per_day.get(m)))
        for m, material in plant.materials.items()
    }
    planned = plant.model_copy(update={"inventory": held, "purchase_orders": [], "materials": materials})
    start = first - timedelta(days=ahead)
    return mrp(plant_problem(planned, start, ahead + math.ceil(days) + 1, release_demand(plan, epoch, zone)))


def _as_the_twin_makes(material: Material, per_day: float | None) -> dict[str, float]:
    """A material's planning figures as the twin makes it: a supermarket's component (made `per_day`) keeps its
    reorder point as safety stock; a made material takes the plant file's lead time and no routing's, because
    the release plan's day is the day the twin starts a unit's whole made structure."""
    update = {"lead_time_days": material.lead_time_days or 0.0} if material.source == "make" else {}
    if per_day is not None:
        update["safety_stock"] = max(material.safety_stock, reorder_point(per_day))
    return update


def release_demand(plan: Iterable[PlannedUnit], epoch: datetime, zone: ZoneInfo) -> list[DemandRow]:
    """The release plan as independent demand: the units of a customer order (a unit without one: itself) of
    one product and configuration released on a site day, due `PURCHASE_COVER_DAYS` before that day."""
    units: dict[tuple[str, str, tuple[tuple[str, str], ...], date], int] = {}
    for unit in plan:
        day = (epoch + timedelta(seconds=unit.at)).astimezone(zone).date()
        demand = order_of(unit.order) if unit.order else unit.serial
        key = (demand, unit.product, tuple(sorted(unit.configuration.items())), day)
        units[key] = units.get(key, 0) + 1
    cover = timedelta(days=defaults.PURCHASE_COVER_DAYS)
    return [
        DemandRow(demand, product, day - cover, count, "order", demand, dict(configuration))
        for (demand, product, configuration, day), count in units.items()
    ]


def _lead_days(plant: Plant, material: str, known: dict[str, int]) -> int:
    """Calendar days from ordering the deepest bought part under `material` to having it: a bought part's lead
    time (its own or its slowest supplier's), a made part's working days as calendar days (7 for every 5),
    over the longest path of its bill (every line, whatever its `when`)."""
    if material not in known:
        m = plant.materials[material]
        if m.source == "buy":
            suppliers = [s.lead_time_days for s in plant.suppliers.values() if material in s.materials]
            known[material] = math.ceil(max([m.lead_time_days or 0, *suppliers]))
        else:
            below = [_lead_days(plant, line.component, known) for line in plant.boms.get(material, [])]
            known[material] = math.ceil((m.lead_time_days or 0) * 7 / 5) + max(below, default=0)
    return known[material]


def purchase_orders(planned: Iterable[PlannedOrder], timezone: str) -> list[PurchaseOrder]:
    """A material plan's buy orders (`factoryos.planning`) as the purchase orders the twin receives (`TWIN_ORDER`
    and the planned order's id): each due at the start of its `due` day (the day its quantity is available) at
    the site."""
    zone = ZoneInfo(timezone)
    return [
        PurchaseOrder(f"{TWIN_ORDER}{o.id}", o.material, o.quantity, o.supplier, datetime.combine(o.due, time(), zone))
        for o in planned
        if o.kind == "buy" and o.supplier is not None
    ]
