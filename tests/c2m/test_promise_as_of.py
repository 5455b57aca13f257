"""Nothing is promised before the plant counted its stock and open orders (`as_of`): the promise's material is
counted from that day, so a date before it would spend stock that is not known yet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from factoryos.c2m.promise import PlantCapacity
from factoryos.services.order_desk import OrderInput, promise
from factoryos.services.tenants import Caller
from factoryos.store.plants import store_plant


def test_an_order_placed_before_the_count_is_worked_on_from_the_count(kiln_plant):
    capacity = PlantCapacity(kiln_plant)
    assert capacity.first_day(datetime(2027, 1, 10, 9, tzinfo=UTC)) == kiln_plant.as_of
    after = kiln_plant.as_of + timedelta(days=30)
    assert capacity.first_day(datetime.combine(after, datetime.min.time(), UTC).replace(hour=9)) == after + timedelta(1)


def test_the_order_desk_promises_no_earlier_than_the_count(engine, kiln_plant):
    store_plant(engine, kiln_plant, "kiln test plant")
    owner = Caller("test", kiln_plant.site.id, "kiln-co", "planner", owner=True)
    request = OrderInput("retail", "plate", {}, 10, date(2027, 2, 1))
    quote = promise(engine, owner, request, datetime(2027, 1, 10, 9, tzinfo=UTC))
    assert quote.promised >= kiln_plant.as_of
