"""A supplier's weekly capacity goes to the earliest need first, whichever item needs it and at whatever bill level.

By hand, every day a working day from Monday 1 March 2027 (day 0; weeks are days 0-6, 7-13, 14-20): supplier S
ships 100 a week, 7 days after an order, so day 7 is the first day any lot can come and week 0 none.
"""

from __future__ import annotations

from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan
from factoryos.planning.problem import BomLine, Demand, Item, Supplier
from tests.planning.records import day, problem

S = Supplier("S", 7, weekly_capacity=100)


def test_the_deeper_part_needed_first_gets_the_week_before_the_shallower_one_needed_later():
    """Product A (1 day) takes bought part X and sub-assembly M (3 days), which takes bought part Y, both from S.
    100 A due on day 13 need X on day 12 and Y on day 9, both in week 1, which ships 100. Y, needed first, takes
    it on day 9; X, needed later but netted a level higher, comes on day 14, the next week's first day, 2 days
    late, and so is A. Given X first, Y would come on day 14, 5 days late, and A with it."""
    p = problem(
        (
            Item("A", "make", 1),
            Item("X", "buy", suppliers=("S",)),
            Item("M", "make", 3),
            Item("Y", "buy", suppliers=("S",)),
        ),
        horizon=21,
        bom=(BomLine("A", "X", 1), BomLine("A", "M", 1), BomLine("M", "Y", 1)),
        suppliers=(S,),
        demands=(Demand("D", "A", day(13), 100, "order", "CO1"),),
    )
    result = plan(p)
    assert check_plan(p, result) == []
    bought = {o.item: (o.quantity, o.needed, o.due) for o in result.planned_orders if o.kind == "buy"}
    assert bought == {"Y": (100, day(9), day(9)), "X": (100, day(12), day(14))}
    assert result.lateness() == {"CO1": 2}


def test_an_item_listed_first_does_not_take_the_week_from_one_needed_earlier():
    """X, listed first, wants 100 on day 12; Y 100 on day 8: Y gets week 1 on day 8 and X the next week's Monday."""
    p = problem(
        (Item("X", "buy", suppliers=("S",)), Item("Y", "buy", suppliers=("S",))),
        horizon=21,
        suppliers=(S,),
        demands=(Demand("DX", "X", day(12), 100, "order", "COX"), Demand("DY", "Y", day(8), 100, "order", "COY")),
    )
    result = plan(p)
    assert check_plan(p, result) == []
    assert {o.item: o.due for o in result.planned_orders} == {"Y": day(8), "X": day(14)}
    assert result.lateness() == {"COX": 2, "COY": 0}
