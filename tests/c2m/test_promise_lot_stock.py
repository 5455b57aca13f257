"""The promise takes a part made in lots from the plant file's stock a piece at a time, as the scheduler nets it
before cutting lots, on tests/data/frame-plant.yaml with its ingots used up: a bike's frame takes four lugs
cast one ingot each (2 casting minutes a lug), and ingots come 5 days after the order from a supplier without a
capacity limit. Lugs in stock spare the bikes served first their casting and their ingots, so those are promised
on their first day rather than when ingots come. The figures are worked out by hand from those."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.c2m.replay import material_ready, quote_book
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import InventoryLot, Plant
from factoryos.model.validate import load_plant
from factoryos.services.order_desk import OrderInput, place_orders
from factoryos.services.tenants import Caller
from factoryos.store.plants import store_plant

PLANT_FILE = Path(__file__).parents[1] / "data" / "frame-plant.yaml"
NOW = datetime(2027, 1, 4, 8, tzinfo=UTC)
START = date(2027, 1, 5)
INGOTS_IN = START + timedelta(days=5)
"""The supplier's lead time after the first day: every day is worked."""
LUGS = 4
"""Lugs per bike (one frame), one ingot each."""
CAST = 2.0
"""Casting minutes per lug."""
RIGID = {"suspension": "rigid"}


@cache
def _file_plant() -> Plant:
    return load_plant(PLANT_FILE)


def _plant(**stock: int) -> Plant:
    """The frame plant with no ingots and the stock of each material given."""
    plant = _file_plant()
    kept = [lot for lot in plant.inventory if lot.material not in stock and lot.material != "ingot"]
    lots = [InventoryLot(material=m, location="store", lot=f"{m}-1", quantity=q) for m, q in stock.items() if q]
    return plant.model_copy(update={"inventory": [*kept, *lots]})


def _orders(quantities: list[int]) -> list[CustomerOrder]:
    return [
        CustomerOrder(f"CO{n}", "frame-site", "owner", "shop", "bike", RIGID, q, NOW + timedelta(minutes=n), START)
        for n, q in enumerate(quantities, start=1)
    ]


def _cast(quote) -> float:
    return sum(quote.allocation.get("foundry", {}).values())


def test_bikes_the_lugs_in_stock_cover_book_no_ingots_and_are_promised_before_ingots_come():
    quotes = quote_book(_plant(lug=3 * LUGS), _orders([1, 1, 1, 1]))
    for n in (1, 2, 3):
        assert "ingot" not in quotes[f"CO{n}"].stock
        assert quotes[f"CO{n}"].stock["lug"] == LUGS
        assert _cast(quotes[f"CO{n}"]) == 0
        assert quotes[f"CO{n}"].promised == START
    fourth = quotes["CO4"]
    assert fourth.stock["ingot"] == pytest.approx(LUGS)
    assert "lug" not in fourth.stock
    assert _cast(fourth) == pytest.approx(LUGS * CAST)
    assert fourth.promised == INGOTS_IN


def test_without_lugs_in_stock_every_bike_waits_for_its_ingots():
    quotes = quote_book(_plant(), _orders([1, 1, 1, 1]))
    assert [q.promised for q in quotes.values()] == [INGOTS_IN] * 4
    assert [q.stock["ingot"] for q in quotes.values()] == pytest.approx([LUGS] * 4)


def test_a_bike_the_lugs_left_partly_cover_casts_and_buys_only_the_rest():
    quotes = quote_book(_plant(lug=3 * LUGS + 2), _orders([3, 2]))
    assert quotes["CO1"].stock["lug"] == 3 * LUGS
    second = quotes["CO2"]
    assert second.stock["lug"] == pytest.approx(2)
    assert second.stock["ingot"] == pytest.approx(2 * LUGS - 2)
    assert _cast(second) == pytest.approx((2 * LUGS - 2) * CAST)


def test_the_scheduler_is_told_only_the_bikes_the_lugs_do_not_cover_wait_for_ingots():
    plant = _plant(lug=3 * LUGS)
    assert material_ready(plant, _orders([1, 1, 1, 1])) == {"CO4": {"ingot": INGOTS_IN}}
    assert set(material_ready(_plant(), _orders([1, 1, 1, 1]))) == {"CO1", "CO2", "CO3", "CO4"}


def test_the_order_desk_holds_the_lugs_taken_for_the_orders_placed_after(engine):
    owner = Caller("lots", "frame-site", "owner", "planner", owner=True)
    store_plant(engine, _plant(lug=3 * LUGS), "lot stock test plant")

    def place(count: int):
        return place_orders(engine, owner, [(OrderInput("shop", "bike", RIGID, 1, START), NOW)] * count)

    first = place(2)
    assert [q.stock.get("ingot") for _, q in first] == [None, None]
    later = place(2)
    assert [o.promised_date for o, _ in later] == [START, INGOTS_IN]
    assert later[1][1].stock["ingot"] == pytest.approx(LUGS)


@settings(max_examples=40, deadline=None)
@given(
    frames=st.integers(0, 6),
    lugs=st.integers(0, 40),
    quantities=st.lists(st.integers(1, 4), min_size=1, max_size=5),
)
def test_the_ingots_booked_never_exceed_what_the_bikes_the_stock_does_not_cover_need(frames, lugs, quantities):
    quotes = quote_book(_plant(frame=frames, lug=lugs), _orders(quantities))
    served = 0
    for n, quantity in enumerate(quantities, start=1):
        welded = quantity - min(max(frames - served, 0), quantity)  # frames in stock go to the bikes served first
        assert quotes[f"CO{n}"].stock.get("ingot", 0.0) <= welded * LUGS + 1e-9
        served += quantity
    welded = max(sum(quantities) - frames, 0)
    booked = sum(q.stock.get("ingot", 0.0) for q in quotes.values())
    assert booked == pytest.approx(max(welded * LUGS - lugs, 0))
