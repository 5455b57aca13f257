"""A finite-capacity MRP buys ahead before it buys late: what a supplier's week cannot take goes to the latest
earlier weeks with capacity left, never before the plan's first day plus the lead time, and only the rest to
later weeks.

By hand, on weekdays only from Monday 1 March 2027 (day 0; weeks are days 0-6, 7-13, 14-20, 21-27): supplier
S ships 100 a week, 5 calendar days after an order, so an order placed on day 0 arrives on day 5, a Saturday,
which makes Monday day 7 the first day any lot can come.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan
from factoryos.planning.plan import Plan
from factoryos.planning.problem import Demand, Item, Problem, Receipt, Stock, Supplier
from tests.planning.records import START, day, problem


def _plan(quantity: float, lead: int) -> Plan:
    p = problem(
        (Item("B", "buy", suppliers=("S",)),),
        horizon=28,
        every_day=False,
        suppliers=(Supplier("S", lead, weekly_capacity=100),),
        demands=(Demand("D", "B", day(17), quantity, "order", "CO1"),),
    )
    result = plan(p)
    assert check_plan(p, result) == []
    return result


def _kinds(result: Plan, kind: str) -> list[tuple]:
    return [(e.date, e.until, e.quantity) for e in result.exceptions if e.kind == kind]


def test_what_the_needs_week_cannot_take_is_bought_in_the_week_before():
    """150 needed on Wednesday day 17 (the third week): the week takes 100 that day (ordered Friday day 11, the last
    working day 5 days before); the 50 left come on Friday day 11, the last working day of the week before
    (ordered Friday day 4). Nothing is late or short."""
    result = _plan(150, lead=5)
    assert [(o.quantity, o.due, o.release) for o in result.planned_orders] == [
        (100, day(17), day(11)),
        (50, day(11), day(4)),
    ]
    assert _kinds(result, "late-supply") == []
    assert _kinds(result, "shortage") == []
    assert result.projected[0, 11:17].tolist() == [50] * 6  # bought ahead: on hand from its day


def test_buying_ahead_stops_at_the_first_day_plus_the_lead_time_and_the_rest_is_late():
    """250 on day 17: 100 that day, 100 on day 11; week 0 ends on Friday day 4, before day 7, the first day a lot
    ordered on day 0 can come, so the last 50 come on Monday day 21, the next week, 4 days late, and day 17 to
    day 20 are 50 short."""
    result = _plan(250, lead=5)
    assert [(o.quantity, o.due) for o in result.planned_orders] == [(100, day(17)), (100, day(11)), (50, day(21))]
    assert _kinds(result, "late-supply") == [(day(17), day(21), 50)]
    assert _kinds(result, "shortage") == [(day(17), day(20), 50)]


def test_when_the_lead_time_leaves_no_week_before_the_rest_spills_to_later_weeks_as_before():
    """With 14 days' lead time no lot comes before Monday day 14, the need's own week: 100 on day 17, the other
    50 on Monday day 21, 4 days late (as MRP planned before it bought ahead)."""
    result = _plan(150, lead=14)
    assert [(o.quantity, o.due) for o in result.planned_orders] == [(100, day(17)), (50, day(21))]
    assert _kinds(result, "late-supply") == [(day(17), day(21), 50)]
    assert _kinds(result, "shortage") == [(day(17), day(20), 50)]


@st.composite
def _shared_supplier(draw) -> Problem:
    """One or two items bought from one supplier with a weekly capacity, the demand in the first 30 days."""
    supplier = Supplier(
        "S",
        draw(st.integers(0, 20)),
        draw(st.sampled_from([0, 30, 100])),
        draw(st.sampled_from([1, 10, 25])),
        draw(st.sampled_from([60.0, 100.0, 250.0])),
    )
    items = tuple(Item(f"I{k}", "buy", suppliers=("S",)) for k in range(draw(st.integers(1, 2))))
    ids = st.sampled_from([i.id for i in items])
    demands = tuple(
        Demand(f"D{k}", draw(ids), day(draw(st.integers(0, 29))), draw(st.integers(1, 300)), "order", f"CO{k}")
        for k in range(draw(st.integers(1, 6)))
    )
    stock = tuple(Stock(i, "s", "L", draw(st.integers(1, 80))) for i in [draw(ids)] if draw(st.booleans()))
    receipts = tuple(
        Receipt("R", draw(ids), day(draw(st.integers(0, 29))), draw(st.integers(1, 100)), "S")
        for _ in range(draw(st.integers(0, 1)))
    )
    return problem(
        items,
        horizon=30,
        every_day=draw(st.booleans()),
        suppliers=(supplier,),
        demands=demands,
        stock=stock,
        receipts=receipts,
    )


def _week(k: int) -> int:
    return (k + START.weekday()) // 7


@settings(max_examples=200, deadline=None)
@given(_shared_supplier())
def test_buys_keep_the_weekly_capacity_cover_the_need_and_go_late_only_when_every_week_before_is_full(p):
    """The checker holds every week's buys to the capacity left by the open receipts, every lot to the lead time
    and every shortage to an exception; the lots (and what no week could take) cover the demand; none arrives
    before the first day a lot ordered on the plan's first day can; and a lot comes in a week after its need's
    only when no week from that first day to the need had room for a lot."""
    result = plan(p)
    assert check_plan(p, result) == []
    (supplier,) = p.suppliers
    orders = result.planned_orders
    bought = sum(o.quantity for o in orders) + sum(q for _, _, q in result.unplaced)
    there = sum(s.quantity for s in p.stock) + sum(r.quantity for r in p.receipts)
    assert bought + there >= sum(d.quantity for d in p.demands) - 1e-6
    earliest = next(k for k in range(supplier.lead_time_days, len(p.working)) if p.working[k])
    left: dict[int, float] = {}
    for supply in [*((r.due, r.quantity) for r in p.receipts), *((o.due, o.quantity) for o in orders)]:
        week = _week((supply[0] - START).days)
        left[week] = left.get(week, supplier.weekly_capacity) - supply[1]
    for o in orders:
        assert (o.due - START).days >= earliest
        need, due = _week((o.needed - START).days), _week((o.due - START).days)
        if due > need:
            for week in range(_week(earliest), need + 1):
                room = left.get(week, supplier.weekly_capacity)
                lot = (room // supplier.order_multiple) * supplier.order_multiple
                assert lot < max(supplier.min_order, supplier.order_multiple), (o, week, room)


def test_a_need_on_the_first_day_has_no_week_before():
    """150 needed on day 0 with no lead time (as the promise places, from its first day): 100 come that day and,
    there being no earlier week, 50 on day 7."""
    p = problem(
        (Item("B", "buy", suppliers=("S",)),),
        horizon=7,
        suppliers=(Supplier("S", 0, weekly_capacity=100),),
        demands=(Demand("D", "B", day(0), 150, "order", "CO1"),),
    )
    result = plan(p)
    assert [(o.quantity, o.due) for o in result.planned_orders] == [(100, day(0)), (50, day(7))]
