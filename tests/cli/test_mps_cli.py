"""`factoryos mps`: the plan of a plant file's generated order book and forecast, the time fences across two
runs, and bad options as one line."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from factoryos.cli import app
from factoryos.model.validate import load_plant

DATA = Path(__file__).resolve().parents[1] / "data"
PLANT = str(DATA / "partner-ramp-plant.yaml")
ZONE = ZoneInfo(load_plant(PLANT).site.timezone)
ARGS = ("mps", "--plant", PLANT, "--horizon-days", "14", "--start", "2027-04-05", "--json")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def units_per_day(document) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for row in document["rows"]:
        out[row["product"], row["day"]] = out.get((row["product"], row["day"]), 0) + row["quantity"]
    return out


def test_mps_json_rows_respect_the_line_and_serve_orders_and_forecast():
    result = invoke(*ARGS)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    capacity = {c["day"]: c["units"] for c in document["line_capacity"]}
    built: dict[str, int] = {}
    for row in document["rows"]:
        built[row["day"]] = built.get(row["day"], 0) + row["quantity"]
        assert row["kind"] in ("order", "forecast")
        assert (row["customer_order"] is not None) == (row["kind"] == "order")
    assert all(units <= capacity[day] for day, units in built.items())
    assert {r["kind"] for r in document["rows"]} == {"order", "forecast"}


def test_orders_alone_plan_no_forecast():
    result = invoke(*ARGS, "--demand", "orders")
    assert result.exit_code == 0, result.output
    assert {r["kind"] for r in json.loads(result.output)["rows"]} == {"order"}


def test_a_second_run_keeps_the_frozen_days_of_the_first(tmp_path):
    first = invoke(*ARGS, "--demand", "orders")
    (tmp_path / "mps.json").write_text(first.output)
    second = invoke(*ARGS, "--previous", str(tmp_path / "mps.json"))
    assert second.exit_code == 0, second.output
    before, after = units_per_day(json.loads(first.output)), units_per_day(json.loads(second.output))
    frozen = load_plant(PLANT).time_fences.frozen_days
    for k in range(frozen):
        day = (date(2027, 4, 5) + timedelta(days=k)).isoformat()
        for product in ("scooter", "cargo-bike"):
            assert after.get((product, day), 0) == before.get((product, day), 0)


def test_bad_options_are_one_line(tmp_path):
    result = invoke(*ARGS, "--demand", "sometimes")
    assert result.exit_code == 1
    assert "--demand 'sometimes'" in str(result.exception)
    (tmp_path / "bad.json").write_text("{}")
    result = invoke(*ARGS, "--previous", str(tmp_path / "bad.json"))
    assert result.exit_code == 1
    assert "not an `mps --json` document" in str(result.exception)


def test_a_value_out_of_range_is_one_line_naming_the_help(monkeypatch, capsys):
    """Click's own usage errors (a range, an unknown option) as one line, like every other user error."""
    import sys

    from factoryos.cli import main

    for args, said in (
        (("mps", "--horizon-days", "0"), "Invalid value for '--horizon-days'"),
        (("simulate", "--db", "x"), "No such option: --db"),
        (("simulate", "--plant", PLANT, "--seed", "-1"), "Invalid value for '--seed'"),  # numpy's traceback
        (("simulate", "--plant", PLANT, "--workers", "0"), "Invalid value for '--workers'"),
        (("quality", "capability", "--csv", PLANT, "--column", "x", "--subgroup", "0"), "'--subgroup'"),
    ):
        monkeypatch.setattr(sys, "argv", ["factoryos", *args])
        with pytest.raises(SystemExit) as stopped:
            main()
        err = capsys.readouterr().err
        assert stopped.value.code == 1
        assert len(err.strip().splitlines()) == 1, err
        assert said in err
        command = " ".join(args[: 2 if args[0] == "quality" else 1])
        assert f"(see `factoryos {command} --help`)" in err


def test_an_mps_from_a_day_says_how_many_stored_orders_it_leaves_out(tmp_path):
    """`--start` plans the order book as it stood that day; the orders placed since are counted, not hidden."""
    from factoryos.store.db import make_engine
    from factoryos.store.orders import list_orders

    db = f"sqlite:///{tmp_path / 'f.db'}"
    assert invoke("plant", "load", PLANT, "--db", db).exit_code == 0
    assert invoke("orders", "generate", "--days", "60", "--seed", "2", "--db", db).exit_code == 0
    orders = list_orders(make_engine(db, create=False))
    start = min(o.placed_on(ZONE) for o in orders) + timedelta(days=45)
    later = sum(o.placed_on(ZONE) >= start for o in orders)
    assert 0 < later < len(orders)
    args = ("mps", "--demand", "orders", "--start", start.isoformat(), "--db", db)
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["orders_placed_from_start"] == later
    said = invoke(*args).output
    assert f"{later:,} stored orders placed on or after {start} left out" in said
    assert json.loads(invoke("mps", "--demand", "orders", "--db", db, "--json").output)["orders_placed_from_start"] == 0


def test_the_order_book_alone_is_planned_from_its_first_day_as_mrp_plans_it(tmp_path):
    """Without --start, `mps --demand orders` started the day after the last order: every order due before was
    planned late, all on that first day (24,597 of 29,821 orders on one day). It starts on the book's first day,
    like `plan`, and plans every open order, none of them before that day."""
    from factoryos.store.db import make_engine
    from factoryos.store.orders import list_orders

    db = f"sqlite:///{tmp_path / 'f.db'}"
    assert invoke("plant", "load", PLANT, "--db", db).exit_code == 0
    assert invoke("orders", "generate", "--days", "30", "--seed", "4", "--db", db).exit_code == 0
    orders = list_orders(make_engine(db, create=False))
    result = invoke("mps", "--demand", "orders", "--horizon-days", "90", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    first = min(o.placed_on(ZONE) for o in orders)  # the site's day: the orders are drawn on its days
    assert document["start"] == first.isoformat()
    planned = {row["demand"] for row in document["rows"]}
    due_in = {o.id for o in orders if o.due_date < first + timedelta(days=90)}
    assert planned == due_in
    assert document["orders_placed_from_start"] == 0


def test_orders_due_after_the_horizon_are_listed_as_not_in_it(tmp_path):
    """`mps --demand orders` kept only the orders due in its horizon and said nothing of the rest (4,681 units
    planned of 106,852 requested, `unplanned {}`). Every open order's units are planned, left unplanned or
    counted beyond the horizon, per product, in the JSON and the text."""
    from factoryos.model.orders import OPEN_STATES
    from factoryos.store.db import make_engine
    from factoryos.store.orders import list_orders

    db = f"sqlite:///{tmp_path / 'f.db'}"
    assert invoke("plant", "load", PLANT, "--db", db).exit_code == 0
    assert invoke("orders", "generate", "--days", "30", "--seed", "4", "--db", db).exit_code == 0
    orders = [o for o in list_orders(make_engine(db, create=False)) if o.state in OPEN_STATES]
    args = ("mps", "--demand", "orders", "--horizon-days", "10", "--db", db)
    document = json.loads(invoke(*args, "--json").output)
    end = date.fromisoformat(document["start"]) + timedelta(days=10)
    after = [o for o in orders if o.committed_date >= end]
    assert after
    expected = {}
    for o in after:
        was = expected.get(o.product, {"units": 0, "orders": 0, "last_due": o.committed_date.isoformat()})
        last = max(was["last_due"], o.committed_date.isoformat())
        expected[o.product] = {"units": was["units"] + o.quantity, "orders": was["orders"] + 1, "last_due": last}
    assert document["beyond_horizon"] == expected
    planned = sum(r["quantity"] for r in document["rows"])
    assert planned + sum(document["unplanned"].values()) + sum(b["units"] for b in expected.values()) == sum(
        o.quantity for o in orders
    )
    assert document["not_in_horizon_units"] == sum(document["unplanned"].values()) + sum(
        b["units"] for b in expected.values()
    )
    said = invoke(*args).output
    assert f"due on or after {end}, beyond the horizon and not planned:" in said
    for product, b in expected.items():
        assert f"{product}: {b['units']:,} units" in said


def test_an_mps_of_generated_orders_says_so_where_a_planner_reads(tmp_path):
    """`mps --plant FILE --demand orders` plans a generated year's orders, rows of kind "order" whose ids name no
    stored order, and only `"history": "generated"` told; the title and a note say so. The stored order book's
    MPS says nothing of the kind."""
    generated = invoke("mps", "--plant", PLANT, "--horizon-days", "7", "--demand", "orders")
    assert generated.exit_code == 0, generated.output
    lines = generated.output.splitlines()
    assert "its orders generated from the plant's demand, not an order book" in lines[0]
    assert "note: the orders here were drawn from the plant's demand" in generated.output
    assert "without --plant the MPS plans the loaded plant's stored orders" in generated.output
    db = f"sqlite:///{tmp_path / 'f.db'}"
    assert invoke("plant", "load", PLANT, "--db", db).exit_code == 0
    assert invoke("orders", "generate", "--days", "20", "--seed", "3", "--db", db).exit_code == 0
    stored = invoke("mps", "--demand", "orders", "--horizon-days", "7", "--db", db)
    assert stored.exit_code == 0, stored.output
    assert "not an order book" not in stored.output
    assert "note:" not in stored.output


def test_the_capacity_shown_is_what_the_mps_plans_on_in_json_and_text(tmp_path):
    """Two parallel lines build speakers, the slower one ramping: `line_capacity` gave the ramping line's units a
    day alone (45 on a user's plant planned at 311 a day, read as a 7x overload). The JSON gives no ramp line where
    none bounds a product, and per product the units a day of what does (the two lines pooled), the figures the
    text table's capacity column prints."""
    pooled = str(DATA / "pooled-lines-plant.yaml")
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert invoke("plant", "load", pooled, "--db", db).exit_code == 0
    assert invoke("orders", "generate", "--days", "20", "--seed", "3", "--db", db).exit_code == 0
    args = ("mps", "--demand", "orders", "--horizon-days", "45", "--db", db)
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["rows"]
    assert document["start"] == "2027-01-05"  # the ramp's first day: line B makes its first month's units
    assert document["line_capacity"] is None
    capacity = {c["product"]: c for c in document["capacity"]}
    assert capacity["speaker"]["bound_by"] == "Line A + Line B"
    # line A: 3,600 s / 30 s a day; line B: its first month's 100 units over 31 days, then 3,600 s / 60 s x 0.9
    assert [d["units"] for d in capacity["speaker"]["days"]] == pytest.approx([120 + 100 / 31] * 31 + [174] * 14)
    limit = {(p, d["day"]): d["units"] for p, c in capacity.items() for d in c["days"]}
    for (product, day), units in units_per_day(document).items():
        assert units <= limit[product, day] + 1e-9
    table = invoke(*args).output
    for product, day in units_per_day(document):
        row = next(line for line in table.splitlines() if day in line and f" {product} " in line)
        assert f" {limit[product, day]:,.0f} " in row
