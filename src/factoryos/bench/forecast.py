"""The forecast benchmark: WAPE of the backtest-chosen model against a weekly seasonal naive on held-back weeks.

A year of orders is generated from the plant's demand (starting one longest lead time early, so every day
of the year has all the orders due on it). The last `weeks` weeks are held back: each product's model is
chosen by the rolling-origin backtest on the weeks before them only, then both it and the seasonal naive
forecast each held-back week from an origin at its start, refitted on everything before (a weekly re-plan).
WAPE is total absolute error over total units, per product and over all products. The oracle forecasts the
generator's own expected units a day (its demand, weekday profile and, on the due day, lead times): the
least WAPE any forecast can expect, the floor the noise of the stream sets.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import numpy as np

from factoryos.c2m.demand import generate_orders
from factoryos.c2m.forecast import SEASON, Basis, backtest, daily_units, select_models, wape
from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Plant, Product

BASELINE = "SeasonalNaive"


def bench_forecast(
    plant: Plant, start: date, days: int = 364, weeks: int = 8, seed: int = 1, basis: Basis = "due"
) -> dict[str, Any]:
    """Both WAPEs per product and overall on the last `weeks` weeks of `days` generated days (module doc)."""
    if weeks < 1 or days < (weeks + 6) * SEASON:
        raise FactoryosError(f"need at least {(weeks + 6) * SEASON} days for {weeks} held-back weeks (got {days})")
    began = time.perf_counter()
    lead = max((int(p.demand.lead_time_days[1]) for p in plant.products.values() if p.demand), default=0)
    orders = generate_orders(plant, start - timedelta(days=lead), days + lead, seed)
    series = {p: y for p, y in daily_units(orders, plant.products, start, days, basis).items() if y.any()}
    if not series:
        raise FactoryosError("no product of the plant has demand to forecast")
    train = days - weeks * SEASON
    chosen = select_models({p: y[:train] for p, y in series.items()}, start)
    frames = backtest(series, start, {p: (chosen[p], BASELINE) for p in series}, weeks)
    products, actual, model, baseline, oracle = {}, [], [], [], []
    for product in sorted(frames):
        frame = frames[product]
        a, m, b = (frame[c].to_numpy() for c in ("actual", chosen[product], BASELINE))
        days_held = [d.date() for d in frame["day"]]
        o = np.array([expected_units(plant.products[product], d, basis) for d in days_held])
        actual.append(a)
        model.append(m)
        baseline.append(b)
        oracle.append(o)
        products[product] = _figures(a, m, b, o) | {"model": chosen[product]}
    overall = _figures(*(np.concatenate(x) for x in (actual, model, baseline, oracle)))
    return {
        "days": days,
        "held_back_weeks": weeks,
        "basis": basis,
        "seed": seed,
        "products": products,
        "overall": overall,
        "seconds": round(time.perf_counter() - began, 2),
    }


def expected_units(product: Product, day: date, basis: Basis) -> float:
    """The generator's expected units of `product` on `day`: ordered that day, or due that day (orders placed
    over the lead-time range before it, each lead time equally likely)."""
    demand = product.demand
    if demand is None:
        return 0.0
    if basis == "ordered":
        return demand.units_per_day * demand.weekday_profile[day.weekday()]
    low, high = int(demand.lead_time_days[0]), int(demand.lead_time_days[1])
    leads = range(low, high + 1)
    profile = sum(demand.weekday_profile[(day - timedelta(days=lead)).weekday()] for lead in leads) / len(leads)
    return demand.units_per_day * profile


def _figures(actual: np.ndarray, model: np.ndarray, baseline: np.ndarray, oracle: np.ndarray) -> dict[str, float]:
    ours, theirs = wape(actual, model), wape(actual, baseline)
    return {
        "units": float(actual.sum()),
        "wape": round(ours, 4),
        "seasonal_naive_wape": round(theirs, 4),
        "improvement": round(1 - ours / theirs, 4) if theirs else 0.0,
        "oracle_wape": round(wape(actual, oracle), 4),
    }
