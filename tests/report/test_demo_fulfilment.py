"""The demo closes the loop on any plant, not only where SPC catches a drift: the order desk follows what the
twin built and shipped, and the report says where the order book stands. Checked on a plant of our own (two
cells, a batch oven, a lot-made part) against the twin's own finished units."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from rich.console import Console

from factoryos.model.orders import CustomerOrderState
from factoryos.report.html import Report
from factoryos.report.promises import fulfilment_section
from factoryos.report.wording import counted
from factoryos.services.demo import DemoContext, run_demo
from factoryos.store.db import make_engine, migrate
from factoryos.store.orders import list_orders

from .begun import orders_begun

TWO_CELLS = Path(__file__).resolve().parents[1] / "data" / "two-cells.yaml"


def run(folder: Path, plant_file: Path, days: int) -> DemoContext:
    """The demo of `plant_file` over `days` (seed 5) on a fresh database in `folder`."""
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate(engine)
    ctx = DemoContext(engine, plant_file, days, 5, Console(quiet=True), Report(title="test"))
    run_demo(ctx, folder)
    return ctx


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run(tmp_path_factory.mktemp("demo"), TWO_CELLS, 7)


def test_no_drift_caught_and_still_the_orders_follow_the_floor(demo) -> None:
    assert not [f for f in demo.results.get("drift findings", []) if f.alarm is not None]
    units: dict[str, list] = defaultdict(list)
    for unit in demo.results["simulation"].finished.values():
        if unit.order:  # made for an order, not for stock
            units[unit.order.split("#", 1)[0]].append(unit)
    quantity = {o.id: o.quantity for o in demo.orders}
    expected_shipped = {
        order for order, made in units.items() if len(made) == quantity[order] and all(u.shipped for u in made)
    }
    assert expected_shipped, "the run ships no whole order: the test would prove nothing"
    stored = {o.id: o.state for o in list_orders(demo.engine) if o.id in quantity}
    assert {o for o, state in stored.items() if state == CustomerOrderState.SHIPPED} == expected_shipped
    assert all(stored[o] != CustomerOrderState.PROMISED for o in units)  # every order the floor touched moved


def test_no_order_the_twin_began_work_for_stays_promised(demo) -> None:
    begun = orders_begun(demo)
    assert begun
    stored = {o.id: o.state for o in list_orders(demo.engine)}
    assert CustomerOrderState.PROMISED not in {stored[o] for o in begun}


def test_the_report_states_the_order_book_after_the_run(demo) -> None:
    (section,) = [s for s in demo.report.sections if s.title == "Order fulfilment"]
    states = Counter(o.state for o in list_orders(demo.engine) if o.id in {c.id for c in demo.orders})
    for state, count in states.items():
        assert section.count(state.value) == count
    assert section.count("held from shipping") == 0
    assert f"of the {len(demo.orders)} orders shipped" in section.text
    assert "Containment" not in {s.title for s in demo.report.sections}  # nothing held, nothing to contain


@pytest.mark.parametrize(
    ("held", "said"),
    [(0, "keeps one of its units back."), (1, "1 built order is held so"), (3, "3 built orders are held so")],
)
def test_the_fulfilment_says_how_many_built_orders_a_hold_keeps_back(held, said) -> None:
    states = {CustomerOrderState.BUILT: 4, CustomerOrderState.SHIPPED: 2}
    section = fulfilment_section(states, held)
    assert said in section.text
    assert section.facts["held from shipping"] == held


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """The two cells asked for five times their demand within two days: the last orders are promised after the
    last day asked for."""
    folder = tmp_path_factory.mktemp("crowded")
    text = TWO_CELLS.read_text(encoding="utf-8")
    demand = "units_per_day: 12, units_per_order: [4, 8], lead_time_days: [3, 10]"
    assert demand in text
    plant_file = folder / "two-cells.yaml"
    plant_file.write_text(
        text.replace(demand, "units_per_day: 60, units_per_order: [4, 8], lead_time_days: [1, 2]"), encoding="utf-8"
    )
    return run(folder, plant_file, 3)


def test_the_demos_mps_and_mrp_reach_the_last_day_an_order_is_promised_for(crowded) -> None:
    """The horizon ran to the last requested day, so units promised later were left out while the demo said
    "0 units not in the horizon"; it runs to the last committed day (promised, or requested when later)."""
    demo = crowded
    start = demo.first_day()
    last = max(o.committed_date for o in demo.orders)
    assert last > max(o.due_date for o in demo.orders)  # some order is promised after the last requested day
    days = (last - start).days + 1
    section = next(s for s in demo.report.sections if s.title == "Master production schedule")
    assert f"over {counted(days, 'day')}" in section.text
    assert "due after the horizon" not in section.facts
    assert demo.results["material plan"].problem.horizon_days == days
