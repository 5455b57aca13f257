"""An order asked for later than the plant could build it is promised the day asked for, and books its minutes as
late as they fit before it, on tests/data/frame-and-line-plant.yaml: a paced trike line (takt 60 s) and a
one-welder cell, each working one hour a day, every day, from Tuesday 5 January 2027.

By hand: a trike takes 1 min of the line and 0.5 min of welding, a rack 3 min of welding; the line builds 60
trikes a day. 120 trikes asked for on day 20 take the line's days 19 and 20 and the welder's day 19 (the line
follows the welder in a trike's route: frames welded as day 20 ends would be built into trikes on day 21); 60
trikes asked for at once then still get day 1, which booking the first order from the front would have taken.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from factoryos.c2m.promise import REQUESTED
from factoryos.c2m.replay import quote_book
from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant
from factoryos.services.order_desk import OrderInput, place_orders
from factoryos.services.tenants import Caller
from factoryos.store.plants import store_plant

PLANT_FILE = Path(__file__).parents[1] / "data" / "frame-and-line-plant.yaml"
NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)
START = date(2027, 1, 5)
MINUTES_A_DAY = 60
LOAD = {"trike": {"line": 1.0, "weld": 0.5}, "rack": {"weld": 3.0}}
"""Minutes a unit takes on each work center, read off the plant file."""


def _day(n: int) -> date:
    return START + timedelta(days=n - 1)


def _order(n: int, product: str, quantity: int, requested: date) -> CustomerOrder:
    placed = NOW + timedelta(minutes=n)
    return CustomerOrder(f"CO{n:04d}", "trike-site", "owner", "shop", product, {}, quantity, placed, requested)


@pytest.fixture(scope="module")
def plant():
    return load_plant(PLANT_FILE)


def test_an_order_asked_for_later_is_promised_that_day_on_the_last_free_minutes_before_it(plant):
    quote = quote_book(plant, [_order(1, "trike", 120, _day(20))])["CO0001"]
    assert quote.promised == _day(20)
    assert quote.earliest == _day(2)
    assert quote.constraint == REQUESTED
    assert quote.allocation["line"] == {_day(19): pytest.approx(60.0), _day(20): pytest.approx(60.0)}
    assert quote.allocation["weld"] == {_day(19): pytest.approx(60.0)}
    assert f"it could be built by {_day(2)}" in quote.explanation


def test_a_rush_order_after_a_far_off_one_gets_the_coming_days(plant):
    quotes = quote_book(plant, [_order(1, "trike", 120, _day(20)), _order(2, "trike", 60, START)])
    assert quotes["CO0002"].promised == _day(1)
    assert quotes["CO0002"].constraint == "Trike line (line) capacity"


def test_an_order_asked_for_before_the_plant_can_build_it_is_promised_the_earliest_day(plant):
    quote = quote_book(plant, [_order(1, "trike", 150, _day(2))])["CO0001"]
    assert quote.promised == quote.earliest == _day(3)
    assert quote.constraint != REQUESTED


@pytest.mark.parametrize("seed", range(5))
def test_bookings_never_pass_a_days_capacity_nor_the_promised_day(plant, seed):
    """Whatever the stream and the days asked for: each order books exactly its minutes, none after its promise;
    no work center is booked past a day's minutes; an order is promised the day asked for when it could be
    built by then, else the earliest day."""
    draw = random.Random(seed)
    orders = [
        _order(n, draw.choice(["trike", "rack"]), draw.randint(1, 80), _day(draw.randint(0, 30))) for n in range(60)
    ]
    quotes = quote_book(plant, orders)
    booked: dict[tuple[str, date], float] = defaultdict(float)
    for order in orders:
        quote = quotes[order.id]
        assert quote.promised is not None
        assert quote.earliest is not None
        assert quote.promised == max(quote.earliest, order.due_date)
        for center, minutes in LOAD[order.product].items():
            days = quote.allocation[center]
            assert sum(days.values()) == pytest.approx(minutes * order.quantity)
            assert max(days) <= quote.promised
            for day, taken in days.items():
                booked[center, day] += taken
    assert max(booked.values()) <= MINUTES_A_DAY + 1e-6


@pytest.fixture
def owner(engine):
    store_plant(engine, load_plant(PLANT_FILE), "frame and line test plant")
    return engine, Caller("test", "trike-site", "owner", "planner", owner=True)


def test_the_order_desk_stores_the_day_asked_for_and_leaves_the_coming_days_free(owner):
    engine, caller = owner
    far, rush = OrderInput("shop", "trike", {}, 120, _day(20)), OrderInput("shop", "trike", {}, 60, NOW.date())
    placed = place_orders(engine, caller, [(far, NOW), (rush, NOW + timedelta(minutes=1))])
    assert [order.promised_date for order, _ in placed] == [_day(20), _day(1)]
