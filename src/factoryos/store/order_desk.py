"""What the order desk keeps beside the orders: every change of an order's state (who, when, from, to, why),
the idempotency keys that make a retried request return its first answer, and the capacity each promised
order holds on the work centers it loads, day by day, with the units it put in batches there.

Placing an order reads free capacity and books it; `writing` makes that read-then-write safe when several
workers place orders at once: on PostgreSQL an advisory lock per work center, on SQLite an immediate
(write-locked) transaction.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

import orjson
import psycopg
from sqlalchemy import (
    JSON,
    Connection,
    Date,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    and_,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import ClauseElement

from factoryos.c2m.promise import BatchKind, BatchPlaces, Commitments, Lot
from factoryos.c2m.supply import week_start
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.store.db import Base, like_prefix, record_as, row_of, transaction
from factoryos.store.events import record_dead_letter
from factoryos.store.locks import ADVISORY, lock_for_writing, lock_numbers
from factoryos.store.orders import ORDER_CHANNEL, as_order, order_row
from factoryos.store.tables import CustomerOrderRecord, DeadLetter, OrderChangeRecord, PlantRecord, UtcDateTime


class IdempotencyRecord(Base):
    """The first answer to a request made with an Idempotency-Key, per site and tenant."""

    __tablename__ = "idempotency_keys"
    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(ForeignKey("customer_orders.id", ondelete="CASCADE"))
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CapacityBookingRecord(Base):
    """Minutes of a work center's day already promised to orders."""

    __tablename__ = "capacity_bookings"
    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    work_center: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    minutes: Mapped[float] = mapped_column(Float)


class CapacityReservationRecord(Base):
    """The minutes one order holds on a work center's day, given back when the order is cancelled."""

    __tablename__ = "capacity_reservations"
    order_id: Mapped[str] = mapped_column(ForeignKey("customer_orders.id", ondelete="CASCADE"), primary_key=True)
    work_center: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    minutes: Mapped[float] = mapped_column(Float)


class BatchBookingRecord(Base):
    """The units orders were promised in the batches of one kind (`BatchKind.key`) on a work center's (or pool's)
    day, with the kind's batch `size` (units) and `cycle` (minutes) as they were booked: the minutes of its batches
    are in the day's capacity booking, and a later promise fills the open batch first."""

    __tablename__ = "batch_bookings"
    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    work_center: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(200), primary_key=True)
    units: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    cycle: Mapped[float] = mapped_column(Float)


class BatchReservationRecord(Base):
    """The units one order put in the batches of a kind on a work center's day and the minutes of the batches it
    opened (in its capacity reservation), given back when the order is cancelled."""

    __tablename__ = "batch_reservations"
    order_id: Mapped[str] = mapped_column(ForeignKey("customer_orders.id", ondelete="CASCADE"), primary_key=True)
    work_center: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(200), primary_key=True)
    units: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[float] = mapped_column(Float)


class MaterialBookingRecord(Base):
    """How much of a bought material's stock orders were promised."""

    __tablename__ = "material_bookings"
    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    material: Mapped[str] = mapped_column(String(64), primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)


class MaterialReservationRecord(Base):
    """The stock of a bought material one order was promised, given back when the order is cancelled."""

    __tablename__ = "material_reservations"
    order_id: Mapped[str] = mapped_column(ForeignKey("customer_orders.id", ondelete="CASCADE"), primary_key=True)
    material: Mapped[str] = mapped_column(String(64), primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)


class PromisedPurchaseRecord(Base):
    """A requisition: bought material that promises bought (within supplier capacity, as MRP buys) and no purchase
    order has yet filled, per material, supplier ("" for none) and the day it arrives. It stays bought when an
    order is cancelled: what the order took of it is given back and serves the next orders."""

    __tablename__ = "promised_purchases"
    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    material: Mapped[str] = mapped_column(String(64), primary_key=True)
    supplier: Mapped[str] = mapped_column(String(64), primary_key=True, server_default="")
    arrives: Mapped[date] = mapped_column(Date, primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)


class SupplierBookingRecord(Base):
    """What promised purchases took of a supplier's weekly capacity, per ISO week (its Monday)."""

    __tablename__ = "supplier_bookings"
    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    supplier: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)


def _adding(dialect_insert: Callable[[Table], Any], table: Table, amount: str) -> UpdateBase:
    """Add to a row's `amount` (inserting the row if it is new), in the dialect's INSERT ... ON CONFLICT."""
    upsert = dialect_insert(table)
    keys = [c.name for c in table.primary_key.columns]
    return upsert.on_conflict_do_update(index_elements=keys, set_={amount: table.c[amount] + upsert.excluded[amount]})


_INSERTS = {"sqlite": sqlite_insert, "postgresql": postgresql_insert}


@cache
def _statement(dialect: str, table: Table, adding: str | None) -> UpdateBase:
    """The insert of rows of `table` (adding to the column `adding` of a row whose key is there already),
    built once per dialect so that the engine finds it compiled."""
    if adding is None:
        return table.insert()
    return _adding(_INSERTS[dialect], table, adding)


@cache
def _from_json(engine: Engine, writes: tuple[tuple[Table, str | None, tuple[str, ...]], ...]) -> str:
    """PostgreSQL: the `writes` (a table, the column added to or None, the columns given) in one statement, the
    rows of the n-th as one JSON array of objects in the parameter `rows<n>` (orjson writes it in C, where
    psycopg would adapt every value of every row), all but the last as data-modifying WITH clauses."""
    quote = engine.dialect.identifier_preparer.quote
    statements = []
    for n, (table, adding, keys) in enumerate(writes):
        name, columns = quote(table.name), ", ".join(quote(k) for k in keys)
        sql = f"INSERT INTO {name} ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::{name}, %(rows{n})s)"
        if adding is not None:
            index = ", ".join(quote(c.name) for c in table.primary_key.columns)
            amount = quote(adding)
            sql += f" ON CONFLICT ({index}) DO UPDATE SET {amount} = {name}.{amount} + excluded.{amount}"
        statements.append(sql)
    *first, last = statements
    return "".join(f"{'WITH' if n == 0 else ','} w{n} AS ({sql}) " for n, sql in enumerate(first)) + last


_TAKEN = select(MaterialBookingRecord.material, MaterialBookingRecord.quantity).where(
    MaterialBookingRecord.site == bindparam("site")
)
_BOUGHT = select(
    PromisedPurchaseRecord.material, PromisedPurchaseRecord.arrives, PromisedPurchaseRecord.quantity
).where(PromisedPurchaseRecord.site == bindparam("site"))
_SUPPLIERS_BOOKED = select(
    SupplierBookingRecord.supplier, SupplierBookingRecord.week, SupplierBookingRecord.quantity
).where(SupplierBookingRecord.site == bindparam("site"), SupplierBookingRecord.week >= bindparam("since"))
_ANSWERED = select(
    IdempotencyRecord.tenant,
    IdempotencyRecord.key,
    IdempotencyRecord.request_hash,
    IdempotencyRecord.order_id,
    IdempotencyRecord.status,
    IdempotencyRecord.response,
).where(IdempotencyRecord.site == bindparam("site"))
_ANSWERED_ANY = _ANSWERED.where(IdempotencyRecord.key == any_(bindparam("keys", type_=ARRAY(String))))
_BOOKED = select(CapacityBookingRecord.work_center, CapacityBookingRecord.day, CapacityBookingRecord.minutes).where(
    CapacityBookingRecord.site == bindparam("site"),
    CapacityBookingRecord.day >= bindparam("start"),
    CapacityBookingRecord.day < bindparam("end"),
)
_BOOKED_IN = _BOOKED.where(CapacityBookingRecord.work_center.in_(bindparam("work_centers", expanding=True)))
_BOOKED_ANY = _BOOKED.where(CapacityBookingRecord.work_center == any_(bindparam("work_centers", type_=ARRAY(String))))
_FILLED = select(
    BatchBookingRecord.work_center, BatchBookingRecord.day, BatchBookingRecord.kind, BatchBookingRecord.units
).where(
    BatchBookingRecord.site == bindparam("site"),
    BatchBookingRecord.day >= bindparam("start"),
    BatchBookingRecord.day < bindparam("end"),
)
_FILLED_IN = _FILLED.where(BatchBookingRecord.work_center.in_(bindparam("work_centers", expanding=True)))
_FILLED_ANY = _FILLED.where(BatchBookingRecord.work_center == any_(bindparam("work_centers", type_=ARRAY(String))))


@dataclass(frozen=True)
class OrderChange:
    """One row of an order's history."""

    at: datetime
    actor: str
    from_state: str | None
    to_state: str
    reason: str


@dataclass(frozen=True)
class FirstAnswer:
    """What an Idempotency-Key was first answered with, and a digest of the request that got that answer."""

    request_hash: str
    order_id: str
    status: int
    response: dict[str, Any]


@dataclass(frozen=True)
class Placement:
    """A new order as it is stored (or an order stored as received, as it is promised): the order, its changes of state,
    the minutes it books on each work center or pool day by day, the Idempotency-Key it came with and the answer it got
    (`first`: the tenant whose key it is, which may not be the order's when the owner orders a partner's product, the
    key and the answer), if any, the bought material it takes (`stock`), what is bought for it (`lots`) and the units
    it puts in batches (`batches`, as `Quote.batches`)."""

    order: CustomerOrder
    changes: Sequence[OrderChange]
    booking: Mapping[str, Mapping[date, float]] = field(default_factory=dict)
    first: tuple[str, str, FirstAnswer] | None = None
    stock: Mapping[str, float] = field(default_factory=dict)
    lots: Sequence[Lot] = ()
    batches: Mapping[tuple[str, date, BatchKind], BatchPlaces] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderFilter:
    """Which orders a listing shows: a site, optionally one tenant's, in a state, of a product, ordered between
    two days (both included)."""

    site: str
    tenant: str | None = None
    state: CustomerOrderState | None = None
    product: str | None = None
    ordered_from: date | None = None
    ordered_to: date | None = None


@contextmanager
def writing(engine: Engine, locks: Sequence[str] = ()) -> Iterator[Session]:
    """A transaction that holds the database's write lock on SQLite (PostgreSQL locks the rows it changes, and
    takes the advisory `locks`, as `placing` does)."""
    with transaction(engine) as session:
        lock_for_writing(session.connection(), keys=locks)
        yield session


@contextmanager
def placing(engine: Engine, work_centers: Sequence[str]) -> Iterator[Connection]:
    """The transaction that places orders: it holds the write locks of `work_centers` (site/id) until it ends,
    so that two workers never book the same free capacity. A plain connection, without the ORM's unit of
    work: this is the hot path of the order API."""
    with engine.begin() as connection:
        lock_for_writing(connection, keys=work_centers)
        yield connection


@dataclass
class Held:
    """What earlier promises hold, as a placing transaction reads it under its locks: the minutes booked on
    each day of each work center (days with none absent), the units in batches there (`filled`) and the bought
    material they took and bought (read only when asked); and the `placements` to store when the transaction
    ends."""

    minutes: dict[str, dict[date, float]]
    material: Commitments
    filled: dict[tuple[str, date, str], int] = field(default_factory=dict)
    answered: dict[tuple[str, str], FirstAnswer] = field(default_factory=dict)
    placements: list[Placement] = field(default_factory=list)


@contextmanager
def booking(
    engine: Engine,
    locks: Sequence[str],
    site: str,
    work_centers: Sequence[str],
    days: tuple[date, date],
    stock: bool,
    keys: Sequence[tuple[str, str]] = (),
    received: bool = False,
    batches: bool = True,
) -> Iterator[Held]:
    """The transaction that places orders: it takes the write locks of `locks` (site/id), reads what is held on
    `work_centers` in the `days` [start, end) (the units in batches when `batches`, the taken stock when `stock`)
    and the first answers already
    given to the Idempotency-Keys `keys` (tenant, key), yields it, and stores what was added to `placements`
    (as `place` does) and commits when the block ends; what it stored is then on disk. Every round trip under
    the locks makes every other order for the line wait, so on PostgreSQL the locks and the reads go in one (the
    reads after the locks, in psycopg's pipeline mode) and the writes with the commit in one more, and the
    commit does not wait for the disk under the locks: the transaction commits asynchronously (visible, locks
    released), and then `_FLUSH` commits synchronously and so returns once the write-ahead log up to its own
    commit, ours included, is on disk. The log is written in order, so a crash in between loses at most
    orders nobody was answered for, with every order promised on what they held (they committed after them).
    With `received`, the placements are of orders stored as received that are promised now (`place`): a
    planner's batch, placed in a plain transaction on either database."""
    if engine.dialect.name != "postgresql" or received:
        with placing(engine, locks) as connection:
            minutes = booked_minutes(connection, site, work_centers, *days)
            held = Held(minutes, commitments(connection, site, days[0]) if stock else Commitments())
            held.filled = booked_batches(connection, site, work_centers, *days) if batches else {}
            if keys:
                query = _ANSWERED.where(IdempotencyRecord.key.in_(sorted({k for _, k in keys})))
                held.answered = _answered(connection.execute(query, {"site": site}).all(), keys)
            yield held
            if held.placements:
                place(connection, held.placements, received)
        return
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        try:
            with driver.pipeline():
                driver.execute(_COMMIT_UNDER_LOCKS)
                driver.execute(_driver_sql(engine, ADVISORY), {"numbers": lock_numbers(locks)})
                where = {"site": site, "start": days[0], "end": days[1]}
                booked = driver.execute(_driver_sql(engine, _BOOKED_ANY), where | {"work_centers": list(work_centers)})
                asked_centers = where | {"work_centers": list(work_centers)}
                filled = driver.execute(_driver_sql(engine, _FILLED_ANY), asked_centers) if batches else None
                reads = (_TAKEN, _BOUGHT, _SUPPLIERS_BOOKED) if stock else ()
                where["since"] = week_start(days[0])
                material = [driver.execute(_driver_sql(engine, statement), where) for statement in reads]
                asked = where | {"keys": [key for _, key in keys]}
                answered = driver.execute(_driver_sql(engine, _ANSWERED_ANY), asked) if keys else None
                minutes = _by_work_center(work_centers, booked.fetchall())
                held = Held(minutes, _commitments(*(m.fetchall() for m in material)) if stock else Commitments())
                held.filled = _filled(filled.fetchall()) if filled is not None else {}
                held.answered = _answered(answered.fetchall(), keys) if answered is not None else {}
            yield held
            with driver.pipeline():
                if held.placements:
                    writes = _writes(held.placements)
                    sql = _from_json(engine, tuple((table, adding, tuple(rows[0])) for table, adding, rows in writes))
                    rows = {f"rows{n}": orjson.dumps(rows).decode() for n, (*_, rows) in enumerate(writes)}
                    driver.execute(sql, rows)
                driver.commit()
            with driver.pipeline():
                driver.execute(_FLUSH)
                driver.commit()
        except BaseException as error:
            with suppress(psycopg.Error):  # a broken connection: the pool drops it
                driver.rollback()
            if isinstance(error, psycopg.Error):  # as SQLAlchemy raises it (IntegrityError, OperationalError...)
                raise DBAPIError.instance(None, None, error, psycopg.Error) from error
            raise


_COMMIT_UNDER_LOCKS = "SET LOCAL synchronous_commit TO off"
_FLUSH = "SELECT pg_logical_emit_message(true, 'factoryos.order_desk', 'placed')"
"""One write-ahead log record in a transaction of its own: committed synchronously, it returns once the log up to
its commit is on disk (a transaction without a record would commit without waiting)."""

_DRIVER_SQL: dict[int, str] = {}


def _driver_sql(engine: Engine, statement: ClauseElement) -> str:
    """`statement` as the driver runs it, compiled once per process."""
    if id(statement) not in _DRIVER_SQL:
        _DRIVER_SQL[id(statement)] = str(statement.compile(dialect=engine.dialect))
    return _DRIVER_SQL[id(statement)]


def plant_fingerprint(engine: Engine, site: str) -> str | None:
    """The content hash of the stored plant of `site` (it changes when the plant is reloaded changed), or None."""
    with Session(engine) as session:
        return session.scalar(select(PlantRecord.content_hash).where(PlantRecord.site == site))


def place(connection: Connection, placements: Sequence[Placement], received: bool = False) -> None:
    """Store new orders with their first changes of state, the capacity they book (added to what is booked,
    and noted against each order) and the answers to remember under their Idempotency-Keys. Plain Core
    statements the engine compiles once, each run once for all the orders; an Idempotency-Key already stored
    fails the last one (IntegrityError), so the caller's transaction stores nothing. With `received`, the
    orders are stored already, as received: each is moved to its state and promised date instead, and one
    that is no longer received (cancelled meanwhile) fails the whole (a FactoryosError)."""
    if received:
        moved = connection.execute(_PROMISE_RECEIVED, [_promised_row(p.order) for p in placements]).rowcount
        if moved != len(placements):
            raise FactoryosError(
                f"{len(placements) - moved:,} of the orders being promised are no longer received (changed meanwhile); "
                "nothing promised: try again"
            )
    for table, adding, rows in _writes(placements, new=not received):
        connection.execute(_statement(connection.dialect.name, table, adding), rows)


_PROMISE_RECEIVED = (
    update(CustomerOrderRecord)
    .where(
        CustomerOrderRecord.id == bindparam("b_id"),
        CustomerOrderRecord.state == CustomerOrderState.RECEIVED.value,
    )
    .values(state=bindparam("b_state"), promised_date=bindparam("b_promised_date"))
)


def _promised_row(order: CustomerOrder) -> dict[str, Any]:
    return {"b_id": order.id, "b_state": order.state.value, "b_promised_date": order.promised_date}


def _writes(placements: Sequence[Placement], new: bool = True) -> list[tuple[Table, str | None, list[dict[str, Any]]]]:
    """What stores `placements` (see `place`): the rows of each table, and the column added to where a row's
    key is there already (None: plain inserts), in the order they must be written; the orders' own rows only
    when they are `new`."""
    writes: list[tuple[Table, str | None, list[dict[str, Any]]]] = [
        (CustomerOrderRecord.__table__, None, [order_row(p.order) for p in placements if new]),
        (OrderChangeRecord.__table__, None, [_change_row(p.order.id, c) for p in placements for c in p.changes]),
    ]
    writes = [write for write in writes if write[2]]
    reservations: list[dict[str, Any]] = []
    booked: defaultdict[tuple[str, str, date], float] = defaultdict(float)
    for placement in placements:
        for where, days in placement.booking.items():
            for day, minutes in days.items():
                reservations.append(
                    {"order_id": placement.order.id, "work_center": where, "day": day, "minutes": minutes}
                )
                booked[placement.order.site, where, day] += minutes
    if reservations:
        rows = [{"site": s, "work_center": w, "day": d, "minutes": m} for (s, w, d), m in booked.items()]
        writes += [
            (CapacityBookingRecord.__table__, "minutes", rows),
            (CapacityReservationRecord.__table__, None, reservations),
        ]
    writes += _batches(placements)
    stock = [{"order_id": p.order.id, "material": m, "quantity": q} for p in placements for m, q in p.stock.items()]
    if stock:
        taken: defaultdict[tuple[str, str], float] = defaultdict(float)
        for p in placements:
            for material, quantity in p.stock.items():
                taken[p.order.site, material] += quantity
        rows = [{"site": s, "material": m, "quantity": q} for (s, m), q in taken.items()]
        writes += [
            (MaterialBookingRecord.__table__, "quantity", rows),
            (MaterialReservationRecord.__table__, None, stock),
        ]
    writes += _purchases(placements)
    answers = [
        row_of(IdempotencyRecord, first, site=p.order.site, tenant=tenant, key=key, created_at=p.order.ordered_at)
        for p in placements
        if p.first is not None
        for tenant, key, first in [p.first]
    ]
    if answers:
        writes.append((IdempotencyRecord.__table__, None, answers))
    return writes


def _batches(placements: Sequence[Placement]) -> list[tuple[Table, str | None, list[dict[str, Any]]]]:
    """The writes that add the units `placements` put in batches to each kind's day, and note them per order."""
    filled: dict[tuple[str, str, date, str], dict[str, Any]] = {}
    reservations: list[dict[str, Any]] = []
    for p in placements:
        for (center, day, kind), places in p.batches.items():
            row = {"order_id": p.order.id, "work_center": center, "day": day, "kind": kind.key}
            reservations.append(row | {"units": places.units, "minutes": places.minutes})
            key = (p.order.site, center, day, kind.key)
            if key not in filled:
                filled[key] = {"site": key[0], "work_center": center, "day": day, "kind": kind.key, "units": 0}
                filled[key] |= {"size": kind.size, "cycle": kind.cycle}
            filled[key]["units"] += places.units
    if not reservations:
        return []
    return [
        (BatchBookingRecord.__table__, "units", list(filled.values())),
        (BatchReservationRecord.__table__, None, reservations),
    ]


def _purchases(placements: Sequence[Placement]) -> list[tuple[Table, str | None, list[dict[str, Any]]]]:
    """The writes that add what was bought for `placements` to the promised purchases and their suppliers' weeks."""
    bought: defaultdict[tuple[str, str, str, date], float] = defaultdict(float)
    booked: defaultdict[tuple[str, str, date], float] = defaultdict(float)
    for p in placements:
        for lot in p.lots:
            bought[p.order.site, lot.material, lot.supplier or "", lot.arrives] += lot.quantity
            if lot.supplier is not None:
                booked[p.order.site, lot.supplier, week_start(lot.arrives)] += lot.quantity
    writes: list[tuple[Table, str | None, list[dict[str, Any]]]] = []
    if bought:
        rows = [
            {"site": s, "material": m, "supplier": k, "arrives": d, "quantity": q} for (s, m, k, d), q in bought.items()
        ]
        writes.append((PromisedPurchaseRecord.__table__, "quantity", rows))
    if booked:
        rows = [{"site": s, "supplier": m, "week": w, "quantity": q} for (s, m, w), q in booked.items()]
        writes.append((SupplierBookingRecord.__table__, "quantity", rows))
    return writes


def _change_row(order_id: str, change: OrderChange) -> dict[str, Any]:
    return row_of(OrderChangeRecord, change, order_id=order_id, actor=change.actor[:100])


def record_change(
    session: Session,
    order_id: str,
    at: datetime,
    actor: str,
    from_state: CustomerOrderState | None,
    to_state: CustomerOrderState,
    reason: str,
) -> None:
    change = OrderChange(at, actor, from_state.value if from_state else None, to_state.value, reason)
    session.execute(OrderChangeRecord.__table__.insert(), _change_row(order_id, change))


def locked_order(session: Session, order_id: str) -> CustomerOrderRecord | None:
    """The order's row, locked against a concurrent change until the transaction ends."""
    return session.scalar(select(CustomerOrderRecord).where(CustomerOrderRecord.id == order_id).with_for_update())


def get_order(engine: Engine, order_id: str) -> CustomerOrder | None:
    with Session(engine) as session:
        record = session.get(CustomerOrderRecord, order_id)
        return as_order(record) if record else None


def page_orders(
    engine: Engine, which: OrderFilter, after: tuple[datetime, str] | None, limit: int
) -> list[CustomerOrder]:
    """Up to `limit` orders matching `which`, oldest first, starting after the (ordered_at, id) `after`."""
    table = CustomerOrderRecord
    query = select(table).where(table.site == which.site).order_by(table.ordered_at, table.id).limit(limit)
    for column, value in (
        (table.tenant, which.tenant),
        (table.state, which.state.value if which.state else None),
        (table.product, which.product),
    ):
        if value is not None:
            query = query.where(column == value)
    if which.ordered_from is not None:
        query = query.where(table.ordered_at >= datetime.combine(which.ordered_from, datetime.min.time(), UTC))
    if which.ordered_to is not None:
        query = query.where(table.ordered_at <= datetime.combine(which.ordered_to, datetime.max.time(), UTC))
    if after is not None:
        moment, last_id = after[0].astimezone(UTC), after[1]
        query = query.where(or_(table.ordered_at > moment, and_(table.ordered_at == moment, table.id > last_id)))
    with Session(engine) as session:
        return [as_order(r) for r in session.scalars(query)]


def order_changes(engine: Engine, order_id: str) -> list[OrderChange]:
    query = select(OrderChangeRecord).where(OrderChangeRecord.order_id == order_id).order_by(OrderChangeRecord.id)
    with Session(engine) as session:
        return [record_as(OrderChange, r) for r in session.scalars(query)]


def promise_sequence(engine: Engine, site: str) -> dict[str, int]:
    """The orders of `site` the desk promised, each with its place in the sequence it promised them: the id of its
    promise in the order history, which the desk writes in the order it promises (the time of that row is the
    order's arrival when it is promised ahead of it, so it cannot tell an order imported late from one that came
    early)."""
    query = (
        select(OrderChangeRecord.order_id, func.min(OrderChangeRecord.id))
        .join(CustomerOrderRecord, CustomerOrderRecord.id == OrderChangeRecord.order_id)
        .where(CustomerOrderRecord.site == site, OrderChangeRecord.to_state == CustomerOrderState.PROMISED.value)
        .group_by(OrderChangeRecord.order_id)
    )
    with engine.connect() as connection:
        return {order_id: place for order_id, place in connection.execute(query)}


def first_answer(engine: Engine, site: str, tenant: str, key: str) -> FirstAnswer | None:
    """The first answer given to an Idempotency-Key, once it is on disk: another worker may have committed it
    a moment ago and not yet flushed it (see `booking`), and it is about to be given as an answer."""
    with Session(engine) as session:
        record = session.get(IdempotencyRecord, (site, tenant, key))
        if record is None:
            return None
        answer = record_as(FirstAnswer, record, response=dict(record.response))
        if engine.dialect.name == "postgresql":
            session.execute(text(_FLUSH))
            session.commit()
        return answer


def booked_minutes(
    connection: Connection, site: str, work_centers: Collection[str], start: date, end: date
) -> dict[str, dict[date, float]]:
    """Minutes already promised on each day of [start, end) of each of `work_centers` (days with none are
    absent), in one query."""
    where = {"site": site, "work_centers": list(work_centers), "start": start, "end": end}
    return _by_work_center(work_centers, connection.execute(_BOOKED_IN, where).all())


def booked_batches(
    connection: Connection, site: str, work_centers: Collection[str], start: date, end: date
) -> dict[tuple[str, date, str], int]:
    """The units already promised in batches on each day of [start, end) of each of `work_centers`, per batch kind
    (`BatchKind.key`), in one query."""
    where = {"site": site, "work_centers": list(work_centers), "start": start, "end": end}
    return _filled(connection.execute(_FILLED_IN, where).all())


def _filled(rows: Sequence[Any]) -> dict[tuple[str, date, str], int]:
    """Rows of `_FILLED` (work center, day, kind, units) by work center, day and kind."""
    return {(center, day, kind): units for center, day, kind, units in rows}


def _by_work_center(work_centers: Collection[str], rows: Sequence[Any]) -> dict[str, dict[date, float]]:
    """Rows of `_BOOKED` (work center, day, minutes) by work center, each of `work_centers` there."""
    booked: dict[str, dict[date, float]] = {c: {} for c in work_centers}
    for center, day, minutes in rows:
        booked[center][day] = minutes
    return booked


def commitments(connection: Connection, site: str, since: date) -> Commitments:
    """What the orders of `site` hold of bought material: what they took, what was bought for them, and what
    that booked of suppliers' weeks from the one of `since` on."""
    where = {"site": site, "since": week_start(since)}
    return _commitments(*(connection.execute(s, where).all() for s in (_TAKEN, _BOUGHT, _SUPPLIERS_BOOKED)))


def _answered(rows: Sequence[Any], keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], FirstAnswer]:
    """The first answers among the rows of `_ANSWERED` that were given to `keys` (tenant, key)."""
    wanted = set(keys)
    return {
        (tenant, key): FirstAnswer(request_hash, order_id, status, dict(response))
        for tenant, key, request_hash, order_id, status, response in rows
        if (tenant, key) in wanted
    }


def _commitments(taken: Sequence[Any], bought: Sequence[Any], booked: Sequence[Any]) -> Commitments:
    """Commitments from the rows of `_TAKEN`, `_BOUGHT` and `_SUPPLIERS_BOOKED`."""
    held = Commitments({material: quantity for material, quantity in taken})
    for material, arrives, quantity in bought:
        days = held.bought.setdefault(material, {})
        days[arrives] = days.get(arrives, 0.0) + quantity
    for supplier, week, quantity in booked:
        held.booked.setdefault(supplier, {})[week] = quantity
    return held


def holdings(engine: Engine, order_id: str) -> tuple[list[str], list[str]]:
    """The work centers and the materials an order holds minutes or stock of: what giving them back locks."""
    with Session(engine) as session:
        centers = session.scalars(
            select(CapacityReservationRecord.work_center).where(CapacityReservationRecord.order_id == order_id)
        )
        materials = session.scalars(
            select(MaterialReservationRecord.material).where(MaterialReservationRecord.order_id == order_id)
        )
        return sorted(set(centers)), sorted(set(materials))


def release(session: Session, order_id: str, site: str) -> float:
    """Give back every minute and all the stock an order holds; returns how many minutes."""
    held = session.scalars(select(MaterialReservationRecord).where(MaterialReservationRecord.order_id == order_id))
    for stock in list(held):
        taken = session.get(MaterialBookingRecord, (site, stock.material))
        if taken is not None:
            taken.quantity = max(0.0, taken.quantity - stock.quantity)
        session.delete(stock)
    kept = _release_batches(session, order_id, site)
    reservations = list(
        session.scalars(select(CapacityReservationRecord).where(CapacityReservationRecord.order_id == order_id))
    )
    given = 0.0
    for reservation in reservations:
        minutes = reservation.minutes - kept.get((reservation.work_center, reservation.day), 0.0)
        booking = session.get(CapacityBookingRecord, (site, reservation.work_center, reservation.day))
        if booking is not None:
            booking.minutes = max(0.0, booking.minutes - minutes)
        session.delete(reservation)
        given += minutes
    return given


def _release_batches(session: Session, order_id: str, site: str) -> dict[tuple[str, date], float]:
    """Take an order's units out of the batches it was promised in: a batch it leaves empty frees its cycle,
    whoever opened it, and one that others still fill keeps it. Returns, per work center and day, the minutes of
    the order's capacity reservation that stay booked (the batches it opened less those freed)."""
    kept: defaultdict[tuple[str, date], float] = defaultdict(float)
    held = session.scalars(select(BatchReservationRecord).where(BatchReservationRecord.order_id == order_id))
    for reservation in list(held):
        booking = session.get(BatchBookingRecord, (site, reservation.work_center, reservation.day, reservation.kind))
        freed = reservation.minutes
        if booking is not None:
            left = max(0, booking.units - reservation.units)
            freed = booking.cycle * (math.ceil(booking.units / booking.size) - math.ceil(left / booking.size))
            booking.units = left
        kept[reservation.work_center, reservation.day] += reservation.minutes - freed
        session.delete(reservation)
    return kept


def keep_rejected(engine: Engine, source: str, reason: str, raw: bytes) -> bool:
    """Keep a rejected order as a dead letter, as `orders import` keeps a rejected line; the same bytes from
    the same source (a retried request) are kept once. Returns whether it was kept now."""
    digest = hashlib.sha256(raw).hexdigest()
    with transaction(engine) as session:
        kept = select(DeadLetter.id).where(
            DeadLetter.channel == ORDER_CHANNEL, DeadLetter.source == source, DeadLetter.raw_sha256 == digest
        )
        if session.scalar(kept.limit(1)) is not None:
            return False
        record_dead_letter(session, ORDER_CHANNEL, source, reason, raw)
        return True


API_SOURCE = "api/"
"""What the source of an order refused at the API starts with (then its site, tenant and key)."""


def rejected_from(
    engine: Engine, source_prefix: str, limit: int, files: bool = False, before: int | None = None
) -> list[DeadLetter]:
    """Rejected orders whose source starts with `source_prefix`, and with `files` those of imported files (whose
    source is no API's), newest first; with `before`, those kept before the one of that id (the next page)."""
    mine = and_(
        DeadLetter.source.like(like_prefix(source_prefix) + "%", escape="\\"),
        func.substr(DeadLetter.source, 1, len(source_prefix)) == source_prefix,
    )
    imported = ~DeadLetter.source.like(like_prefix(API_SOURCE) + "%", escape="\\")
    query = select(DeadLetter).where(DeadLetter.channel == ORDER_CHANNEL, or_(mine, imported) if files else mine)
    if before is not None:
        query = query.where(DeadLetter.id < before)
    with Session(engine) as session:
        return list(session.scalars(query.order_by(DeadLetter.id.desc()).limit(limit)))
