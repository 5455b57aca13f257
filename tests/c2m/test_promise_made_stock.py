"""The promise takes a sub-assembly made per unit from the plant file's stock, as the scheduler and MRP do, on
tests/data/frame-stock-plant.yaml: 5 welded frames in stock, a frame welded in 6 minutes on a weld cell working
60 minutes a day, a trike one minute on its line, one part in a trike and one in its frame. A unit the stock
left covers books neither the weld nor the frame's part; once the stock is used, trikes are welded again. The
dates and minutes below are worked out by hand from those figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from factoryos.c2m.replay import quote_book
from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant
from factoryos.services.order_desk import OrderInput, cancel_order, place_orders
from factoryos.services.tenants import Caller
from factoryos.store.plants import store_plant

PLANT_FILE = Path(__file__).parents[1] / "data" / "frame-stock-plant.yaml"
NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)
START = date(2027, 1, 5)
WELD = 6.0
QUANTITIES = [2, 4, 9]
"""Two trikes take two frames; of four, the three frames left cover three (whole units) and one is welded; nine
are all welded."""
OWNER = Caller("stock", "trike-site", "works", "planner", owner=True)


@pytest.fixture(scope="module")
def plant():
    return load_plant(PLANT_FILE)


def _order(n: int, quantity: int) -> CustomerOrder:
    return CustomerOrder(f"CO{n}", "trike-site", "owner", "shop", "trike", {}, quantity, NOW, NOW.date())


def _weld(quote) -> float:
    return sum(quote.allocation.get("weld", {}).values())


def test_units_the_frames_in_stock_cover_book_no_weld_minutes_and_no_frame_parts(plant):
    quotes = quote_book(plant, [_order(n, q) for n, q in enumerate(QUANTITIES)])
    first, second, third = (quotes[f"CO{n}"] for n in range(3))
    assert _weld(first) == 0
    assert first.stock == {"frame": 2, "part": 2}
    assert first.promised == START
    assert _weld(second) == pytest.approx(WELD)
    assert second.stock == pytest.approx({"frame": 3, "part": 4 + 1})
    assert _weld(third) == pytest.approx(9 * WELD)
    assert third.stock == pytest.approx({"part": 18})
    # 6 + 54 weld minutes fill the first day's 60 exactly: the last frame is welded as the day ends, and its trike
    # built on the line the next day; the first two orders are done on the first.
    assert (first.promised, second.promised, third.promised) == (START, START, START + timedelta(days=1))


def test_once_the_stock_is_used_every_trike_is_welded_again(plant):
    quotes = quote_book(plant, [_order(0, 5), _order(1, 11)])
    assert _weld(quotes["CO0"]) == 0
    # 66 weld minutes: the first day's 60 and 6 on the next.
    assert quotes["CO1"].allocation["weld"] == pytest.approx({START: 60.0, START + timedelta(days=1): 6.0})
    assert quotes["CO1"].promised == START + timedelta(days=1)


def _requests(quantities: list[int]) -> list[tuple[OrderInput, datetime]]:
    return [
        (OrderInput("shop", "trike", {}, q, NOW.date()), NOW + timedelta(minutes=n)) for n, q in enumerate(quantities)
    ]


def test_the_order_desk_takes_the_frames_and_a_cancel_gives_them_back(engine, plant):
    store_plant(engine, plant, "made stock test plant")
    placed = place_orders(engine, OWNER, _requests(QUANTITIES))
    assert [_weld(q) for _, q in placed] == pytest.approx([0.0, WELD, 9 * WELD])
    assert [o.promised_date for o, _ in placed] == [START, START, START + timedelta(days=1)]
    assert placed[1][1].stock["frame"] == 3
    later = place_orders(engine, OWNER, _requests([1]))
    assert _weld(later[0][1]) == pytest.approx(WELD)
    assert "frame" not in later[0][1].stock
    cancel_order(engine, OWNER, placed[0][0].id, "changed its mind", NOW)
    again = place_orders(engine, OWNER, _requests([3]))
    # The two frames given back cover two of the three trikes; the third is welded.
    assert again[0][1].stock["frame"] == 2
    assert _weld(again[0][1]) == pytest.approx(WELD)
