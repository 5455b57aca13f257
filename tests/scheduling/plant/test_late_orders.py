"""The orders a schedule finishes late, for a planner to act on: each customer order with a unit done after the
site's midnight that ends its due day, its late units and when the last of them is done, checked against the
stored operations of the schedule itself."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from typer.testing import CliRunner

from factoryos.cli.schedule import app as schedule_app
from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant
from factoryos.scheduling.plant_schedule import schedule_plant
from factoryos.store.db import make_engine
from factoryos.store.orders import save_orders
from factoryos.store.plants import store_plant

TWO_CELLS = Path(__file__).parents[2] / "data" / "two-cells.yaml"
PLACED = datetime(2027, 3, 1, 8, tzinfo=UTC)
STOOL = {"padded": "no", "finish": "on"}


def test_the_late_orders_are_those_with_units_done_after_their_due_day_latest_first():
    plant = load_plant(TWO_CELLS)
    zone = ZoneInfo(plant.site.timezone)
    orders = [
        CustomerOrder("CO-RUSH", plant.site.id, "owner", "web", "stool", STOOL, 300, PLACED, date(2027, 3, 1)),
        CustomerOrder("CO-SOON", plant.site.id, "owner", "web", "stool", STOOL, 100, PLACED, date(2027, 3, 2)),
        CustomerOrder("CO-EASY", plant.site.id, "owner", "web", "stool", STOOL, 2, PLACED, date(2027, 5, 3)),
    ]
    plan = schedule_plant(plant, orders, horizon_days=1, time_limit=2, compare=False)
    due = {o.id: datetime.combine(o.due_date + timedelta(days=1), datetime.min.time(), zone) for o in orders}
    done: dict[str, datetime] = {}
    for op in plan.operations:
        if op.serial is not None:
            done[op.serial] = max(done.get(op.serial, op.end), op.end)
    order_of = {o.id: o.customer_order for o in plan.plant_problem.production_orders}
    late_units: dict[str, list[datetime]] = defaultdict(list)
    for op in plan.operations:
        order = order_of[op.production_order]
        if op.serial is not None and done[op.serial] == op.end and op.end > due[order]:
            late_units[order].append(op.end)
    late = plan.late_orders()
    assert {o.order: o.units for o in late} == {order: len(ends) for order, ends in late_units.items()}
    assert "CO-RUSH" in late_units
    assert "CO-EASY" not in late_units
    for o in late:
        assert o.due == due[o.order]
        assert o.finished == max(late_units[o.order])
        assert o.hours_late == (o.finished - o.due).total_seconds() / 3600 > 0
    assert [o.hours_late for o in late] == sorted((o.hours_late for o in late), reverse=True)
    assert plan.summary()["late units"] == sum(o.units for o in late)


def test_the_schedule_command_names_the_late_orders(sqlite_url):
    plant = load_plant(TWO_CELLS)
    engine = make_engine(sqlite_url)
    store_plant(engine, plant, "two-cells.yaml")
    rush = CustomerOrder("CO-RUSH", plant.site.id, "owner", "web", "stool", STOOL, 300, PLACED, date(2027, 3, 1))
    save_orders(engine, [rush])
    app = typer.Typer()
    app.add_typer(schedule_app, name="schedule")
    args = ["schedule", "--horizon", "1", "--time-limit", "2", "--no-compare", "--db", sqlite_url]
    (late,) = json.loads(CliRunner().invoke(app, [*args, "--json"]).output)["late orders"]
    assert late["order"] == "CO-RUSH"
    assert late["late_units"] > 0
    assert late["hours_late"] > 0
    shown = " ".join(CliRunner().invoke(app, args, terminal_width=200).output.split())
    assert "1 order finished after it is due, latest first: CO-RUSH (" in shown
    assert f"{late['hours_late']:,.1f} h late" in shown
