"""Multi-level MRP: gross-to-net level by level, lots sized and offset, requirements exploded, all pegged.

Items are netted in low-level-code order, so an item's requirements from every parent (and its own
independent demand) are consolidated before it is netted. Each level is one compiled pass over the
level's items (`factoryos.planning.netting`); offsets are whole-array operations, and explosion is a compiled
pass over the lots' bill lines. Items bought from a supplier with a weekly capacity compete for it, so they are
netted last (bought, they have no bill), all together by need date, ties by low-level code and then item order: the
supplier's week goes to the earliest need of any item it ships, not to whichever item happens to be netted first (a
part at a shallow level, needed later than one under a sub-assembly, would take the week the deeper part needs).
Their lots are numbered after the others, by need date. The finished lots are then pegged to the demands they
serve, first come first served, in one compiled pass per level down the bills (`factoryos.planning.pegging`).
Per item and day a pass keeps the projected inventory and, for the items it nets, their open receipts and the
lots arriving (one loop serves both orders of netting).

A planned lot of a made item is the good units it brings; where its routing scraps some of what it starts
(`Item.final_yield` below 1), its components are exploded for quantity / final yield, the units made again
included. The yield grosses up the component demand, not the lot: the twin makes a scrapped unit again under
the work orders of the one first made (a lot made in stock arrives short by its scrapped units), so what is
netted, pegged and projected stays what arrives good, and a lot's pegs still sum to the demand it serves.

A lot of an item counted in pieces (`Item.whole`) is a whole number of units: its lot-size rule's quantity is
rounded up to the next whole unit (a fixed lot or a multiple, which must be whole, stays as it is), and then to
its supplier's minimum and multiple (whole ones keep it whole). What the rounding adds is surplus as any lot's
excess over its needs is: projected stock that a later need takes before a new lot is planned, pegged to no
demand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from factoryos.c2m.supply import Sources
from factoryos.planning.bills import Bills
from factoryos.planning.calendar import WorkCalendar, work_calendar
from factoryos.planning.levels import low_level_codes
from factoryos.planning.netting import (
    EOQ,
    FIXED,
    LOT_FOR_LOT,
    MINIMUM,
    MULTIPLE,
    PERIOD_ORDER_QUANTITY,
    UNPLACED,
    net_items,
)
from factoryos.planning.pegging import Requirements, Supplies, peg_levels
from factoryos.planning.plan import Plan
from factoryos.planning.problem import Item, PlanningError, Problem

RULES = {
    "lot-for-lot": LOT_FOR_LOT,
    "fixed": FIXED,
    "multiple": MULTIPLE,
    "minimum": MINIMUM,
    "poq": PERIOD_ORDER_QUANTITY,
    "eoq": EOQ,
}
SLACK_DAYS = 21
"""Days of calendar kept past the horizon and the longest lead time, for lots that spill into later weeks."""


@dataclass
class _Arrays:
    """The problem as arrays, indexed by item, supplier and source (item x supplier, in preference order)."""

    index: dict[str, int]
    horizon: int
    calendar: WorkCalendar
    level: np.ndarray
    make: np.ndarray
    lead: np.ndarray
    safety: np.ndarray
    rule: np.ndarray
    lot: np.ndarray
    periods: np.ndarray
    whole: np.ndarray
    own_earliest: np.ndarray
    source_first: np.ndarray
    source_last: np.ndarray
    source_supplier: np.ndarray
    source_earliest: np.ndarray
    source_lead: np.ndarray
    supplier_min: np.ndarray
    supplier_multiple: np.ndarray
    capacity: np.ndarray
    bills: Bills
    gross: np.ndarray
    scheduled: np.ndarray
    on_order_after: np.ndarray
    on_hand: np.ndarray
    receipt_item: np.ndarray
    receipt_day: np.ndarray
    demand_item: np.ndarray
    demand_day: np.ndarray
    demand_qty: np.ndarray


@dataclass
class _Netted:
    """What the netting passes find, gathered for `_finish`: per pass its lots as (item, need, due, release,
    quantity, supplier, source) columns, the projected on hand, the expedites and what no supplier could place."""

    projected: np.ndarray
    lots: list[tuple[np.ndarray, ...]] = field(default_factory=list)
    moves: list[tuple[int, int, int, float]] = field(default_factory=list)
    unplaced: list[tuple[int, int, float]] = field(default_factory=list)


def plan(problem: Problem) -> Plan:
    """Plan every item over the problem's horizon; see the module docstring for the method."""
    a = _arrays(problem)
    netted = _Netted(np.zeros((len(problem.items), a.horizon)))
    shared = _on_limited_supplier(a)
    for level in range(int(a.level.max()) + 1 if len(a.level) else 0):
        _net(problem, a, np.flatnonzero((a.level == level) & ~shared), netted, by_need_date=False)
    last = np.flatnonzero(shared)
    _net(problem, a, last[np.argsort(a.level[last], kind="stable")], netted, by_need_date=True)
    return _finish(problem, a, netted)


def _on_limited_supplier(a: _Arrays) -> np.ndarray:
    """Per item, does it buy from a supplier with a weekly capacity? Such items compete for it, so they are netted
    together by need date, last: bought, they have no bill, and every parent has been exploded by then."""
    limited = np.isfinite(a.capacity).any(axis=1)[a.source_supplier]
    counted = np.concatenate([[0], np.cumsum(limited)])
    return counted[a.source_last] > counted[a.source_first]


def _net(problem: Problem, a: _Arrays, rows: np.ndarray, netted: _Netted, by_need_date: bool) -> None:
    """Net the items `rows` (`net_items`, by need date if `by_need_date`), add their lots, and explode them."""
    lot = _eoq_lots(problem, a, rows)
    proj, found, found_qty, moved, moved_qty = net_items(
        a.gross[rows],
        a.scheduled[rows],
        a.on_order_after[rows],
        a.on_hand[rows],
        a.safety[rows],
        a.rule[rows],
        lot,
        a.periods[rows],
        a.whole[rows],
        a.own_earliest[rows],
        a.source_first[rows],
        a.source_last[rows],
        Sources(a.source_supplier, a.source_earliest, a.supplier_min, a.supplier_multiple, a.capacity),
        a.calendar.supply,
        by_need_date,
    )
    netted.projected[rows] = proj
    netted.moves.extend(
        (int(rows[i]), f, t, q) for (i, f, t), q in zip(moved.tolist(), moved_qty.tolist(), strict=True)
    )
    kept = found[:, 3] != UNPLACED
    netted.unplaced.extend(
        (int(rows[i]), n, q) for (i, n, _, _), q in zip(found[~kept].tolist(), found_qty[~kept].tolist(), strict=True)
    )
    item, need, due, source, qty = _split_fixed(
        a, rows[found[kept, 0]], found[kept, 1], found[kept, 2], found[kept, 3], found_qty[kept]
    )
    release = _release(a, item, due, source)
    supplier = np.append(a.source_supplier, -1)[source]  # source -1 (made, or bought without a supplier)
    netted.lots.append((item, need, due, release, qty, supplier, source))
    _explode(a, item, release, qty)


def _finish(problem: Problem, a: _Arrays, netted: _Netted) -> Plan:
    def joined(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts, dtype=dtype) if parts else np.zeros(0, dtype)

    lot_item, lot_need, lot_due, lot_release, lot_qty, lot_supplier, lot_source = (
        joined([part[k] for part in netted.lots], float if k == 4 else np.int64) for k in range(7)
    )
    demands = len(problem.demands)
    receipt_day = a.receipt_day.copy()
    for item, origin, target, _ in netted.moves:
        receipt_day[(a.receipt_item == item) & (a.receipt_day == origin)] = target
    items = len(problem.items)
    receipts = len(problem.receipts)
    supply_item = np.concatenate([np.arange(items), a.receipt_item, lot_item])
    supply_day = np.concatenate([np.full(items, -1), receipt_day, lot_due])
    supply_rank = np.repeat([0, 1, 2], [items, receipts, len(lot_item)])  # stock, receipts, planned lots
    supply_qty = np.concatenate([np.maximum(a.on_hand, 0.0), [r.quantity for r in problem.receipts], lot_qty])
    needs, peg_need, peg_supply, peg_qty = peg_levels(
        a.level,
        a.bills,
        Requirements(a.demand_item, a.demand_day, a.demand_qty, np.arange(demands), np.full(demands, -1)),
        Supplies(supply_item, supply_day, supply_rank, supply_qty),
        lot_release,
        items + receipts,
    )
    return Plan(
        problem=problem,
        projected=netted.projected,
        lot_item=lot_item,
        lot_need=lot_need,
        lot_due=lot_due,
        lot_release=lot_release,
        lot_qty=lot_qty,
        lot_supplier=lot_supplier,
        lot_note=_notes(problem, a, lot_item, lot_qty, lot_source),
        receipt_day=receipt_day,
        need_item=needs.item,
        need_day=needs.day,
        need_qty=needs.qty,
        need_demand=needs.demand,
        need_parent=needs.parent,
        peg_need=peg_need,
        peg_supply=peg_supply,
        peg_qty=peg_qty,
        calendar_days=a.calendar.days,
        moves=netted.moves,
        unplaced=netted.unplaced,
    )


def _notes(
    problem: Problem, a: _Arrays, lot_item: np.ndarray, lot_qty: np.ndarray, lot_source: np.ndarray
) -> list[str]:
    """Why a bought lot is not on its item's preferred supplier; where a made lot's lead time comes from when the
    plant file does not give it, and for how many units started its components are planned when its routing scraps
    some."""
    items = problem.items
    lead = [_lead_note(item) for item in items]
    notes = [lead[i] for i in lot_item.tolist()]
    scrapping = np.array([item.source == "make" and item.final_yield < 1 for item in items], dtype=bool)
    for k in np.flatnonzero(scrapping[lot_item]).tolist():
        item = items[int(lot_item[k])]
        started = f"components for {lot_qty[k] / item.final_yield:,.4g} started, {100 * item.final_yield:.4g} % good"
        notes[k] = f"{notes[k]}; {started}" if notes[k] else started
    for k in np.flatnonzero((lot_source >= 0) & (lot_source != a.source_first[lot_item])).tolist():
        item = problem.items[int(lot_item[k])]
        supplier = problem.suppliers[int(a.source_supplier[lot_source[k]])].id
        notes[k] = f"on {supplier}: {item.suppliers[0]} has no capacity left that week"
    return notes


def _lead_note(item: Item) -> str:
    """Where a made item's lead time comes from when the plant file does not give it."""
    if item.source != "make" or not item.lead_time_basis:
        return ""
    days = item.lead_time_days
    return f"lead time {days} working day{'s' * (days != 1)} {item.lead_time_basis}"


def _split_fixed(a: _Arrays, item, need, due, source, qty):
    """A fixed-lot item's lot of k x Q becomes k lots of Q (not a supplier's: its minimum and multiple apply to
    the order as placed)."""
    fixed = (a.rule[item] == FIXED) & (source < 0)
    count = np.ones(len(item), dtype=np.int64)
    whole = np.round(qty / np.where(fixed, a.lot[item], 1.0))
    exact = fixed & (np.abs(whole * a.lot[item] - qty) < 1e-6) & (whole >= 1)
    count[exact] = whole[exact].astype(np.int64)
    qty = np.where(exact, a.lot[item], qty)
    return tuple(np.repeat(part, count) for part in (item, need, due, source, qty))


def _release(a: _Arrays, item: np.ndarray, due: np.ndarray, source: np.ndarray) -> np.ndarray:
    bought_lead = np.where(source >= 0, np.append(a.source_lead, 0)[source], a.lead[item])
    made = a.calendar.back_working(due, a.lead[item])
    bought = a.calendar.back_calendar(due, bought_lead)
    return np.where(a.make[item], made, bought)


def _explode(a: _Arrays, item, release, qty) -> None:
    """Component requirements of the made lots, at their release day, consolidated into the gross rows."""
    parent, component, quantity = a.bills.explode(item, qty)
    _consolidate(a.gross, component, release[parent], quantity)


@njit(cache=True, nogil=True)
def _consolidate(gross, item, day, quantity):
    """Add each requirement inside the horizon to its item's gross row, one by one in order as `np.add.at` adds,
    without the index arrays it needs."""
    for k in range(item.shape[0]):
        if day[k] < gross.shape[1]:
            gross[item[k], day[k]] += quantity[k]


def _eoq_lots(problem: Problem, a: _Arrays, rows: np.ndarray) -> np.ndarray:
    """Lot parameters of the level's items; an EOQ item's from its average requirement over the horizon."""
    lot = a.lot[rows].copy()
    for k in np.flatnonzero(a.rule[rows] == EOQ).tolist():
        item = problem.items[int(rows[k])]
        yearly = float(a.gross[rows[k]].sum()) * 365.0 / a.horizon
        holding = item.unit_cost * item.lot.carrying_rate
        lot[k] = math.sqrt(2.0 * yearly * item.lot.order_cost / holding) if holding > 0 and yearly > 0 else 0.0
    return lot


def _arrays(problem: Problem) -> _Arrays:  # noqa: C901 - one validation step per kind of input
    if problem.horizon_days < 1:
        raise PlanningError(f"the horizon must be at least one day (got {problem.horizon_days})")
    index = {item.id: k for k, item in enumerate(problem.items)}
    if len(index) != len(problem.items):
        raise PlanningError("an item id is listed twice")
    suppliers = {s.id: k for k, s in enumerate(problem.suppliers)}

    for s in problem.suppliers:
        if s.order_multiple <= 0 or s.min_order < 0 or s.lead_time_days < 0:
            raise PlanningError(f"supplier {s.id!r}: needs a positive order multiple and no negative figure")
    for item in problem.items:
        _check_item(item, suppliers)
    horizon = problem.horizon_days
    longest = max([i.lead_time_days for i in problem.items] + [s.lead_time_days for s in problem.suppliers] + [0])
    calendar = work_calendar(problem.start, problem.working, horizon + longest + SLACK_DAYS)
    n = len(problem.items)
    parent = _indices(index, [b.parent for b in problem.bom], "bill of materials: parent")
    component = _indices(index, [b.component for b in problem.bom], "bill of materials: component")
    for b in problem.bom:
        if not (b.quantity > 0 and 0 <= b.scrap < 1):
            raise PlanningError(f"bill of {b.parent!r}: {b.component!r} needs a positive quantity and scrap in [0, 1)")
        if problem.items[index[b.parent]].source == "buy":
            raise PlanningError(f"item {b.parent!r} is bought, so it has no bill of materials")
    order = np.argsort(parent, kind="stable")
    issued = np.array([b.issued for b in problem.bom], dtype=float)
    final_yield = np.array([i.final_yield for i in problem.items], dtype=float)  # a lot's components cover its remakes
    sources = [(i, suppliers[s]) for i, item in enumerate(problem.items) for s in item.suppliers]
    source_item = np.array([i for i, _ in sources], dtype=np.int64)
    source_supplier = np.array([s for _, s in sources], dtype=np.int64)
    source_lead = np.array([problem.suppliers[s].lead_time_days for s in source_supplier.tolist()], dtype=np.int64)
    make = np.array([i.source == "make" for i in problem.items])
    lead = np.array([i.lead_time_days for i in problem.items], dtype=np.int64)
    own_earliest = np.array(
        [
            calendar.earliest_made(int(d)) if m else calendar.earliest_bought(int(d))
            for m, d in zip(make, lead, strict=True)
        ],
        dtype=np.int64,
    )
    capacity = np.array(
        [
            [s.weekly_capacity if s.weekly_capacity is not None else np.inf] * len(calendar.supply.week_first)
            for s in problem.suppliers
        ],
        dtype=float,
    ).reshape(len(problem.suppliers), len(calendar.supply.week_first))
    receipt_item = _indices(index, [r.item for r in problem.receipts], "open receipt")
    receipt_day = np.array([max(0, (r.due - problem.start).days) for r in problem.receipts], dtype=np.int64)
    for r, day in zip(problem.receipts, receipt_day.tolist(), strict=True):
        if r.quantity <= 0:
            raise PlanningError(f"open receipt {r.id!r}: quantity must be positive")
        if r.supplier is not None and r.supplier in suppliers and day < calendar.days:
            capacity[suppliers[r.supplier], calendar.supply.week_of[day]] -= r.quantity
    scheduled = np.zeros((n, horizon))
    receipt_qty = np.array([r.quantity for r in problem.receipts], dtype=float)
    in_horizon = receipt_day < horizon
    np.add.at(scheduled, (receipt_item[in_horizon], receipt_day[in_horizon]), receipt_qty[in_horizon])
    after = ~in_horizon
    on_order_after = np.bincount(receipt_item[after], weights=receipt_qty[after], minlength=n).astype(float)
    on_hand = np.bincount(
        _indices(index, [s.item for s in problem.stock], "stock"),
        weights=[s.quantity for s in problem.stock],
        minlength=n,
    ) - np.bincount(
        _indices(index, [a.item for a in problem.allocations], "allocation"),
        weights=[a.quantity for a in problem.allocations],
        minlength=n,
    )
    demand_item = _indices(index, [d.item for d in problem.demands], "demand")
    demand_day = _demand_days(problem, calendar)
    demand_qty = np.array([d.quantity for d in problem.demands], dtype=float)
    if (demand_qty <= 0).any():
        raise PlanningError(
            f"demand {problem.demands[int(np.argmax(demand_qty <= 0))].id!r}: quantity must be positive"
        )
    gross = np.zeros((n, horizon))
    inside = demand_day < horizon
    np.add.at(gross, (demand_item[inside], demand_day[inside]), demand_qty[inside])
    first = np.searchsorted(source_item, np.arange(n))
    return _Arrays(
        index=index,
        horizon=horizon,
        calendar=calendar,
        level=low_level_codes(n, parent, component, [i.id for i in problem.items]),
        make=make,
        lead=lead,
        safety=np.array([i.safety_stock for i in problem.items], dtype=float),
        rule=np.array([RULES[i.lot.rule] for i in problem.items], dtype=np.int64),
        lot=np.array([i.lot.quantity for i in problem.items], dtype=float),
        periods=np.array([i.lot.periods for i in problem.items], dtype=np.int64),
        whole=np.array([i.whole for i in problem.items], dtype=bool),
        own_earliest=own_earliest,
        source_first=first,
        source_last=np.searchsorted(source_item, np.arange(n), side="right"),
        source_supplier=source_supplier,
        source_earliest=np.array([calendar.earliest_bought(int(d)) for d in source_lead], dtype=np.int64),
        source_lead=source_lead,
        supplier_min=np.array([s.min_order for s in problem.suppliers], dtype=float),
        supplier_multiple=np.array([s.order_multiple for s in problem.suppliers], dtype=float),
        capacity=capacity,
        bills=Bills(
            np.searchsorted(parent[order], np.arange(n + 1)), component[order], (issued / final_yield[parent])[order]
        ),
        gross=gross,
        scheduled=scheduled,
        on_order_after=on_order_after,
        on_hand=on_hand,
        receipt_item=receipt_item,
        receipt_day=receipt_day,
        demand_item=demand_item,
        demand_day=demand_day,
        demand_qty=demand_qty,
    )


def _indices(index: dict[str, int], ids: list[str], where: str) -> np.ndarray:
    try:
        return np.array([index[i] for i in ids], dtype=np.int64)
    except KeyError as missing:
        raise PlanningError(f"{where}: unknown item {missing.args[0]!r}") from None


def _check_item(item: Item, suppliers: dict[str, int]) -> None:
    rule = item.lot
    if rule.rule not in RULES:
        raise PlanningError(f"item {item.id!r}: unknown lot-size rule {rule.rule!r}")
    if rule.rule in ("fixed", "multiple", "minimum") and not rule.quantity > 0:
        raise PlanningError(f"item {item.id!r}: lot-size rule {rule.rule!r} needs a positive quantity")
    if item.whole and rule.rule in ("fixed", "multiple") and rule.quantity != round(rule.quantity):
        raise PlanningError(f"item {item.id!r} is planned in whole units: its {rule.rule} lot {rule.quantity:g} is not")
    if rule.rule == "poq" and rule.periods < 1:
        raise PlanningError(f"item {item.id!r}: a period order quantity covers at least one day")
    if not 0 < item.final_yield <= 1:
        raise PlanningError(f"item {item.id!r}: final yield {item.final_yield:g} is not in (0, 1]")
    if item.lead_time_days < 0 or item.safety_stock < 0:
        raise PlanningError(f"item {item.id!r}: lead time and safety stock cannot be negative")
    for supplier in item.suppliers:
        if supplier not in suppliers:
            raise PlanningError(f"item {item.id!r}: unknown supplier {supplier!r}")
    if item.suppliers and item.source != "buy":
        raise PlanningError(f"item {item.id!r} is made, so it has no supplier")


def _demand_days(problem: Problem, calendar: WorkCalendar) -> np.ndarray:
    """A demand is wanted on the last working day on or before its due date; one due before the first working
    day is wanted on its day, which no lot can make (it shows as late supply, not as planned on time later)."""
    days = np.array([(d.due - problem.start).days for d in problem.demands], dtype=np.int64)
    clipped = np.clip(days, 0, calendar.days - 1)
    found = calendar.prev_work[clipped]
    snapped = np.where(found >= 0, found, clipped)
    return np.where(days < calendar.days, snapped, days)
