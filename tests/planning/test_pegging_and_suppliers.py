"""Pegging both ways and supplier constraints, against small cases worked by hand."""

from __future__ import annotations

import pytest

from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan
from factoryos.planning.problem import BomLine, Demand, Item, LotRule, Receipt, Stock, Supplier
from tests.planning.records import day, problem


def _two_orders():
    # A (made, 1 day) has 5 in stock; CO1 wants 10 on day 3, CO2 10 on day 5. A's lots: 5 due day 3 (released
    # day 2) and 10 due day 5 (released day 4). C (bought in multiples of 30) is needed 5 on day 2, 10 on day 4:
    # one lot of 30 serves both.
    p = problem(
        (Item("A", "make", 1), Item("C", "buy", 1, LotRule("multiple", 30))),
        horizon=10,
        bom=(BomLine("A", "C", 1),),
        stock=(Stock("A", "store", "L1", 5),),
        demands=(Demand("D1", "A", day(3), 10, "order", "CO1"), Demand("D2", "A", day(5), 10, "order", "CO2")),
    )
    return p, plan(p)


def test_a_component_lot_is_pegged_to_the_customer_orders_above_it():
    p, result = _two_orders()
    lots = {(o.item, o.quantity): o for o in result.planned_orders}
    assert set(lots) == {("A", 5), ("A", 10), ("C", 30)}
    c = result.lot_of(lots["C", 30].id)
    assert [(peg.demand, peg.quantity) for peg in result.pegging(c)] == [("D2", 10), ("D1", 5)]
    assert check_plan(p, result) == []


def test_a_customer_order_reaches_every_lot_and_stock_under_it():
    _, result = _two_orders()
    under = {(s.kind, s.item, s.quantity) for s in result.supplies_under("CO1")}
    assert under == {("stock", "A", 5), ("planned", "A", 5), ("planned", "C", 5)}
    assert {(s.kind, s.item, s.quantity) for s in result.supplies_under("CO2")} == {
        ("planned", "A", 10),
        ("planned", "C", 10),
    }


S1 = Supplier("S1", 5, min_order=100, order_multiple=50, weekly_capacity=200)
S2 = Supplier("S2", 5)


def _buy(quantity: float, suppliers=(S1,), receipts=()):
    item = Item("B", "buy", suppliers=tuple(s.id for s in suppliers))
    p = problem(
        (item,),
        horizon=28,
        suppliers=tuple(suppliers),
        receipts=receipts,
        demands=(Demand("D", "B", day(10), quantity, "order", "CO1"),),
    )
    result = plan(p)
    assert check_plan(p, result) == []
    return result


def test_supplier_minimum_and_multiple_round_the_lot_up():
    # 130 -> at least 100 -> next multiple of 50: 150, ordered 5 days ahead.
    (order,) = _buy(130).planned_orders
    assert (order.quantity, order.supplier, order.release, order.due) == (150, "S1", day(5), day(10))


def test_weekly_capacity_spills_to_the_second_supplier_and_says_so():
    first, second = _buy(450, (S1, S2)).planned_orders
    assert (first.supplier, first.quantity, first.due) == ("S1", 200, day(10))
    assert (second.supplier, second.quantity, second.due) == ("S2", 250, day(10))
    assert "S1 has no capacity left" in second.note


def test_weekly_capacity_buys_ahead_then_spills_to_later_weeks_late_and_short():
    # Week 1 (days 7-13) takes 200 on the day needed; week 0 another 200 on its last day (day 6, the lead time
    # allows day 5 on); week 2 the last 50 as 100 (minimum) on its Monday (day 14), 4 days late.
    result = _buy(450)
    assert [(o.quantity, o.due) for o in result.planned_orders] == [(200, day(10)), (200, day(6)), (100, day(14))]
    late = [e for e in result.exceptions if e.kind == "late-supply"]
    assert [(e.date, e.quantity) for e in late] == [(day(10), 100)]
    (short,) = [e for e in result.exceptions if e.kind == "shortage"]
    assert (short.date, short.until, short.quantity, short.orders) == (day(10), day(13), 50, ("CO1",))


def test_open_receipts_use_up_the_supplier_week():
    # 150 already on order in week 1 leaves 50, under the minimum of 100: the new lot is bought ahead, on the last
    # day of week 0.
    booked = (Receipt("PO1", "B", day(8), 150, "S1"),)
    result = _buy(200, receipts=booked)
    assert [(o.quantity, o.due) for o in result.planned_orders] == [(100, day(6))]


@pytest.mark.parametrize("capacity", [None, 1000.0])
def test_an_unlimited_or_ample_supplier_ships_in_one_lot(capacity):
    roomy = Supplier("S1", 5, order_multiple=50, weekly_capacity=capacity)
    assert [o.quantity for o in _buy(430, (roomy,)).planned_orders] == [450]
