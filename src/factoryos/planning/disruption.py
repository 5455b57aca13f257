"""Supplier disruptions as what-ifs: a supplier's deliveries slip by days, or its weekly capacity is cut; which
customer orders' coverage moves, and by how much.

A disruption changes the problem, never the plan: the supplier's lead time and its open receipts move by the
delay, its weekly capacity shrinks to the share left. Re-planned, each customer order's lateness (the days
its latest part arrives after it is needed, `Plan.lateness`) is compared with the undisturbed plan's.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from factoryos.model.plant import Plant
from factoryos.planning.plan import Plan
from factoryos.planning.problem import PlanningError, Problem


@dataclass(frozen=True)
class Disruption:
    """`supplier` delivers `delay_days` later, with `capacity_share` of its weekly capacity left."""

    supplier: str
    delay_days: int = 0
    capacity_share: float = 1.0


@dataclass(frozen=True)
class CoverageMove:
    """A customer order whose parts arrive later (or earlier) under a disruption: its due date and the days its
    latest part comes after it is needed, before and after."""

    customer_order: str
    due: date
    late_before: int
    late_after: int

    @property
    def covered_before(self) -> date:
        return self.due + timedelta(days=self.late_before)

    @property
    def covered_after(self) -> date:
        return self.due + timedelta(days=self.late_after)

    @property
    def days(self) -> int:
        """How many days later the order's parts are all in."""
        return self.late_after - self.late_before


def parse_disruption(text: str) -> Disruption:
    """`supplier=ID,delay-days=N` and/or `capacity=SHARE` (0-1, what is left of its weekly capacity)."""
    fields: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not value.strip():
            raise PlanningError(f"--disrupt {text!r}: expected key=value pairs, such as supplier=ID,delay-days=21")
        fields[key.strip()] = value.strip()
    unknown = sorted(set(fields) - {"supplier", "delay-days", "capacity"})
    if unknown or "supplier" not in fields:
        raise PlanningError(f"--disrupt {text!r}: give supplier= and delay-days= and/or capacity= (not {unknown})")
    try:
        delay = int(fields.get("delay-days", "0"))
        share = float(fields.get("capacity", "1"))
    except ValueError:
        raise PlanningError(f"--disrupt {text!r}: delay-days is a whole number of days, capacity a share") from None
    if not 0 <= delay <= 3650 or not 0 <= share <= 1:
        raise PlanningError(f"--disrupt {text!r}: delay-days must be 0-3650 and capacity 0-1")
    if delay == 0 and share == 1:
        raise PlanningError(f"--disrupt {text!r} changes nothing: give delay-days above 0 or capacity below 1")
    return Disruption(fields["supplier"], delay, share)


def disrupted(problem: Problem, disruptions: tuple[Disruption, ...]) -> Problem:
    """The problem with each disruption applied to its supplier and the supplier's open receipts."""
    by_supplier = {d.supplier: d for d in disruptions}
    known = {s.id for s in problem.suppliers}
    for supplier in by_supplier:
        if supplier not in known:
            raise PlanningError(f"--disrupt: unknown supplier {supplier!r}; expected one of {sorted(known)}")
    suppliers = []
    for s in problem.suppliers:
        d = by_supplier.get(s.id)
        if d is None:
            suppliers.append(s)
            continue
        if d.capacity_share < 1 and s.weekly_capacity is None:
            raise PlanningError(f"--disrupt: supplier {s.id!r} has no weekly capacity to cut")
        suppliers.append(dataclasses.replace(s, **_slipped(s.lead_time_days, s.weekly_capacity, d)))
    receipts = tuple(
        dataclasses.replace(r, due=r.due + timedelta(days=by_supplier[r.supplier].delay_days))
        if r.supplier in by_supplier
        else r
        for r in problem.receipts
    )
    return dataclasses.replace(problem, suppliers=tuple(suppliers), receipts=receipts)


def disrupted_plant(plant: Plant, disruptions: tuple[Disruption, ...]) -> Plant:
    """The plant file as the promise sees it under the disruptions: each disrupted supplier's lead time and its
    open purchase orders later by the delay, its weekly capacity cut to the share left."""
    by_supplier = {d.supplier: d for d in disruptions}
    unknown = sorted(set(by_supplier) - set(plant.suppliers))
    if unknown:
        raise PlanningError(f"--disrupt: unknown supplier {unknown[0]!r}; expected one of {sorted(plant.suppliers)}")
    suppliers = {
        sid: s.model_copy(update=_slipped(s.lead_time_days, s.weekly_capacity, by_supplier[sid]))
        if sid in by_supplier
        else s
        for sid, s in plant.suppliers.items()
    }
    orders = [
        o.model_copy(update={"due": o.due + timedelta(days=by_supplier[o.supplier].delay_days)})
        if o.supplier in by_supplier
        else o
        for o in plant.purchase_orders
    ]
    return plant.model_copy(update={"suppliers": suppliers, "purchase_orders": orders})


def _slipped(lead_time_days: float, weekly_capacity: float | None, disruption: Disruption) -> dict[str, Any]:
    """A disrupted supplier's lead time and weekly capacity."""
    capacity = None if weekly_capacity is None else max(weekly_capacity * disruption.capacity_share, 1e-9)
    return {"lead_time_days": lead_time_days + disruption.delay_days, "weekly_capacity": capacity}


def coverage_moves(before: Plan, after: Plan) -> list[CoverageMove]:
    """The customer orders whose lateness differs between two plans of the same demand, most moved first."""
    due: dict[str, date] = {}
    for demand in before.problem.demands:
        if demand.customer_order is not None:
            due[demand.customer_order] = max(due.get(demand.customer_order, demand.due), demand.due)
    old, new = before.lateness(), after.lateness()
    moves = [CoverageMove(order, day, old[order], new[order]) for order, day in due.items() if old[order] != new[order]]
    return sorted(moves, key=lambda m: (-m.days, m.customer_order))
