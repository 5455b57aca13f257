"""Supplier what-ifs: a slip or a capacity cut moves exactly the customer orders that need the supplier's parts."""

from __future__ import annotations

import pytest

from factoryos.planning.disruption import Disruption, coverage_moves, disrupted, parse_disruption
from factoryos.planning.mrp import plan
from factoryos.planning.problem import BomLine, Demand, Item, PlanningError, Receipt, Supplier
from tests.planning.records import day, problem


def _two_products(capacity=None, lead=5):
    # P needs X (from SX), Q needs Y (from SY); both made in 1 day, due day 20: X and Y are needed on day 19.
    return problem(
        (
            Item("P", "make", 1),
            Item("Q", "make", 1),
            Item("X", "buy", suppliers=("SX",)),
            Item("Y", "buy", suppliers=("SY",)),
        ),
        horizon=40,
        bom=(BomLine("P", "X", 1), BomLine("Q", "Y", 1)),
        suppliers=(Supplier("SX", lead, weekly_capacity=capacity), Supplier("SY", 5)),
        demands=(Demand("D1", "P", day(20), 100, "order", "CO1"), Demand("D2", "Q", day(20), 100, "order", "CO2")),
    )


def test_a_three_week_slip_moves_only_the_orders_on_that_supplier():
    # X can now arrive on day 0 + 5 + 21 = 26 at the earliest, 7 days after day 19.
    p = _two_products()
    before, after = plan(p), plan(disrupted(p, (Disruption("SX", delay_days=21),)))
    (move,) = coverage_moves(before, after)
    assert (move.customer_order, move.late_before, move.late_after, move.days) == ("CO1", 0, 7, 7)
    assert move.covered_after == day(27)


def test_a_slip_moves_the_suppliers_open_receipts_too():
    p = _two_products()
    p = problem(
        p.items,
        horizon=40,
        bom=p.bom,
        suppliers=p.suppliers,
        demands=p.demands,
        receipts=(Receipt("PO1", "X", day(10), 100, "SX"),),
    )
    after = plan(disrupted(p, (Disruption("SX", delay_days=21),)))
    assert after.receipt_dates()["PO1"] == day(19)  # pulled in from day 31: an expedite to ask of the supplier
    assert [e.kind for e in after.exceptions if e.kind == "expedite"] == ["expedite"]


def test_a_capacity_cut_spills_to_the_next_week():
    # 100 a week cut to half, and 14 days' lead time: no lot before day 14, the first day of the week of day 19
    # (days 14-20), so 50 that week and 50 on day 21, two days late.
    p = _two_products(capacity=100.0, lead=14)
    after = plan(disrupted(p, (Disruption("SX", capacity_share=0.5),)))
    (move,) = coverage_moves(plan(p), after)
    assert (move.customer_order, move.days) == ("CO1", 2)


def test_a_capacity_cut_with_room_in_the_weeks_before_is_bought_ahead():
    # With 5 days' lead time the 50 the week of day 19 cannot take come on day 13, the last of the week before.
    p = _two_products(capacity=100.0)
    after = plan(disrupted(p, (Disruption("SX", capacity_share=0.5),)))
    assert coverage_moves(plan(p), after) == []
    assert sorted((o.due, o.quantity) for o in after.planned_orders if o.item == "X") == [(day(13), 50), (day(19), 50)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("supplier=SX", "changes nothing"),  # stored a what-if plan identical to the plan
        ("supplier=SX,delay-days=0,capacity=1", "changes nothing"),
        ("supplier=SX,delay-days=21", None),
        ("supplier=SX,capacity=0.5", None),
        ("delay-days=3", "give supplier="),
        ("supplier=SX,delay-days=soon", "whole number"),
        ("supplier=SX,capacity=2", "capacity 0-1"),
        ("supplier", "key=value"),
    ],
)
def test_disruptions_are_parsed_or_refused_in_one_line(text, message):
    if message is None:
        assert parse_disruption(text).supplier == "SX"
    else:
        with pytest.raises(PlanningError, match=message):
            parse_disruption(text)


def test_an_unknown_supplier_is_refused():
    with pytest.raises(PlanningError, match="unknown supplier 'SZ'"):
        disrupted(_two_products(), (Disruption("SZ", 3),))
