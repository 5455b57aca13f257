import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import typer
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from factoryos.cli.schedule import app as schedule_app
from factoryos.services.demo import schedule_stage
from factoryos.store.db import make_engine, migrate, transaction
from factoryos.store.orders import save_orders
from factoryos.store.plants import store_plant
from factoryos.store.schedule import latest_schedule
from factoryos.store.tables import CustomerOrderRecord, ProductionOrderRecord

app = typer.Typer()
app.add_typer(schedule_app, name="schedule")


@pytest.fixture
def ev_ordered(sqlite_url, ev_plant, ev_orders) -> str:
    """A database with the EV plant loaded and two of its orders open."""
    engine = make_engine(sqlite_url)
    store_plant(engine, ev_plant, "ev.yaml")
    save_orders(engine, ev_orders[:2])
    return sqlite_url


def test_schedule_command_schedules_stores_and_compares(ev_ordered, ev_plant):
    url = ev_ordered
    engine = make_engine(url)
    result = CliRunner().invoke(app, ["schedule", "--horizon", "1", "--time-limit", "2", "--db", url])
    assert result.exit_code == 0, result.output
    assert "dispatch:" in result.output
    assert "stored as schedule" in result.output
    assert latest_schedule(engine, ev_plant.site.id).operations


def test_orders_in_production_are_left_as_the_floor_has_them_and_named(sqlite_url, ev_plant, ev_orders):
    """One of three orders is in production: its work is the floor's, so the schedule plans the other two."""
    engine = make_engine(sqlite_url)
    store_plant(engine, ev_plant, "ev.yaml")
    save_orders(engine, ev_orders[:3])
    begun = ev_orders[0].id
    with transaction(engine) as session:
        session.execute(
            update(CustomerOrderRecord).where(CustomerOrderRecord.id == begun).values(state="in-production")
        )
    made = CliRunner().invoke(app, ["schedule", "--horizon", "1", "--no-compare", "--json", "--db", sqlite_url])
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["orders on the floor"] == [begun]
    with Session(engine) as session:
        planned = set(session.scalars(select(ProductionOrderRecord.customer_order)))
    assert planned - {None} == {o.id for o in ev_orders[1:3]}  # and lots, for no order
    said = CliRunner().invoke(app, ["schedule", "--horizon", "1", "--no-compare", "--db", sqlite_url])
    assert f"1 order released or in production left as the floor has them: {begun}" in " ".join(said.output.split())


def test_the_stored_schedule_is_shown_as_json_as_it_was_stored(ev_ordered, ev_plant):
    url = ev_ordered
    engine = make_engine(url)
    made = CliRunner().invoke(app, ["schedule", "--horizon", "1", "--no-compare", "--json", "--db", url])
    assert made.exit_code == 0, made.output
    summary = json.loads(made.output)
    shown = CliRunner().invoke(app, ["schedule", "show", "--json", "--limit", "0", "--db", url])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    stored = latest_schedule(engine, ev_plant.site.id)
    assert document["id"] == summary["id"] == stored.id
    assert document["operations_total"] == summary["operations"] == len(document["operations"])
    assert [op["equipment"] for op in document["operations"]] == [op.equipment for op in stored.operations]
    unit = stored.operations[0].equipment
    only = json.loads(CliRunner().invoke(app, ["schedule", "show", "--json", "--equipment", unit, "--db", url]).output)
    assert only["operations"]
    assert {op["equipment"] for op in only["operations"]} <= {
        op.equipment for op in stored.operations if op.equipment.startswith(unit)
    }


def test_the_schedule_is_shown_on_the_sites_clock(ev_ordered, ev_plant):
    """The EV plant's site is in Europe: its first day and each operation's start are its own, not UTC's (which
    put the schedule's start on the day before and every shift an hour early)."""
    url = ev_ordered
    made = CliRunner().invoke(app, ["schedule", "--horizon", "1", "--no-compare", "--db", url])
    assert made.exit_code == 0, made.output
    stored = latest_schedule(make_engine(url), ev_plant.site.id)
    clock = ZoneInfo(ev_plant.site.timezone)
    first = stored.operations[0]
    assert f"from {stored.start.astimezone(clock):%Y-%m-%d}" in " ".join(made.output.split())
    shown = CliRunner().invoke(app, ["schedule", "show", "--limit", "1", "--db", url], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert f"start ({clock.key})" in shown.output
    assert f"{first.start.astimezone(clock):%m-%d %H:%M}" in shown.output
    assert f"{stored.start.astimezone(clock):%Y-%m-%d %H:%M %Z} to" in shown.output.splitlines()[0]


def test_showing_a_schedule_never_creates_a_database(tmp_path):
    result = CliRunner().invoke(app, ["schedule", "show", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert "no such database" in str(result.exception)
    assert not (tmp_path / "none.db").exists()


def test_schedule_command_says_what_is_missing(tmp_path, ev_plant):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    result = CliRunner().invoke(app, ["schedule", "--db", url])
    assert "no plant is loaded" in str(result.exception)
    engine = make_engine(url)
    store_plant(engine, ev_plant, "ev.yaml")
    result = CliRunner().invoke(app, ["schedule", "--db", url])
    assert "no open customer orders" in str(result.exception)


def test_demo_stage_schedules_stores_and_reports(tmp_path, ev_plant, ev_orders):
    from rich.console import Console

    from factoryos.report.html import Report
    from factoryos.services.demo import DemoContext

    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    migrate(engine)
    store_plant(engine, ev_plant, "ev.yaml")
    save_orders(engine, ev_orders)
    console = Console(record=True, width=200)
    start = ev_plant.ramp_up.start  # as the plant stage sets it
    ctx = DemoContext(
        engine, tmp_path / "ev.yaml", 1, 1, console, Report("demo"), plant=ev_plant, start=start, orders=ev_orders
    )
    schedule_stage(ctx)
    assert ctx.results["schedule"]
    assert "schedule" in console.export_text()
    assert ctx.report.sections[-1].title == "Schedule"
    assert len(ctx.report.sections[-1].figures) == 2
    assert latest_schedule(engine, ev_plant.site.id).operations == ctx.results["schedule"]


def test_an_operation_past_midnight_shows_the_day_it_ends():
    """`schedule show` printed "05-04 19:10 | 14:00" for an operation ending the next day."""
    from factoryos.cli.schedule import span_cells
    from factoryos.model.orders import ScheduledOperation

    start = datetime(2027, 5, 4, 19, 10, tzinfo=UTC)
    overnight = ScheduledOperation("W", "P", "cure", "oven-1", start, datetime(2027, 5, 5, 14, 0, tzinfo=UTC))
    within = ScheduledOperation("W", "P", "cure", "oven-1", start, datetime(2027, 5, 4, 23, 0, tzinfo=UTC))
    assert span_cells(overnight, ZoneInfo("UTC")) == ("05-04 19:10", "05-05 14:00")
    assert span_cells(within, ZoneInfo("UTC")) == ("05-04 19:10", "23:00")
    assert span_cells(within, ZoneInfo("Europe/Berlin")) == ("05-04 21:10", "05-05 01:00")  # the site's clock
    assert span_cells(overnight, ZoneInfo("America/Chicago")) == ("05-04 14:10", "05-05 09:00")
