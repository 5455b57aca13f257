"""Material plans in the database: each MRP run with the date of its inputs, its planned orders, its pegging (one
level at a time: which planned order covers how much of which requirement), its exceptions; and the purchase
orders released from its proposals, with their state.

Every run is kept, so two runs (before and after a supplier slips, this week and last) can be compared; a
purchase order outlives the plan it came from and is an open receipt to every later run until received or
cancelled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import JSON, Engine, Float, ForeignKey, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from factoryos.c2m.supply import EPS, week_start
from factoryos.model.errors import FactoryosError
from factoryos.planning.pegging import PeggingNetwork
from factoryos.store.db import Base, record_as, transaction
from factoryos.store.order_desk import PromisedPurchaseRecord, SupplierBookingRecord, writing
from factoryos.store.tables import SiteRun, UtcDateTime

PURCHASE_ORDER_STATES = ("open", "received", "cancelled")


class MaterialPlanRecord(SiteRun, Base):
    """One MRP run: its site, when it ran, the day its inputs (orders, stock, receipts) were read as of, its
    first day, horizon and demand basis, and summary figures."""

    __tablename__ = "material_plans"
    inputs_as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    start: Mapped[date] = mapped_column()
    horizon_days: Mapped[int] = mapped_column(Integer)
    demand: Mapped[str] = mapped_column(String(16))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)


class PlannedOrderRecord(Base):
    """A planned order (a proposal to make or buy) of a run."""

    __tablename__ = "planned_orders"
    plan: Mapped[int] = mapped_column(ForeignKey("material_plans.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    item: Mapped[str] = mapped_column(String(400))
    material: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(8))
    supplier: Mapped[str | None] = mapped_column(String(64))
    release: Mapped[date] = mapped_column()
    due: Mapped[date] = mapped_column()
    needed: Mapped[date] = mapped_column()
    note: Mapped[str] = mapped_column(Text)


class PlanRequirementRecord(Base):
    """A requirement of a run: an independent demand's own (`demand`, its id, and the customer order it is of) or a
    planned order's component need (`parent`) for the demand it serves (`demand`, or None for its surplus)."""

    __tablename__ = "plan_requirements"
    plan: Mapped[int] = mapped_column(ForeignKey("material_plans.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    demand: Mapped[str | None] = mapped_column(String(200))
    customer_order: Mapped[str | None] = mapped_column(String(64))
    parent: Mapped[str | None] = mapped_column(String(16))


class PlanPegRecord(Base):
    """How much of a planned order covers a requirement of the run (stock and open receipts are not kept: no
    question asked of a stored run goes below a planned order through them)."""

    __tablename__ = "plan_pegs"
    plan: Mapped[int] = mapped_column(ForeignKey("material_plans.id", ondelete="CASCADE"), primary_key=True)
    requirement: Mapped[int] = mapped_column(Integer, primary_key=True)
    planned_order: Mapped[str] = mapped_column(String(16), primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)


class PlanExceptionRecord(Base):
    """An exception of a run, in the run's order."""

    __tablename__ = "plan_exceptions"
    plan: Mapped[int] = mapped_column(ForeignKey("material_plans.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    item: Mapped[str] = mapped_column(String(400))
    material: Mapped[str] = mapped_column(String(64))
    date: Mapped[dt.date] = mapped_column()
    until: Mapped[dt.date | None] = mapped_column()
    quantity: Mapped[float] = mapped_column(Float)
    orders: Mapped[list[str]] = mapped_column(JSON)
    action: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(200))


class PurchaseOrderRecord(Base):
    """A purchase order released from a plan's proposal: supplier, material, quantity, due date, value, state."""

    __tablename__ = "purchase_orders"
    __table_args__ = (Index("ix_purchase_orders_site_state", "site", "state"),)
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    supplier: Mapped[str] = mapped_column(String(64))
    material: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    ordered: Mapped[date] = mapped_column()
    due: Mapped[date] = mapped_column()
    value: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(16))
    plan: Mapped[int | None] = mapped_column(Integer)
    planned_order: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class StoredPlannedOrder:
    """A stored planned order."""

    id: str
    item: str
    material: str
    quantity: float
    kind: str
    supplier: str | None
    release: date
    due: date
    needed: date
    note: str


@dataclass(frozen=True)
class StoredException:
    """A stored exception of a run."""

    kind: str
    item: str
    material: str
    date: dt.date
    until: dt.date | None
    quantity: float
    orders: list[str]
    action: str
    message: str
    reference: str | None


@dataclass(frozen=True)
class StoredPlan:
    """A stored run with its planned orders and exceptions."""

    id: int
    site: str
    created_at: datetime
    inputs_as_of: datetime
    start: date
    horizon_days: int
    demand: str
    figures: dict[str, Any]
    planned_orders: list[StoredPlannedOrder]
    exceptions: list[StoredException]


@dataclass(frozen=True)
class StoredPurchaseOrder:
    """A purchase order released from a stored plan, and its state (`open`, `received`, `cancelled`); the twin's
    `model.orders.PurchaseOrder` is what a supplier delivers."""

    id: str
    site: str
    supplier: str
    material: str
    quantity: float
    ordered: date
    due: date
    value: float
    state: str
    plan: int | None = None
    planned_order: str | None = None


@dataclass(frozen=True)
class PlanRows:
    """A run's rows, each a dict of its table's columns but `plan`."""

    planned_orders: Sequence[dict[str, Any]]
    requirements: Sequence[dict[str, Any]]
    pegs: Sequence[dict[str, Any]]
    exceptions: Sequence[dict[str, Any]]


def save_material_plan(engine: Engine, run: MaterialPlanRecord, rows: PlanRows) -> int:
    """Store a run with its rows in one transaction; returns its id."""
    tables = (
        (PlannedOrderRecord, rows.planned_orders),
        (PlanRequirementRecord, rows.requirements),
        (PlanPegRecord, rows.pegs),
        (PlanExceptionRecord, rows.exceptions),
    )
    with transaction(engine) as session:
        run.created_at = datetime.now(UTC)
        session.add(run)
        session.flush()
        for table, table_rows in tables:
            if table_rows:
                session.execute(table.__table__.insert(), [row | {"plan": run.id} for row in table_rows])
        return run.id


def stored_plan(engine: Engine, site: str, plan_id: int | None = None) -> StoredPlan:
    """A stored run (the newest of the site unless `plan_id`) with its planned orders and exceptions."""
    with Session(engine) as session:
        query = select(MaterialPlanRecord).where(MaterialPlanRecord.site == site)
        if plan_id is not None:
            query = query.where(MaterialPlanRecord.id == plan_id)
        record = session.scalars(query.order_by(MaterialPlanRecord.id.desc()).limit(1)).first()
        if record is None and plan_id is not None:
            stored = ", ".join(str(i) for i in reversed(stored_plan_ids(engine, site, 20))) or "none"
            raise FactoryosError(f"no plan {plan_id} is stored for {site!r} (the newest stored: {stored})")
        if record is None:
            raise FactoryosError(f"no material plan is stored for {site!r}: run `factoryos plan` first")
        orders = [
            record_as(StoredPlannedOrder, row)
            for row in session.scalars(
                select(PlannedOrderRecord).where(PlannedOrderRecord.plan == record.id).order_by(PlannedOrderRecord.id)
            )
        ]
        exceptions = [
            record_as(StoredException, row, orders=list(row.orders))
            for row in session.scalars(
                select(PlanExceptionRecord)
                .where(PlanExceptionRecord.plan == record.id)
                .order_by(PlanExceptionRecord.position)
            )
        ]
        return record_as(StoredPlan, record, figures=dict(record.figures), planned_orders=orders, exceptions=exceptions)


def stored_pegging(engine: Engine, plan: StoredPlan) -> PeggingNetwork:
    """The run's pegging as the network its multi-level answers are walked on (planned orders are its supplies,
    in the run's order)."""
    lot = {o.id: k for k, o in enumerate(plan.planned_orders)}
    with Session(engine) as session:
        requirements = session.execute(
            select(
                PlanRequirementRecord.position,
                PlanRequirementRecord.demand,
                PlanRequirementRecord.customer_order,
                PlanRequirementRecord.parent,
            )
            .where(PlanRequirementRecord.plan == plan.id)
            .order_by(PlanRequirementRecord.position)
        ).all()
        pegs = session.execute(
            select(PlanPegRecord.requirement, PlanPegRecord.planned_order, PlanPegRecord.quantity).where(
                PlanPegRecord.plan == plan.id
            )
        ).all()
    need = {row.position: k for k, row in enumerate(requirements)}
    independent = [row for row in requirements if row.parent is None]
    own = {row.position: k for k, row in enumerate(independent)}
    first: dict[str, int] = {}
    for k, row in reversed(list(enumerate(independent))):
        first[row.demand] = k  # a lot's share of a forecast split over the option mix: the first of its id
    need_demand = np.array(
        [own[row.position] if row.parent is None else first.get(row.demand, -1) for row in requirements],
        dtype=np.int64,
    )
    return PeggingNetwork(
        demands=tuple(row.demand for row in independent),
        customer_orders=tuple(row.customer_order for row in independent),
        need_demand=need_demand,
        need_parent=np.array([lot.get(row.parent, -1) for row in requirements], dtype=np.int64),
        peg_need=np.array([need[r] for r, _, _ in pegs], dtype=np.int64),
        peg_supply=np.array([lot[o] for _, o, _ in pegs], dtype=np.int64),
        peg_qty=np.array([q for _, _, q in pegs], dtype=float),
        lot_qty=np.array([o.quantity for o in plan.planned_orders], dtype=float),
        lots_start=0,
    )


def plan_of_record_id(engine: Engine, site: str) -> int | None:
    """The site's newest stored run that is not a what-if (a run under disruptions lists them in its figures)."""
    query = (
        select(MaterialPlanRecord.id, MaterialPlanRecord.figures)
        .where(MaterialPlanRecord.site == site)
        .order_by(MaterialPlanRecord.id.desc())
        .execution_options(yield_per=100)
    )
    with Session(engine) as session:
        return next((plan_id for plan_id, figures in session.execute(query) if not figures.get("disruptions")), None)


def stored_plan_ids(engine: Engine, site: str, count: int) -> list[int]:
    """The ids of the site's `count` newest stored plans, newest first."""
    query = select(MaterialPlanRecord.id).where(MaterialPlanRecord.site == site)
    with Session(engine) as session:
        return list(session.scalars(query.order_by(MaterialPlanRecord.id.desc()).limit(count)))


@dataclass(frozen=True)
class Requisition:
    """What promises bought and no purchase order has filled: `quantity` of `material` from `supplier` (None: no
    supplier lists it) for `arrives`."""

    material: str
    supplier: str | None
    arrives: date
    quantity: float


@dataclass(frozen=True)
class Filled(Requisition):
    """A requisition, or the part of one, that the released `purchase_order` filled."""

    purchase_order: str


@dataclass(frozen=True)
class Release:
    """Purchase orders released from a plan's proposals, and the promises' requisitions they filled."""

    orders: list[StoredPurchaseOrder]
    filled: list[Filled]


PURCHASE_ORDER_NUMBERS = "purchase-orders"
"""The advisory lock that numbers purchase orders: two releases never take the same number."""


def save_purchase_orders(
    engine: Engine, orders: Sequence[StoredPurchaseOrder], lead_days: Mapping[str, int], locks: Sequence[str] = ()
) -> Release:
    """Number and insert purchase orders (PO0000001, ... in the order given), each filling the promises'
    requisitions of its material (`fill_requisitions`, with the suppliers' `lead_days`), in one transaction under
    the write `locks` of the materials and suppliers a promise reads; one whose planned order was already
    released is refused. Returns the orders as stored (with the lines pulled in to a requisition's day) and the
    requisitions filled."""
    released = Release([], [])
    with writing(engine, [*locks, PURCHASE_ORDER_NUMBERS]) as session:
        newest = session.scalar(select(func.max(func.substr(PurchaseOrderRecord.id, 3, 7))))  # PO0000007(.1)
        number = int(newest or 0) + 1
        for k, order in enumerate(orders):
            if order.plan is not None:
                clash = session.scalars(
                    select(PurchaseOrderRecord.id).where(
                        PurchaseOrderRecord.plan == order.plan, PurchaseOrderRecord.planned_order == order.planned_order
                    )
                ).first()
                if clash is not None:
                    raise FactoryosError(f"{order.planned_order} of plan {order.plan} is already released as {clash}")
            lines, filled = fill_requisitions(session, replace(order, id=f"PO{number + k:07d}"), lead_days)
            now = datetime.now(UTC)
            session.add_all(PurchaseOrderRecord(**line.__dict__, created_at=now) for line in lines)
            released.orders.extend(lines)
            released.filled.extend(filled)
    return released


def fill_requisitions(
    session: Session, order: StoredPurchaseOrder, lead_days: Mapping[str, int]
) -> tuple[list[StoredPurchaseOrder], list[Filled]]:
    """Fill the promises' requisitions of the order's material with its quantity, the earliest first: what is
    filled is bought by the order now, so it leaves the promised purchases and gives back what it booked of its
    supplier's week (the order takes the week it is due in, as every open purchase order does).

    A requisition due before the order would come is filled by a line of its own (`<order>.1`, ...) on the
    requisition's day and from its supplier, whose week it booked, ordered its lead time (`lead_days`) before:
    a promise counted on that day, and a release never brings anything later than a promise counted on. The
    order keeps the rest of its quantity. Returns the order's lines as to be stored and the requisitions
    filled."""
    requisitions = session.scalars(
        select(PromisedPurchaseRecord)
        .where(PromisedPurchaseRecord.site == order.site, PromisedPurchaseRecord.material == order.material)
        .order_by(PromisedPurchaseRecord.arrives, PromisedPurchaseRecord.supplier)
    ).all()  # read before any is deleted
    pulled_in: list[StoredPurchaseOrder] = []
    filled, left = [], order.quantity
    for requisition in requisitions:
        if left <= EPS:
            break
        quantity = min(requisition.quantity, left)
        left -= quantity
        requisition.quantity -= quantity
        if requisition.quantity <= EPS:
            session.delete(requisition)
        if requisition.supplier:
            key = (order.site, requisition.supplier, week_start(requisition.arrives))
            week = session.get(SupplierBookingRecord, key)
            if week is not None:
                week.quantity = max(0.0, week.quantity - quantity)
        line = order.id
        if requisition.arrives < order.due:
            line = f"{order.id}.{len(pulled_in) + 1}"
            supplier = requisition.supplier or order.supplier
            ordered = requisition.arrives - dt.timedelta(days=lead_days.get(supplier, 0))
            pulled_in.append(_part(order, line, quantity, supplier=supplier, ordered=ordered, due=requisition.arrives))
        filled.append(Filled(order.material, requisition.supplier or None, requisition.arrives, quantity, line))
    rest = order.quantity - sum(o.quantity for o in pulled_in)
    return ([_part(order, order.id, rest)] if rest > EPS else []) + pulled_in, filled


def _part(order: StoredPurchaseOrder, ident: str, quantity: float, **changes: Any) -> StoredPurchaseOrder:
    """`quantity` of an order as a line `ident` of its own, at its share of the order's value."""
    value = round(order.value * quantity / order.quantity, 2) if order.quantity > 0 else 0.0
    return replace(order, id=ident, quantity=quantity, value=value, **changes)


def list_requisitions(engine: Engine, site: str) -> list[Requisition]:
    """What promises bought and no purchase order has filled yet, by arrival day and material."""
    query = (
        select(PromisedPurchaseRecord)
        .where(PromisedPurchaseRecord.site == site, PromisedPurchaseRecord.quantity > EPS)
        .order_by(PromisedPurchaseRecord.arrives, PromisedPurchaseRecord.material, PromisedPurchaseRecord.supplier)
    )
    with Session(engine) as session:
        return [Requisition(r.material, r.supplier or None, r.arrives, r.quantity) for r in session.scalars(query)]


def purchase_orders_stamp(engine: Engine, site: str) -> str:
    """A stamp of the site's open purchase orders that changes when one is released, received or cancelled."""
    query = select(func.count(), func.max(PurchaseOrderRecord.id)).where(
        PurchaseOrderRecord.site == site, PurchaseOrderRecord.state == "open"
    )
    with Session(engine) as session:
        count, newest = session.execute(query).one()
    return f"{count}:{newest or ''}"


def list_purchase_orders(engine: Engine, site: str, state: str | None = None) -> list[StoredPurchaseOrder]:
    query = select(PurchaseOrderRecord).where(PurchaseOrderRecord.site == site).order_by(PurchaseOrderRecord.id)
    if state is not None:
        query = query.where(PurchaseOrderRecord.state == state)
    with Session(engine) as session:
        return [record_as(StoredPurchaseOrder, row) for row in session.scalars(query)]
