"""The order desk keeps the batches it promised, on SQLite and PostgreSQL (tests/data/bakery-plant.yaml: a deck
oven bakes 4 loaves at once in 45 minutes; white and rye never share a bake): a later order, read from the store
by a desk that knows nothing of the earlier ones, fills the open bake before it opens another; a cancel takes its
loaves out of their bakes and frees a bake it leaves empty, whoever opened it, and only then."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from factoryos.model.validate import load_plant
from factoryos.services.order_desk import OrderInput, cancel_order, forget_desk, promise, submit_order
from factoryos.services.tenants import Caller
from factoryos.store.order_desk import BatchBookingRecord, BatchReservationRecord, CapacityBookingRecord
from factoryos.store.plants import store_plant

PLANT_FILE = Path(__file__).parents[1] / "data" / "bakery-plant.yaml"
BAKE = 45.0
SITE = "bakery-site"
NOW = datetime(2027, 1, 4, 9, tzinfo=UTC)
DAY = date(2027, 1, 5)


@pytest.fixture
def desk(engine):
    store_plant(engine, load_plant(PLANT_FILE), "bakery test plant")
    return engine, Caller("test", SITE, "owner", "planner", owner=True)


def _place(desk, bread: str, loaves: int):
    engine, owner = desk
    request = OrderInput("cafe", bread, {}, loaves, DAY)
    placed = submit_order(engine, owner, request, NOW, lambda o, q: {"id": o.id, "quote": q}).result()
    return placed.answer["id"], placed.answer["quote"]


def _oven(engine) -> float:
    with engine.connect() as connection:
        query = select(func.sum(CapacityBookingRecord.minutes)).where(CapacityBookingRecord.work_center == "oven")
        return connection.scalar(query) or 0.0


def _cancel(desk, order_id: str) -> None:
    cancel_order(desk[0], desk[1], order_id, "not needed", NOW)


def test_a_later_order_fills_the_stored_open_bake(desk):
    engine, owner = desk
    _, first = _place(desk, "white", 1)
    assert first.allocation["oven"] == {DAY: BAKE}
    forget_desk(engine, SITE)  # a fresh desk, as another process or one restarted reads it
    asked = promise(engine, owner, OrderInput("cafe", "white", {}, 3, DAY), NOW)
    assert asked.allocation["oven"] == {DAY: 0.0}
    _, second = _place(desk, "white", 3)
    _, rye = _place(desk, "rye", 1)
    assert (second.allocation["oven"], rye.allocation["oven"]) == ({DAY: 0.0}, {DAY: BAKE})
    assert _oven(engine) == pytest.approx(2 * BAKE)
    with engine.connect() as connection:
        units = connection.execute(select(BatchBookingRecord.kind, BatchBookingRecord.units)).all()
    assert sorted(units) == [("rye/bake/1", 1), ("white/bake/1", 4)]


def test_a_cancel_frees_a_bake_only_when_it_leaves_it_empty(desk):
    """Two loaves open a bake, three more fill it and open a second: cancelling the first leaves three loaves,
    one bake; cancelling the second empties it."""
    engine = desk[0]
    first, _ = _place(desk, "white", 2)
    second, _ = _place(desk, "white", 3)
    assert _oven(engine) == pytest.approx(2 * BAKE)
    _cancel(desk, first)
    assert _oven(engine) == pytest.approx(BAKE)
    _, again = _place(desk, "white", 1)  # joins the three left
    assert again.allocation["oven"] == {DAY: 0.0}
    _cancel(desk, second)
    assert _oven(engine) == pytest.approx(BAKE)  # the loaf placed since still bakes
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(BatchReservationRecord)) == 1
        assert connection.scalar(select(BatchBookingRecord.units)) == 1
