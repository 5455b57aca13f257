"""`shipped_per_labour_hour` and `output_per_labour_hour` count the same thing, units: what a run ships is what it
builds less what it leaves in finished goods, plus, made to stock, the stock it opens with. Orders of five units
each show it: counted in orders, a run would ship a fifth of that."""

from __future__ import annotations

from datetime import date

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.twin.experiment import summary
from factoryos.twin.scenarios import SAFETY_STOCK_DAYS, prepare
from tests.twin.small_plants import small_plant

START = date(2027, 1, 4)
DAYS = 6


@pytest.fixture(scope="module")
def plant():
    dealers = {"shop": {"tenant": "acme", "segment": "dealer"}, "ally-shop": {"tenant": "ally", "segment": "dealer"}}
    return small_plant(
        customers=dealers,
        products__gadget__demand={"units_per_day": 400, "units_per_order": [5]},
        products__widget__demand={"units_per_day": 200, "units_per_order": [5]},
    )


@pytest.mark.parametrize("scenario", ["smart", "traditional"])
def test_a_run_ships_units_what_it_built_and_took_from_its_opening_stock(plant, scenario) -> None:
    orders = generate_orders(plant, START, DAYS, seed=2)
    assert {o.quantity for o in orders} == {5}
    run = prepare(plant, scenario, DAYS, seed=2, warmup_days=0, orders=orders, start=START)
    metrics = run.floor.run(run.horizon)
    goods = run.floor.finished_goods
    opening = (
        sum(round(p.demand.units_per_day * SAFETY_STOCK_DAYS) for p in plant.products.values() if p.demand)
        if scenario == "traditional"
        else 0
    )
    assert metrics.completed > 0
    assert metrics.units_shipped == opening + metrics.completed - goods.level
    assert summary(metrics, run)["units_shipped"] == metrics.units_shipped  # over labour: shipped_per_labour_hour
