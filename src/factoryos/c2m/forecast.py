"""Demand and option-mix forecast from the order history, and forecast consumption by firm orders.

Units per product and day are counted on the day an order is due (its requirement date, the axis the
master schedule and MRP plan on); a day's count is complete once the day has passed, because every order
is due after it was placed. Each product's series is forecast by the statsforecast model that did best in
a rolling-origin backtest on its own history (weekly origins, one week ahead, scored by WAPE): AutoETS,
AutoTheta or a weekly seasonal naive for a smooth series, Croston, TSB or ADIDA for an intermittent one
(Syntetos-Boylan: a mean interval between demands of 1.32 days or more, weekdays that never see demand
left out). Daily demand in a few big orders defeats every model: WAPE, an absolute error, is least for the
median day, a day without demand, so each model scores worse than forecasting nothing (100 % or more) and the
one forecasting least would win, starving the plan. Then the days cannot be forecast, only the volume: the
history's mean daily units (`BASELINE`) is forecast, and the forecast warns. Prediction intervals are split
conformal: the chosen model's backtest errors give the half-width at the asked level, the same over the
horizon because the plan is re-forecast every week.

Option attach rates are each option's share of a family's units over the recent weeks (a mix moves slowly
and one day's options are a draw from it); the interval is where a day's share falls for the forecast's
mean daily units (binomial, normal approximation). Every unit of an order takes the order's options, so the
draws are orders, not units: a day of n units in orders of unit-weighted mean size s = sum(q^2) / sum(q) (over
the window's orders) varies as n / s independent units do; with orders of one unit, as n units.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.plant import Plant

if TYPE_CHECKING:
    import pandas as pd

SEASON = 7
"""A week: order intake and the plant's calendars repeat weekly."""
BACKTEST_WEEKS = 4
"""Rolling origins, one a week, each forecasting the following week."""
MIN_HISTORY_DAYS = (BACKTEST_WEEKS + 2) * SEASON
"""Two weeks to fit the first backtest origin on, then the backtest's weeks."""
INTERMITTENT_ADI = 1.32
"""Syntetos-Boylan cut-off: a series whose mean interval between non-zero days is longer is intermittent."""
SMOOTH_MODELS = ("AutoETS", "AutoTheta", "SeasonalNaive")
INTERMITTENT_MODELS = ("CrostonOptimized", "TSB", "ADIDA", "SeasonalNaive")
MIX_WEEKS = 8
"""How many recent weeks the attach rates are measured over."""
NO_DEMAND_WAPE = 1.0
"""The WAPE of forecasting no demand at all; a model that does not score below it forecasts nothing by day."""
BASELINE = "HistoricAverage"
"""The mean daily units of the history: the forecast when no model beats forecasting no demand."""

Basis = Literal["due", "ordered"]


@dataclass(frozen=True)
class ProductForecast:
    """One product's forecast units per day from `start`, with the interval at the forecast's level, the model
    the backtest chose and every candidate's backtest WAPE; `warning` says why the forecast is not to be read day
    by day, when no model beat forecasting no demand."""

    product: str
    model: str
    intermittent: bool
    start: date
    units: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    backtest_wape: dict[str, float]
    warning: str = ""

    def day(self, offset: int) -> date:
        return self.start + timedelta(days=offset)


@dataclass(frozen=True)
class AttachRate:
    """The share of a product's units that take `option` in `family`, and where one day's share falls."""

    product: str
    family: str
    option: str
    share: float
    lower: float
    upper: float


@dataclass(frozen=True)
class DemandForecast:
    """Forecast units per product and day over the horizon and option attach rates, at one interval level."""

    start: date
    horizon_days: int
    level: float
    products: dict[str, ProductForecast]
    attach_rates: tuple[AttachRate, ...]

    def mix(self, product: str) -> dict[str, dict[str, float]]:
        """Family -> option -> share for `product`."""
        out: dict[str, dict[str, float]] = defaultdict(dict)
        for rate in self.attach_rates:
            if rate.product == product:
                out[rate.family][rate.option] = rate.share
        return dict(out)


def daily_units(
    orders: Iterable[CustomerOrder], products: Iterable[str], start: date, days: int, basis: Basis = "due"
) -> dict[str, np.ndarray]:
    """Units per product and day over [start, start + days), on the day each order is due (or was placed);
    cancelled orders are not demand."""
    series = {product: np.zeros(days) for product in products}
    for order in orders:
        if order.state == CustomerOrderState.CANCELLED or order.product not in series:
            continue
        day = order.due_date if basis == "due" else order.ordered_at.date()
        offset = (day - start).days
        if 0 <= offset < days:
            series[order.product][offset] += order.quantity
    return series


def is_intermittent(y: np.ndarray) -> bool:
    """Syntetos-Boylan: the mean interval between days with demand is `INTERMITTENT_ADI` days or more. Days of
    the week that never have demand (an order desk closed at weekends) are left out: they make a series
    seasonal, not intermittent."""
    demand_days = int(np.count_nonzero(y))
    if demand_days == 0:
        return True
    phase = np.arange(len(y)) % SEASON
    open_days = int(np.isin(phase, phase[y > 0]).sum())
    return open_days / demand_days >= INTERMITTENT_ADI


def backtest(
    series: Mapping[str, np.ndarray], start: date, models: Mapping[str, Sequence[str]], weeks: int
) -> dict[str, pd.DataFrame]:
    """Each series' rolling-origin forecasts by each of its models: one origin a week for the last `weeks`
    weeks, each refitted on everything before it and forecasting the week after. Columns: day, actual, one
    per model."""
    frames: dict[str, pd.DataFrame] = {}
    for names, ids in _grouped(models).items():
        names = tuple(dict.fromkeys(names))
        forecaster = _forecaster(names)
        result = forecaster.cross_validation(
            df=_frame({i: series[i] for i in ids}, start), h=SEASON, n_windows=weeks, step_size=SEASON
        )
        for series_id, rows in result.groupby("unique_id"):
            frames[str(series_id)] = rows.rename(columns={"ds": "day", "y": "actual"}).reset_index(drop=True)
    return frames


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error: total absolute error over total actual units (0 when both are 0)."""
    total = float(np.abs(actual).sum())
    error = float(np.abs(actual - forecast).sum())
    return error / total if total else (0.0 if error == 0 else math.inf)


def candidates(y: np.ndarray) -> tuple[str, ...]:
    return INTERMITTENT_MODELS if is_intermittent(y) else SMOOTH_MODELS


def select_models(series: Mapping[str, np.ndarray], start: date, weeks: int = BACKTEST_WEEKS) -> dict[str, str]:
    """The model with the least backtest WAPE for each series (a series without demand needs none); where none
    beats forecasting no demand, the history's mean (`BASELINE`, module doc)."""
    chosen, _, _ = _select(series, start, weeks)
    return chosen


def forecast_demand(
    plant: Plant,
    orders: Iterable[CustomerOrder],
    start: date,
    horizon_days: int,
    history_days: int = 365,
    level: float = 80.0,
) -> DemandForecast:
    """Forecast every product with demand over [start, start + horizon_days) from the orders due in the
    `history_days` before `start`, and its option attach rates over the last `MIX_WEEKS` weeks."""
    if horizon_days < 1:
        raise FactoryosError(f"the horizon must be at least one day (got {horizon_days})")
    if not 0 < level < 100:
        raise FactoryosError(f"the interval level must be between 0 and 100 % (got {level:g})")
    orders = list(orders)
    history_start = start - timedelta(days=history_days)
    history = daily_units(orders, plant.products, history_start, history_days)
    first = _first_demand(history)
    if first is None or history_days - first < MIN_HISTORY_DAYS:
        have = 0 if first is None else history_days - first
        raise FactoryosError(
            f"too little order history to forecast: {have} days of known demand before {start} (from the first "
            f"order's day plus the longest lead time, when every order due that day has been placed), need at least "
            f"{MIN_HISTORY_DAYS} (generate or import more orders)"
        )
    history = {p: y[first:] for p, y in history.items()}
    fit_start = history_start + timedelta(days=first)
    chosen, warnings, frames = _select(history, fit_start, BACKTEST_WEEKS)
    points = _forecast(history, fit_start, chosen, horizon_days)
    products = {}
    for product, y in history.items():
        model = chosen.get(product, "none")
        units = np.clip(points.get(product, np.zeros(horizon_days)), 0, None)
        errors = (
            np.abs(frames[product]["actual"] - frames[product][model]).to_numpy() if product in frames else np.zeros(1)
        )
        half = _conformal_half_width(errors, level)
        products[product] = ProductForecast(
            product=product,
            model=model,
            intermittent=is_intermittent(y),
            start=start,
            units=tuple(float(u) for u in units),
            lower=tuple(float(max(0.0, u - half)) for u in units),
            upper=tuple(float(u + half) for u in units),
            backtest_wape=_wapes(frames.get(product)),
            warning=warnings.get(product, ""),
        )
    daily = {p: float(np.mean(f.units)) for p, f in products.items()}
    rates = attach_rates(plant, orders, start - timedelta(weeks=MIX_WEEKS), start, daily, level)
    return DemandForecast(start, horizon_days, level, products, rates)


def attach_rates(
    plant: Plant,
    orders: Iterable[CustomerOrder],
    since: date,
    until: date,
    units_per_day: Mapping[str, float],
    level: float,
) -> tuple[AttachRate, ...]:
    """Each option's share of its family's units due in [since, until), with the interval of one day's share
    at `units_per_day[product]` units a day in orders of the window's sizes. A product without orders in the
    window gets its planned mix."""
    units: dict[tuple[str, str, str], float] = defaultdict(float)
    totals: dict[str, float] = defaultdict(float)
    squares: dict[str, float] = defaultdict(float)
    for order in orders:
        if order.state == CustomerOrderState.CANCELLED or not since <= order.due_date < until:
            continue
        totals[order.product] += order.quantity
        squares[order.product] += order.quantity**2
        for chosen_family, option in order.configuration.items():
            units[order.product, chosen_family, option] += order.quantity
    z = NormalDist().inv_cdf(0.5 + level / 200)
    rates = []
    for product_id, product in plant.products.items():
        order_size = squares[product_id] / totals[product_id] if totals[product_id] else 1.0
        n = units_per_day.get(product_id, 0.0) / order_size
        for family_id, family in product.option_families.items():
            shares = _shares(product_id, family_id, family.options, units, totals[product_id])
            for option, share in shares.items():
                half = z * math.sqrt(share * (1 - share) / n) if n > 0 else 1.0
                rates.append(
                    AttachRate(product_id, family_id, option, share, max(0.0, share - half), min(1.0, share + half))
                )
    return tuple(rates)


def consume(
    forecast: Mapping[tuple[str, date], float], orders: Iterable[tuple[str, date, float]], period_days: int = 7
) -> dict[tuple[str, date], float]:
    """The net forecast: per product, the orders due in a period (a week from Monday, or `period_days` from the
    epoch's Monday) consume that period's forecast, so a unit already ordered is not planned again. What is
    left of a period's forecast is spread over its days in proportion to the forecast; orders beyond the
    period's forecast consume nothing elsewhere (they are demand of their own)."""
    ordered: dict[tuple[str, int], float] = defaultdict(float)
    for product, due, quantity in orders:
        ordered[product, _period(due, period_days)] += quantity
    planned: dict[tuple[str, int], float] = defaultdict(float)
    for (product, day), quantity in forecast.items():
        planned[product, _period(day, period_days)] += quantity
    net = {}
    for (product, day), quantity in forecast.items():
        key = (product, _period(day, period_days))
        left = max(0.0, planned[key] - ordered[key])
        net[product, day] = quantity * left / planned[key] if planned[key] > 0 else 0.0
    return net


def _period(day: date, period_days: int) -> int:
    return (day - date(1970, 1, 5)).days // period_days  # 1970-01-05 is a Monday


def _shares(
    product: str,
    family: str,
    options: Mapping[str, Any],
    units: Mapping[tuple[str, str, str], float],
    total: float,
) -> dict[str, float]:
    if total > 0:
        return {o: units.get((product, family, o), 0.0) / total for o in options}
    planned = {o: float(options[o].mix) for o in options}
    whole = sum(planned.values())
    return {o: m / whole if whole else 1 / len(planned) for o, m in planned.items()}


def _first_demand(history: Mapping[str, np.ndarray]) -> int | None:
    firsts = [int(np.flatnonzero(y)[0]) for y in history.values() if y.any()]
    return min(firsts) if firsts else None


def _select(
    series: Mapping[str, np.ndarray], start: date, weeks: int
) -> tuple[dict[str, str], dict[str, str], dict[str, pd.DataFrame]]:
    """Each series' model, the warnings of those no model forecasts by day, and the backtests (the baseline's
    beside the candidates' where it is chosen)."""
    with_demand = {i: y for i, y in series.items() if y.any()}
    frames = backtest(with_demand, start, {i: candidates(y) for i, y in with_demand.items()}, weeks)
    chosen, best = {}, {}
    for series_id, frame in frames.items():
        scores = _wapes(frame)
        chosen[series_id] = min(scores, key=lambda m: (scores[m], m))
        best[series_id] = scores[chosen[series_id]]
    lumpy = {i: with_demand[i] for i, score in best.items() if score >= NO_DEMAND_WAPE}
    warnings = {}
    for series_id, frame in backtest(lumpy, start, dict.fromkeys(lumpy, (BASELINE,)), weeks).items():
        frames[series_id] = frames[series_id].merge(frame[["day", "cutoff", BASELINE]], on=["day", "cutoff"])
        chosen[series_id] = BASELINE
        score = f"{best[series_id]:.0%}" if math.isfinite(best[series_id]) else "infinite: no demand in those weeks"
        warnings[series_id] = (
            f"no model forecast the backtest's days better than forecasting no demand (the best's WAPE {score}): "
            "demand comes in a few big orders, so the forecast is the history's mean daily units, a rate to plan "
            "volume on, not a day's demand; plan the big orders as orders"
        )
    return chosen, warnings, frames


def _wapes(frame: pd.DataFrame | None) -> dict[str, float]:
    if frame is None:
        return {}
    models = [c for c in frame.columns if c not in ("unique_id", "day", "cutoff", "actual")]
    return {m: wape(frame["actual"].to_numpy(), frame[m].to_numpy()) for m in models}


def _forecast(
    series: Mapping[str, np.ndarray], start: date, chosen: Mapping[str, str], horizon: int
) -> dict[str, np.ndarray]:
    out = {}
    by_model: dict[str, list[str]] = defaultdict(list)
    for series_id, model in chosen.items():
        by_model[model].append(series_id)
    for model, ids in by_model.items():
        result = _forecaster((model,)).forecast(df=_frame({i: series[i] for i in ids}, start), h=horizon)
        for series_id, rows in result.groupby("unique_id"):
            out[str(series_id)] = rows[model].to_numpy()
    return out


def _conformal_half_width(errors: np.ndarray, level: float) -> float:
    """The split-conformal quantile: the ceil((n + 1) level)-th smallest absolute error (the largest if n is
    too small for the level)."""
    ordered = np.sort(errors)
    rank = min(len(ordered), math.ceil((len(ordered) + 1) * level / 100))
    return float(ordered[rank - 1])


def _grouped(models: Mapping[str, Sequence[str]]) -> dict[tuple[str, ...], list[str]]:
    groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for series_id, names in models.items():
        groups[tuple(names)].append(series_id)
    return groups


def _frame(series: Mapping[str, np.ndarray], start: date) -> pd.DataFrame:
    import pandas as pd

    days = pd.date_range(start, periods=max(len(y) for y in series.values()), freq="D")
    return pd.concat(
        [pd.DataFrame({"unique_id": i, "ds": days[: len(y)], "y": y.astype(float)}) for i, y in series.items()],
        ignore_index=True,
    )


def _forecaster(names: Sequence[str]) -> Any:
    """A statsforecast forecaster of the named models (imported here: it takes seconds to load)."""
    from statsforecast import StatsForecast
    from statsforecast.models import ADIDA, TSB, AutoETS, AutoTheta, CrostonOptimized, HistoricAverage, SeasonalNaive

    makers = {
        "AutoETS": lambda: AutoETS(season_length=SEASON),
        "AutoTheta": lambda: AutoTheta(season_length=SEASON),
        "SeasonalNaive": lambda: SeasonalNaive(season_length=SEASON),
        "CrostonOptimized": CrostonOptimized,
        "TSB": lambda: TSB(alpha_d=0.1, alpha_p=0.1),
        "ADIDA": ADIDA,
        BASELINE: HistoricAverage,
    }
    return StatsForecast(models=[makers[n]() for n in names], freq="D", n_jobs=1)
