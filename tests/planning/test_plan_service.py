"""`factoryos plan` end to end on a small plant: stored runs, the JSON shape, pegging, release of purchase orders
(open receipts to the next run), exceptions, a supplier slip; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from factoryos.cli import app
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant
from factoryos.planning.disruption import Disruption
from factoryos.services.plan import (
    latest_plan,
    peg,
    plan_document,
    plan_material,
    release,
    stored_plan_document,
    what_if,
)
from factoryos.store.orders import save_orders
from factoryos.store.plans import MaterialPlanRecord, list_purchase_orders
from factoryos.store.plants import store_plant

MINI = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"
START = date(2027, 3, 1)


def _order(number: int, size: str, due: date, quantity: int = 2) -> CustomerOrder:
    return CustomerOrder(
        f"CO{number:07d}",
        "mini-site",
        "owner",
        "shop",
        "cart",
        {"size": size, "colour": "blue"},
        quantity,
        datetime(2027, 3, 1, 9, tzinfo=UTC),
        due,
    )


@pytest.fixture
def loaded(engine):
    store_plant(engine, load_plant(MINI), str(MINI))
    save_orders(engine, [_order(1, "big", date(2027, 3, 24)), _order(2, "small", date(2027, 3, 25), 3)])
    return engine


def test_a_run_is_stored_with_its_inputs_date_and_prints_the_issues_json_shape(loaded):
    run = plan_material(loaded, horizon_days=120, start=START)
    stored = latest_plan(loaded)
    assert stored.id == run.id
    assert stored.inputs_as_of == datetime(2027, 3, 1, 9, tzinfo=UTC)
    document = stored_plan_document(loaded, stored)
    assert set(document) == {"plan", "start", "planned_orders", "exceptions"}
    assert document["start"] == "2027-03-01"
    first = document["planned_orders"][0]
    assert set(first) == {"id", "material", "quantity", "kind", "supplier", "release", "due", "pegging"}
    carts = [o for o in document["planned_orders"] if o["material"] == "cart"]
    assert {p["demand"] for o in carts for p in o["pegging"]} == {"CO0000001", "CO0000002"}
    for e in document["exceptions"]:
        assert set(e) == {"kind", "material", "date", "quantity", "orders", "message"}
    # A second run is kept beside the first, so the two compare.
    assert plan_material(loaded, horizon_days=120, start=START).id == run.id + 1


def test_an_order_placed_years_before_the_stock_count_does_not_move_the_plan_back(engine):
    """With the plant's stock counted on 1 March 2027, one order placed in 2000 (past due) is planned from that
    day, not from 2000 with the 2027 stock (the other orders then fell out of the horizon)."""
    plant = load_plant(MINI).model_copy(update={"as_of": START})
    store_plant(engine, plant, str(MINI))
    ancient = _order(3, "small", date(2000, 1, 10))
    ancient.ordered_at = datetime(2000, 1, 3, 9, tzinfo=UTC)
    save_orders(engine, [_order(1, "big", date(2027, 3, 24)), ancient])
    run = plan_material(engine, horizon_days=60)
    assert run.plan.problem.start == START
    carts = {p.demand for o in range(len(run.plan.lot_qty)) for p in run.plan.pegging(o)}
    assert {"CO0000001", "CO0000003"} <= carts


def test_pegging_both_ways_and_release_makes_open_receipts_for_the_next_run(loaded):
    plan_material(loaded, horizon_days=120, start=START)
    under = peg(loaded, "CO0000001")["planned_orders"]
    assert {row["material"] for row in under} >= {"cart", "body", "panel", "wheel", "motor-big"}
    motor = next(row for row in under if row["material"] == "motor-big")
    assert peg(loaded, motor["planned_order"])["demands"] == [{"demand": "CO0000001", "quantity": 2.0}]
    (po,) = release(loaded, [motor["planned_order"]]).orders
    assert (po.supplier, po.material, po.quantity, po.state) == ("parts", "motor-big", 2.0, "open")
    with pytest.raises(FactoryosError, match="already released"):
        release(loaded, [motor["planned_order"]])
    with pytest.raises(FactoryosError, match="not a purchase proposal"):
        release(loaded, [under[0]["planned_order"]])
    with pytest.raises(FactoryosError, match="named more than once"):
        release(loaded, [under[0]["planned_order"], under[0]["planned_order"]])
    plan_material(loaded, horizon_days=120, start=START)
    assert "motor-big" not in {row["material"] for row in peg(loaded, "CO0000001")["planned_orders"]}
    assert [p.id for p in list_purchase_orders(loaded, "mini-site", "open")] == [po.id]


def test_a_supplier_slip_moves_the_orders_that_wait_for_its_parts(loaded):
    # Wheels and motors (from `parts`, 10 days) are needed the day each cart is built: 2027-03-24 and -25. Slipped
    # by 21 days they can arrive on 2027-04-01 at the earliest: 8 and 7 days late.
    _, moves = what_if(loaded, (Disruption("parts", delay_days=21),), horizon_days=120, start=START)
    assert {(m.customer_order, m.days) for m in moves} == {("CO0000001", 8), ("CO0000002", 7)}
    _, none = what_if(loaded, (Disruption("steel", delay_days=3),), horizon_days=120, start=START)
    assert none == []  # the coil in stock covers both orders


def test_a_what_if_is_stored_but_the_plan_of_record_is_what_is_acted_on(loaded):
    with pytest.raises(FactoryosError, match="run `factoryos plan`"):
        latest_plan(loaded)
    what_if(loaded, (Disruption("parts", delay_days=21),), horizon_days=120, start=START)
    with pytest.raises(FactoryosError, match="only what-if runs"):
        latest_plan(loaded)
    record = plan_material(loaded, horizon_days=120, start=START)
    again, _ = what_if(loaded, (Disruption("parts", delay_days=21),), horizon_days=120, start=START)
    assert again.id > record.id
    assert latest_plan(loaded).id == record.id
    assert latest_plan(loaded, plan_id=again.id).id == again.id  # asked for by id, a what-if is shown

    def motor_buy(plan_id: int):
        return next(o for o in latest_plan(loaded, plan_id=plan_id).planned_orders if o.material == "motor-big")

    assert motor_buy(again.id).due > motor_buy(record.id).due  # the slip moved the what-if's buy
    (po,) = release(loaded, [motor_buy(record.id).id]).orders
    assert (po.plan, po.due) == (record.id, motor_buy(record.id).due)  # the plan's own buy, not the slipped one


def test_the_plan_commands(loaded, tmp_path):
    url = loaded.url.render_as_string(hide_password=False)
    runner = CliRunner()
    result = runner.invoke(app, ["plan", "--horizon-days", "120", "--start", "2027-03-01", "--json", "--db", url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["start"] == "2027-03-01"
    assert json.loads(result.output)["plan"] == latest_plan(loaded).id  # a script can name it to release or peg
    result = runner.invoke(app, ["plan", "exceptions", "--json", "--db", url])
    assert result.exit_code == 0, result.output
    every = json.loads(result.output)["items"]
    assert all({"kind", "material", "orders", "action"} <= set(e) for e in every)
    assert len(every) == len(latest_plan(loaded).exceptions)  # --json lists them all
    two = runner.invoke(app, ["plan", "exceptions", "--json", "--limit", "2", "--db", url]).output
    assert json.loads(two)["items"] == every[:2]
    all_of_them = runner.invoke(app, ["plan", "exceptions", "--json", "--limit", "0", "--db", url]).output
    assert json.loads(all_of_them)["items"] == every
    refused = runner.invoke(app, ["plan", "exceptions", "--kind", "shortages", "--db", url])
    assert "--kind 'shortages': expected one of shortage, below-safety-stock" in str(refused.exception)
    result = runner.invoke(app, ["plan", "peg", "CO0000002", "--json", "--db", url])
    under = json.loads(result.output)["planned_orders"]
    assert "motor-small" in {row["material"] for row in under}
    result = runner.invoke(app, ["plan", "peg", "CO0000002", "--db", url])
    assert result.output.startswith("the planned orders under CO0000002:")  # a table, as every command prints
    assert all(row["planned_order"] in result.output for row in under)
    result = runner.invoke(app, ["plan", "peg", under[0]["planned_order"], "--db", url])
    assert f"{under[0]['planned_order']}, " in result.output
    assert "CO0000002" in result.output
    short = ["plan", "--horizon-days", "7", "--start", "2027-03-01", "--db", url]
    assert runner.invoke(app, short).exit_code == 0
    result = runner.invoke(app, ["plan", "peg", "CO0000002", "--db", url])  # due 25 March: after this plan
    assert "no planned order under CO0000002" in result.output
    assert "or it is due outside the plan (2027-03-01 to 2027-03-08)" in result.output
    assert runner.invoke(app, ["plan", "--horizon-days", "120", "--start", "2027-03-01", "--db", url]).exit_code == 0
    result = runner.invoke(
        app, ["plan", "--start", "2027-03-01", "--disrupt", "supplier=parts,delay-days=21", "--json", "--db", url]
    )
    assert result.exit_code == 0, result.output
    assert {row["customer_order"] for row in json.loads(result.output)["moved"]} == {"CO0000001", "CO0000002"}
    bad = runner.invoke(app, ["plan", "--demand", "guess", "--db", url])
    assert bad.exit_code != 0


@pytest.mark.parametrize(
    ("start", "refused"),
    [
        (date(1990, 1, 1), "the plant's stock was counted on 2027-03-01"),  # it planned 1990 on 2027's stock
        (date(2099, 12, 1), "more than a year after"),  # it told every open order to cancel, and release bought
    ],
)
def test_a_plan_start_its_figures_cannot_stand_on_is_refused_and_stores_nothing(loaded, start, refused):
    store_plant(loaded, load_plant(MINI).model_copy(update={"as_of": date(2027, 3, 1)}), "mini.yaml")
    with pytest.raises(FactoryosError, match=refused):
        plan_material(loaded, start=start)
    with Session(loaded) as session:
        assert session.scalar(select(func.count()).select_from(MaterialPlanRecord)) == 0


def test_pegged_quantities_are_shown_to_a_millionth_not_with_the_sums_rounding():
    """A lot of dough pegged 111.25 kg to an order, worked out as 111.24999999999999: its JSON says 111.25."""
    lot = SimpleNamespace(
        id="PL1", material="dough", quantity=240.0, kind="make", supplier=None, release=date(2027, 3, 29)
    )
    lot.due = lot.release
    (order,) = plan_document(1, date(2027, 3, 29), [lot], [{"CO1": 0.7 * 158.92857142857142}], [])["planned_orders"]
    assert 0.7 * 158.92857142857142 != 111.25
    assert order["pegging"] == [{"demand": "CO1", "quantity": 111.25}]
