"""Orders stored as received (`orders import`, `orders generate --days`) are promised later as the desk would have
promised them on arrival: the same dates as placing them one after another, the capacity and stock they take
booked, so that an order placed afterwards comes after them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from factoryos.cli import app
from factoryos.model.orders import CustomerOrderState
from factoryos.services.order_desk import OrderInput, history, place_orders, promise_received
from factoryos.services.tenants import Caller
from factoryos.store.db import make_engine, migrate
from factoryos.store.orders import list_orders, save_orders
from factoryos.store.plants import store_plant

from .conftest import BOOST, NOW, planned_motors_plant

OWNER = Caller("test", "shared-site", "works", "planner", owner=True)
QUANTITIES = [4, 9, 2, 7, 5, 3, 8, 1, 6] * 2


def _requests() -> list[tuple[OrderInput, object]]:
    """Acme scooters, every third with the big motor, arriving an hour apart from NOW."""
    options = [BOOST if n % 3 == 0 else {} for n in range(len(QUANTITIES))]
    return [
        (OrderInput("acme-shop", "acme-scooter", o, q, date(2027, 2, 1)), NOW + timedelta(hours=n))
        for n, (o, q) in enumerate(zip(options, QUANTITIES, strict=True))
    ]


def _received(orders: list, **change) -> list:
    """The orders as `orders import` stores them: received, no date."""
    return [replace(o, state=CustomerOrderState.RECEIVED, promised_date=None, **change) for o in orders]


def _placed_on_a_fresh_database(tmp_path) -> list:
    """What the desk promises the orders placed one after another: the oracle."""
    return [order for order, _ in place_orders(_fresh(tmp_path), OWNER, _requests())]


def _fresh(tmp_path):
    fresh = make_engine(f"sqlite:///{tmp_path / 'placed.db'}")
    migrate(fresh)
    store_plant(fresh, planned_motors_plant(), "material test plant")
    return fresh


def _held(engine) -> tuple[list, list, list]:
    """Per order, the minutes and stock it holds; what was bought for the orders."""
    with engine.connect() as connection:
        return tuple(
            [(*map(str, row[:-1]), float(row[-1])) for row in connection.execute(text(query))]
            for query in (
                "SELECT order_id, work_center, day, minutes FROM capacity_reservations ORDER BY 1, 2, 3",
                "SELECT order_id, material, quantity FROM material_reservations ORDER BY 1, 2",
                "SELECT material, arrives, quantity FROM promised_purchases ORDER BY 1, 2",
            )
        )


def test_received_orders_are_promised_as_if_placed_on_arrival_and_book_what_they_take(engine, tmp_path):
    oracle = _fresh(tmp_path)
    placed = [order for order, _ in place_orders(oracle, OWNER, _requests())]
    store_plant(engine, planned_motors_plant(), "material test plant")
    save_orders(engine, _received(placed))

    done = promise_received(engine, NOW)

    assert [(o.id, o.promised_date) for o, _ in done.quotes] == [(o.id, o.promised_date) for o in placed]
    assert len({o.promised_date for o in placed}) > 2  # the line and the motors' lead time both bind
    stored = {o.id: o for o in list_orders(engine)}
    assert all(stored[o.id].state is CustomerOrderState.PROMISED for o in placed)
    assert [stored[o.id].promised_date for o in placed] == [o.promised_date for o in placed]
    assert [(c.from_state, c.to_state) for c in history(engine, OWNER, placed[0].id)] == [
        (None, "received"),
        ("received", "promised"),
    ]
    assert _held(engine) == _held(oracle)
    with engine.connect() as connection:
        booked = connection.execute(text("SELECT sum(minutes) FROM capacity_bookings")).scalar_one()
    assert booked == pytest.approx(sum(QUANTITIES) * (600 / 60 + 20))  # the line's 600 s takt and a frame's 20 min weld
    assert any(material == "motor-big" for _, material, _ in _held(engine)[1])

    assert promise_received(engine, NOW) == type(done)([], [])  # nothing left to promise


def test_an_order_placed_after_the_promise_comes_after_the_received_orders(engine, tmp_path):
    store_plant(engine, planned_motors_plant(), "material test plant")
    save_orders(engine, _received(_placed_on_a_fresh_database(tmp_path)))
    (ahead,) = place_orders(engine, OWNER, _requests()[:1], ids=["AHEAD"])
    done = promise_received(engine, NOW)
    (after,) = place_orders(engine, OWNER, _requests()[:1], ids=["AFTER"])
    assert after[0].promised_date >= max(o.promised_date for o, _ in done.quotes)
    assert after[0].promised_date > ahead[0].promised_date


def test_an_order_the_plant_no_longer_fits_stays_received_and_is_named(engine, tmp_path):
    first = _placed_on_a_fresh_database(tmp_path)[0]
    store_plant(engine, planned_motors_plant(), "material test plant")
    save_orders(engine, _received([first], configuration={"power": "warp"}))
    done = promise_received(engine, NOW)
    assert done.quotes == []
    assert [(o.id, "warp" in why) for o, why in done.unfit] == [(first.id, True)]
    assert [o.state for o in list_orders(engine)] == [CustomerOrderState.RECEIVED]


def test_the_command_names_each_binding_part_or_center_once(engine, tmp_path):
    """Big motors come 10 a week: orders wait for lots arriving on different days, yet the summary counts them
    under the motor once, not once per arrival date."""
    plant = planned_motors_plant()
    motors = plant.suppliers["motors"].model_copy(update={"weekly_capacity": 10})
    plant = plant.model_copy(update={"suppliers": plant.suppliers | {"motors": motors}})
    store_plant(engine, plant, "material test plant")
    boosted = [(replace(request, options=BOOST), at) for request, at in _requests()]
    oracle = _fresh(tmp_path)
    store_plant(oracle, plant, "material test plant")
    save_orders(engine, _received([order for order, _ in place_orders(oracle, OWNER, boosted)]))
    said = CliRunner().invoke(app, ["orders", "promise", "--db", engine.url.render_as_string(hide_password=False)])
    assert said.exit_code == 0, said.output
    bound = [
        line.split(":", 1)[0].removeprefix("  bound by ") for line in said.output.splitlines() if "bound by" in line
    ]
    assert any("motor-big" in part for part in bound), said.output
    assert len(bound) == len(set(bound)), said.output


def test_a_received_orders_history_runs_in_the_plants_time(engine, tmp_path):
    """Generated orders arrive in the plant's time: each is taken in when it was ordered, and promised then, not
    taken in on the day the command ran, months after its promise."""
    store_plant(engine, planned_motors_plant(), "material test plant")
    save_orders(engine, _received(_placed_on_a_fresh_database(tmp_path)))
    promise_received(engine, NOW)
    for order in list_orders(engine):
        rows = history(engine, OWNER, order.id)
        assert rows[0].at == order.ordered_at
        assert [row.at for row in rows] == sorted(row.at for row in rows)


def test_the_order_list_shows_each_orders_requested_and_promised_day(engine, tmp_path):
    store_plant(engine, planned_motors_plant(), "material test plant")
    save_orders(engine, _received(_placed_on_a_fresh_database(tmp_path)))
    promise_received(engine, NOW)
    url = engine.url.render_as_string(hide_password=False)
    listed = CliRunner().invoke(app, ["orders", "list", "--limit", "50", "--db", url], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    rows = {line.split()[1]: line for line in listed.output.splitlines() if "CO" in line}
    for order in list_orders(engine):
        assert f"{order.due_date} │ {order.promised_date}" in rows[order.id]
