"""Exceptions: what a planner must look at, each with the customer orders it hurts and what to do.

Drawn from a finished run: runs of projected inventory below zero (shortage) or below safety stock; lots
that arrive after they are needed (late supply) or that no supplier can ship (no capacity); open receipts
to expedite (pulled in by the run), defer or cancel (not needed when due); days the constrained line is
loaded beyond its capacity; stock and receipts no requirement in the horizon uses (excess).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from factoryos.planning.plan import Plan
    from factoryos.planning.problem import Receipt

EPS = 1e-6
ExceptionKind = Literal[
    "shortage", "below-safety-stock", "late-supply", "expedite", "defer", "cancel", "capacity-overload", "excess"
]


@dataclass(frozen=True)
class PlanException:
    """A problem in the plan: `kind`, the item and its material, from `date` (to `until`), `quantity`, the
    customer orders it hurts, the suggested `action` and a message in the plant's words."""

    kind: ExceptionKind
    item: str
    material: str
    date: dt.date
    quantity: float
    orders: tuple[str, ...]
    action: str
    message: str
    until: dt.date | None = None
    reference: str | None = None


DEFER_DAYS = 7
"""An open receipt is reported for deferral when it is first needed at least this many days after it is due."""


def find_exceptions(plan: Plan) -> tuple[PlanException, ...]:
    horizon = plan.projected.shape[1]
    found = [
        *_below(plan, horizon),
        *_late(plan),
        *_unplaced(plan),
        *_expedites(plan),
        *_defer_or_cancel(plan, horizon),
        *_overloads(plan, horizon),
        *_excess(plan),
    ]
    return tuple(sorted(found, key=lambda e: (e.date, e.kind, e.item)))


def _exception(
    plan: Plan,
    kind: ExceptionKind,
    item: int,
    day: int,
    quantity: float,
    orders: frozenset[str],
    action: str,
    message: str,
    until: int | None = None,
    reference: str | None = None,
) -> PlanException:
    it = plan.problem.items[item]
    return PlanException(
        kind=kind,
        item=it.id,
        material=it.material_id,
        date=plan.problem.day(day),
        quantity=round(quantity, 6),
        orders=tuple(sorted(orders)),
        action=action,
        message=message,
        until=plan.problem.day(until) if until is not None else None,
        reference=reference,
    )


def _runs(mask: np.ndarray) -> list[tuple[int, int, int]]:
    """(row, first day, last day) of each run of True in a rows x days mask."""
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    rows, starts = np.nonzero(np.diff(padded, axis=1) == 1)
    _, ends = np.nonzero(np.diff(padded, axis=1) == -1)
    return list(zip(rows.tolist(), starts.tolist(), (ends - 1).tolist(), strict=True))


def _orders_short(plan: Plan, item: int, first: int, last: int) -> frozenset[str]:
    """Customer orders of the item's requirements on the days of a shortage run."""
    needs = plan.needs_of_item(item)
    needs = needs[(plan.need_day[needs] >= first) & (plan.need_day[needs] <= last)]
    return plan.pegging_network.customer_orders_of_needs(needs)


def _below(plan: Plan, horizon: int) -> list[PlanException]:
    projected = plan.projected
    safety = np.array([i.safety_stock for i in plan.problem.items])
    found = []
    for row, first, last in _runs(projected < -EPS):
        short = -float(projected[row, first : last + 1].min())
        material = plan.problem.items[row].material_id
        found.append(
            _exception(
                plan,
                "shortage",
                row,
                first,
                short,
                _orders_short(plan, row, first, last),
                "expedite supply or move the orders it hurts",
                f"{material} is short by up to {short:g} from {plan.problem.day(first)} to {plan.problem.day(last)}",
                until=last,
            )
        )
    below = (projected >= -EPS) & (projected < safety[:, None] - EPS)
    for row, first, last in _runs(below):
        gap = float(safety[row] - projected[row, first : last + 1].min())
        material = plan.problem.items[row].material_id
        found.append(
            _exception(
                plan,
                "below-safety-stock",
                row,
                first,
                gap,
                frozenset(),
                "review safety stock or expedite",
                f"{material} is up to {gap:g} below its safety stock of {safety[row]:g} until {plan.problem.day(last)}",
                until=last,
            )
        )
    return found


def _late(plan: Plan) -> list[PlanException]:
    found = []
    for lot in np.flatnonzero(plan.lot_due > plan.lot_need).tolist():
        item, need, due = int(plan.lot_item[lot]), int(plan.lot_need[lot]), int(plan.lot_due[lot])
        qty = float(plan.lot_qty[lot])
        orders = plan.pegging_network.customer_orders_of_supply(plan.lots_start + lot)
        material, ref = plan.problem.items[item].material_id, plan.order_id(lot)
        text = (
            f"{ref}: {qty:g} {material} needed on {plan.problem.day(need)} can arrive on "
            f"{plan.problem.day(due)} at the earliest ({due - need} days late)"
        )
        action = "expedite or re-promise the orders it serves"
        found.append(_exception(plan, "late-supply", item, need, qty, orders, action, text, until=due, reference=ref))
    return found


def _unplaced(plan: Plan) -> list[PlanException]:
    found = []
    for item, need, qty in plan.unplaced:
        message = (
            f"{qty:g} {plan.problem.items[item].material_id} needed on {plan.problem.day(need)}: no supplier has "
            "capacity left before the end of the plan"
        )
        found.append(_exception(plan, "late-supply", item, need, qty, frozenset(), "find another source", message))
    return found


def _expedites(plan: Plan) -> list[PlanException]:
    found = []
    receipts = plan.problem.receipts
    for item, origin, target, qty in plan.moves:
        ids = [
            r.id
            for r in receipts
            if plan.problem.day(origin) == max(r.due, plan.problem.start) and r.item == plan.problem.items[item].id
        ]
        found.append(
            _exception(
                plan,
                "expedite",
                item,
                target,
                qty,
                _orders_short(plan, item, target, origin),
                f"expedite to {plan.problem.day(target)}",
                f"{', '.join(ids)}: {qty:g} {plan.problem.items[item].material_id} due {plan.problem.day(origin)} is "
                f"needed on {plan.problem.day(target)}",
                reference=", ".join(ids),
            )
        )
    return found


def _defer_or_cancel(plan: Plan, horizon: int) -> list[PlanException]:
    """Open receipts that were not pulled in, an item's latest first, each judged with the advice already given
    on the later ones taken: without it, when would the item first fall below safety stock? Never in the horizon:
    cancel; well after its due date: defer to then. Judged alone, each receipt was found not needed while the
    others were there, and following every piece of advice at once left the item short."""
    found = []
    moved = {(item, origin) for item, origin, _, _ in plan.moves}
    index = {item.id: k for k, item in enumerate(plan.problem.items)}
    by_item: dict[int, list[tuple[int, Receipt]]] = {}
    for receipt in plan.problem.receipts:
        item, day = index[receipt.item], max(0, (receipt.due - plan.problem.start).days)  # as ordered, not pulled in
        if day < horizon and (item, day) not in moved:
            by_item.setdefault(item, []).append((day, receipt))
    for item, receipts in by_item.items():
        advised = np.zeros(plan.projected.shape[1])  # what the advice given so far takes off the projection
        safety = plan.problem.items[item].safety_stock
        material = plan.problem.items[item].material_id
        for day, receipt in sorted(receipts, key=lambda r: (r[0], r[1].id), reverse=True):
            without = plan.projected[item, day:] + advised[day:] - receipt.quantity
            short = np.flatnonzero(without < safety - EPS)
            ordered = f"{receipt.id}: {receipt.quantity:g} {material} due {receipt.due}"
            if not len(short):
                advised[day:] -= receipt.quantity
                found.append(_exception(plan, "cancel", item, day, receipt.quantity, frozenset(), "cancel",
                                        f"{ordered} is not needed", reference=receipt.id))  # fmt: skip
            elif short[0] >= DEFER_DAYS:
                needed = plan.problem.day(day + int(short[0]))
                advised[day : day + int(short[0])] -= receipt.quantity
                found.append(_exception(plan, "defer", item, day, receipt.quantity, frozenset(), f"defer to {needed}",
                                        f"{ordered} is first needed on {needed}", reference=receipt.id))  # fmt: skip
    return found


def _overloads(plan: Plan, horizon: int) -> list[PlanException]:
    line = plan.problem.line
    if line is None:
        return []
    index = {item.id: k for k, item in enumerate(plan.problem.items)}
    members = np.isin(plan.lot_item, [index[i] for i in line.items if i in index])
    days = plan.lot_release[members]
    load = np.bincount(days[days < horizon], weights=plan.lot_qty[members][days < horizon], minlength=horizon)
    capacity = np.zeros(horizon)
    capacity[: min(horizon, len(line.per_day))] = line.per_day[:horizon]
    found = []
    for day in np.flatnonzero(load > capacity + EPS).tolist():
        lots = np.flatnonzero(members & (plan.lot_release == day))
        served = plan.pegging_network.customer_orders_of_supply
        orders = frozenset().union(*(served(plan.lots_start + int(k)) for k in lots.tolist()))
        over = float(load[day] - capacity[day])
        found.append(
            _exception(
                plan,
                "capacity-overload",
                int(plan.lot_item[lots[0]]),
                day,
                over,
                orders,
                "level the load: move starts to days with free capacity",
                f"line {line.id}: {load[day]:g} units start on {plan.problem.day(day)}, {capacity[day]:g} can",
                reference=line.id,
            )
        )
    return found


def _excess(plan: Plan) -> list[PlanException]:
    """Items nothing was planned for that end the horizon above safety stock with stock or receipts unused."""
    planned = np.zeros(len(plan.problem.items), dtype=bool)
    planned[plan.lot_item] = True
    safety = np.array([i.safety_stock for i in plan.problem.items])
    if plan.projected.shape[1] == 0:
        return []
    surplus = plan.projected[:, -1] - safety
    found = []
    for item in np.flatnonzero(~planned & (surplus > EPS)).tolist():
        material = plan.problem.items[item].material_id
        found.append(
            _exception(
                plan,
                "excess",
                item,
                plan.projected.shape[1] - 1,
                float(surplus[item]),
                frozenset(),
                "reduce stock or open receipts",
                f"{material}: {surplus[item]:g} above safety stock at the end of the horizon with nothing planned",
            )
        )
    return found
