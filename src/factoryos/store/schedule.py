"""Schedules in the database: production orders and their work orders, and the operations schedule itself,
one row per work-order operation (and serial) with its equipment, start, end and setup.

Every run of the scheduler is kept as its own schedule, so a plan can be compared with the one before it;
the newest one per site is what the floor (or the twin) executes. Production and work orders are keyed by
their ids, so scheduling the same orders again updates them in place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from factoryos.model.errors import FactoryosError
from factoryos.model.orders import (
    ProductionOrder,
    ProductionOrderState,
    ScheduledOperation,
    WorkOrder,
    WorkOrderState,
    production_progress,
    routing_progress,
    work_progress,
)
from factoryos.store.db import Base, record_as, row_of, transaction
from factoryos.store.genealogy import GenealogyOperation
from factoryos.store.tables import ProductionOrderRecord, SiteRun, UtcDateTime, WorkOrderRecord

CHUNK = 500
"""Rows per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits."""


class ScheduleRecord(SiteRun, Base):
    """A stored schedule: the site, when it was made, the span it covers, the objective and method, and its figures."""

    __tablename__ = "schedules"
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime] = mapped_column(UtcDateTime)
    objective: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(64))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)


class ScheduledOperationRecord(Base):
    """A line of the operations schedule. It names its work order rather than referencing it, so an older
    schedule stays readable after the orders are re-planned."""

    __tablename__ = "scheduled_operations"
    __table_args__ = (
        Index("ix_scheduled_operations_equipment", "schedule", "equipment", "start"),
        Index("ix_scheduled_operations_work_order", "work_order"),
    )
    schedule: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order: Mapped[str] = mapped_column(String(48))
    production_order: Mapped[str] = mapped_column(String(32))
    operation: Mapped[str] = mapped_column(String(64))
    equipment: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime] = mapped_column(UtcDateTime)
    setup_minutes: Mapped[float] = mapped_column(Float)
    serial: Mapped[str | None] = mapped_column(String(48))


@dataclass
class StoredSchedule:
    """A schedule read back from the store, with its operations."""

    id: int
    site: str
    created_at: datetime
    start: datetime
    end: datetime
    objective: str
    method: str
    figures: dict[str, Any]
    operations: list[ScheduledOperation] = field(default_factory=list)


def save_production_orders(session: Session, orders: Sequence[ProductionOrder]) -> None:
    """Insert or replace production orders with their work orders (replaced whole: a re-plan may change them)."""
    ids = [order.id for order in orders]
    for first in range(0, len(ids), CHUNK):
        chunk = ids[first : first + CHUNK]
        session.execute(delete(WorkOrderRecord).where(WorkOrderRecord.production_order.in_(chunk)))
        session.execute(delete(ProductionOrderRecord).where(ProductionOrderRecord.id.in_(chunk)))
    if not orders:
        return
    session.execute(ProductionOrderRecord.__table__.insert(), [row_of(ProductionOrderRecord, o) for o in orders])
    work_orders = [row_of(WorkOrderRecord, w) for o in orders for w in o.work_orders]
    if work_orders:
        session.execute(WorkOrderRecord.__table__.insert(), work_orders)


def follow_work(engine: Engine) -> tuple[Counter[str], Counter[str]]:
    """Move the stored work orders, and their production orders, on from the operations the floor reported
    (the genealogy's: each serial's start and completion under a work order), in one transaction. A work order
    is started once a unit of its production order has started it, completed once every unit has (a lot's
    production order: the lot; a unit's sub-assembly, `UNIT/part`, counts for its unit), and what a material's
    later operation reports counts for the earlier ones (`routing_progress`). A unit that started its production
    order's own material has every sub-assembly under it (built, or taken from stock: then never reported) and
    counts as done with them. Returns how many work orders and production orders moved into each state."""
    orders = (
        select(
            WorkOrderRecord.id,
            WorkOrderRecord.state,
            WorkOrderRecord.operation,
            ProductionOrderRecord.id,
            ProductionOrderRecord.material,
            ProductionOrderRecord.state,
            ProductionOrderRecord.quantity,
            ProductionOrderRecord.customer_order,
        )
        .join(ProductionOrderRecord, WorkOrderRecord.production_order == ProductionOrderRecord.id)
        .order_by(WorkOrderRecord.production_order, WorkOrderRecord.position)
    )
    moved_work: Counter[str] = Counter()
    moved_production: Counter[str] = Counter()
    with transaction(engine) as session:
        started, completed = _units_reported(session)
        chains: dict[tuple[str, str], list[tuple[str, str]]] = {}
        production_state: dict[str, tuple[str, int, str]] = {}
        reached: dict[str, set[str]] = {}  # per production order, the units that started its own material
        for work, state, operation, production, material, was, quantity, customer_order in session.execute(orders):
            part = operation.split("/", 1)[0]
            chains.setdefault((production, part), []).append((work, state))
            production_state[production] = (was, quantity if customer_order is not None else 1, material)
            if part == material:
                reached.setdefault(production, set()).update(started.get(work, ()), completed.get(work, ()))
        work_of: dict[str, list[WorkOrderState]] = {}
        work_rows = []
        for (production, part), chain in chains.items():
            _, units, material = production_state[production]
            above = reached.get(production, set()) if part != material else set()
            counts = [(len(started.get(w, set()) | above), len(completed.get(w, set()) | above)) for w, _ in chain]
            for (work, state), (begun, done) in zip(chain, routing_progress(counts), strict=True):
                now = work_progress(WorkOrderState(state), units, begun, done)
                work_of.setdefault(production, []).append(now)
                if now.value != state:
                    work_rows.append({"b_id": work, "b_state": now.value})
                    moved_work[now.value] += 1
        production_rows = []
        for production, states in work_of.items():
            was = production_state[production][0]
            now_p = production_progress(ProductionOrderState(was), states)
            if now_p.value != was:
                production_rows.append({"b_id": production, "b_state": now_p.value})
                moved_production[now_p.value] += 1
        _set_states(session, WorkOrderRecord.__table__, work_rows)
        _set_states(session, ProductionOrderRecord.__table__, production_rows)
    return moved_work, moved_production


def _units_reported(session: Session) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per work order, the units the floor reported started under it, and those it reported completed."""
    g = GenealogyOperation
    done = func.max(case((g.end_us.is_not(None), 1), else_=0))
    started: dict[str, set[str]] = {}
    completed: dict[str, set[str]] = {}
    for work, serial, finished in session.execute(
        select(g.work_order, g.serial, done).group_by(g.work_order, g.serial)
    ):
        unit = serial.split("/", 1)[0]
        started.setdefault(work, set()).add(unit)
        if finished:
            completed.setdefault(work, set()).add(unit)
    return started, completed


def _set_states(session: Session, table: Any, rows: list[dict[str, str]]) -> None:
    if rows:
        statement = update(table).where(table.c.id == bindparam("b_id")).values(state=bindparam("b_state"))
        session.execute(statement, rows)


def save_schedule(
    engine: Engine,
    site: str,
    operations: Iterable[ScheduledOperation],
    *,
    production_orders: Sequence[ProductionOrder] = (),
    start: datetime,
    end: datetime,
    objective: str,
    method: str,
    figures: dict[str, Any] | None = None,
) -> int:
    """Store a schedule and the orders it plans in one transaction; returns the new schedule's id."""
    with transaction(engine) as session:
        save_production_orders(session, production_orders)
        record = ScheduleRecord(
            site=site,
            created_at=datetime.now(UTC),
            start=start,
            end=end,
            objective=objective,
            method=method,
            figures=figures or {},
        )
        session.add(record)
        session.flush()
        rows = [
            row_of(ScheduledOperationRecord, line, schedule=record.id, position=position)
            for position, line in enumerate(operations)
        ]
        if rows:
            session.execute(ScheduledOperationRecord.__table__.insert(), rows)
        return record.id


def latest_schedule(engine: Engine, site: str) -> StoredSchedule:
    """The newest schedule of a site with its operations in schedule order."""
    with Session(engine) as session:
        record = session.scalars(
            select(ScheduleRecord)
            .where(ScheduleRecord.site == site)
            .order_by(ScheduleRecord.created_at.desc(), ScheduleRecord.id.desc())
            .limit(1)
        ).first()
        if record is None:
            raise FactoryosError(f"no schedule is stored for {site!r}: run `factoryos schedule` first")
        lines = session.scalars(
            select(ScheduledOperationRecord)
            .where(ScheduledOperationRecord.schedule == record.id)
            .order_by(ScheduledOperationRecord.position)
        )
        return record_as(
            StoredSchedule,
            record,
            figures=dict(record.figures),
            operations=[record_as(ScheduledOperation, line) for line in lines],
        )


def list_production_orders(engine: Engine, site: str | None = None) -> list[ProductionOrder]:
    """Production orders with their work orders in routing order, by due date."""
    query = select(ProductionOrderRecord).order_by(ProductionOrderRecord.due_date, ProductionOrderRecord.id)
    if site is not None:
        query = query.where(ProductionOrderRecord.site == site)
    with Session(engine) as session:
        orders = {
            record.id: record_as(
                ProductionOrder,
                record,
                configuration=dict(record.configuration),
                state=ProductionOrderState(record.state),
            )
            for record in session.scalars(query)
        }
        work_orders = select(WorkOrderRecord).order_by(WorkOrderRecord.production_order, WorkOrderRecord.position)
        for record in session.scalars(work_orders):
            if record.production_order in orders:
                work_order = record_as(WorkOrder, record, state=WorkOrderState(record.state))
                orders[record.production_order].work_orders.append(work_order)
    return list(orders.values())
