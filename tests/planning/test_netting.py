"""Gross-to-net, lot sizing and scrap against records computed by hand (the MRP record of Orlicky's Material
Requirements Planning and Vollmann et al.'s Manufacturing Planning and Control Systems, in daily periods)."""

from __future__ import annotations

import math

import pytest

from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan
from factoryos.planning.problem import BomLine, Item, LotRule, PlanningError, Receipt, Stock
from tests.planning.records import TEXTBOOK_GROSS, day, demands, problem


def _record(gross, lot=None, safety=0.0, lead=2):
    item = Item("A", "make", lead, lot or LotRule(), safety)
    p = problem(
        (item,),
        stock=(Stock("A", "store", "L1", 20),),
        receipts=(Receipt("SR1", "A", day(1), 30),),
        demands=demands("A", gross),
    )
    result = plan(p)
    assert check_plan(p, result) == []
    return [(o.quantity, (o.release - day(0)).days, (o.due - day(0)).days) for o in result.planned_orders], result


def test_lot_for_lot_nets_stock_and_the_scheduled_receipt_and_offsets_by_lead_time():
    # Projected: 10, 25, 0, 0, then -30, -10, -20, -5 are netted one period at a time.
    orders, result = _record(TEXTBOOK_GROSS)
    assert orders == [(30, 2, 4), (10, 3, 5), (20, 4, 6), (5, 5, 7)]
    assert result.projected[0].tolist() == [10, 25, 0, 0, 0, 0, 0, 0]


def test_fixed_order_quantity():
    # 30 short in period 4 -> one lot of 40 (10 over); -20 in period 6 -> 40 (20 over, 15 left after period 7).
    orders, result = _record(TEXTBOOK_GROSS, LotRule("fixed", 40))
    assert orders == [(40, 2, 4), (40, 4, 6)]
    assert result.projected[0, -1] == 15


def test_a_fixed_lot_larger_need_takes_several_lots():
    orders, _ = _record([0, 0, 0, 0, 130], LotRule("fixed", 40))
    # 20 + 30 on hand; 80 short -> two lots of 40, each its own planned order.
    assert orders == [(40, 2, 4), (40, 2, 4)]


def test_multiple():
    orders, _ = _record(TEXTBOOK_GROSS, LotRule("multiple", 25))
    assert orders == [(50, 2, 4), (25, 4, 6)]


def test_minimum():
    # 30 -> 35 (5 left); period 5 needs 10, 5 short -> 35 again.
    orders, _ = _record(TEXTBOOK_GROSS, LotRule("minimum", 35))
    assert orders == [(35, 2, 4), (35, 3, 5)]


def test_period_order_quantity_covers_the_next_periods():
    # POQ of two periods: periods 4+5 = 40, then 6+7 = 25.
    orders, _ = _record(TEXTBOOK_GROSS, LotRule("poq", periods=2))
    assert orders == [(40, 2, 4), (25, 4, 6)]


def test_economic_order_quantity_from_the_average_requirement():
    # EOQ = sqrt(2 D S / (c i)), D the requirement per year: 115 over 8 days -> 115 / 8 * 365.
    item_lot = LotRule("eoq", order_cost=50.0, carrying_rate=0.25)
    p = problem(
        (Item("A", "make", 2, item_lot, unit_cost=10.0),),
        stock=(Stock("A", "store", "L1", 20),),
        receipts=(Receipt("SR1", "A", day(1), 30),),
        demands=demands("A", TEXTBOOK_GROSS),
    )
    eoq = math.sqrt(2 * (115 / 8 * 365) * 50 / (10 * 0.25))
    result = plan(p)
    assert [o.quantity for o in result.planned_orders] == pytest.approx([eoq])
    assert check_plan(p, result) == []


def test_safety_stock_is_kept():
    # Period 2 falls to 0 < 5: 5 planned; then the textbook nets each period back up to 5.
    orders, result = _record(TEXTBOOK_GROSS, safety=5.0)
    assert orders == [(5, 0, 2), (30, 2, 4), (10, 3, 5), (20, 4, 6), (5, 5, 7)]
    assert result.projected[0, 2:].min() == 5


def test_scrap_and_quantity_per_explode_at_the_parent_release():
    # 100 parents released on day 3 issue 100 x 2 / (1 - 0.2) = 250 components on day 3.
    p = problem(
        (Item("P", "make", 2), Item("C", "make", 1)),
        horizon=10,
        bom=(BomLine("P", "C", 2, 0.2),),
        demands=demands("P", [0, 0, 0, 0, 0, 100]),
    )
    result = plan(p)
    by_item = {o.item: o for o in result.planned_orders}
    assert (by_item["P"].release, by_item["P"].due) == (day(3), day(5))
    assert by_item["C"].quantity == pytest.approx(250)
    assert (by_item["C"].release, by_item["C"].due) == (day(2), day(3))
    assert check_plan(p, result) == []


def test_common_component_is_consolidated_and_netted_once_at_its_low_level_code():
    # C sits under P directly (level 1) and under S (level 2): it is netted once, after both, against its stock.
    p = problem(
        (Item("P", "make", 1), Item("S", "make", 1), Item("C", "make", 1)),
        horizon=10,
        bom=(BomLine("P", "S", 1), BomLine("P", "C", 1), BomLine("S", "C", 2)),
        stock=(Stock("C", "store", "L1", 10),),
        demands=demands("P", [0, 0, 0, 0, 0, 10]),
    )
    result = plan(p)
    c_orders = [o for o in result.planned_orders if o.item == "C"]
    # S, released day 3, needs 20 C that day: 10 from stock, 10 planned; P, released day 4, needs 10 more.
    assert sorted((o.due, o.quantity) for o in c_orders) == [(day(3), 10), (day(4), 10)]
    assert check_plan(p, result) == []


def test_lead_times_count_working_days_for_made_and_calendar_days_for_bought_items():
    # Monday start, weekends off. Made, 3 working days, due Tuesday of week 2 (day 8): released Thursday (day 3).
    # Bought, 10 calendar days, due Tuesday of week 3 (day 15): day 5 is a Saturday -> ordered Friday (day 4).
    p = problem(
        (Item("M", "make", 3), Item("B", "buy", 10)),
        horizon=20,
        every_day=False,
        demands=(*demands("M", [0] * 8 + [1]), *demands("B", [0] * 15 + [1])),
    )
    result = plan(p)
    by_item = {o.item: o for o in result.planned_orders}
    assert (by_item["M"].release, by_item["M"].due) == (day(3), day(8))
    assert (by_item["B"].release, by_item["B"].due) == (day(4), day(15))


def test_demand_due_on_a_weekend_is_wanted_the_working_day_before():
    p = problem((Item("M", "make", 0),), horizon=10, every_day=False, demands=demands("M", [0] * 6 + [4]))
    assert [o.due for o in plan(p).planned_orders] == [day(4)]


def test_an_open_receipt_is_pulled_in_before_anything_new_is_planned():
    p = problem(
        (Item("A", "make", 1),),
        receipts=(Receipt("MO1", "A", day(6), 20),),
        demands=demands("A", [0, 0, 20]),
    )
    result = plan(p)
    assert result.planned_orders == ()
    assert result.receipt_dates()["MO1"] == day(2)
    assert [e.kind for e in result.exceptions] == ["expedite"]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"bom": (BomLine("A", "A", 1),)}, "cycle"),
        ({"bom": (BomLine("A", "X", 1),)}, "unknown item 'X'"),
        ({"bom": (BomLine("A", "B", 1, 1.0),)}, "scrap"),
        ({"demands": demands("X", [1])}, "unknown item 'X'"),
    ],
)
def test_bad_problems_are_refused_with_a_clear_message(parts, message):
    with pytest.raises(PlanningError, match=message):
        plan(problem((Item("A", "make", 1), Item("B", "buy", 1)), **parts))


def test_a_lot_rule_without_its_quantity_is_refused():
    with pytest.raises(PlanningError, match="needs a positive quantity"):
        plan(problem((Item("A", "make", 1, LotRule("fixed")),)))
