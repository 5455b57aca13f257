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
from factoryos.services.demo import DemoContext, run_demo
from factoryos.store.db import make_engine, migrate
from factoryos.store.orders import list_orders

TWO_CELLS = Path(__file__).resolve().parents[1] / "data" / "two-cells.yaml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate(engine)
    ctx = DemoContext(engine, TWO_CELLS, 7, 5, Console(quiet=True), Report(title="test"))
    run_demo(ctx, folder)
    return ctx


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
