"""The demand forecast of a plant: from the stored orders, or from a generated year when there are none.

Stored orders: the history runs from one longest order lead time after the first order (before that, orders
due on a day may have been placed before the record starts) to the forecast's start, by default the day
after the last order was placed. Firm orders due in the horizon consume the forecast (`c2m.forecast.consume`),
and the net forecast is what is left to plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from factoryos.c2m.demand import generate_orders
from factoryos.c2m.forecast import DemandForecast, consume, forecast_demand
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.plant import Plant
from factoryos.store.orders import list_orders
from factoryos.store.plants import read_plant

GENERATED_DAYS = 365
GENERATED_SEED = 1


@dataclass(frozen=True)
class History:
    """Orders to forecast from: those placed before `start`, whose due days are complete over `days` days
    before it, from the store or generated; `later` counts the stored orders placed on or after `start`, which
    a plan from `start` does not know of."""

    plant: Plant
    orders: list[CustomerOrder]
    start: date
    days: int
    source: Literal["stored", "generated"]
    later: int = 0


@dataclass(frozen=True)
class ForecastRun:
    """A forecast, the net forecast left after firm orders consumed it, and the history it came from."""

    forecast: DemandForecast
    net: dict[tuple[str, date], float]
    history: History
    firm: list[CustomerOrder]


def longest_lead(plant: Plant) -> int:
    return max((int(p.demand.lead_time_days[1]) for p in plant.products.values() if p.demand), default=0)


def generated_history(plant: Plant, start: date | None = None, seed: int = GENERATED_SEED) -> History:
    """A generated year of orders before `start` (default the plant's first day: `Plant.first_day`); those due
    before it were shipped."""
    first_day = start or plant.first_day()
    lead = longest_lead(plant)
    orders = generate_orders(plant, first_day - timedelta(days=GENERATED_DAYS + lead), GENERATED_DAYS + lead, seed)
    for order in orders:
        if order.due_date < first_day:
            order.state = CustomerOrderState.SHIPPED
    return History(plant, orders, first_day, GENERATED_DAYS, "generated")


def stored_history(
    engine: Engine, start: date | None = None, site: str | None = None, to_forecast: bool = True
) -> History:
    """The loaded plant's stored orders placed before `start` (default the day after the last), or, if it has
    none, a generated year's orders that were shipped by then (no order book: the store has none);
    `to_forecast`: refused when too short to forecast from. Not to forecast and without `start`, the whole order
    book from its first day (not before the stock count), as MRP plans it: from the day after the last order,
    every order due before it was planned late on the MPS's first day."""
    plant = read_plant(engine, site)
    orders = [o for o in list_orders(engine, site=plant.site.id) if o.state != CustomerOrderState.CANCELLED]
    if not orders:  # the generated year teaches the forecast; its orders still open are nobody's
        generated = generated_history(plant, start)
        return replace(generated, orders=[o for o in generated.orders if o.due_date < generated.start])
    zone = ZoneInfo(plant.site.timezone)  # an order's day is the site's
    placed = [o.placed_on(zone) for o in orders]
    if start is None and not to_forecast:  # the order book alone: all of it, from its first day, as MRP plans it
        return History(plant, orders, plant.from_count(min(placed)), 0, "stored")
    lead = longest_lead(plant)
    first = min(placed) + timedelta(days=lead)
    last = max(placed)
    first_day = start or last + timedelta(days=1)
    days = (first_day - first).days
    if days <= 0 and to_forecast:
        raise FactoryosError(
            f"too little order history to forecast from {first_day}: the stored orders start "
            f"{min(placed)}, and a day's demand is known one longest lead time "
            f"({lead} days) later; generate or import more orders"
        )
    if to_forecast and (first_day - last).days > lead:
        raise FactoryosError(
            f"no order is stored in the {(first_day - last).days} days before {first_day} (the last was placed "
            f"{last}): a forecast from there would read them as no demand; start at most one longest lead time "
            f"({lead} days) after the last order, or import the orders since"
        )
    before = [o for o, day in zip(orders, placed, strict=True) if day < first_day]
    return History(plant, before, first_day, max(days, 0), "stored", len(orders) - len(before))


def firm_orders(history: History, horizon_days: int) -> list[CustomerOrder]:
    """The orders due in the horizon: the order book."""
    end = history.start + timedelta(days=horizon_days)
    return [o for o in history.orders if history.start <= o.due_date < end]


def forecast_history(history: History, horizon_days: int) -> ForecastRun:
    """Forecast the horizon from `history`; the firm orders due in it consume the forecast."""
    forecast = forecast_demand(history.plant, history.orders, history.start, horizon_days, history.days)
    firm = firm_orders(history, horizon_days)
    gross = {
        (product, f.day(offset)): units
        for product, f in forecast.products.items()
        for offset, units in enumerate(f.units)
    }
    net = consume(gross, ((o.product, o.due_date, o.quantity) for o in firm))
    return ForecastRun(forecast, net, history, firm)


def forecast_document(run: ForecastRun) -> dict[str, Any]:
    """The forecast as JSON: per product the chosen model, its backtest, its warning (empty: none) and each day's
    units, interval and net units; the attach rates."""
    f = run.forecast
    return {
        "start": f.start.isoformat(),
        "horizon_days": f.horizon_days,
        "level": f.level,
        "history": run.history.source,
        "orders": len(run.history.orders),
        "firm_orders_in_horizon": len(run.firm),
        "products": [
            {
                "product": product,
                "model": p.model,
                "intermittent": p.intermittent,
                # a backtest of no demand has no WAPE to speak of (infinite for a model that forecast some)
                "backtest_wape": {m: round(w, 4) if math.isfinite(w) else None for m, w in p.backtest_wape.items()},
                "warning": p.warning,
                "days": [
                    {
                        "day": p.day(k).isoformat(),
                        "units": round(p.units[k], 3),
                        "lower": round(p.lower[k], 3),
                        "upper": round(p.upper[k], 3),
                        "net_units": round(run.net[product, p.day(k)], 3),
                    }
                    for k in range(f.horizon_days)
                ],
            }
            for product, p in f.products.items()
        ],
        "attach_rates": [
            {
                "product": r.product,
                "family": r.family,
                "option": r.option,
                "share": round(r.share, 4),
                "lower": round(r.lower, 4),
                "upper": round(r.upper, 4),
            }
            for r in f.attach_rates
        ],
    }
