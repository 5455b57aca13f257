"""Orders and their states: a customer's order, the production order it causes, its work orders, and the
purchase orders that bring the bought material.

ISA-95 names: a CustomerOrder (what was sold), a ProductionOrder (what to make, pegged to the demand that
caused it), a WorkOrder (one operation of the routing, the unit the floor executes and reports on), a
PurchaseOrder (what a supplier delivers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum


class CustomerOrderState(StrEnum):
    """Where a customer order stands: received, promised a date, released to the floor, in production, built,
    shipped (or cancelled). `ORDER_TRANSITIONS` says which step may follow which."""

    RECEIVED = "received"
    PROMISED = "promised"
    RELEASED = "released"
    IN_PRODUCTION = "in-production"
    BUILT = "built"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


ORDER_TRANSITIONS: dict[CustomerOrderState, frozenset[CustomerOrderState]] = {
    CustomerOrderState.RECEIVED: frozenset({CustomerOrderState.PROMISED, CustomerOrderState.CANCELLED}),
    CustomerOrderState.PROMISED: frozenset({CustomerOrderState.RELEASED, CustomerOrderState.CANCELLED}),
    CustomerOrderState.RELEASED: frozenset({CustomerOrderState.IN_PRODUCTION, CustomerOrderState.CANCELLED}),
    CustomerOrderState.IN_PRODUCTION: frozenset({CustomerOrderState.BUILT}),
    CustomerOrderState.BUILT: frozenset({CustomerOrderState.SHIPPED, CustomerOrderState.IN_PRODUCTION}),
    CustomerOrderState.SHIPPED: frozenset(),
    CustomerOrderState.CANCELLED: frozenset(),
}
"""The order lifecycle: the states each state may move to. Once in production an order can no longer be
cancelled; a built order goes back into production when a hold's disposition scraps or reworks a unit of it;
shipped and cancelled are final."""

OPEN_STATES = frozenset({CustomerOrderState.RECEIVED, CustomerOrderState.PROMISED, CustomerOrderState.RELEASED})
"""Orders not yet in production: what MRP and the MPS plan."""
UNBUILT_STATES = OPEN_STATES | {CustomerOrderState.IN_PRODUCTION}
"""Orders still to be built: what a plant loaded again must still fit."""


class ProductionOrderState(StrEnum):
    """Where a production order stands, from planned to completed (or cancelled)."""

    PLANNED = "planned"
    RELEASED = "released"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class WorkOrderState(StrEnum):
    """Where one operation's work order stands on the floor."""

    CREATED = "created"
    RELEASED = "released"
    STARTED = "started"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def routing_progress(reported: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The units started and completed at each operation of one material's routing (in routing order), from
    what the floor reported of each: a unit that reached an operation finished every one before it, so an
    operation no station reports (a paced line reported as one task, a station without a connection) counts
    what later ones report."""
    progress: list[tuple[float, float]] = []
    reached = 0.0
    for started, completed in reversed(reported):
        progress.append((max(started, reached), max(completed, reached)))
        reached = max(reached, started, completed)
    return progress[::-1]


def work_progress(state: WorkOrderState, units: int, started: float, completed: float) -> WorkOrderState:
    """Where a work order stands once the floor has reported `started` and `completed` of its `units` (a lot's
    work order: one, the lot); a cancelled one stays cancelled."""
    if state is WorkOrderState.CANCELLED:
        return state
    if completed >= units:
        return WorkOrderState.COMPLETED
    return WorkOrderState.STARTED if started or completed else state


def production_progress(state: ProductionOrderState, work: Iterable[WorkOrderState]) -> ProductionOrderState:
    """Where a production order stands given its work orders': completed with all of them, in progress once
    one has started; a cancelled one stays cancelled."""
    states = set(work)
    if state is ProductionOrderState.CANCELLED or not states:
        return state
    if states == {WorkOrderState.COMPLETED}:
        return ProductionOrderState.COMPLETED
    if states & {WorkOrderState.STARTED, WorkOrderState.COMPLETED}:
        return ProductionOrderState.IN_PROGRESS
    return state


@dataclass
class CustomerOrder:
    """A customer's order for a quantity of one product in one configuration, due on a date."""

    id: str
    site: str
    tenant: str
    customer: str
    product: str
    configuration: dict[str, str]
    quantity: int
    ordered_at: datetime
    due_date: date
    state: CustomerOrderState = CustomerOrderState.RECEIVED
    promised_date: date | None = None

    @property
    def committed_date(self) -> date:
        """The date the plant answers for: the one asked for, or the one promised when that is later (a promise
        is the earliest date the plant can make it; one before the requested date does not ask for it sooner)."""
        return max(self.due_date, self.promised_date or self.due_date)

    def placed_on(self, zone: tzinfo) -> date:
        """The site's day the order was placed on (`zone`, the site's timezone): the day its due date, the order
        book and the generated stream count from, not the UTC date of `ordered_at`."""
        return self.ordered_at.astimezone(zone).date()


@dataclass(slots=True)
class WorkOrder:
    """One operation of a production order's routing (`position` in it), as released to the floor."""

    id: str
    production_order: str
    position: int
    operation: str
    quantity: int
    state: WorkOrderState = WorkOrderState.CREATED


@dataclass
class ProductionOrder:
    """An order to make a quantity of a material in one configuration, for a customer order if `customer_order`
    names one."""

    id: str
    site: str
    material: str
    quantity: int
    configuration: dict[str, str]
    due_date: date
    customer_order: str | None = None
    state: ProductionOrderState = ProductionOrderState.PLANNED
    work_orders: list[WorkOrder] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ScheduledOperation:
    """One work order's operation placed on a work unit: the line of an ISA-95 operations schedule that the
    floor (or the twin) executes, in this order per work unit."""

    work_order: str
    production_order: str
    operation: str
    equipment: str
    start: datetime
    end: datetime
    setup_minutes: float = 0.0
    serial: str | None = None


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """An order for a quantity of a bought material from a supplier, due at the plant at `due`: what a material
    plan releases and what the twin receives, late or not as the supplier's delivery record says."""

    id: str
    material: str
    quantity: float
    supplier: str
    due: datetime
