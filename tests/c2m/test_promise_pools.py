"""Promises on alternative work centers pooled, on tests/data/pooled-lines-plant.yaml: every center works one
hour a day, every day, from Tuesday 5 January 2027.

By hand: line A (takt 30 s) builds 60 / 0.5 = 120 units a day; line B (takt 60 s) is ramping up, its first
month's target of 100 units (below the curve's 600) spread over the 31 days its calendar works from 5 January to
4 February, 3.2 a day. A speaker can go down either line, so the two build 123.2 a day: 240 speakers are
promised on day 2, 250 on day 3 (on line B alone, as before pooling, 250 took 78 days). A solo unit only line A
builds: 250 take 120 + 120 + 10, day 3. A box takes 3 min on a bench; cell 1 has two benches (120 min a day),
cell 2 one (60): 100 boxes take 300 min of 180 a day, day 2 (split evenly, cell 2 alone would have taken 150 min
at 60 a day, day 3).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from factoryos.c2m.promise import PlantCapacity, promise
from factoryos.model.validate import load_plant
from factoryos.services.order_desk import OrderInput, submit_order
from factoryos.services.tenants import Caller
from factoryos.store.order_desk import CapacityBookingRecord
from factoryos.store.plants import store_plant

PLANT_FILE = Path(__file__).parents[1] / "data" / "pooled-lines-plant.yaml"
START = date(2027, 1, 5)
NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)
LINE_A, LINE_B = 60 / 0.5, 100 / 31  # units a day
BENCH_MINUTES = {"cell-1": 2 * 60, "cell-2": 60}


def _day(n: int) -> date:
    return START + timedelta(days=n - 1)


def _days(units: float, per_day: float) -> int:
    return -int(-units // per_day)


@pytest.fixture(scope="module")
def capacity() -> PlantCapacity:
    return PlantCapacity(load_plant(PLANT_FILE))


@pytest.mark.parametrize("units", [240, 250, 1000])
def test_alternative_paced_lines_are_promised_on_their_pooled_units(capacity, units):
    quote = promise(capacity, capacity.load("speaker", {}), units, START, {})
    assert quote.promised == _day(_days(units, LINE_A + LINE_B))
    assert quote.constraint == "Line A + Line B capacity"
    assert "ramp-up month 1" in quote.explanation


def test_a_product_only_one_line_builds_binds_on_that_line(capacity):
    quote = promise(capacity, capacity.load("solo", {}), 250, START, {})
    assert quote.promised == _day(_days(250, LINE_A))
    assert quote.constraint == "Line A (line-a) capacity"


@pytest.mark.parametrize("units", [60, 100, 250])
def test_alternative_cells_are_promised_on_their_pooled_benches(capacity, units):
    quote = promise(capacity, capacity.load("box", {}), units, START, {})
    assert quote.promised == _day(_days(3 * units, sum(BENCH_MINUTES.values())))
    assert quote.constraint == "Cell 1 + Cell 2 capacity"


def test_the_pool_counts_a_unit_once_in_minutes_of_its_shortest_takt(capacity):
    assert capacity.load("speaker", {}) == {"line-a+line-b": 0.5}
    assert capacity.minutes("line-a+line-b", START) == pytest.approx((LINE_A + LINE_B) * 0.5)


@pytest.fixture
def desk(engine):
    store_plant(engine, load_plant(PLANT_FILE), "pooled lines test plant")
    return engine, Caller("test", "pool-site", "owner", "planner", owner=True)


def _place(desk, product: str, units: int) -> date | None:
    engine, owner = desk
    request = OrderInput("shop", product, {}, units, NOW.date())
    return submit_order(engine, owner, request, NOW, lambda o, q: {"promise": q}).result().answer["promise"].promised


def test_the_order_desk_books_the_pool_and_later_promises_see_it(desk):
    """240 speakers fill both lines on days 1 and 2; 120 more fill day 3. Line A then has nothing left before
    day 4 (the pool's speakers took more than line B builds), so 10 solo units come on day 4."""
    assert _place(desk, "speaker", 240) == _day(2)
    assert _place(desk, "speaker", 120) == _day(3)
    assert _place(desk, "solo", 10) == _day(4)
    with desk[0].connect() as connection:
        rows = connection.execute(select(CapacityBookingRecord.work_center, CapacityBookingRecord.minutes)).all()
    assert {w for w, _ in rows} == {"line-a+line-b", "line-a"}
    assert sum(m for w, m in rows if w == "line-a+line-b") == pytest.approx(360 * 0.5)


def test_what_one_line_booked_is_taken_from_its_pool(desk):
    """120 solo units fill line A on day 1, leaving line B's 3.2; 240 speakers then take 3.2 + 123.2 + 113.6:
    day 3."""
    assert _place(desk, "solo", 120) == _day(1)
    assert _place(desk, "speaker", 240) == _day(3)
