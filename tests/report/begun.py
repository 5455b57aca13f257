"""The customer orders a demo's twin began work for, read from its own stream: each operation's work order and
that work order's production order's customer order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from factoryos.model.events import EventKind
from factoryos.services.demo import DemoContext
from factoryos.store.tables import ProductionOrderRecord, WorkOrderRecord


def orders_begun(demo: DemoContext) -> set[str]:
    with Session(demo.engine) as session:
        customer_of = dict(
            session.execute(
                select(WorkOrderRecord.id, ProductionOrderRecord.customer_order).join(
                    ProductionOrderRecord, WorkOrderRecord.production_order == ProductionOrderRecord.id
                )
            ).all()
        )
    begun = {customer_of.get(e.payload["work_order"]) for e in demo.bus.store.read(EventKind.OPERATION)}
    return {order for order in begun if order}


def orders_finishing(demo: DemoContext) -> set[str]:
    """The orders the twin finished a unit of."""
    return {u.order.split("#", 1)[0] for u in demo.results["simulation"].finished.values() if u.order}
