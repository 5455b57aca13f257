"""Plan material for the loaded plant: the use case behind `factoryos plan`, its exceptions, pegging, release of
purchase proposals and supplier what-ifs.

Demand is the open order book (orders not yet built, shipped or cancelled), the forecast (`--demand
forecast`), or both, the forecast net of the orders that consume it; the forecast enters as the master
production schedule builds it (`services.mps`: within the ramp-up line's units, from the day after the last
order unless `start` says otherwise); the order book alone is planned from its first order's day, not before
the plant's `as_of`. Stock is the plant file's inventory; open receipts are the plant file's
open purchase orders and those released from earlier plans (`plants.plant_on_order`, as the promise counts
them). Every run is stored with the date of its newest
input (the order book's last order, or the forecast's start) so two runs can be compared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from factoryos.c2m.replay import PromiseMove, promise_moves
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import OPEN_STATES, CustomerOrder
from factoryos.model.plant import Plant
from factoryos.planning.disruption import CoverageMove, Disruption, coverage_moves, disrupted, disrupted_plant
from factoryos.planning.mrp import plan
from factoryos.planning.plan import Plan
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.planning.problem import Problem
from factoryos.services.forecast import History, stored_history
from factoryos.services.mps import mps_demand_rows, plan_mps
from factoryos.services.order_desk import forget_desk
from factoryos.services.plants import plant_on_order
from factoryos.services.promise import write_locks
from factoryos.store.order_desk import promise_sequence
from factoryos.store.orders import list_orders
from factoryos.store.plans import (
    MaterialPlanRecord,
    PlanRows,
    Release,
    Requisition,
    StoredPlan,
    StoredPlannedOrder,
    StoredPurchaseOrder,
    list_purchase_orders,
    list_requisitions,
    plan_of_record_id,
    save_material_plan,
    save_purchase_orders,
    stored_pegging,
    stored_plan,
    stored_plan_ids,
)
from factoryos.store.plants import read_plant

DemandBasis = Literal["orders", "forecast", "both"]


@dataclass(frozen=True)
class PlanRun:
    """A stored MRP run: its id, the plant, the plan, and what it was made from."""

    id: int
    plant: Plant
    plan: Plan
    demand: DemandBasis
    inputs_as_of: datetime


@dataclass(frozen=True)
class _Inputs:
    plant: Plant
    problem: Problem
    inputs_as_of: datetime


def _inputs(engine: Engine, site: str | None, horizon_days: int, demand: DemandBasis, start: date | None) -> _Inputs:
    if horizon_days < 1 or horizon_days > 3650:
        raise FactoryosError(f"--horizon-days must be 1-3650 (got {horizon_days})")
    plant = plant_on_order(engine, site)
    orders = [o for o in list_orders(engine, site=plant.site.id) if o.state in OPEN_STATES]
    if start is not None:
        _check_start(plant, orders, start)
    history = stored_history(engine, start, plant.site.id) if demand != "orders" else None
    first = history.start if history is not None else start or _first_day(plant, orders)
    rows = [_order_row(o) for o in orders] if demand != "forecast" else []
    as_of = max((o.ordered_at for o in orders), default=datetime.combine(first, datetime.min.time(), UTC))
    rates: dict[str, dict[str, dict[str, float]]] = {}
    if history is not None:
        forecast_rows, rates = _forecast_rows(history, horizon_days, demand)
        rows += forecast_rows
    return _Inputs(plant, plant_problem(plant, first, horizon_days, rows, attach_rates=rates), as_of)


START_AHEAD_DAYS = 366
"""A plan starts at most a year after today, the stock count and the order book's last order."""


def _check_start(plant: Plant, orders: list[CustomerOrder], start: date) -> None:
    """A plan's start that its figures can stand on: not before the stock was counted (it would plan stock not
    yet there), nor years ahead of everything known (it would tell every open purchase order to cancel, become
    the plan of record and have purchase orders released for the next century)."""
    if plant.as_of is not None and start < plant.as_of:
        raise FactoryosError(
            f"--start {start}: the plant's stock was counted on {plant.as_of}; a plan starts on or after that day"
        )
    known = max(
        [datetime.now(UTC).date(), *([plant.as_of] if plant.as_of else []), *(o.ordered_at.date() for o in orders)]
    )
    if start > known + timedelta(days=START_AHEAD_DAYS):
        raise FactoryosError(
            f"--start {start}: more than a year after {known} (the latest of today, the stock count and the last "
            "open order); a plan starts within a year of what it knows"
        )


def _first_day(plant: Plant, orders: list[CustomerOrder]) -> date:
    """The order book's first day, but not before the plant's stock was counted (`as_of`): an order placed
    years before, past due, is planned on that day rather than moving the plan back to stock not yet counted;
    today without orders."""
    if not orders:
        return datetime.now(UTC).date()
    zone = ZoneInfo(plant.site.timezone)  # the site's day each order was placed on
    return plant.from_count(min(o.placed_on(zone) for o in orders))


def _order_row(order: CustomerOrder) -> DemandRow:
    """An order as MRP plans it: due on the date the plant answers for (the promise, when later than asked), for
    which the promise booked its material."""
    return DemandRow(
        order.id, order.product, order.committed_date, order.quantity, "order", order.id, order.configuration
    )


def _forecast_rows(
    history: History, horizon_days: int, demand: DemandBasis
) -> tuple[list[DemandRow], dict[str, dict[str, dict[str, float]]]]:
    """The forecast as the master production schedule builds it: whole units per product and day within the
    ramp-up line's units the open orders leave (net of the orders that consume it when planned with them),
    each due on the day the MPS builds it; and the forecast's option attach rates, to split it over."""
    run = plan_mps(history, horizon_days, demand)
    forecast = run.forecast.forecast if run.forecast else None
    rates = {p: forecast.mix(p) for p in forecast.products} if forecast else {}
    return [row for row in mps_demand_rows(run.schedule) if row.kind == "forecast"], rates


def plan_material(
    engine: Engine,
    site: str | None = None,
    horizon_days: int = 90,
    demand: DemandBasis = "orders",
    start: date | None = None,
    disruptions: tuple[Disruption, ...] = (),
) -> PlanRun:
    """Plan the loaded plant's material over the horizon (from `start`, default the order book's first day),
    under the given disruptions, and store the run."""
    inputs = _inputs(engine, site, horizon_days, demand, start)
    problem = disrupted(inputs.problem, disruptions) if disruptions else inputs.problem
    result = plan(problem)
    figures = {"disruptions": [d.__dict__ for d in disruptions]} | _figures(result)
    return PlanRun(_store(engine, inputs, result, demand, figures), inputs.plant, result, demand, inputs.inputs_as_of)


def what_if(
    engine: Engine,
    disruptions: tuple[Disruption, ...],
    site: str | None = None,
    horizon_days: int = 90,
    demand: DemandBasis = "orders",
    start: date | None = None,
) -> tuple[PlanRun, list[CoverageMove]]:
    """Plan without and with the disruptions (the disrupted run is stored) and list the customer orders whose
    coverage moves."""
    inputs = _inputs(engine, site, horizon_days, demand, start)
    before = plan(inputs.problem)
    after = plan(disrupted(inputs.problem, disruptions))
    figures = {"disruptions": [d.__dict__ for d in disruptions]} | _figures(after)
    run = PlanRun(_store(engine, inputs, after, demand, figures), inputs.plant, after, demand, inputs.inputs_as_of)
    return run, coverage_moves(before, after)


def promise_what_if(engine: Engine, disruptions: tuple[Disruption, ...], site: str | None = None) -> list[PromiseMove]:
    """The open orders whose promise moves under the disruptions: the order book promised again, in the sequence
    the order desk promised it, on the plant as it is and as the disruptions leave it (its suppliers' open
    purchase orders and lead times later)."""
    plant = plant_on_order(engine, site)
    orders = [o for o in list_orders(engine, site=plant.site.id) if o.state in OPEN_STATES]
    sequence = promise_sequence(engine, plant.site.id)
    return promise_moves(plant, disrupted_plant(plant, disruptions), orders, sequence)


def _figures(result: Plan) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    for e in result.exceptions:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    return {
        "planned_orders": len(result.lot_qty),
        "demands": len(result.problem.demands),
        "items": len(result.problem.items),
        "exceptions": kinds,
        "derived_lead_times": derived_lead_times(result.problem),
    }


def derived_lead_times(problem: Problem) -> dict[str, int]:
    """Working days of each made material whose lead time the plant file does not give, taken from its routing
    (the longest of its configurations')."""
    days: dict[str, int] = {}
    for item in problem.items:
        if item.lead_time_basis:
            days[item.material_id] = max(days.get(item.material_id, 0), item.lead_time_days)
    return dict(sorted(days.items()))


def _store(engine: Engine, inputs: _Inputs, result: Plan, demand: DemandBasis, figures: dict[str, Any]) -> int:
    problem = result.problem
    run = MaterialPlanRecord(
        site=inputs.plant.site.id,
        inputs_as_of=inputs.inputs_as_of,
        start=problem.start,
        horizon_days=problem.horizon_days,
        demand=demand,
        figures=figures,
    )
    lot_ids = [result.order_id(lot) for lot in range(len(result.lot_qty))]
    requirements = [
        {
            "position": need,
            "demand": problem.demands[d].id if d >= 0 else None,
            "customer_order": problem.demands[d].customer_order if d >= 0 else None,
            "parent": lot_ids[parent] if parent >= 0 else None,
        }
        for need, (d, parent) in enumerate(zip(result.need_demand.tolist(), result.need_parent.tolist(), strict=True))
    ]
    on_lots = result.peg_supply >= result.lots_start
    pegs = [
        {"requirement": need, "planned_order": lot_ids[supply - result.lots_start], "quantity": quantity}
        for need, supply, quantity in zip(
            result.peg_need[on_lots].tolist(),
            result.peg_supply[on_lots].tolist(),
            result.peg_qty[on_lots].tolist(),
            strict=True,
        )
    ]
    exceptions = [
        {"position": k, "orders": list(e.orders)} | {f: getattr(e, f) for f in _EXCEPTION_FIELDS}
        for k, e in enumerate(result.exceptions)
    ]
    planned = [order.__dict__ for order in result.planned_orders]
    return save_material_plan(engine, run, PlanRows(planned, requirements, pegs, exceptions))


_EXCEPTION_FIELDS = ("kind", "item", "material", "date", "until", "quantity", "action", "message", "reference")


PEGGED_DECIMALS = 6
"""Pegged quantities are exact to a millionth of a unit of measure (whole where what they share out is whole: a
piece is pegged whole, a kilogram of dough may not be); the digits past that are the sums' rounding
(111.24999999999999 kg of dough), not the plan."""


def pegged(quantity: float) -> float:
    return round(quantity, PEGGED_DECIMALS)


def plan_document(
    plan_id: int, start: date, planned: list[Any], pegging: list[dict[str, float]], exceptions: list[Any]
) -> dict[str, Any]:
    """The plan as the one JSON object `factoryos plan --json` prints (planned orders with their pegging to
    demand, in the same order, exceptions with the orders they hurt)."""
    return {
        "plan": plan_id,
        "start": start.isoformat(),
        "planned_orders": [
            {
                "id": o.id,
                "material": o.material,
                "quantity": o.quantity,
                "kind": o.kind,
                "supplier": o.supplier,
                "release": o.release.isoformat(),
                "due": o.due.isoformat(),
                "pegging": [{"demand": d, "quantity": pegged(q)} for d, q in served.items()],
            }
            for o, served in zip(planned, pegging, strict=True)
        ],
        "exceptions": [
            {
                "kind": e.kind,
                "material": e.material,
                "date": e.date.isoformat(),
                "quantity": e.quantity,
                "orders": list(e.orders),
                "message": e.message,
            }
            for e in exceptions
        ],
    }


def stored_plan_document(engine: Engine, stored: StoredPlan) -> dict[str, Any]:
    pegging = stored_pegging(engine, stored).pegging_of_lots()
    return plan_document(stored.id, stored.start, stored.planned_orders, pegging, stored.exceptions)


def latest_plan(engine: Engine, site: str | None = None, plan_id: int | None = None) -> StoredPlan:
    """The loaded plant's plan of record, its newest stored run that is not a what-if (`--disrupt`), which
    exceptions, pegging and releases act on; or run `plan_id`, what-if or not."""
    site = site or read_plant(engine, None).site.id
    if plan_id is None:
        plan_id = plan_of_record_id(engine, site)
        if plan_id is None and stored_plan_ids(engine, site, 1):
            raise FactoryosError(
                f"only what-if runs (`plan --disrupt`) are stored for {site!r}: run `factoryos plan` for a plan to "
                "act on"
            )
    return stored_plan(engine, site, plan_id)


def peg(engine: Engine, reference: str, site: str | None = None) -> dict[str, Any]:
    """Pegging of the plan of record: for a planned order, the demands it serves at every level above it; for a
    customer order (or a forecast demand), every planned order under it, walked on the stored run's pegging."""
    stored = latest_plan(engine, site)
    network = stored_pegging(engine, stored)
    lot = next((k for k, o in enumerate(stored.planned_orders) if o.id == reference), None)
    if lot is not None:
        order = stored.planned_orders[lot]
        return {
            "planned_order": order.id,
            "material": order.material,
            "quantity": order.quantity,
            "demands": [{"demand": d, "quantity": pegged(q)} for d, q in network.pegging(lot).items()],
        }
    demands = [k for k, d in enumerate(network.demands) if d == reference]
    if not demands:
        raise FactoryosError(f"{reference!r} is neither a planned order nor a customer order of plan {stored.id}")
    under = []
    for supply, quantity in sorted(network.served_by(demands).items()):
        o = stored.planned_orders[supply]
        under.append(
            {
                "planned_order": o.id,
                "material": o.material,
                "kind": o.kind,
                "supplier": o.supplier,
                "due": o.due.isoformat(),
                "quantity": pegged(quantity),
            }
        )
    end = stored.start + timedelta(days=stored.horizon_days)
    return {"customer_order": reference, "planned_orders": under, "plan": [stored.start.isoformat(), end.isoformat()]}


def release(engine: Engine, planned_order_ids: list[str], site: str | None = None) -> Release:
    """Turn chosen buy proposals of the plan of record (never a what-if's) into purchase orders (state `open`);
    they are open receipts to every later run and to the promise, and each fills the requisitions that
    promises made of its material (`store.plans.fill_requisitions`), so nothing is counted as bought twice."""
    twice = sorted(ident for ident, n in Counter(planned_order_ids).items() if n > 1)
    if twice:
        raise FactoryosError(f"{', '.join(twice)} named more than once: a proposal is released once")
    stored = latest_plan(engine, site)
    by_id = {o.id: o for o in stored.planned_orders}
    chosen = []
    for ident in planned_order_ids:
        order = by_id.get(ident)
        if order is None or order.kind != "buy" or order.supplier is None:
            raise FactoryosError(f"{ident!r} is not a purchase proposal of plan {stored.id} (see `factoryos plan`)")
        chosen.append(order)
    return _release(engine, stored, chosen)


def release_due(engine: Engine, within_days: int, site: str | None = None) -> Release:
    """Release every buy proposal of the plan of record that is to be ordered within `within_days` of its start
    and is not released yet: a buyer's week (see `release`)."""
    if within_days < 1 or within_days > 3650:
        raise FactoryosError(f"--within-days must be 1-3650 (got {within_days})")
    stored = latest_plan(engine, site)
    done = {po.planned_order for po in list_purchase_orders(engine, stored.site) if po.plan == stored.id}
    due = [o for orders in proposals_by_supplier(stored, within_days).values() for o in orders if o.id not in done]
    return _release(engine, stored, sorted(due, key=lambda o: (o.release, o.id)))


def _release(engine: Engine, stored: StoredPlan, chosen: list[StoredPlannedOrder]) -> Release:
    plant = read_plant(engine, stored.site)
    gone = sorted({o.id for o in chosen if o.material not in plant.materials or o.supplier not in plant.suppliers})
    if gone:
        raise FactoryosError(
            f"plan {stored.id} was made for the plant as it was loaded before: {', '.join(gone)} buy a material or "
            "from a supplier it no longer has; run `factoryos plan` again"
        )
    orders = [
        StoredPurchaseOrder(
            id="",  # numbered as stored
            site=stored.site,
            supplier=o.supplier or "",
            material=o.material,
            quantity=o.quantity,
            ordered=o.release,
            due=o.due,
            value=round(o.quantity * plant.materials[o.material].unit_cost, 2),
            state="open",
            plan=stored.id,
            planned_order=o.id,
        )
        for o in chosen
    ]
    materials = {o.material for o in orders}
    suppliers = {sid for sid, s in plant.suppliers.items() if materials & set(s.materials)}
    lead_days = {sid: round(s.lead_time_days) for sid, s in plant.suppliers.items()}
    released = save_purchase_orders(engine, orders, lead_days, write_locks(stored.site, (), materials, suppliers))
    forget_desk(engine, stored.site)
    return released


def requisitions(engine: Engine, site: str | None = None) -> list[Requisition]:
    """What promises bought that no released purchase order has filled yet: the buyer's to-do beside the plan's
    proposals (a proposal released for the material fills them)."""
    return list_requisitions(engine, read_plant(engine, site).site.id)


def proposals_by_supplier(stored: StoredPlan, within_days: int | None = None) -> dict[str, list[StoredPlannedOrder]]:
    """Buy proposals per supplier, by release date (those to order within `within_days` of the start)."""
    cut = stored.start + timedelta(days=within_days) if within_days is not None else None
    out: dict[str, list[StoredPlannedOrder]] = {}
    for o in sorted(stored.planned_orders, key=lambda o: (o.supplier or "", o.release, o.id)):
        if o.kind == "buy" and o.supplier and (cut is None or o.release < cut):
            out.setdefault(o.supplier, []).append(o)
    return out
