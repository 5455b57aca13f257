"""A need's week goes first to a supplier that delivers on time, a preferred one whose lead time lands later in
the week passed over; buying ahead comes before buying late from either.

By hand, on weekdays only from Monday 1 March 2027 (day 0; weeks are days 0-6, 7-13, 14-20): the preferred
supplier P ships 16 calendar days after an order, so its first lot comes on Wednesday day 16; the second
supplier A ships in 5, from Monday day 7 (day 5 is a Saturday). 50 are needed on Monday day 14.
"""

from __future__ import annotations

from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan
from factoryos.planning.plan import Plan
from factoryos.planning.problem import Demand, Item, Supplier
from tests.planning.records import day, problem


def _plan(second_capacity: float | None) -> Plan:
    p = problem(
        (Item("B", "buy", suppliers=("P", "A")),),
        horizon=21,
        every_day=False,
        suppliers=(Supplier("P", 16), Supplier("A", 5, weekly_capacity=second_capacity)),
        demands=(Demand("D", "B", day(14), 50, "order", "CO1"),),
    )
    result = plan(p)
    assert check_plan(p, result) == []
    return result


def test_the_need_goes_to_the_supplier_that_is_on_time_not_the_preferred_one_that_is_late():
    """P would bring the 50 on Wednesday, two days late; A brings them on Monday."""
    result = _plan(None)
    assert [(o.supplier, o.quantity, o.due) for o in result.planned_orders] == [("A", 50, day(14))]
    assert [e for e in result.exceptions if e.kind == "late-supply"] == []


def test_what_the_on_time_supplier_cannot_take_that_week_it_brings_the_week_before():
    """A ships 30 a week: 30 on Monday day 14 and the other 20 on Friday day 11, ahead, before either is late."""
    result = _plan(30)
    assert [(o.supplier, o.quantity, o.due) for o in result.planned_orders] == [
        ("A", 30, day(14)),
        ("A", 20, day(11)),
    ]
    assert [e for e in result.exceptions if e.kind == "late-supply"] == []


def test_when_no_week_can_bring_it_on_time_the_preferred_supplier_brings_it_late():
    """With A shipping nothing, P's Wednesday lot is what there is: late by two days, and said so."""
    result = _plan(0)
    assert [(o.supplier, o.quantity, o.due) for o in result.planned_orders] == [("P", 50, day(16))]
    assert [(e.date, e.until) for e in result.exceptions if e.kind == "late-supply"] == [(day(14), day(16))]


def test_when_every_supplier_is_late_the_one_that_delivers_soonest_brings_it():
    """P and Q both miss Monday day 14: Q, ordered as early, ships in 15 days, on Tuesday day 15, a day before the
    preferred P's Wednesday; it brings the 50, a day late rather than two."""
    p = problem(
        (Item("B", "buy", suppliers=("P", "Q")),),
        horizon=21,
        every_day=False,
        suppliers=(Supplier("P", 16), Supplier("Q", 15)),
        demands=(Demand("D", "B", day(14), 50, "order", "CO1"),),
    )
    result = plan(p)
    assert check_plan(p, result) == []
    assert [(o.supplier, o.quantity, o.due) for o in result.planned_orders] == [("Q", 50, day(15))]
    assert [(e.date, e.until) for e in result.exceptions if e.kind == "late-supply"] == [(day(14), day(15))]
