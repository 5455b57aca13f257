"""A plant file and its demand as an MRP problem: items, configured bills, suppliers, stock, calendar, line.

A material whose bill (at any depth) has lines with `when` conditions is configured: each configuration of
it that demand asks for becomes an item of its own (`ev-sedan[battery=max,colour=deep-blue,...]`, keyed by
the option families its bill tests), exploded with the configurator's rules, so an order's bill is its own
and a common part below is consolidated across all of them. A customer order brings its configuration; a
forecast (or an order without one) is split over the product's option mix (`factoryos.c2m.mix`), Orlicky's
planning bill. The site works on the days a shift runs in any of its manned work centers' calendars, bar
their holidays. The constrained line is the ramp-up's line, at the whole units a day the MPS builds to
(`planning.mps.line_capacity`). A made material the plant file gives no lead time takes the working days its
routing takes a lot (`routing_lead_time`), so a sub-assembly is started before the parent that needs it; but
what the ramp-up line builds starts on its demand's day, the day the MPS (or the promise) put it on the line.
A made material whose routing scraps what fails an operation (a first-pass yield below 1 with neither repair
nor redo, the operation's own quality or its capability's) plans its components for the units made again:
its item's final yield is its routing's (`model.plant.Plant.final_yield`, as the twin finds each quality).
A material counted in pieces (its unit "ea" or "set", `model.plant.Material.counted`) is a whole item: its lots
are planned in whole units.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from factoryos.c2m.mix import option_mix
from factoryos.c2m.supply import site_working_days
from factoryos.model.configuration import Configuration, bill_families, bom_lines, matches
from factoryos.model.operation_time import run_seconds
from factoryos.model.plant import Plant, Product, RoutingOperation
from factoryos.model.rampup import ramp_bound_products
from factoryos.planning.mps import line_capacity
from factoryos.planning.problem import (
    Allocation,
    BomLine,
    Demand,
    Item,
    LineCapacity,
    LotRule,
    PlanningError,
    Problem,
    Receipt,
    Stock,
    Supplier,
)

MIN_MIX_SHARE = 1e-4
"""Configurations below this share of a product's mix are left out of a forecast's split."""


@dataclass(frozen=True)
class DemandRow(Demand):
    """Independent demand as the order book or the forecast gives it: its `item` is a material (or product id),
    and an order brings the configuration that picks the configured item it is planned as."""

    configuration: Mapping[str, str] | None = None


@dataclass
class _Builder:
    plant: Plant
    items: dict[str, Item] = field(default_factory=dict)
    bom: list[BomLine] = field(default_factory=list)
    attach_rates: Mapping[str, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)
    families: dict[str, frozenset[str]] = field(default_factory=dict)
    line_built: frozenset[str] = frozenset()
    """The materials the ramp-up line builds (`model.rampup.ramp_bound_products`)."""

    def tested_families(self, material: str) -> frozenset[str]:
        """The option families the bill below `material` tests (empty: not configured)."""
        return bill_families(self.plant, material, self.families)

    def item(self, material: str, configuration: Configuration) -> str:
        """The item planning `material` in `configuration`, added with its bill on first use."""
        tested = self.tested_families(material)
        key = material
        if tested:
            key += "[" + ",".join(f"{f}={configuration.get(f, '')}" for f in sorted(tested)) + "]"
        if key not in self.items:
            keyed = {f: o for f, o in configuration.items() if f in tested}  # what every configuration of it shares
            self.items[key] = _item(self.plant, material, key, keyed, material not in self.line_built)
            lines = bom_lines(self.plant, material, configuration) if tested else self.plant.boms.get(material, [])
            for line in lines:
                if self.plant.materials[line.component].on_call:
                    continue
                self.bom.append(BomLine(key, self.item(line.component, configuration), line.quantity, line.scrap))
        return key


def _open_orders(plant: Plant) -> list[Receipt]:
    """The plant file's open purchase orders of the materials it plans, as open receipts."""
    return [
        Receipt(o.id, o.material, o.due, o.quantity, o.supplier)
        for o in plant.purchase_orders
        if not plant.materials[o.material].on_call
    ]


def plant_problem(
    plant: Plant,
    start: date,
    horizon_days: int,
    demand: Iterable[DemandRow],
    allocations: Sequence[Allocation] = (),
    attach_rates: Mapping[str, Mapping[str, Mapping[str, float]]] | None = None,
) -> Problem:
    """The MRP problem of `plant` from `start` over `horizon_days`: every material, the bills the demand's
    configurations need, on-hand stock, the plant's open purchase orders as open receipts (item = material
    id), and allocations. A forecast is split over `attach_rates` (product -> family -> option -> share, the
    forecast's option mix) where given, else over the plant file's planned mix."""
    line_built = frozenset(plant.products[p].material for p in ramp_bound_products(plant))
    builder = _Builder(plant, attach_rates=attach_rates or {}, line_built=line_built)
    for material_id, material in plant.materials.items():
        if not material.on_call and not builder.tested_families(material_id):
            builder.item(material_id, {})
    demands = [d for row in demand for d in _demands(plant, builder, row)]
    suppliers = tuple(
        Supplier(sid, round(s.lead_time_days), s.min_order, s.order_multiple, s.weekly_capacity)
        for sid, s in plant.suppliers.items()
    )
    stock = tuple(
        Stock(lot.material, lot.location, lot.lot, lot.quantity)
        for lot in plant.inventory
        if not plant.materials[lot.material].on_call and not builder.tested_families(lot.material)
    )
    longest = max([i.lead_time_days for i in builder.items.values()] + [s.lead_time_days for s in suppliers] + [0])
    return Problem(
        start=start,
        horizon_days=horizon_days,
        working=site_working_days(plant, start, horizon_days + longest + 60),
        items=tuple(builder.items.values()),
        bom=tuple(builder.bom),
        suppliers=suppliers,
        stock=stock,
        allocations=tuple(allocations),
        receipts=tuple(_open_orders(plant)),
        demands=tuple(demands),
        line=_line(plant, builder, start, horizon_days),
    )


def _item(plant: Plant, material: str, key: str, configuration: Configuration, routed: bool) -> Item:
    """The item of `material` in `configuration` (the options its key names); a `routed` made one the plant file
    gives no lead time takes its routing's. A made one's final yield is its routing's (`Plant.final_yield`) over
    the operations it may take there: one conditioned on an option family the key leaves open counts, so
    its components cover the remakes of every configuration the item stands for."""
    m = plant.materials[material]
    lot = m.lot_size
    lead, basis = round(m.lead_time_days or 0), ""
    if routed and m.source == "make" and m.lead_time_days is None:
        lead, basis = routing_lead_time(plant, material, configuration)
    return Item(
        id=key,
        source=m.source,
        lead_time_days=lead,
        lead_time_basis=basis,
        lot=LotRule(lot.rule, lot.quantity or 0.0, lot.periods or 1, lot.order_cost or 0.0, lot.carrying_rate),
        safety_stock=m.safety_stock,
        unit_cost=m.unit_cost,
        suppliers=tuple(sid for sid, s in plant.suppliers.items() if material in s.materials)
        if m.source == "buy"
        else (),
        material=material,
        final_yield=plant.final_yield(_possible_operations(plant, material, configuration)),
        whole=m.counted,
    )


SET_LOT_RULES = ("fixed", "minimum", "multiple")
"""Lot-size rules whose quantity is the lot a made material is usually made in."""


def routing_lead_time(plant: Plant, material: str, configuration: Configuration) -> tuple[int, str]:
    """The working days a made material's routing takes a lot, with how they were worked out ((0, "") without a
    routing): each operation's setup, once, and its run for the lot (per batch for a batch operation) on its
    fastest eligible work unit (`model.operation_time.run_seconds`), over the working minutes of a day of that
    unit's work center, summed and rounded up to whole days, at least one. The lot is the quantity of the
    material's lot-size rule where it sets one (fixed, minimum, multiple); a lot-for-lot, period or EOQ lot
    follows demand, so a unit's is taken."""
    m = plant.materials[material]
    lot = m.lot_size.quantity if m.lot_size.rule in SET_LOT_RULES and m.lot_size.quantity else 1.0
    units = plant.work_units()
    minutes = days = 0.0
    for operation in _possible_operations(plant, material, configuration):
        eligible = plant.eligible_units(operation)
        if not eligible:
            continue
        unit = max(eligible, key=lambda u: units[u][2].speed_factor)
        taken = operation.setup_minutes + run_seconds(plant, unit, operation, lot) / 60
        minutes += taken
        days += taken / _day_minutes(plant, units[unit][1])
    if not minutes:
        return 0, ""
    lead = max(1, math.ceil(days - 1e-9))
    span = f"{minutes / 60:,.1f} h" if minutes >= 60 else f"{minutes:,.1f} min"
    return lead, f"from its routing: {span} a lot of {lot:g}, {days:,.2f} working days"


def _possible_operations(plant: Plant, material: str, configuration: Configuration) -> list[RoutingOperation]:
    """The routing operations a lot in `configuration` may take: one conditioned on an option family the
    configuration leaves open (the item does not say which option) counts, so the lead time covers it."""
    routing = plant.routings.get(material)
    return [
        operation
        for operation in (routing.operations if routing else [])
        if matches({f: o for f, o in (operation.when or {}).items() if f in configuration}, configuration)
    ]


def _day_minutes(plant: Plant, work_center: str) -> float:
    """A working day's minutes at a work center: its calendar's hours a working day, lights-out or not."""
    center = plant.work_centers()[work_center][1]
    return plant.calendars[center.calendar].hours_per_working_day() * 60


def _product_of(plant: Plant, material: str) -> Product | None:
    if material in plant.products:
        return plant.products[material]
    return next((p for p in plant.products.values() if p.material == material), None)


def _product_id(plant: Plant, product: Product) -> str:
    return next(pid for pid, p in plant.products.items() if p is product)


def _with_rates(product: Product, rates: Mapping[str, Mapping[str, float]]) -> Product:
    """The product with its options' planned mix replaced by measured attach rates, where there are some."""
    if not rates:
        return product
    families = {
        fid: family.model_copy(
            update={
                "options": {
                    o: opt.model_copy(update={"mix": rates.get(fid, {}).get(o, opt.mix)})
                    for o, opt in family.options.items()
                }
            }
        )
        if fid in rates
        else family
        for fid, family in product.option_families.items()
    }
    return product.model_copy(update={"option_families": families})


def _demands(plant: Plant, builder: _Builder, row: DemandRow) -> list[Demand]:
    product = _product_of(plant, row.item)
    material = product.material if product else row.item
    if material not in plant.materials:
        raise PlanningError(f"demand {row.id!r}: unknown material {row.item!r}")
    if row.quantity <= 0:
        raise PlanningError(f"demand {row.id!r}: quantity must be positive (got {row.quantity:g})")

    def demand(configuration: Configuration, quantity: float) -> Demand:
        item = builder.item(material, configuration)
        return Demand(row.id, item, row.due, quantity, row.kind, row.customer_order)

    if not builder.tested_families(material):
        return [demand({}, row.quantity)]
    if row.configuration is not None:
        return [demand(row.configuration, row.quantity)]
    if product is None:
        raise PlanningError(f"demand {row.id!r}: {material!r} is configured but belongs to no product")
    mix = option_mix(_with_rates(product, builder.attach_rates.get(_product_id(plant, product), {})))
    shares: dict[str, tuple[dict[str, str], float]] = {}
    for chosen, share in zip(mix.configurations, mix.probabilities.tolist(), strict=True):
        if share >= MIN_MIX_SHARE:
            configuration = dict(zip(mix.families, chosen, strict=True))
            key = builder.item(material, configuration)
            shares[key] = (configuration, shares.get(key, (configuration, 0.0))[1] + share)
    total = sum(share for _, share in shares.values())
    return [demand(configuration, row.quantity * share / total) for configuration, share in shares.values()]


def _line(plant: Plant, builder: _Builder, start: date, horizon_days: int) -> LineCapacity | None:
    """The ramp-up line's whole units a day, as the MPS builds to them (`planning.mps.line_capacity`)."""
    ramp = plant.ramp_up
    if ramp is None:
        return None
    items = tuple(key for key, item in builder.items.items() if item.material_id in builder.line_built)
    per_day = tuple(float(units or 0) for units in line_capacity(plant, start, horizon_days))
    return LineCapacity(ramp.line, items, per_day)
