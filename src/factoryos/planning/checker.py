"""An MRP plan checked without the planner's code: material balance, lot rules, suppliers, lead times, need dates.

Rebuilt from the problem and the plan's published results only (planned orders, receipt dates, exceptions, the
needs no supplier could take):
per item and day, on hand + open receipts + planned receipts - independent demand - the components every
planned make order issues at its release (for its quantity over its item's final yield: the units made again
included), less allocations. Wherever that balance is below zero inside
the horizon, a shortage exception must cover the day. Each planned order must keep its item's lot rule (and be
a whole number of units when its item is counted in pieces, `Item.whole`), its supplier's minimum, multiple and
weekly capacity, and its lead time on the working calendar. A capacity-limited supplier's weeks go to the earliest
need first, whichever item it is of: no lot is late while a lot of its supplier needed later is due in a week it
could have come in on time, nor is a need left with no lot while a supplier of its item has such a week (taken
first, the week would have gone to the earlier need). A lot late on a preferred supplier in its need's week is not
held against another supplier that could have come on time: in a week, MRP buys in the suppliers' order of
preference.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from factoryos.planning.plan import Plan, PlannedOrder
from factoryos.planning.problem import Item, Problem, Supplier

TOLERANCE = 1e-6


def check_plan(problem: Problem, plan: Plan) -> list[str]:
    """Every violation found, as a sentence; an empty list for a sound plan."""
    orders = plan.planned_orders
    return [
        *_balance(problem, plan),
        *_lots(problem, orders),
        *_lead_times(problem, orders),
        *_need_order(problem, plan),
    ]


def _balance(problem: Problem, plan: Plan) -> list[str]:
    end = problem.start + timedelta(days=problem.horizon_days)
    opening, moves = _movements(problem, plan)
    short: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for e in plan.exceptions:
        if e.kind == "shortage":
            short[e.item].append((e.date, e.until or e.date))
    found = []
    for item in {*opening, *moves}:
        balance = opening[item]
        for day in sorted(moves[item]):
            balance += moves[item][day]
            if day < end and balance < -TOLERANCE and not any(a <= day <= b for a, b in short[item]):
                found.append(f"{item}: balance {balance:g} on {day} with no shortage exception covering it")
                break
    return found


def _movements(problem: Problem, plan: Plan) -> tuple[dict[str, float], dict[str, dict[date, float]]]:
    """Opening stock less allocations per item, and its receipts (+) and requirements (-) per day."""
    moves: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    opening: dict[str, float] = defaultdict(float)
    for lot in problem.stock:
        opening[lot.item] += lot.quantity
    for allocation in problem.allocations:
        opening[allocation.item] -= allocation.quantity
    dates = plan.receipt_dates()
    for receipt in problem.receipts:
        moves[receipt.item][max(dates[receipt.id], problem.start)] += receipt.quantity
    for demand in problem.demands:
        moves[demand.item][max(demand.due, problem.start)] -= demand.quantity
    bills: dict[str, list[tuple[str, float]]] = defaultdict(list)
    started = {item.id: 1.0 / item.final_yield for item in problem.items}  # units started per good one
    for line in problem.bom:
        bills[line.parent].append((line.component, line.issued * started[line.parent]))
    for order in plan.planned_orders:
        moves[order.item][order.due] += order.quantity
        for component, per_unit in bills[order.item] if order.kind == "make" else ():
            moves[component][order.release] -= order.quantity * per_unit
    return opening, moves


def _lots(problem: Problem, orders: tuple[PlannedOrder, ...]) -> list[str]:
    items = {i.id: i for i in problem.items}
    suppliers = {s.id: s for s in problem.suppliers}
    found = []
    weekly: dict[tuple[str, int], float] = defaultdict(float)
    for order in orders:
        item = items[order.item]
        if order.quantity <= TOLERANCE:
            found.append(f"{order.id}: quantity {order.quantity:g}")
        if item.whole and not _whole(order.quantity):
            found.append(f"{order.id}: {order.quantity:g} of {item.id}, counted in pieces, is not a whole number")
        if order.supplier is None:
            found.extend(f"{order.id}: {problem}" for problem in _lot_rule(item, order.quantity))
            continue
        supplier = suppliers[order.supplier]
        found.extend(f"{order.id}: {problem}" for problem in _supplier_terms(supplier, order.quantity))
        weekly[supplier.id, _week(problem.start, order.due)] += order.quantity
    booked: dict[tuple[str, int], float] = defaultdict(float)
    for receipt in problem.receipts:
        if receipt.supplier is not None:
            booked[receipt.supplier, _week(problem.start, receipt.due)] += receipt.quantity
    for (supplier_id, week), quantity in weekly.items():
        cap = suppliers[supplier_id].weekly_capacity
        if cap is not None and quantity > max(0.0, cap - booked[supplier_id, week]) + TOLERANCE:
            found.append(f"{supplier_id}: {quantity:g} planned in week {week}, over its weekly capacity {cap:g}")
    found.extend(_period_orders(problem, orders))
    return found


def _supplier_terms(supplier: Supplier, quantity: float) -> list[str]:
    found = []
    if quantity < supplier.min_order - TOLERANCE:
        found.append(f"{quantity:g} is below {supplier.id}'s minimum {supplier.min_order:g}")
    if not _whole(quantity / supplier.order_multiple):
        found.append(f"{quantity:g} is not a multiple of {supplier.order_multiple:g}")
    return found


def _lot_rule(item: Item, quantity: float) -> list[str]:
    rule = item.lot
    if rule.rule == "fixed" and abs(quantity - rule.quantity) > TOLERANCE:
        return [f"{quantity:g} is not the fixed lot {rule.quantity:g} of {item.id}"]
    if rule.rule == "multiple" and not _whole(quantity / rule.quantity):
        return [f"{quantity:g} is not a multiple of {rule.quantity:g} for {item.id}"]
    if rule.rule == "minimum" and quantity < rule.quantity - TOLERANCE:
        return [f"{quantity:g} is below the minimum lot {rule.quantity:g} of {item.id}"]
    return []


def _period_orders(problem: Problem, orders: tuple[PlannedOrder, ...]) -> list[str]:
    """A period order quantity covers `periods` days: its item is not needed again sooner."""
    items = {i.id: i for i in problem.items}
    needed: dict[str, list[date]] = defaultdict(list)
    for order in orders:
        if items[order.item].lot.rule == "poq" and order.supplier is None:
            needed[order.item].append(order.needed)
    found = []
    for item, days in needed.items():
        days = sorted(set(days))
        for before, after in zip(days, days[1:], strict=False):
            if (after - before).days < items[item].lot.periods:
                found.append(f"{item}: lots needed on {before} and {after}, within {items[item].lot.periods} days")
    return found


def _lead_times(problem: Problem, orders: tuple[PlannedOrder, ...]) -> list[str]:
    items = {i.id: i for i in problem.items}
    suppliers = {s.id: s for s in problem.suppliers}
    found = []
    for order in orders:
        if order.release < problem.start:
            found.append(f"{order.id}: released on {order.release}, before the plan's start")
        item = items[order.item]
        if order.kind == "make":
            worked = sum(
                _working(problem, order.release + timedelta(k)) for k in range((order.due - order.release).days)
            )
            if worked < item.lead_time_days:
                found.append(f"{order.id}: {worked} working days from release to due, lead time {item.lead_time_days}")
            continue
        lead = suppliers[order.supplier].lead_time_days if order.supplier else item.lead_time_days
        if (order.due - order.release).days < lead:
            found.append(f"{order.id}: ordered {(order.due - order.release).days} days before due, lead time {lead}")
    return found


def _need_order(problem: Problem, plan: Plan) -> list[str]:
    """Each need served late against the lots of its lot's supplier, and each need no week could take against those
    of every supplier of its item, that are needed later and due in a week it could have come on time in."""
    suppliers = {s.id: s for s in problem.suppliers if s.weekly_capacity is not None}
    due_in: dict[tuple[str, int], list[PlannedOrder]] = defaultdict(list)
    for order in plan.planned_orders:
        if order.supplier in suppliers:
            due_in[order.supplier, _week(problem.start, order.due)].append(order)
    late: list[tuple[str, str, date, tuple[str, ...]]] = [
        (o.id, o.item, o.needed, (o.supplier,)) for o in plan.planned_orders if o.due > o.needed and o.supplier
    ]
    late += [
        ("unplaced", problem.items[i].id, problem.day(need), problem.items[i].suppliers) for i, need, _ in plan.unplaced
    ]
    found: list[str] = []
    for ref, item, needed, sources in late:
        for supplier in (s for s in sources if s in suppliers):
            for week in _weeks_in_time(problem, suppliers[supplier].lead_time_days, needed):
                found.extend(
                    f"{ref}: {item} needed on {needed} is late while {o.id}, needed on {o.needed}, takes {supplier}'s "
                    f"week {week}"
                    for o in due_in[supplier, week]
                    if o.needed > needed
                )
    return found


def _weeks_in_time(problem: Problem, lead: int, needed: date) -> set[int]:
    """The weeks with a working day a lot ordered on the plan's first working day can arrive on, up to `needed`."""
    first = next(k for k in range(len(problem.working)) if problem.working[k])
    days = range(first + lead, (needed - problem.start).days + 1)
    return {_week(problem.start, problem.day(k)) for k in days if _working(problem, problem.day(k))}


def _working(problem: Problem, day: date) -> bool:
    k = (day - problem.start).days
    if k < len(problem.working):
        return problem.working[k]
    return problem.working[len(problem.working) - 7 + (k - len(problem.working)) % 7]


def _week(start: date, day: date) -> int:
    return ((day - start).days + start.weekday()) // 7


def _whole(ratio: float) -> bool:
    return abs(ratio - round(ratio)) < 1e-6 * max(1.0, abs(ratio))
