"""The promise fits an order on every work center it loads, on tests/data/frame-and-line-plant.yaml: a paced trike
line (takt 60 s) and a one-welder cell, each working one hour a day, every day, from Tuesday 5 January 2027.

By hand: a trike takes 1 min of the line and 0.5 min of welding (its frame), a rack 3 min of welding. The line
builds 60 trikes a day and the cell welds 120 frames, so the line is a trike's constrained work center. 40 racks
take 120 min of welding, the cell's days 1 and 2; 60 trikes then fit on the line on day 1, but their 30 min of
welding only on day 3.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

import pytest

from factoryos.c2m.promise import PlantCapacity
from factoryos.c2m.replay import quote_book
from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant

PLANT_FILE = Path(__file__).parents[1] / "data" / "frame-and-line-plant.yaml"
NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)
START = date(2027, 1, 5)
MINUTES_A_DAY = 60
LOAD = {"trike": {"line": 1.0, "weld": 0.5}, "rack": {"weld": 3.0}}
"""Minutes a unit takes on each work center, read off the plant file."""


@pytest.fixture(scope="module")
def plant():
    return load_plant(PLANT_FILE)


def _order(n: int, product: str, quantity: int) -> CustomerOrder:
    placed = NOW + timedelta(minutes=n)
    return CustomerOrder(f"CO{n:04d}", "trike-site", "owner", "shop", product, {}, quantity, placed, placed.date())


def test_the_line_is_a_trikes_constrained_work_center(plant):
    capacity = PlantCapacity(plant)
    assert capacity.constrained(capacity.load("trike", {}), START) == "line"


def test_an_order_waits_for_a_work_center_other_than_its_constrained_one(plant):
    quotes = quote_book(plant, [_order(1, "rack", 40), _order(2, "trike", 60)])
    assert quotes["CO0001"].promised == START + timedelta(days=1)
    trikes = quotes["CO0002"]
    assert trikes.promised == START + timedelta(days=2)
    assert trikes.constraint == "Weld cell (weld) capacity"
    assert trikes.allocation["line"] == {START: pytest.approx(60.0)}
    assert trikes.allocation["weld"] == {START + timedelta(days=2): pytest.approx(30.0)}


@pytest.mark.parametrize("seed", range(5))
def test_promised_orders_never_load_a_work_center_past_its_capacity(plant, seed):
    """Whatever the stream, the orders promised by any day need no more of any work center than it works from
    the first day to that day (a rough cut's necessary condition)."""
    draw = random.Random(seed)
    orders = [_order(n, draw.choice(["trike", "rack"]), draw.randint(1, 80)) for n in range(60)]
    quotes = quote_book(plant, orders)
    last = max(q.promised for q in quotes.values() if q.promised)
    days = [START + timedelta(days=d) for d in range((last - START).days + 1)]
    for center in ("line", "weld"):
        need = [0.0] * len(days)
        for order in orders:
            promised = quotes[order.id].promised
            need[(promised - START).days] += LOAD[order.product].get(center, 0.0) * order.quantity
        for day, needed in zip(days, accumulate(need), strict=True):
            works = MINUTES_A_DAY * ((day - START).days + 1)
            assert needed <= works + 1e-6, f"{center} by {day}: {needed:g} min promised, {works} worked"


def test_the_explanation_names_what_the_order_needs_where_it_binds_even_below_a_minute(plant):
    """20 racks fill the welder's day 1; one trike's 0.5 min of welding then waits for day 2."""
    trike = quote_book(plant, [_order(1, "rack", 20), _order(2, "trike", 1)])["CO0002"]
    assert trike.promised == START + timedelta(days=1)
    assert trike.explanation.startswith("Weld cell (weld) binds the promise: the order needs 0.5 min there;")
