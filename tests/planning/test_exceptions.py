"""Each kind of exception, with its date, quantity and the customer orders it hurts, on cases worked by hand."""

from __future__ import annotations

from datetime import date

from factoryos.planning.mrp import plan
from factoryos.planning.problem import Demand, Item, LineCapacity, Receipt, Stock
from tests.planning.records import day, problem


def _kinds(p):
    return {e.kind: e for e in plan(p).exceptions}


def test_a_part_that_cannot_arrive_in_time_is_late_and_short_for_the_order_it_serves():
    # Bought with 10 days' lead time, wanted on day 3: it arrives on day 10; days 3-9 are short by 7.
    found = _kinds(problem((Item("B", "buy", 10),), horizon=20, demands=(Demand("D", "B", day(3), 7, "order", "CO9"),)))
    late, short = found["late-supply"], found["shortage"]
    assert (late.date, late.quantity, late.orders) == (day(3), 7, ("CO9",))
    assert "2027-03-11" in late.message
    assert (short.date, short.until, short.quantity, short.orders) == (day(3), day(9), 7, ("CO9",))


def test_below_safety_stock_hurts_no_order():
    # 12 on hand, safety stock 10, 5 used on day 0: 7 until a lot made in 5 days arrives on day 5.
    found = _kinds(
        problem(
            (Item("A", "make", 5, safety_stock=10),),
            horizon=10,
            stock=(Stock("A", "s", "L", 12),),
            demands=(Demand("D", "A", day(0), 5, "order", "CO1"),),
        )
    )
    below = found["below-safety-stock"]
    assert (below.date, below.until, below.quantity, below.orders) == (day(0), day(4), 3, ())


def _receipt_kinds(receipt_day: int, order_day: int | None = None):
    """The exceptions of an item made in a day with an open receipt of 20 due on `receipt_day` and, when given,
    an order for 20 on `order_day`."""
    orders = () if order_day is None else (Demand("D", "A", day(order_day), 20, "order", "CO1"),)
    receipts = (Receipt("MO1", "A", day(receipt_day), 20),)
    return _kinds(problem((Item("A", "make", 1),), horizon=20, receipts=receipts, demands=orders))


def test_open_receipts_are_expedited_deferred_or_cancelled():
    expedite = _receipt_kinds(8, order_day=2)["expedite"]
    assert (expedite.date, expedite.quantity, expedite.reference, expedite.orders) == (day(2), 20, "MO1", ("CO1",))
    defer = _receipt_kinds(1, order_day=12)["defer"]
    assert (defer.date, defer.action) == (day(1), "defer to 2027-03-13")
    cancel = _receipt_kinds(1)
    assert cancel["cancel"].reference == "MO1"
    assert cancel["excess"].quantity == 20


def test_a_line_loaded_beyond_its_capacity_names_the_orders_on_that_day():
    line = LineCapacity("final", ("A",), tuple(5.0 for _ in range(10)))
    overload = _kinds(
        problem(
            (Item("A", "make", 0),),
            horizon=10,
            line=line,
            demands=(Demand("D", "A", day(3), 8, "order", "CO3"),),
        )
    )["capacity-overload"]
    assert (overload.date, overload.quantity, overload.orders) == (day(3), 3, ("CO3",))


def test_stock_nothing_needs_is_excess():
    excess = _kinds(problem((Item("A", "buy", 3),), stock=(Stock("A", "s", "L", 50),)))["excess"]
    assert (excess.quantity, excess.orders) == (50, ())


def test_following_every_defer_and_cancel_at_once_never_leaves_the_item_short():
    """14 on hand, safety stock 10, three open orders of 20 due on days 1, 2 and 3, and 25 wanted on day 15: the
    item needs 21 more by then. Judged alone, each order was "not needed" (the other two covered it), and
    cancelling all three left it 11 below nothing. Now the latest is cancelled and the other two deferred to day
    15, when they are needed; the advice followed by hand keeps the item at or above its safety stock."""
    receipts = tuple(Receipt(f"PO{k}", "A", day(k), 20) for k in (1, 2, 3))
    wanted = (Demand("D", "A", day(15), 25, "order", "CO1"),)
    result = plan(
        problem(
            (Item("A", "buy", 30, safety_stock=10),),
            horizon=20,
            stock=(Stock("A", "s", "L", 14),),
            receipts=receipts,
            demands=wanted,
        )
    )
    advice = {e.reference: e.action for e in result.exceptions if e.kind in ("defer", "cancel")}
    assert advice == {"PO3": "cancel", "PO2": "defer to 2027-03-16", "PO1": "defer to 2027-03-16"}
    level = [14.0] * 20
    for receipt in receipts:
        action = advice[receipt.id]
        arrives = None if action == "cancel" else (date.fromisoformat(action.removeprefix("defer to ")) - day(0)).days
        for d in range(arrives if arrives is not None else 20, 20):
            level[d] += receipt.quantity
    for d in range(15, 20):
        level[d] -= 25
    assert min(level) >= 10  # the safety stock, every day, with the advice followed
