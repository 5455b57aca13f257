"""Customer orders in the database: save, number and list them; rejected ones go to the dead letters."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.store.db import transaction
from factoryos.store.events import record_dead_letter
from factoryos.store.tables import CustomerOrderRecord

ORDER_CHANNEL = "orders"


def _row(order: CustomerOrder) -> dict:
    return dict(
        id=order.id,
        site=order.site,
        tenant=order.tenant,
        customer=order.customer,
        product=order.product,
        configuration=order.configuration,
        quantity=order.quantity,
        ordered_at=order.ordered_at,
        due_date=order.due_date,
        promised_date=order.promised_date,
        state=order.state.value,
    )


def _order(record: CustomerOrderRecord) -> CustomerOrder:
    ordered_at = record.ordered_at if record.ordered_at.tzinfo else record.ordered_at.replace(tzinfo=UTC)
    return CustomerOrder(
        id=record.id,
        site=record.site,
        tenant=record.tenant,
        customer=record.customer,
        product=record.product,
        configuration=dict(record.configuration),
        quantity=record.quantity,
        ordered_at=ordered_at,
        due_date=record.due_date,
        state=CustomerOrderState(record.state),
        promised_date=record.promised_date,
    )


def save_orders(engine: Engine, orders: Iterable[CustomerOrder]) -> int:
    rows = [_row(o) for o in orders]
    if rows:
        with transaction(engine) as session:
            session.execute(CustomerOrderRecord.__table__.insert(), rows)
    return len(rows)


def next_order_number(engine: Engine) -> int:
    with Session(engine) as session:
        return (session.scalar(select(func.count()).select_from(CustomerOrderRecord)) or 0) + 1


def list_orders(
    engine: Engine,
    site: str | None = None,
    product: str | None = None,
    tenant: str | None = None,
    state: CustomerOrderState | None = None,
    limit: int | None = None,
) -> list[CustomerOrder]:
    query = select(CustomerOrderRecord).order_by(CustomerOrderRecord.ordered_at, CustomerOrderRecord.id)
    for column, value in (
        (CustomerOrderRecord.site, site),
        (CustomerOrderRecord.product, product),
        (CustomerOrderRecord.tenant, tenant),
        (CustomerOrderRecord.state, state.value if state else None),
    ):
        if value is not None:
            query = query.where(column == value)
    if limit is not None:
        query = query.limit(limit)
    with Session(engine) as session:
        return [_order(r) for r in session.scalars(query)]


def reject_order(session: Session, source: str, reason: str, raw: dict) -> None:
    record_dead_letter(session, ORDER_CHANNEL, source, reason, json.dumps(raw, default=str))
