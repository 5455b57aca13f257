"""The demand forecast: series counting, the intermittency test, WAPE, conformal intervals, attach rates and
forecast consumption against hand-computed cases; model choice and intervals on generated history."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from factoryos.c2m.demand import generate_orders
from factoryos.c2m.forecast import (
    BASELINE,
    INTERMITTENT_MODELS,
    MIN_HISTORY_DAYS,
    NO_DEMAND_WAPE,
    SMOOTH_MODELS,
    _conformal_half_width,
    attach_rates,
    consume,
    daily_units,
    forecast_demand,
    is_intermittent,
    wape,
)
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.validate import load_plant

DATA = Path(__file__).resolve().parents[1] / "data"
MONDAY = date(2027, 3, 1)


@pytest.fixture(scope="module")
def ramp_plant():
    return load_plant(DATA / "partner-ramp-plant.yaml")


def order(product: str, due: date, quantity: int, configuration=None, ordered: date | None = None, state=None):
    placed = ordered or due - timedelta(days=7)
    return CustomerOrder(
        id=f"CO-{product}-{due}-{quantity}",
        site="s",
        tenant="t",
        customer="c",
        product=product,
        configuration=configuration or {},
        quantity=quantity,
        ordered_at=datetime(placed.year, placed.month, placed.day, 10, tzinfo=UTC),
        due_date=due,
        state=state or CustomerOrderState.RECEIVED,
    )


def test_units_count_on_the_due_day_or_the_ordered_day_and_cancelled_orders_are_not_demand():
    orders = [
        order("a", MONDAY, 3),
        order("a", MONDAY, 2),
        order("a", MONDAY + timedelta(days=2), 5, state=CustomerOrderState.CANCELLED),
        order("a", MONDAY + timedelta(days=9), 4),  # outside the window
        order("b", MONDAY + timedelta(days=1), 1, ordered=MONDAY),
        order("unknown", MONDAY, 7),
    ]
    due = daily_units(orders, ["a", "b"], MONDAY, 7)
    assert due["a"].tolist() == [5, 0, 0, 0, 0, 0, 0]
    assert due["b"].tolist() == [0, 1, 0, 0, 0, 0, 0]
    placed = daily_units(orders, ["a", "b"], MONDAY, 7, basis="ordered")
    assert placed["a"].tolist() == [0, 0, 4, 0, 0, 0, 0]  # the order due on day 9 was placed on day 2
    assert placed["b"].tolist() == [1, 0, 0, 0, 0, 0, 0]


def test_syntetos_boylan_calls_a_series_intermittent_from_a_mean_interval_of_1_32_days():
    assert not is_intermittent(np.array([1, 1, 1, 0, 1, 1, 1, 1]))  # 8 days / 7 demand days = 1.14
    assert is_intermittent(np.array([3, 0, 0, 2, 0, 0, 5, 0]))  # 8 / 3 = 2.67
    assert is_intermittent(np.zeros(5))
    closed_weekends = np.tile([5, 4, 6, 5, 3, 0, 0], 8)
    assert not is_intermittent(closed_weekends)  # 56 days / 40 demand days = 1.4, but 40 open days / 40 = 1
    assert is_intermittent(np.tile([5, 0, 0, 0, 0, 0, 0, 0, 0, 3], 6))  # zeros on every weekday


def test_wape_is_total_absolute_error_over_total_units():
    assert wape(np.array([10.0, 0.0, 30.0]), np.array([12.0, 1.0, 27.0])) == pytest.approx(6 / 40)
    assert wape(np.zeros(3), np.zeros(3)) == 0


def test_the_conformal_half_width_is_the_ceil_n_plus_1_times_level_th_smallest_error():
    errors = np.array([5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 7.0, 6.0, 8.0])  # n = 9
    assert _conformal_half_width(errors, 80) == 8.0  # ceil(10 x 0.8) = 8th smallest
    assert _conformal_half_width(errors, 50) == 5.0  # ceil(10 x 0.5) = 5th
    assert _conformal_half_width(errors, 99) == 9.0  # too few errors for 99 %: the largest


def test_orders_consume_their_weeks_forecast_and_only_that():
    week = [MONDAY + timedelta(days=k) for k in range(14)]
    gross = {("a", d): 10.0 for d in week}
    net = consume(gross, [("a", week[2], 30), ("a", week[9], 100), ("b", week[3], 50)])
    assert sum(net["a", d] for d in week[:7]) == pytest.approx(40)  # 70 forecast less 30 ordered
    assert net["a", week[0]] == pytest.approx(40 / 7)  # spread in proportion to the forecast
    assert all(net["a", d] == 0 for d in week[7:])  # 100 ordered exceed the week's 70
    gross[("a", week[0])] = 0.0
    assert consume(gross, [])[("a", week[0])] == 0


@given(
    forecast=st.lists(st.floats(0, 500), min_size=14, max_size=14),
    orders=st.lists(st.tuples(st.integers(0, 13), st.integers(1, 300)), max_size=10),
)
def test_consumption_never_goes_negative_never_adds_and_nets_each_week(forecast, orders):
    days = [MONDAY + timedelta(days=k) for k in range(14)]
    gross = {("p", d): f for d, f in zip(days, forecast, strict=True)}
    net = consume(gross, [("p", days[k], q) for k, q in orders])
    for key, units in net.items():
        assert -1e-9 <= units <= gross[key] + 1e-9
    for week in (days[:7], days[7:]):
        ordered = sum(q for k, q in orders if days[k] in week)
        planned = sum(gross["p", d] for d in week)
        assert sum(net["p", d] for d in week) == pytest.approx(max(0.0, planned - ordered), abs=1e-6)


def test_attach_rates_are_unit_shares_in_the_window_and_the_planned_mix_without_orders(ramp_plant):
    orders = [
        order("scooter", MONDAY, 3, {"colour": "black", "battery": "small"}),
        order("scooter", MONDAY + timedelta(days=1), 1, {"colour": "lime", "battery": "large"}),
        order("scooter", MONDAY - timedelta(days=1), 50, {"colour": "white", "battery": "large"}),  # before
    ]
    rates = attach_rates(ramp_plant, orders, MONDAY, MONDAY + timedelta(days=7), {"scooter": 4.0}, 80)
    share = {(r.product, r.family, r.option): r for r in rates}
    assert share["scooter", "colour", "black"].share == pytest.approx(0.75)
    assert share["scooter", "colour", "white"].share == 0
    assert share["scooter", "battery", "large"].share == pytest.approx(0.25)
    black = share["scooter", "colour", "black"]  # 0.75 +- 1.2816 sqrt(0.75 x 0.25 / 4)
    assert black.upper - black.share == pytest.approx(min(0.25, 1.2815516 * np.sqrt(0.75 * 0.25 / 4)), abs=1e-4)
    assert share["cargo-bike", "box", "open"].share == pytest.approx(0.6)  # no orders: the plant file's mix


@pytest.fixture(scope="module")
def ramp_forecast(ramp_plant):
    start = date(2027, 3, 1)
    orders = generate_orders(ramp_plant, start - timedelta(days=400), 400, seed=5)
    return forecast_demand(ramp_plant, orders, start, 28, history_days=365)


def test_each_series_gets_the_model_with_the_least_backtest_wape_from_its_class(ramp_forecast):
    """The scooter's smooth series gets its class's best model. The cargo bike comes in orders of 5-10 units on
    one day in five: no intermittent model beats forecasting no demand (each one's WAPE 100 % or more), so it
    gets the history's mean with a warning (it took the seasonal naive, last week's orders again)."""
    scooter, bike = ramp_forecast.products["scooter"], ramp_forecast.products["cargo-bike"]
    assert not scooter.intermittent
    assert set(scooter.backtest_wape) == set(SMOOTH_MODELS)
    assert scooter.backtest_wape[scooter.model] == min(scooter.backtest_wape.values())
    assert not scooter.warning
    assert bike.intermittent
    assert set(bike.backtest_wape) == {*INTERMITTENT_MODELS, BASELINE}
    assert min(bike.backtest_wape[m] for m in INTERMITTENT_MODELS) >= NO_DEMAND_WAPE
    assert (bike.model, bool(bike.warning)) == (BASELINE, True)


def test_forecasts_are_non_negative_inside_their_intervals_and_near_the_planned_demand(ramp_forecast, ramp_plant):
    for product in ramp_forecast.products.values():
        assert len(product.units) == 28
        for low, mid, high in zip(product.lower, product.units, product.upper, strict=True):
            assert 0 <= low <= mid <= high
    demand = ramp_plant.products["scooter"].demand
    expected = demand.units_per_day * sum(demand.weekday_profile) / 7  # units due a day, on average
    assert np.mean(ramp_forecast.products["scooter"].units) == pytest.approx(expected, rel=0.15)


def test_attach_rates_of_a_family_sum_to_one(ramp_forecast):
    for product, families in ((p, ramp_forecast.mix(p)) for p in ramp_forecast.products):
        for family, shares in families.items():
            assert sum(shares.values()) == pytest.approx(1.0), (product, family)


def test_too_little_history_is_a_clear_error(ramp_plant):
    start = date(2027, 3, 1)
    orders = generate_orders(ramp_plant, start - timedelta(days=30), 30, seed=1)
    with pytest.raises(FactoryosError, match=f"too little order history.*at least {MIN_HISTORY_DAYS}"):
        forecast_demand(ramp_plant, orders, start, 14)
    with pytest.raises(FactoryosError, match="horizon"):
        forecast_demand(ramp_plant, orders, start, 0)


def test_the_80_percent_interval_covers_most_days_that_follow(ramp_plant):
    """Split conformal: about 80 % of the days after the history fall inside the interval (28 days, so a
    binomial's 1 % tail allows down to 60 %)."""
    start = date(2027, 3, 1)
    orders = generate_orders(ramp_plant, start - timedelta(days=400), 460, seed=8)
    known = [o for o in orders if o.ordered_at.date() < start]
    forecast = forecast_demand(ramp_plant, known, start, 28, history_days=365)
    actual = daily_units(orders, ["scooter"], start, 28)["scooter"]
    scooter = forecast.products["scooter"]
    inside = [lo <= a <= hi for a, lo, hi in zip(actual, scooter.lower, scooter.upper, strict=True)]
    assert sum(inside) / len(inside) >= 0.6


def test_a_days_share_falls_in_the_attach_rate_interval_as_often_as_its_level_when_orders_are_large(ramp_plant):
    """Each order's 50 units take one colour: a day of 40 orders (2,000 units) varies as 40 draws, not 2,000.
    Simulated days of such orders fall inside the 80 % interval about 80 % of the time (discreteness makes it
    some 85 %); counted as 2,000 independent units the interval would hold about one day in eight."""
    draw = np.random.default_rng(3)
    window = [
        order("scooter", MONDAY + timedelta(days=n % 7), 50, {"colour": colour, "battery": "small"})
        for n, colour in enumerate(draw.choice(["black", "white"], size=400))
    ]
    rates = attach_rates(ramp_plant, window, MONDAY, MONDAY + timedelta(days=7), {"scooter": 2000.0}, 80)
    black = next(r for r in rates if (r.product, r.family, r.option) == ("scooter", "colour", "black"))
    days = draw.binomial(40, 0.5, size=4000) / 40
    inside = np.mean((black.lower <= days) & (days <= black.upper))
    assert 0.72 <= inside <= 0.92


def _job_shop_orders(lumpy: bool, seed: int, days: int = 120) -> list[CustomerOrder]:
    """A scooter order book over `days` before MONDAY: a job shop's few big orders (60-120 units on about one day
    in fourteen), or a day's many small ones (about 20 units every day)."""
    draw = np.random.default_rng(seed)
    book = []
    for k in range(days):
        units = int(draw.integers(60, 121)) if draw.random() < 0.07 else 0 if lumpy else int(draw.poisson(20))
        if units:
            book.append(order("scooter", MONDAY - timedelta(days=days - k), units))
    return book


@pytest.mark.parametrize("seed", [0, 2])
def test_big_orders_no_model_forecasts_by_day_are_forecast_at_the_historys_mean_with_a_warning(ramp_plant, seed):
    """WAPE is least for the median day, a day without orders: on a few big orders every model scored 100 % or more
    (forecasting nothing scores 100 %) and the lowest forecast won. The forecast is the history's mean daily units
    (from the first order's day) instead, and warns."""
    book = _job_shop_orders(True, seed)
    scooter = forecast_demand(ramp_plant, book, MONDAY, 28, history_days=120).products["scooter"]
    assert min(scooter.backtest_wape[m] for m in INTERMITTENT_MODELS) >= NO_DEMAND_WAPE
    assert scooter.model == BASELINE
    assert "better than forecasting no demand" in scooter.warning
    first = min(o.due_date for o in book)
    mean = sum(o.quantity for o in book) / (MONDAY - first).days
    assert scooter.units == pytest.approx([mean] * 28)


@pytest.mark.parametrize("seed", [0, 2])
def test_a_smooth_series_is_forecast_by_its_best_model_without_a_warning(ramp_plant, seed):
    scooter = forecast_demand(ramp_plant, _job_shop_orders(False, seed), MONDAY, 28, history_days=120).products[
        "scooter"
    ]
    assert scooter.model in SMOOTH_MODELS
    assert scooter.backtest_wape[scooter.model] < NO_DEMAND_WAPE
    assert scooter.warning == ""
