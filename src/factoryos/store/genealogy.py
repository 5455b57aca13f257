"""The genealogy store: links (parent -> consumed serial or lot), operations and tests of each serial, and the
units scrapped, kept as the floor's `operation`, `test` and `count` events are stored, and the traversals over
them.

Sized for millions of units of fifty components: a link row is two short keys, a time and where; its
primary key (parent, child) serves the backward trace (serial -> tree) and the index (child, parent) the
forward one (lot -> every unit containing it). Operations are indexed by serial and by (equipment, start)
for an equipment's output over a window. Both traversals are recursive CTEs with UNION, which keeps each
node once: a diamond (a lot reached through two sub-assemblies) is visited once and a cycle ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    BindParameter,
    CompoundSelect,
    Connection,
    Engine,
    Index,
    Integer,
    String,
    TextClause,
    bindparam,
    func,
    literal,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from factoryos.model.readings import EQUIPMENT_LENGTH
from factoryos.quality.genealogy import (
    Completion,
    Facts,
    Link,
    OperationSpan,
    OrderLink,
    Scrap,
    TestResult,
    order_keys,
)
from factoryos.store.db import Base, like_prefix, row_of
from factoryos.store.tables import CustomerOrderRecord, ProductionOrderRecord, WorkOrderRecord
from factoryos.store.telemetry import MeasurementRecord

ID_LENGTH = 200
CHUNK = 500
"""Keys per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits."""


class GenealogyLink(Base):
    """`parent` consumed `child` (a serial or a lot), first seen in `operation` on `equipment` at `ts_us`."""

    __tablename__ = "genealogy_links"
    __table_args__ = (Index("ix_genealogy_links_child", "child", "parent"),)
    parent: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    child: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    ts_us: Mapped[int] = mapped_column(BigInteger)
    equipment: Mapped[str] = mapped_column(String(EQUIPMENT_LENGTH))
    operation: Mapped[str] = mapped_column(String(ID_LENGTH))


class GenealogyOperation(Base):
    """An operation of a serial on a piece of equipment for a work order, from start to completion (None
    while it runs); `quantity` is how many units the serial stands for (more than one for a lot)."""

    __tablename__ = "genealogy_operations"
    __table_args__ = (
        Index("ix_genealogy_operations_serial", "serial", "start_us"),
        Index("ix_genealogy_operations_equipment", "equipment", "start_us"),
        Index("ix_genealogy_operations_work_order", "work_order"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    serial: Mapped[str] = mapped_column(String(ID_LENGTH))
    operation: Mapped[str] = mapped_column(String(ID_LENGTH))
    work_order: Mapped[str] = mapped_column(String(ID_LENGTH))
    equipment: Mapped[str] = mapped_column(String(EQUIPMENT_LENGTH))
    start_us: Mapped[int] = mapped_column(BigInteger)
    end_us: Mapped[int | None] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)


class GenealogyTest(Base):
    """A test of a serial, with its result and measurements."""

    __tablename__ = "genealogy_tests"
    __table_args__ = (Index("ix_genealogy_tests_serial", "serial", "ts_us"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    serial: Mapped[str] = mapped_column(String(ID_LENGTH))
    test: Mapped[str] = mapped_column(String(ID_LENGTH))
    result: Mapped[str] = mapped_column(String(8))
    equipment: Mapped[str] = mapped_column(String(EQUIPMENT_LENGTH))
    ts_us: Mapped[int] = mapped_column(BigInteger)
    measurements: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class GenealogyScrap(Base):
    """A unit scrapped at `ts_us` on `equipment`, with its options if any (a unit is scrapped once: the first word
    of it stands). Indexed by equipment and time, where the counts of scrap find the configuration of each."""

    __tablename__ = "genealogy_scrap"
    __table_args__ = (Index("ix_genealogy_scrap_equipment", "equipment", "ts_us"),)
    serial: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    equipment: Mapped[str] = mapped_column(String(EQUIPMENT_LENGTH))
    ts_us: Mapped[int] = mapped_column(BigInteger)
    configuration: Mapped[dict[str, str] | None] = mapped_column(JSON)


def record(connection: Connection, facts: Facts) -> None:
    """Store the genealogy facts of newly stored events (in the caller's transaction). A link or a scrap already
    known is kept as first seen; a completion closes the latest open run of its operation, or stands alone."""
    insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    for table, keys, rows in (
        (GenealogyLink, ["parent", "child"], facts.links),
        (GenealogyScrap, ["serial"], facts.scraps),
    ):
        if rows:
            connection.execute(
                insert(table).on_conflict_do_nothing(index_elements=keys), [row_of(table, row) for row in rows]
            )
    spans = facts.spans + _close(connection, facts.completions)
    if spans:
        connection.execute(GenealogyOperation.__table__.insert(), [row_of(GenealogyOperation, span) for span in spans])
    if facts.tests:
        connection.execute(
            GenealogyTest.__table__.insert(),
            [row_of(GenealogyTest, test, measurements=list(test.measurements)) for test in facts.tests],
        )


def _close(connection: Connection, completions: list[Completion]) -> list[OperationSpan]:
    """Close the stored open operations the completions end; returns spans for completions with no start."""
    if not completions:
        return []
    table = GenealogyOperation
    open_runs: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for serials in _chunks(sorted({c.serial for c in completions})):
        query = select(table.id, table.serial, table.operation, table.equipment, table.start_us).where(
            table.serial.in_(serials), table.end_us.is_(None)
        )
        for row_id, serial, operation, equipment, start_us in connection.execute(query):
            open_runs.setdefault((serial, operation, equipment), []).append((start_us, row_id))
    closed: list[dict[str, int]] = []
    alone: list[OperationSpan] = []
    for completion in sorted(completions, key=lambda c: c.ts_us):
        runs = sorted(open_runs.get((completion.serial, completion.operation, completion.equipment), []))
        started = [run for run in runs if run[0] <= completion.ts_us]
        if started:
            open_runs[(completion.serial, completion.operation, completion.equipment)].remove(started[-1])
            closed.append({"row": started[-1][1], "end": completion.ts_us})
        else:
            alone.append(
                OperationSpan(
                    completion.serial,
                    completion.operation,
                    completion.work_order,
                    completion.equipment,
                    completion.ts_us,
                    completion.ts_us,
                    completion.quantity,
                )
            )
    if closed:
        statement = update(table).where(table.id == bindparam("row")).values(end_us=bindparam("end"))
        connection.execute(statement.execution_options(synchronize_session=False), closed)
    return alone


def _chunks(keys: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(keys), CHUNK):
        yield keys[start : start + CHUNK]


# Traversals.


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for traces. A trace follows a few links per node through the indexes, but PostgreSQL
    cannot estimate a recursive CTE's size and, on tens of millions of links, plans a hash join over the
    whole table at every step (seconds instead of milliseconds): so, for these reads only, nested loops, no
    parallel workers and no JIT compilation (either costs more to start than the query takes), set in one
    statement (on a busy server each round trip costs milliseconds)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(_TRACE_SETTINGS)
        yield connection


_TRACE_SETTINGS = text(
    "SELECT set_config('jit', 'off', true), set_config('enable_hashjoin', 'off', true), "
    "set_config('enable_mergejoin', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"
)

_BACKWARD = text(
    """WITH RECURSIVE tree(parent, child, ts_us, equipment, operation) AS (
        SELECT parent, child, ts_us, equipment, operation FROM genealogy_links WHERE parent = :serial
        UNION
        SELECT l.parent, l.child, l.ts_us, l.equipment, l.operation
        FROM genealogy_links l JOIN tree t ON l.parent = t.child
    ),
    items(id) AS (SELECT CAST(:serial AS VARCHAR(200)) UNION SELECT child FROM tree)
    SELECT 'link' AS kind, parent, child, operation, equipment, ts_us,
        CAST(NULL AS BIGINT), CAST(NULL AS INTEGER), CAST(NULL AS JSON) AS measurements
    FROM tree
    UNION ALL
    SELECT 'operation', serial, operation, work_order, equipment, start_us, end_us, quantity, NULL
    FROM genealogy_operations WHERE serial IN (SELECT id FROM items)
    UNION ALL
    SELECT 'test', serial, test, result, equipment, ts_us, NULL, NULL, measurements
    FROM genealogy_tests WHERE serial IN (SELECT id FROM items)"""
).columns(measurements=JSON)
"""A serial's links at any depth, the operations and the tests of it and of everything in it, in one statement
(on a busy server each round trip costs milliseconds), as (kind, serial or parent, child or operation or test,
operation or work order or result, equipment, time or start, end, quantity, measurements) rows."""

_FORWARD = """WITH RECURSIVE up(id) AS (
        {seed}
        UNION
        SELECT l.parent FROM genealogy_links l JOIN up ON l.child = up.id
    )
    SELECT up.id, NOT EXISTS (SELECT 1 FROM genealogy_links p WHERE p.child = up.id) AS top FROM up"""

_FROM_ITEM = text(_FORWARD.format(seed="SELECT CAST(:item AS VARCHAR(200))"))
_FROM_EQUIPMENT = text(
    _FORWARD.format(
        seed="""SELECT serial FROM genealogy_operations
        WHERE (equipment = :equipment OR (equipment LIKE :under ESCAPE '\\'
                                          AND substr(equipment, 1, length(:equipment) + 1) = :equipment || '/'))
          AND start_us < :end_us AND (end_us IS NULL OR end_us >= :start_us)"""
    )
)


_BELOW = text(
    """WITH RECURSIVE down(parent, child) AS (
        SELECT parent, child FROM genealogy_links WHERE parent IN :items
        UNION
        SELECT l.parent, l.child FROM genealogy_links l JOIN down d ON l.parent = d.child
    )
    SELECT parent, child FROM down"""
).bindparams(bindparam("items", expanding=True))


def below(connection: Connection, items: Iterable[str]) -> dict[str, set[str]]:
    """What the stored genealogy has below `items` at any depth: each item met -> what it consumed."""
    found: dict[str, set[str]] = {}
    for chunk in _chunks(sorted(set(items))):
        for parent, child in connection.execute(_BELOW, {"items": list(chunk)}):
            found.setdefault(parent, set()).add(child)
    return found


def backward(connection: Connection, serial: str) -> tuple[list[Link], list[OperationSpan], list[TestResult]]:
    """Every link below `serial` at any depth, in the order they were made; the operations of `serial` and of
    everything in it, by serial and start; and their tests, by serial and time."""
    links: list[Link] = []
    spans: list[OperationSpan] = []
    tests: list[TestResult] = []
    for kind, item, name, detail, equipment, ts_us, end_us, quantity, measurements in connection.execute(
        _BACKWARD, {"serial": serial}
    ):
        if kind == "link":
            links.append(Link(item, name, ts_us, equipment, detail))
        elif kind == "operation":
            spans.append(OperationSpan(item, name, detail, equipment, ts_us, end_us, quantity))
        else:
            tests.append(TestResult(item, name, detail, equipment, ts_us, tuple(measurements or ())))
    links.sort(key=lambda link: (link.ts_us, link.parent, link.child))
    spans.sort(key=lambda span: (span.serial, span.start_us))
    tests.sort(key=lambda test: (test.serial, test.ts_us))
    return links, spans, tests


def containing(connection: Connection, item: str) -> dict[str, bool]:
    """`item` and everything containing it at any depth, each with whether nothing contains it in turn."""
    return {row[0]: bool(row[1]) for row in connection.execute(_FROM_ITEM, {"item": item})}


def passed(connection: Connection, equipment: str, start_us: int, end_us: int) -> dict[str, bool]:
    """What was worked on `equipment` (or equipment under it) during [start_us, end_us) and everything
    containing it, each with whether nothing contains it in turn."""
    under = like_prefix(equipment) + "/%"
    parameters = {"equipment": equipment, "under": under, "start_us": start_us, "end_us": end_us}
    return {row[0]: bool(row[1]) for row in connection.execute(_FROM_EQUIPMENT, parameters)}


def known(connection: Connection, item: str) -> bool:
    """Whether the genealogy has heard of `item`: as a serial worked on or tested, or as a thing consumed."""
    for column in (
        GenealogyOperation.serial,
        GenealogyLink.parent,
        GenealogyLink.child,
        GenealogyTest.serial,
    ):
        if connection.execute(select(column).where(column == item).limit(1)).first() is not None:
            return True
    return False


def worked_on(connection: Connection, equipment: str) -> bool:
    """Whether anything was worked on `equipment` or on equipment under it (with its case, on every database:
    SQLite's LIKE ignores it)."""
    column = GenealogyOperation.equipment
    under = func.substr(column, 1, len(equipment) + 1) == equipment + "/"
    return connection.execute(select(column).where((column == equipment) | under).limit(1)).first() is not None


def serials_starting(connection: Connection, prefix: str) -> list[str]:
    """The serials worked on whose id starts with `prefix` (with its case)."""
    column = GenealogyOperation.serial
    query = select(column).where(func.substr(column, 1, len(prefix)) == prefix)
    return list(connection.execute(query.distinct()).scalars())


def operations(connection: Connection, serials: Iterable[str]) -> list[OperationSpan]:
    """The operations of `serials`, in one query per CHUNK serials."""
    table = GenealogyOperation
    found: list[OperationSpan] = []
    for chunk in _chunks(sorted(set(serials))):
        query = select(
            table.serial,
            table.operation,
            table.work_order,
            table.equipment,
            table.start_us,
            table.end_us,
            table.quantity,
        ).where(table.serial.in_(chunk))
        found.extend(OperationSpan(*row) for row in connection.execute(query))
    return found


_SCRAPS = select(GenealogyScrap.serial, GenealogyScrap.equipment, GenealogyScrap.ts_us, GenealogyScrap.configuration)
"""A scrap as `quality.genealogy.Scrap` takes it."""


def scrapped(connection: Connection, serials: Iterable[str]) -> dict[str, Scrap]:
    """Of `serials`, those scrapped, with where and when."""
    found: dict[str, Scrap] = {}
    for chunk in _chunks(sorted(set(serials))):
        query = _SCRAPS.where(GenealogyScrap.serial.in_(chunk))
        found.update((row[0], Scrap(*row)) for row in connection.execute(query))
    return found


def scraps_under(connection: Connection, equipment_prefix: str) -> list[Scrap]:
    """The units scrapped on equipment under `equipment_prefix`."""
    equipment = GenealogyScrap.equipment
    query = _SCRAPS.where(
        equipment.like(like_prefix(equipment_prefix) + "%", escape="\\"),
        func.substr(equipment, 1, len(equipment_prefix)) == equipment_prefix,
    )
    return [Scrap(*row) for row in connection.execute(query)]


def order_links(
    connection: Connection, serials: Iterable[str], work: Iterable[tuple[str, str]] | None = None
) -> dict[str, OrderLink]:
    """The orders each serial was built for, found from the (serial, work order) pairs of its operations
    (`work`, when the caller holds them already; read here otherwise): a stored work order's production order
    and that one's customer order (or a production or customer order named directly)."""
    serials = set(serials)
    if work is None:
        work = [(span.serial, span.work_order) for span in operations(connection, serials)]
    keys_of: dict[str, set[str]] = {}
    for serial, work_order in work:
        if work_order:
            keys_of.setdefault(serial, set()).update(order_keys(work_order))
    to_production: dict[str, str] = {}
    production: dict[str, tuple[str | None, str]] = {}
    customer: dict[str, str] = {}
    for chunk in _chunks(sorted(set().union(*keys_of.values()))):
        for kind, key, pointer, state in connection.execute(_ORDERS, {"keys": chunk}):
            if kind == "work":
                to_production[key] = pointer
            elif kind == "production":
                production[key] = (pointer, state)
            else:
                customer[key] = state
    return {serial: _link(keys_of.get(serial, set()), to_production, production, customer) for serial in serials}


_KEYS: BindParameter[list[str]] = bindparam("keys", expanding=True)
_VIA_WORK = select(WorkOrderRecord.production_order).where(WorkOrderRecord.id.in_(_KEYS))
_ORDERS: CompoundSelect[Any] = union_all(
    select(literal("work"), WorkOrderRecord.id, WorkOrderRecord.production_order, null()).where(
        WorkOrderRecord.id.in_(_KEYS)
    ),
    *(
        select(
            literal("production"),
            ProductionOrderRecord.id,
            ProductionOrderRecord.customer_order,
            ProductionOrderRecord.state,
        ).where(ProductionOrderRecord.id.in_(ids))
        for ids in (_KEYS, _VIA_WORK)
    ),
    *(
        select(literal("customer"), CustomerOrderRecord.id, null(), CustomerOrderRecord.state).where(
            CustomerOrderRecord.id.in_(ids)
        )
        for ids in (
            _KEYS,
            select(ProductionOrderRecord.customer_order).where(ProductionOrderRecord.id.in_(_KEYS)),
            select(ProductionOrderRecord.customer_order).where(ProductionOrderRecord.id.in_(_VIA_WORK)),
        )
    ),
)
"""Work orders by id; production orders by id or through those work orders; customer orders by id or through
those production orders: (kind, id, what it points to, state) rows of one statement, where a lookup per kind
would be three round trips. A branch per path (not an OR of them) keeps every lookup on a primary key."""


def _link(
    keys: set[str],
    to_production: dict[str, str],
    production: dict[str, tuple[str | None, str]],
    customer: dict[str, str],
) -> OrderLink:
    for key in sorted(keys):
        po = to_production.get(key, key)
        if po in production:
            co, state = production[po]
            return OrderLink(co, customer.get(co) if co else None, po, state)
    for key in sorted(keys):
        if key in customer:
            return OrderLink(key, customer[key])
    return OrderLink()


def completions(
    connection: Connection, serials: Iterable[str], operations: Iterable[str]
) -> dict[tuple[str, str], int]:
    """When each of `serials` last completed each of `operations`, by (serial, operation) (a pair that never
    completed is absent)."""
    table = GenealogyOperation
    names = sorted(set(operations))
    found: dict[tuple[str, str], int] = {}
    for chunk in _chunks(sorted(set(serials))):
        query = (
            select(table.serial, table.operation, func.max(table.end_us))
            .where(table.serial.in_(chunk), table.operation.in_(names), table.end_us.is_not(None))
            .group_by(table.serial, table.operation)
        )
        for serial, operation, end in connection.execute(query):
            if end is not None:
                found[serial, operation] = end
    return found


def serials_of_order(connection: Connection, order_id: str) -> set[str]:
    """The units built for a customer order (`serials_of_orders`)."""
    return serials_of_orders(connection, [order_id])[order_id]


def serials_of_orders(connection: Connection, order_ids: Iterable[str]) -> dict[str, set[str]]:
    """The units built for each customer order: the serials worked for it (`serials_worked_for`), less those
    built into another of its units."""
    found = serials_worked_for(connection, order_ids)
    parents = _parents(connection, set().union(*found.values()))
    return {order: {s for s in serials if not parents.get(s, set()) & serials} for order, serials in found.items()}


def serials_worked_for(connection: Connection, order_ids: Iterable[str]) -> dict[str, set[str]]:
    """The serials worked on for each customer order, its units' parts too: under its production orders' work
    orders, under its production orders or itself named directly, or as `ORDER#unit`. A few statements per
    CHUNK keys for all the orders at once, not a few for each."""
    orders = sorted(set(order_ids))
    production, work = ProductionOrderRecord, WorkOrderRecord
    customers: dict[str, set[str]] = {}  # a production order -> the customer orders it is for
    for production_order, customer_order in _pointing(connection, production, production.customer_order, orders):
        customers.setdefault(production_order, set()).add(customer_order)
    named = {order: {order} for order in orders}  # a name of `NAME#unit` work -> the orders it stands for
    for production_order, owners in customers.items():
        named.setdefault(production_order, set()).update(owners)
    worked = {name: set(owners) for name, owners in named.items()}  # a work order as named -> the same
    for work_order, production_order in _pointing(connection, work, work.production_order, sorted(customers)):
        worked.setdefault(work_order, set()).update(customers[production_order])
    found: dict[str, set[str]] = {order: set() for order in orders}
    table = GenealogyOperation
    for chunk in _chunks(sorted(worked)):
        query = select(table.work_order, table.serial).where(table.work_order.in_(chunk)).distinct()
        for work_order, serial in connection.execute(query):
            for order in worked[work_order]:
                found[order].add(serial)
    for chunk in _chunks(sorted(named)):
        for name, serial in connection.execute(*_units_named(chunk)):
            for order in named[name]:
                found[order].add(serial)
    return found


def _pointing(connection: Connection, record: Any, pointer: Any, targets: Sequence[str]) -> list[tuple[str, str]]:
    """(id, target) of the `record`s whose `pointer` is one of `targets`."""
    return [
        (key, target)
        for chunk in _chunks(targets)
        for key, target in connection.execute(select(record.id, pointer).where(pointer.in_(chunk)))
    ]


def _units_named(names: Sequence[str]) -> tuple[TextClause, dict[str, str]]:
    """The statement of (name, serial) pairs worked on under a work order `NAME#...`, for each of `names`, and its
    parameters: one pass over the operations for all the names (a LIKE cannot use their work order index), each
    operation whose work order has a `#` matched against each name (CROSS JOIN keeps SQLite from scanning the
    operations once per name)."""
    rows = ", ".join(f"(:name_{k}, :pattern_{k})" for k in range(len(names)))
    statement = text(
        f"WITH named(name, pattern) AS (VALUES {rows}) "
        "SELECT DISTINCT named.name, o.serial FROM genealogy_operations o CROSS JOIN named "
        "WHERE o.work_order LIKE '%#%' AND o.work_order LIKE named.pattern ESCAPE '\\' "
        "AND substr(o.work_order, 1, length(named.name) + 1) = named.name || '#'"
    )
    parameters = {}
    for k, name in enumerate(names):
        parameters[f"name_{k}"] = name
        parameters[f"pattern_{k}"] = like_prefix(name) + "#%"
    return statement, parameters


READING_WINDOWS = 250
"""Operation windows per readings statement: a UNION ALL of one SELECT each, inside SQLite's 500 terms."""


def readings_during(
    connection: Connection, windows: Sequence[tuple[str, int, int]], limit: int
) -> Iterator[tuple[int, int, str, float, str | None]]:
    """(k, ts_us, name, value, unit) of the first `limit` measurements of each window's equipment from its start
    to its end (k its index), READING_WINDOWS windows a statement."""
    for first in range(0, len(windows), READING_WINDOWS):
        chunk = windows[first : first + READING_WINDOWS]
        parameters: dict[str, Any] = {}
        for k, (equipment, start_us, end_us) in enumerate(chunk):
            parameters |= {f"equipment_{k}": equipment, f"start_{k}": start_us, f"end_{k}": end_us}
        for k, ts_us, name, value, unit in connection.execute(_readings_statement(len(chunk), limit), parameters):
            yield first + k, ts_us, name, value, unit


@lru_cache(maxsize=64)
def _readings_statement(count: int, limit: int) -> CompoundSelect:
    """The readings statement for `count` windows, the k-th bound as equipment_k, start_k and end_k: built once
    per count, as building it costs more than running it."""
    table = MeasurementRecord
    parts = []
    for k in range(count):
        during = (
            select(table.ts_us, table.name, table.value, table.unit)
            .where(
                table.equipment == bindparam(f"equipment_{k}"),
                table.ts_us >= bindparam(f"start_{k}"),
                table.ts_us <= bindparam(f"end_{k}"),
            )
            .order_by(table.ts_us)
            .limit(limit)
            .subquery()
        )
        parts.append(select(literal(k).label("k"), *during.c))
    return union_all(*parts)


def _parents(connection: Connection, serials: set[str]) -> dict[str, set[str]]:
    """What each of `serials` was built into (those built into nothing are absent)."""
    found: dict[str, set[str]] = {}
    for chunk in _chunks(sorted(serials)):
        query = select(GenealogyLink.child, GenealogyLink.parent).where(GenealogyLink.child.in_(chunk))
        for child, parent in connection.execute(query):
            found.setdefault(child, set()).add(parent)
    return found


_MAKEUP = text(
    """WITH RECURSIVE items(id) AS (
        SELECT CAST(:serial AS VARCHAR(200))
        UNION
        SELECT l.child FROM genealogy_links l JOIN items i ON l.parent = i.id
    )
    SELECT id, CAST(NULL AS VARCHAR(200)), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT) FROM items
    UNION ALL
    SELECT serial, equipment, start_us, end_us FROM genealogy_operations WHERE serial IN (SELECT id FROM items)"""
)
"""A serial and everything in it at any depth, as (id, NULL, NULL, NULL) rows, and the operations of those, as
(serial, equipment, start, end) rows: what a hold asks of a unit, without the links' details and the tests that
a trace reads (`_BACKWARD`)."""


def makeup(connection: Connection, serial: str) -> tuple[set[str], list[tuple[str, int, int | None]]]:
    """A unit's serial and everything in it, and every operation of those on equipment (path, start, end), in
    no particular order: a hold asks whether any of them is in its scope."""
    items: set[str] = set()
    visits: list[tuple[str, int, int | None]] = []
    for item, equipment, start_us, end_us in connection.execute(_MAKEUP, {"serial": serial}):
        if equipment is None:
            items.add(item)
        else:
            visits.append((equipment, start_us, end_us))
    return items, visits
