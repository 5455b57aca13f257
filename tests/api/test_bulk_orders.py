"""Orders placed at once (`place_orders`, the demo's path) are placed as the API places them one by one: the
same checks, the same promised dates, the same history and capacity bookings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from factoryos.api import deps
from factoryos.services.order_desk import OrderInput, OrderRejected, history, place_orders
from factoryos.services.tenants import Caller
from factoryos.store.db import make_engine, migrate

from .conftest import NOW, make_api

SITE = "shared-site"
QUANTITIES = [5, 3, 8, 1, 6, 4, 7, 2] * 3
OWNER = Caller("bulk", SITE, "works", "planner", owner=True)


def _requests(quantities: list[int]) -> list[tuple[OrderInput, object]]:
    """Orders of acme's scooter arriving an hour apart from NOW."""
    return [
        (OrderInput("acme-shop", "acme-scooter", {}, q, date(2027, 2, 1)), NOW + timedelta(hours=n))
        for n, q in enumerate(quantities)
    ]


def test_orders_placed_at_once_get_the_dates_the_api_gives_them_one_by_one(engine, tmp_path):
    one_by_one = make_engine(f"sqlite:///{tmp_path / 'one-by-one.db'}")
    migrate(one_by_one)
    api = make_api(one_by_one)
    expected = []
    for request, at in _requests(QUANTITIES):
        api.client.app.dependency_overrides[deps.clock] = lambda at=at: at
        asked = {"quantity": request.quantity, "requested_date": request.requested_date.isoformat()}
        expected.append(api.order(api.acme, **asked)["promised_date"])

    make_api(engine)
    placed = [order for order, _ in place_orders(engine, OWNER, _requests(QUANTITIES))]
    assert [str(o.promised_date) for o in placed] == expected

    for order in placed:
        assert [(c.from_state, c.to_state) for c in history(engine, OWNER, order.id)] == [
            (None, "received"),
            ("received", "promised"),
        ]
    with engine.connect() as connection:
        held = connection.execute(text("SELECT sum(minutes) FROM capacity_reservations")).scalar_one()
        booked = connection.execute(text("SELECT sum(minutes) FROM capacity_bookings")).scalar_one()
    assert held == pytest.approx(booked)
    assert held == pytest.approx(sum(QUANTITIES) * (600 / 60 + 20))  # the line's 600 s takt and a frame's 20 min weld


def test_one_refused_order_places_none(engine):
    make_api(engine)
    bad = (OrderInput("brio-shop", "acme-scooter", {}, 1, date(2027, 2, 1)), NOW)  # another tenant's customer
    with pytest.raises(OrderRejected, match="customer"):
        place_orders(engine, OWNER, [*_requests([1, 2]), bad])
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM customer_orders")).scalar_one() == 0
