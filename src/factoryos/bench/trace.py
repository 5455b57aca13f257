"""Trace at scale (`factoryos bench trace`): a generated genealogy of N finished serials of C components each,
loaded into the store, then backward traces of random serials and forward traces of random supplier lots
timed through the same services `factoryos trace` uses (the recall scope and its orders included).

The history: each unit consumes C - C/10 supplier lots directly and C/10 component serials (a sub-assembly
built for it), each of which consumes a lot of its own; a lot of every material is used in LOT_UNITS units in
a row, its boundaries staggered across materials, so a lot's forward trace reaches LOT_UNITS units, through
a sub-assembly or not. Each unit has two operations and a test, each sub-assembly one operation, and every ten
units are a customer order (the older ones shipped, then built, then in production). On PostgreSQL the rows
go in with COPY, the genealogy's indexes built after the load; `load_seconds` covers generation, loading,
indexing and ANALYZE. The genealogy must be empty to start with; it is emptied again afterwards unless `keep`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, Table, delete, func, select, text
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex

from factoryos.examples import example_plant
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, CustomerOrderState, ProductionOrder, WorkOrder
from factoryos.model.readings import to_us
from factoryos.model.validate import load_plant
from factoryos.store.db import transaction
from factoryos.store.genealogy import GenealogyLink, GenealogyOperation, GenealogyTest
from factoryos.store.orders import save_orders
from factoryos.store.plants import read_plant, store_plant
from factoryos.store.schedule import save_production_orders
from factoryos.store.tables import CustomerOrderRecord, ProductionOrderRecord

LOT_UNITS = 1000
UNITS_PER_ORDER = 10
CHUNK_UNITS = 20_000
START = datetime(2027, 1, 4, tzinfo=UTC)
TAKT_US = 30_000_000
ORDER_PREFIX = "BENCH-TRACE-"
GENEALOGY: tuple[Any, ...] = (GenealogyLink, GenealogyOperation, GenealogyTest)


Trace = Callable[[Engine, str], dict[str, Any]]


def trace_benchmark(
    engine: Engine,
    serials: int,
    components: int,
    traces: tuple[Trace, Trace],
    samples: tuple[int, int] = (300, 50),
    seed: int = 1,
    keep: bool = False,
    reuse: bool = False,
) -> dict[str, Any]:
    """Generate and load the history, then time `samples` backward and forward traces of random serials and
    lots; `traces` are the backward and forward trace (the services `factoryos trace` calls). With `reuse`,
    time the history a run with `keep` left (of the same size) without loading it again (no `load_seconds`)."""
    trace_serial, trace_lot = traces
    backward, forward = samples
    if serials < 1 or components < 1:
        raise FactoryosError(f"--serials and --components must be at least 1, got {serials} and {components}")
    load_seconds = None
    if reuse:
        _must_hold(engine, History(serials, components))
    else:
        _must_be_empty(engine)
        started = time.perf_counter()
        _load(engine, History(serials, components))
        load_seconds = round(time.perf_counter() - started, 1)
    try:
        rng = random.Random(seed)
        history = History(serials, components)
        units = [history.unit(rng.randrange(serials)) for _ in range(backward)]
        lots = [history.random_lot(rng) for _ in range(forward)]
        for unit in units[:5]:
            trace_serial(engine, unit)  # connections and plans warm, as in a running service
        backward_ms = _timed(lambda unit: trace_serial(engine, unit), units)
        reached: list[int] = []
        forward_ms = _timed(lambda lot: reached.append(len(trace_lot(engine, lot)["units"])), lots)
    finally:
        if not keep:
            _empty(engine)
    return {
        "serials": serials,
        "components": components,
        "backward_ms_p99": _p(backward_ms, 99),
        "forward_ms_p99": _p(forward_ms, 99),
        "load_seconds": load_seconds,
        "backward_ms_p50": _p(backward_ms, 50),
        "forward_ms_p50": _p(forward_ms, 50),
        "forward_units_mean": round(sum(reached) / len(reached), 1) if reached else 0,
        "links": history.links,
        "database": engine.dialect.name,
    }


class History:
    """The generated history (see the module docstring), row by row and unit by unit."""

    def __init__(self, serials: int, components: int) -> None:
        self.serials = serials
        self.nested = components // 10
        self.direct = components - self.nested
        self.offsets = [(m * 389) % LOT_UNITS for m in range(components)]
        self.links = serials * (components + self.nested)

    @staticmethod
    def unit(i: int) -> str:
        return f"BT-{i:07d}"

    def lot(self, material: int, i: int) -> str:
        kind = "L" if material < self.direct else "S"
        return f"{kind}{material:02d}-{(i + self.offsets[material]) // LOT_UNITS:05d}"

    def random_lot(self, rng: random.Random) -> str:
        return self.lot(rng.randrange(self.direct + self.nested), rng.randrange(self.serials))

    def rows(self, first: int, last: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
        """The links, operations and tests of units first..last-1."""
        links: list[tuple] = []
        operations: list[tuple] = []
        tests: list[tuple] = []
        for i in range(first, last):
            unit, at = self.unit(i), to_us(START) + i * TAKT_US
            order = i // UNITS_PER_ORDER
            line = f"bench/final/line-{i % 4}"
            assembly = f"{line}/assembly"
            links.extend((unit, self.lot(m, i), at, assembly, "assemble") for m in range(self.direct))
            weld = (at - 7_200_000_000, at - 7_140_000_000)
            for j in range(self.nested):
                kit, cell = f"{unit}/k{j}", f"bench/sub/cell-{j}"
                links.append((unit, kit, at, assembly, "assemble"))
                links.append((kit, self.lot(self.direct + j, i), at - 3_600_000_000, cell, "kit"))
                operations.append((kit, "kit", f"BWO-{order}-kit", cell, at - 3_600_000_000, at - 3_540_000_000, 1))
            operations.append((unit, "weld", f"BWO-{order}-weld", f"bench/body/weld-{i % 8}", *weld, 1))
            operations.append((unit, "assemble", f"BWO-{order}-assy", assembly, at, at + 60_000_000, 1))
            tests.append((unit, "eol", "pass", f"{line}/eol", at + 120_000_000, "[]"))
        return links, operations, tests

    def chunks(self) -> Iterator[tuple[list[tuple], list[tuple], list[tuple]]]:
        for first in range(0, self.serials, CHUNK_UNITS):
            yield self.rows(first, min(first + CHUNK_UNITS, self.serials))


def _must_be_empty(engine: Engine) -> None:
    with engine.connect() as connection:
        for record in GENEALOGY:
            if connection.execute(select(func.count()).select_from(record).limit(1)).scalar():
                raise FactoryosError(
                    f"bench trace needs a database whose genealogy is empty ({record.__tablename__} has rows): "
                    "give it a fresh database with --db"
                )


def _must_hold(engine: Engine, history: History) -> None:
    with engine.connect() as connection:
        held = connection.execute(select(func.count()).select_from(GenealogyLink)).scalar_one()
    if held != history.links:
        raise FactoryosError(
            f"--reuse: the genealogy holds {held:,} links, not the {history.links:,} of this history; "
            "generate it first with --keep and the same --serials and --components"
        )


def _load(engine: Engine, history: History) -> None:
    _orders(engine, history.serials)
    columns = {record: [c.name for c in record.__table__.columns if c.name != "id"] for record in GENEALOGY}
    if engine.dialect.name == "postgresql":
        _copy(engine, history, columns)
        return
    with transaction(engine) as session:
        connection = session.connection()
        for rows in history.chunks():
            for record, batch in zip(GENEALOGY, rows, strict=True):
                names = columns[record]
                connection.execute(record.__table__.insert(), [dict(zip(names, row, strict=True)) for row in batch])


def _copy(engine: Engine, history: History, columns: dict[Any, list[str]]) -> None:
    """COPY the rows in with the genealogy's secondary indexes (and the links' primary key) dropped, then
    build them and ANALYZE: one sorted build is far cheaper than fifty million random index inserts."""
    tables: list[Table] = [record.__table__ for record in GENEALOGY]
    indexes = [index for table in tables for index in table.indexes]
    link_key = GenealogyLink.__table__.primary_key
    with engine.begin() as connection:
        for index in indexes:
            connection.execute(DropIndex(index))
        connection.execute(DropConstraint(link_key))
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            for rows in history.chunks():
                for record, batch in zip(GENEALOGY, rows, strict=True):
                    names = ", ".join(columns[record])
                    with cursor.copy(f"COPY {record.__tablename__} ({names}) FROM STDIN") as copy:
                        copy.write("".join("\t".join(map(str, row)) + "\n" for row in batch))
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        connection.execute(AddConstraint(link_key))
        for index in indexes:
            connection.execute(CreateIndex(index))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.execute(text(f"ANALYZE {table.name}"))


def _orders(engine: Engine, serials: int) -> None:
    """A customer order and its production order per ten units: the older 60 % shipped, the next 20 % built."""
    plant = _plant(engine)
    product_id, product = next(iter(plant.products.items()))
    customer = next(c for c, v in plant.customers.items() if v.tenant == product.tenant)
    count = -(-serials // UNITS_PER_ORDER)
    customers, productions = [], []
    for k in range(count):
        share = k / count
        state = (
            CustomerOrderState.SHIPPED
            if share < 0.6
            else CustomerOrderState.BUILT
            if share < 0.8
            else CustomerOrderState.IN_PRODUCTION
        )
        co = f"{ORDER_PREFIX}{k}"
        due = date(2027, 12, 31)
        customers.append(
            CustomerOrder(
                co, plant.site.id, product.tenant, customer, product_id, {}, UNITS_PER_ORDER, START, due, state
            )
        )
        po = ProductionOrder(f"BPO-{k}", plant.site.id, product.material, UNITS_PER_ORDER, {}, due, co)
        steps = enumerate(("weld", "kit", "assy"))
        po.work_orders = [WorkOrder(f"BWO-{k}-{op}", po.id, n, op, UNITS_PER_ORDER) for n, op in steps]
        productions.append(po)
    save_orders(engine, customers)
    for first in range(0, count, 10_000):
        with transaction(engine) as session:
            save_production_orders(session, productions[first : first + 10_000])


def _plant(engine: Engine):
    try:
        return read_plant(engine, None)
    except FactoryosError:
        store_plant(engine, load_plant(example_plant("appliance-plant")), "appliance-plant.yaml")
        return read_plant(engine, None)


def _empty(engine: Engine) -> None:
    """Remove the generated history; the genealogy was empty before, so on PostgreSQL a TRUNCATE does it."""
    with transaction(engine) as session:
        if engine.dialect.name == "postgresql":
            session.execute(text(f"TRUNCATE {', '.join(record.__tablename__ for record in GENEALOGY)}"))
        else:
            for record in GENEALOGY:
                session.execute(delete(record))
        session.execute(delete(ProductionOrderRecord).where(ProductionOrderRecord.id.like("BPO-%")))
        session.execute(delete(CustomerOrderRecord).where(CustomerOrderRecord.id.like(f"{ORDER_PREFIX}%")))


def _timed(call, items: list[str]) -> list[float]:
    times = []
    for item in items:
        begin = time.perf_counter()
        call(item)
        times.append((time.perf_counter() - begin) * 1000)
    return times


def _p(values: list[float], percent: float) -> float:
    return round(float(np.percentile(values, percent)), 2) if values else 0.0
