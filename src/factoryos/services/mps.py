"""The master production schedule of a plant's demand: the order book, the forecast, or both.

`orders` plans the open orders due in the horizon, or past due, alone (those due after it are counted as beyond
the horizon, per product) (what the order book still needs: received,
promised or released, not yet in production; past due first); `forecast` the gross forecast alone; `both` the
orders and the net forecast they leave (`c2m.forecast.consume`), so no unit is planned twice. Forecast units per
day are whole units, rounded so that each product's running total follows the forecast's. The forecast's attach
rates level the options of the forecast units.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from factoryos.model.errors import FactoryosError
from factoryos.model.orders import OPEN_STATES, CustomerOrder
from factoryos.planning.mps import Demand, MasterSchedule, master_schedule
from factoryos.planning.plant_problem import DemandRow
from factoryos.services.forecast import ForecastRun, History, forecast_history

DemandSource = Literal["orders", "forecast", "both"]
SOURCES: tuple[DemandSource, ...] = ("orders", "forecast", "both")


@dataclass(frozen=True)
class MpsRun:
    """An MPS, what it planned (`demand`), and the forecast it used (None for the order book alone)."""

    schedule: MasterSchedule
    demand: DemandSource
    forecast: ForecastRun | None
    history: History


def plan_mps(
    history: History,
    horizon_days: int,
    demand: str = "both",
    previous: PreviousMps | None = None,
) -> MpsRun:
    """The MPS over the horizon from `history`'s start; `previous` (the last MPS's units) is kept inside the
    plant's time fences."""
    source = _source(demand)
    run = forecast_history(history, horizon_days) if source != "orders" else None
    demands = [order_demand(o) for o in history.orders if o.state in OPEN_STATES] if source != "forecast" else []
    rates = None
    if run is not None:
        gross = {(p, f.day(k)): units for p, f in run.forecast.products.items() for k, units in enumerate(f.units)}
        demands += forecast_demands(run.net if source == "both" else gross)
        rates = {p: run.forecast.mix(p) for p in run.forecast.products}
    by_product, by_demand = (previous.by_product, previous.by_demand) if previous is not None else (None, None)
    schedule = master_schedule(history.plant, demands, history.start, horizon_days, rates, by_product, by_demand)
    return MpsRun(schedule, source, run, history)


def mps_demand_rows(schedule: MasterSchedule) -> list[DemandRow]:
    """The MPS as MRP's independent demand: each row's units of its material due on the day the MPS builds
    them, an order's with its configuration, the forecast's in the plant's planned mix."""
    return [
        DemandRow(r.demand, r.material, r.day, r.quantity, r.kind, r.customer_order, r.configuration)
        for r in schedule.rows
    ]


def order_demand(order: CustomerOrder) -> Demand:
    """An order as the MPS plans it: due on the date the plant answers for (the promise, when later than asked)."""
    return Demand(order.id, order.product, order.committed_date, order.quantity, "order", order.id, order.configuration)


def forecast_demands(units: Mapping[tuple[str, date], float]) -> list[Demand]:
    """Whole units per product and day whose running total follows the forecast's (rounded half up)."""
    by_product: dict[str, list[tuple[date, float]]] = defaultdict(list)
    for (product, day), quantity in units.items():
        by_product[product].append((day, quantity))
    out = []
    for product, days in sorted(by_product.items()):
        total, whole = 0.0, 0
        for day, quantity in sorted(days):
            total += quantity
            units_today = math.floor(total + 0.5) - whole
            whole += units_today
            if units_today > 0:
                out.append(Demand(f"FC-{product}-{day.isoformat()}", product, day, units_today))
    return out


@dataclass(frozen=True)
class PreviousMps:
    """The last MPS as the time fences read it: units per product and day, and per demand and day."""

    by_product: dict[tuple[str, date], int]
    by_demand: dict[tuple[str, date], int]


def previous_quantities(document: Mapping[str, Any]) -> PreviousMps:
    """The units of an MPS printed with `--json`, for the time fences."""
    by_product: dict[tuple[str, date], int] = defaultdict(int)
    by_demand: dict[tuple[str, date], int] = defaultdict(int)
    try:
        for row in document["rows"]:
            day, quantity = date.fromisoformat(row["day"]), int(row["quantity"])
            by_product[str(row["product"]), day] += quantity
            by_demand[str(row["demand"]), day] += quantity
    except (KeyError, TypeError, ValueError) as error:
        raise FactoryosError(f"the previous MPS is not an `mps --json` document ({error!r})") from None
    return PreviousMps(dict(by_product), dict(by_demand))


def mps_document(run: MpsRun) -> dict[str, Any]:
    """The MPS as `mps --json` prints it. `line_capacity` is the ramp-up line's units a day when it bounds any
    product (else null: another line can build them all); `capacity` per product what bounds it, in units a
    day, as the text table's capacity column gives it."""
    schedule = run.schedule
    bound_by = schedule.bound_by()
    return {
        "start": schedule.start.isoformat(),
        "days": schedule.days,
        "demand": run.demand,
        "history": run.history.source,
        "orders_placed_from_start": run.history.later,
        "line_capacity": [
            {"day": (schedule.start + timedelta(days=k)).isoformat(), "units": units}
            for k, units in enumerate(schedule.capacity)
        ]
        if schedule.ramp_bounded
        else None,
        "bound_products": sorted(schedule.bound_products),
        "bound_by": bound_by,
        "capacity": [
            {
                "product": product,
                "bound_by": bound_by[product],
                "days": [
                    {"day": (schedule.start + timedelta(days=k)).isoformat(), "units": units}
                    for k, units in enumerate(days)
                ],
            }
            for product, days in schedule.capacities().items()
        ],
        "rows": [
            {
                "demand": r.demand,
                "product": r.product,
                "material": r.material,
                "day": r.day.isoformat(),
                "quantity": r.quantity,
                "kind": r.kind,
                "customer_order": r.customer_order,
                "due": r.due.isoformat(),
                "mix": r.mix,
            }
            for r in schedule.rows
        ],
        "unplanned": schedule.unplanned,
        "beyond_horizon": {
            product: {"units": b.units, "orders": b.orders, "last_due": b.last_due.isoformat()}
            for product, b in schedule.beyond.items()
        },
        "not_in_horizon_units": schedule.not_in_horizon,
    }


def _source(demand: str) -> DemandSource:
    for source in SOURCES:
        if demand == source:
            return source
    raise FactoryosError(f"--demand {demand!r}: expected one of {', '.join(SOURCES)}")
