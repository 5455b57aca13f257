"""`factoryos plan --demand forecast|both` plans the forecast as the MPS builds it: from the day after the last
stored order, within the ramp-up line's units a day, net of the open orders."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.model.orders import CustomerOrderState
from factoryos.model.validate import load_plant
from factoryos.planning.mps import line_capacity
from factoryos.services.forecast import stored_history
from factoryos.services.plan import plan_material
from factoryos.store.db import make_engine, migrate
from factoryos.store.orders import save_orders
from factoryos.store.plants import store_plant

PLANT = Path(__file__).resolve().parents[1] / "data" / "partner-ramp-plant.yaml"
FIRST = date(2026, 11, 1)
DAYS = 120


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('plan') / 'plan.db'}")
    migrate(engine)
    plant = load_plant(PLANT)
    store_plant(engine, plant, str(PLANT))
    orders = generate_orders(plant, FIRST, DAYS, seed=4)
    for order in orders:  # those due before the plan's first day were built and shipped
        if order.due_date < FIRST + timedelta(days=DAYS):
            order.state = CustomerOrderState.SHIPPED
    save_orders(engine, orders)
    return engine


@pytest.mark.parametrize("demand", ["forecast", "both"])
def test_the_forecast_is_planned_from_the_day_after_the_last_order_within_the_line(engine, demand):
    run = plan_material(engine, horizon_days=28, demand=demand)
    start = run.plan.problem.start
    assert start == FIRST + timedelta(days=DAYS)  # the orders were placed up to the day before
    forecast = [d for d in run.plan.problem.demands if d.kind == "forecast"]
    assert forecast
    per_day: dict[date, float] = defaultdict(float)
    for d in forecast:
        per_day[d.due] += d.quantity
    capacity = line_capacity(load_plant(PLANT), start, 28)
    for day, units in per_day.items():
        assert units <= capacity[(day - start).days] + 1e-9


def test_a_store_without_orders_plans_the_forecast_and_no_order_book(tmp_path):
    """No order is stored: the generated year the forecast learns from is nobody's order book, so the orders
    and the forecast plan the forecast alone (they planned less, netting the forecast with generated orders)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate(engine)
    store_plant(engine, load_plant(PLANT), str(PLANT))
    history = stored_history(engine)
    assert history.orders
    assert all(o.due_date < history.start for o in history.orders)
    alone, both = (plan_material(engine, horizon_days=28, demand=d) for d in ("forecast", "both"))
    assert both.plan.lot_qty.sum() == pytest.approx(alone.plan.lot_qty.sum())
    assert not [d for d in both.plan.problem.demands if d.kind == "order"]
