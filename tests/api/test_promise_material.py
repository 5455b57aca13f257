"""Promises that count bought material, on the tests' small plant with stock of its own: 5 big motors and 1,000
wheels on hand, motors bought from a maker 28 days away. The boost scooter takes one big motor a unit and
sits on the line at 600 s a unit; in the ramp's first month (from Monday 4 January 2027) the line makes
400 / 20 = 20 units a working day, so a few units always fit on their first working day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from factoryos.c2m.promise import Commitments, Lot, PlantCapacity, PlantMaterial, promise
from factoryos.services.order_desk import OrderInput, cancel_order, place_orders, submit_order
from factoryos.services.tenants import Caller
from factoryos.store.plants import store_plant

from .conftest import BOOST, MOTOR_LEAD, NOW, START, planned_motors_plant

ECO = {"power": "eco", "seat": "none"}


def _quote(quantity: int, options: dict[str, str], taken: dict[str, float]):
    plant = planned_motors_plant()
    capacity, material = PlantCapacity(plant), PlantMaterial(plant)
    load = capacity.load("acme-scooter", options)
    check = material.check(material.needs("acme-scooter", options), quantity, START, Commitments(dict(taken)))
    return promise(capacity, load, quantity, START, {}, check)


def test_only_the_planned_bought_materials_are_counted_per_configuration():
    material = PlantMaterial(planned_motors_plant())
    assert material.needs("acme-scooter", BOOST) == {"motor-big": 1, "wheel": 2}
    assert material.needs("acme-scooter", ECO) == {"wheel": 2}  # tubes are supplied on call


def test_stock_that_covers_the_order_leaves_the_line_binding():
    quote = _quote(3, BOOST, {})
    assert quote.promised == START
    assert quote.constraint == "line capacity"
    assert quote.stock == {"motor-big": 3, "wheel": 6}


def test_a_shortfall_waits_for_the_suppliers_lead_time_and_names_it():
    quote = _quote(3, BOOST, {"motor-big": 3})  # two motors left for three units
    arrives = START + timedelta(days=MOTOR_LEAD)  # Tuesday 2 February, a working day in ramp month 1
    assert quote.promised == arrives
    assert quote.constraint == "motor-big: supplier lead time 4 weeks (Motor maker)"
    assert quote.stock == {"motor-big": 3, "wheel": 6}  # all it takes: two from stock, one bought for it
    assert quote.lots == (Lot("motor-big", "motors", arrives, 1),)
    assert _quote(3, ECO, {"motor-big": 5}).promised == START  # the eco scooter needs no big motor


def test_the_order_desk_books_stock_first_come_first_served_and_a_cancel_gives_it_back(engine):
    store_plant(engine, planned_motors_plant(), "material test plant")
    acme = Caller("test", "shared-site", "acme", "partner", owner=False)

    def order(quantity: int, at: datetime = NOW):
        request = OrderInput("acme-shop", "acme-scooter", BOOST, quantity, NOW.date())
        return submit_order(engine, acme, request, at, lambda o, q: {"promise": q}).result()

    first = order(3)
    assert first.answer["promise"].promised == START
    second = order(3)  # two motors left
    assert second.answer["promise"].promised == START + timedelta(days=MOTOR_LEAD)
    assert "motor-big" in second.answer["promise"].constraint
    cancel_order(engine, acme, first.order_id, "customer changed its mind", NOW)
    assert order(2).answer["promise"].promised == START  # three motors are back: first come, first served, the
    # second order holds the first three of the five in stock and the one bought for it, two are left


def test_orders_placed_at_once_take_stock_as_one_by_one(engine):
    store_plant(engine, planned_motors_plant(), "material test plant")
    owner = Caller("bulk", "shared-site", "works", "planner", owner=True)
    requests = [
        (OrderInput("acme-shop", "acme-scooter", BOOST, q, NOW.date()), NOW + timedelta(minutes=n))
        for n, q in enumerate([2, 2, 2, 1])
    ]
    dates = [o.promised_date for o, _ in place_orders(engine, owner, requests)]
    late = START + timedelta(days=MOTOR_LEAD)
    assert dates == [START, START, late, late]  # 2 + 2 of 5 motors, then one left for two units, then none


@pytest.mark.parametrize("quantity", [1, 5])
def test_stock_exactly_covering_the_order_is_enough(quantity):
    assert _quote(quantity, BOOST, {"motor-big": 5 - quantity}).promised == START


def test_a_part_no_supplier_lists_waits_for_its_own_lead_time():
    plant = planned_motors_plant()
    plant = plant.model_copy(update={"suppliers": {"parts": plant.suppliers["parts"]}})  # no motor maker
    capacity, material = PlantCapacity(plant), PlantMaterial(plant)
    check = material.check(material.needs("acme-scooter", BOOST), 6, START, Commitments())  # one motor short
    quote = promise(capacity, capacity.load("acme-scooter", BOOST), 6, START, {}, check)
    assert quote.promised == START + timedelta(days=20)  # motor-big's lead_time_days in the plant file
    assert quote.constraint == "motor-big: lead time 20 days"


def test_cancels_at_once_give_back_exactly_what_their_orders_held(engine):
    """Orders cancelled together from many threads (workers): on PostgreSQL a third of them answered 503
    ("deadlock detected") and some stock stayed booked for ever, each cancel reading a booking, taking its order's
    share off and writing it back over another's. Every cancel goes through, and nothing stays booked."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from factoryos.store.order_desk import CapacityBookingRecord, MaterialBookingRecord

    store_plant(engine, planned_motors_plant(), "material test plant")
    owner = Caller("bulk", "shared-site", "works", "planner", owner=True)
    requests = [
        (OrderInput("acme-shop", "acme-scooter", BOOST if n % 2 else ECO, 1, NOW.date()), NOW) for n in range(40)
    ]
    placed = [order for order, _ in place_orders(engine, owner, requests)]
    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(lambda o: cancel_order(engine, owner, o.id, "all at once", NOW), placed))
    assert {o.state.value for o in done} == {"cancelled"}
    with Session(engine) as session:
        assert session.scalar(select(func.sum(MaterialBookingRecord.quantity))) == pytest.approx(0.0)
        assert session.scalar(select(func.sum(CapacityBookingRecord.minutes))) == pytest.approx(0.0)


def test_material_in_near_the_horizons_end_gives_no_date_past_it():
    """The horizon is two years from the order's start. Counted from the day its material is in instead, a
    promise went past it (an order placed in December 2026 promised for May 2029), onto days whose bookings the
    order desk never reads, so two orders booked the same minutes there."""
    from factoryos.c2m.promise import HORIZON_DAYS, MaterialCheck

    plant = planned_motors_plant()
    capacity = PlantCapacity(plant)
    load = capacity.load("acme-scooter", BOOST)
    end = START + timedelta(days=HORIZON_DAYS)
    late = MaterialCheck(end - timedelta(days=3), "motor-big: bought late")
    small = promise(capacity, load, 1, START, {}, late)
    assert small.promised is not None
    assert small.promised < end
    big = promise(capacity, load, 500, START, {}, late)  # weeks of the line, from three days before the end
    assert big.promised is None
    assert not big.allocation
