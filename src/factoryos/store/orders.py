"""Customer orders in the database: save, number and list them; rejected ones go to the dead letters."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.store.db import record_as, row_of, transaction
from factoryos.store.events import record_dead_letter
from factoryos.store.locks import lock_for_writing
from factoryos.store.tables import CustomerOrderRecord, DeadLetter, OrderChangeRecord

ORDER_CHANNEL = "orders"


def order_row(order: CustomerOrder) -> dict[str, Any]:
    """An order as a row of the customer orders table (its order time in UTC)."""
    return row_of(CustomerOrderRecord, order, ordered_at=order.ordered_at.astimezone(UTC))


def as_order(record: CustomerOrderRecord) -> CustomerOrder:
    """A stored order (its order time read back as UTC where the database kept no zone)."""
    return record_as(
        CustomerOrder, record, configuration=dict(record.configuration), state=CustomerOrderState(record.state)
    )


def save_orders(engine: Engine, orders: Iterable[CustomerOrder], taken_by: str = "orders generate") -> int:
    """Store new orders, each with the first row of its history (taken in by `taken_by`) at the order's own time:
    a generated order arrives in the plant's time, and its promise, made at its arrival, must not come before
    the order was taken in."""
    orders = list(orders)
    if orders:
        with transaction(engine) as session:
            session.execute(insert(CustomerOrderRecord), [order_row(o) for o in orders])
            session.execute(
                insert(OrderChangeRecord), [_taken_in(o, o.ordered_at, taken_by, "generated") for o in orders]
            )
    return len(orders)


def _taken_in(order: CustomerOrder, at: datetime, actor: str, reason: str) -> dict[str, Any]:
    """The first row of an order's history: it came in, in the state it came in."""
    return {"order_id": order.id, "at": at, "actor": actor, "from_state": None, "to_state": order.state.value,
            "reason": reason}  # fmt: skip


def next_order_number(engine: Engine) -> int:
    """One past the highest `CO0000123` number stored (orders imported under other ids do not count)."""
    with Session(engine) as session:
        ids = session.scalars(select(CustomerOrderRecord.id).where(CustomerOrderRecord.id.like("CO%")))
        numbers = [int(i[2:]) for i in ids if i[2:].isdigit()]
    return max(numbers, default=0) + 1


def _content(order: CustomerOrder) -> tuple:
    """What a customer asked for; the id and the state the plant has since moved the order to are not part."""
    return (
        order.site,
        order.tenant,
        order.customer,
        order.product,
        json.dumps(order.configuration, sort_keys=True),
        order.quantity,
        order.ordered_at.astimezone(UTC),
        order.due_date,
    )


@dataclass
class Received:
    """One input line: where it came from, its bytes as received, and the order it made or why it made none."""

    source: str
    raw: bytes
    order: CustomerOrder | None = None
    reason: str = ""


@dataclass
class ImportOutcome:
    """What an import did with each line: stored, already stored as it is, rejected, or already rejected."""

    added: list[Received] = field(default_factory=list)
    unchanged: list[Received] = field(default_factory=list)
    rejected: list[Received] = field(default_factory=list)
    already_rejected: list[Received] = field(default_factory=list)


def import_orders(engine: Engine, received: Sequence[Received]) -> ImportOutcome:
    """Store orders and rejects in one transaction, idempotently: an order already stored as it is, or a
    reject already kept from the same place with the same bytes, is not stored again; an order whose id is
    taken by a different order is rejected. Two imports at once run one after the other."""
    outcome = ImportOutcome()
    ids = [r.order.id for r in received if r.order is not None]
    with transaction(engine) as session:
        lock_for_writing(session.connection(), CustomerOrderRecord.__tablename__)
        stored = {
            record.id: as_order(record)
            for start in range(0, len(ids), 500)
            for record in session.scalars(
                select(CustomerOrderRecord).where(CustomerOrderRecord.id.in_(ids[start : start + 500]))
            )
        }
        rejects = [r for r in received if r.order is None]
        for item in received:
            if item.order is None:
                continue
            known = stored.get(item.order.id)
            if known is None:
                outcome.added.append(item)
            elif _content(known) == _content(item.order):
                outcome.unchanged.append(item)
            else:
                rejects.append(Received(item.source, item.raw, None, f"order id {item.order.id!r} is already taken"))
        if outcome.added:
            added = [(r.source, r.order) for r in outcome.added if r.order]
            session.execute(insert(CustomerOrderRecord), [order_row(order) for _, order in added])
            now = datetime.now(UTC)
            history = [_taken_in(order, now, "orders import", f"imported from {source}") for source, order in added]
            session.execute(insert(OrderChangeRecord), history)
        kept = _kept_rejects(session, {r.source for r in rejects})
        for reject in rejects:
            if (reject.source, reject.raw) in kept:
                outcome.already_rejected.append(reject)
                continue
            kept.add((reject.source, reject.raw))
            outcome.rejected.append(reject)
            reject_order(session, reject.source, reject.reason, reject.raw)
    return outcome


def _kept_rejects(session: Session, sources: set[str]) -> set[tuple[str, bytes]]:
    found: set[tuple[str, bytes]] = set()
    names = sorted(sources)
    for start in range(0, len(names), 500):
        query = select(DeadLetter.source, DeadLetter.raw).where(
            DeadLetter.channel == ORDER_CHANNEL, DeadLetter.source.in_(names[start : start + 500])
        )
        found.update((source, bytes(raw)) for source, raw in session.execute(query))
    return found


def content_counts(orders: Iterable[CustomerOrder]) -> Counter[tuple]:
    """How many of `orders` have each content (what was asked for, whatever the id)."""
    return Counter(_content(o) for o in orders)


def content_keys(engine: Engine, site: str, start: datetime, end: datetime) -> Counter[tuple]:
    """How many stored orders of `site` ordered in [start, end) have each content."""
    query = select(CustomerOrderRecord).where(
        CustomerOrderRecord.site == site,
        CustomerOrderRecord.ordered_at >= start,
        CustomerOrderRecord.ordered_at < end,
    )
    with Session(engine) as session:
        return content_counts(as_order(r) for r in session.scalars(query))


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
        return [as_order(r) for r in session.scalars(query)]


def reject_order(session: Session, source: str, reason: str, raw: bytes) -> None:
    """Keep a rejected order; text the database cannot hold (a NUL) is escaped in the source and reason."""
    record_dead_letter(session, ORDER_CHANNEL, _printable(source), _printable(reason), raw)


def _printable(text: str) -> str:
    return text.replace("\x00", "\\x00")


def rejected_orders(engine: Engine, limit: int | None = None) -> list[DeadLetter]:
    """The rejected orders, newest first."""
    query = select(DeadLetter).where(DeadLetter.channel == ORDER_CHANNEL).order_by(DeadLetter.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with Session(engine) as session:
        return list(session.scalars(query))
