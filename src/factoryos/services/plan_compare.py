"""Two stored material plans compared (`factoryos plan compare`): what a planner asks after a re-plan, a supplier's
slip or a week's new orders. Planned orders are compared by material and due date (the quantity each plan has
due that day): a date only the earlier plan has and one only the later has are a move, paired in date order per
material; a date both have with another quantity is a resize; the rest are added or removed. Exceptions are new
or cleared by kind, material, date and quantity. A customer order is covered on the latest due date of the
planned orders pegged to it (none: stock and open receipts cover it); the orders whose covering date differs
are listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
from sqlalchemy import Engine

from factoryos.model.errors import FactoryosError
from factoryos.store.orders import list_orders
from factoryos.store.plans import (
    StoredException,
    StoredPlan,
    StoredPurchaseOrder,
    list_purchase_orders,
    stored_pegging,
    stored_plan,
    stored_plan_ids,
)
from factoryos.store.plants import read_plant

EPS = 1e-6


@dataclass(frozen=True)
class PlannedChange:
    """Planned quantity of `material` that is added, removed, moved from one due date to another, or resized on
    one date; `delta` is the quantity after less before."""

    change: Literal["added", "removed", "moved", "resized"]
    material: str
    date_before: date | None
    date_after: date | None
    quantity_before: float
    quantity_after: float

    @property
    def delta(self) -> float:
        return self.quantity_after - self.quantity_before


@dataclass(frozen=True)
class CoveringMove:
    """A customer order whose planned supply is all in on another day (None: stock and open receipts cover it, or
    the plan does not plan the order at all: `planned_before`, `planned_after`)."""

    customer_order: str
    covered_before: date | None
    covered_after: date | None
    planned_before: bool = True
    planned_after: bool = True

    @property
    def days(self) -> int | None:
        if self.covered_before is None or self.covered_after is None:
            return None
        return (self.covered_after - self.covered_before).days


@dataclass(frozen=True)
class PlanComparison:
    """Plan `after` against plan `before`."""

    before: StoredPlan
    after: StoredPlan
    planned: list[PlannedChange]
    new_exceptions: list[StoredException]
    cleared_exceptions: list[StoredException]
    orders_moved: list[CoveringMove]
    released: list[StoredPurchaseOrder] = field(default_factory=list)
    """Purchase orders released from `before`'s proposals: on order in `after`, so not proposed again there."""

    @property
    def caveat(self) -> str | None:
        """Why the changes may not be like for like: the plans cover other days or other demand, and a move
        pairs each material's due dates in date order, not the same need."""
        a, b = self.before, self.after
        if (a.start, a.horizon_days, a.demand) == (b.start, b.horizon_days, b.demand):
            return None
        return (
            f"plan {a.id} plans {a.demand} from {a.start} over {a.horizon_days} days, plan {b.id} {b.demand} from "
            f"{b.start} over {b.horizon_days}: a move pairs each material's due dates in order, not the same need"
        )


def compare_plans(
    engine: Engine, before: int | None = None, after: int | None = None, site: str | None = None
) -> PlanComparison:
    """Compare two stored plans of the loaded plant's site: by default the last two (the older as `before`);
    `before` alone is compared with the newest."""
    site = site or read_plant(engine, None).site.id
    if after is None:
        newest = stored_plan_ids(engine, site, 2)
        if before is None and len(newest) < 2:
            raise FactoryosError(f"plan compare needs two stored plans of {site!r}; {len(newest)} stored")
        before, after = (newest[1], newest[0]) if before is None else (before, newest[0] if newest else before)
    first, second = stored_plan(engine, site, before), stored_plan(engine, site, after)
    orders = {o.id for o in list_orders(engine, site=site)}
    return PlanComparison(
        first,
        second,
        planned_changes(first, second),
        *_exception_changes(first, second),
        [m for m in covering_moves(covered(engine, first), covered(engine, second)) if m.customer_order in orders],
        [po for po in list_purchase_orders(engine, site) if po.plan == first.id],
    )


def planned_changes(before: StoredPlan, after: StoredPlan) -> list[PlannedChange]:
    """Planned quantity by material and due date, compared (see the module docstring)."""
    old, new = _due_by_date(before), _due_by_date(after)
    changes: list[PlannedChange] = []
    for material in sorted(old.keys() | new.keys()):
        a, b = old.get(material, {}), new.get(material, {})
        for day in sorted(a.keys() & b.keys()):
            if abs(a[day] - b[day]) > EPS:
                changes.append(PlannedChange("resized", material, day, day, a[day], b[day]))
        gone, came = sorted(a.keys() - b.keys()), sorted(b.keys() - a.keys())
        changes.extend(PlannedChange("moved", material, d, e, a[d], b[e]) for d, e in zip(gone, came, strict=False))
        changes.extend(PlannedChange("removed", material, d, None, a[d], 0.0) for d in gone[len(came) :])
        changes.extend(PlannedChange("added", material, None, e, 0.0, b[e]) for e in came[len(gone) :])
    return changes


def _due_by_date(plan: StoredPlan) -> dict[str, dict[date, float]]:
    due: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for order in plan.planned_orders:
        due[order.material][order.due] += order.quantity
    return due


def _exception_changes(before: StoredPlan, after: StoredPlan) -> tuple[list[StoredException], list[StoredException]]:
    """The exceptions only the later plan has (new) and only the earlier has (cleared)."""

    def key(e: StoredException) -> tuple[str, str, date, float]:
        return e.kind, e.material, e.date, round(e.quantity, 6)

    old, new = {key(e) for e in before.exceptions}, {key(e) for e in after.exceptions}
    return [e for e in after.exceptions if key(e) not in old], [e for e in before.exceptions if key(e) not in new]


def covering_moves(old: Covered, new: Covered) -> list[CoveringMove]:
    """The demands whose covering date (`covered`) differs, the most moved first."""
    before, after = old.dates, new.dates
    moves = [
        CoveringMove(d, before.get(d), after.get(d), d in old.planned, d in new.planned)
        for d in sorted(before.keys() | after.keys())
        if before.get(d) != after.get(d)
    ]
    return sorted(moves, key=lambda m: -(m.days if m.days is not None else 10**6))


@dataclass(frozen=True)
class Covered:
    """Of a plan: the demands it plans, and per demand the latest due date of the planned orders under it at any
    level (none: stock and open receipts cover it)."""

    planned: frozenset[str]
    dates: dict[str, date]


def covered(engine: Engine, plan: StoredPlan) -> Covered:
    """What `plan` plans and when each demand's planned supply is all in."""
    network = stored_pegging(engine, plan)
    due = np.array([o.due.toordinal() for o in plan.planned_orders], dtype=float)
    latest: dict[str, date] = {}
    for demand, day in zip(network.demands, network.latest_under(due).tolist(), strict=True):
        if day > 0:
            latest[demand] = max(latest.get(demand, date.min), date.fromordinal(int(day)))
    return Covered(frozenset(network.demands), latest)
