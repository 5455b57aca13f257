"""Trace: a serial back to its parts, machines and tests; a lot, a component or an equipment's window forward
to every unit containing it, with the recall scope (shipped, in stock, in process, scrapped, and the customer
orders).

The use cases behind `factoryos trace` (and the API, and the demo's quality stage). Each answer is plain
JSON-ready data; times are ISO 8601 in UTC.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from factoryos.model.readings import from_us, to_us
from factoryos.quality.genealogy import (
    LotTests,
    OperationSpan,
    TestResult,
    TraceError,
    in_number_order,
    largest_quantities,
    lots,
    recall_scope,
    tally_lots,
    unit_status,
    window_us,
)
from factoryos.quality.holds import Hold
from factoryos.store import genealogy
from factoryos.store import holds as hold_store

MEASUREMENTS_PER_OPERATION = 50
"""Sensor readings shown per operation at most: a trace is for reading, the time series is in the store."""


def trace_serial(engine: Engine, serial: str) -> dict[str, Any]:
    """Backward trace: every component serial and lot in `serial` (at any depth, with what it went into,
    where and when), every operation of them with its equipment, time, work order and the sensor readings
    taken during it, every test result (its own first; a lot's results tallied per test), the orders it was built
    for, its status (`unit_status`: scrapped, with where and when, or as its order stands), and the holds covering
    it, placed or released (with the disposition that decided what became of it: a unit scrapped on release
    says so)."""
    with genealogy.reading(engine) as connection:
        links, spans, tests = genealogy.backward(connection, serial)
        items = {serial} | {link.child for link in links}
        if not (links or spans or tests):
            _must_know(connection, serial, "serial")
        kinds = lots(items - {serial}, largest_quantities(spans))
        readings = _readings(connection, spans)
        work = [(span.serial, span.work_order) for span in spans if span.serial == serial]
        order = genealogy.order_links(connection, [serial], work)[serial]
        scrap = genealogy.scrapped(connection, [serial]).get(serial)
        running = any(span.serial == serial and span.end_us is None for span in spans)
        covering = _covering(connection, items, spans)
        return {
            "serial": serial,
            "status": unit_status(order, running, scrap is not None),
            "scrapped": None if scrap is None else {"equipment": scrap.equipment, "at": _iso(scrap.ts_us)},
            "order": {
                "customer_order": order.customer_order,
                "state": order.customer_state,
                "production_order": order.production_order,
                "production_state": order.production_state,
            },
            "components": [
                {
                    "id": link.child,
                    "kind": "lot" if link.child in kinds else "serial",
                    "in": link.parent,
                    "operation": link.operation,
                    "equipment": link.equipment,
                    "at": _iso(link.ts_us),
                }
                for link in links
            ],
            "operations": [_fact(span, measurements=readings.get(k, [])) for k, span in enumerate(spans)],
            "tests": [_fact(test) for test in sorted(tally_lots(tests, kinds), key=lambda t: t.serial != serial)],
            "holds": [hold_document(hold) for hold in covering],
        }


def trace_lot(engine: Engine, lot: str, as_of: datetime | None = None) -> dict[str, Any]:
    """Forward trace of a supplier lot or a component serial: every unit containing it, and the recall scope (with
    `as_of`, a unit scrapped only if it was by then: `_forward`)."""
    with genealogy.reading(engine) as connection:
        found = genealogy.containing(connection, lot)
        if len(found) == 1:  # nothing contains it: is it known at all?
            _must_know(connection, lot, "lot or serial")
        return {"lot": lot, **_forward(connection, found, exclude={lot}, as_of=as_of)}


def trace_equipment(
    engine: Engine, equipment: str, start: datetime, end: datetime, as_of: datetime | None = None
) -> dict[str, Any]:
    """Forward trace of an equipment's output over [start, end): every unit worked on there then (or on
    equipment under that path), every unit containing one, and the recall scope (with `as_of`, a unit scrapped
    only if it was by then: `_forward`)."""
    start_us, end_us = window_us(start, end)
    if not equipment.strip("/"):
        raise TraceError("--equipment: give an equipment path, e.g. site/area/line/station")
    with genealogy.reading(engine) as connection:
        if not genealogy.worked_on(connection, equipment.strip("/")):
            raise TraceError(
                f"nothing was ever worked on {equipment!r} (or under it): give the equipment's full path, "
                "site/area/work-center[/unit]"
            )
        found = genealogy.passed(connection, equipment.rstrip("/"), start_us, end_us)
        return {
            "equipment": equipment,
            "from": start.isoformat(),
            "to": end.isoformat(),
            **_forward(connection, found, exclude=set(), as_of=as_of),
        }


def trace_serials(engine: Engine, serials: Iterable[str], as_of: datetime | None = None) -> dict[str, Any]:
    """Forward trace of serials (a serial range's): every unit that is one of them or contains one, and the
    recall scope (with `as_of`, a unit scrapped only if it was by then: `_forward`)."""
    found: dict[str, bool] = {}
    with genealogy.reading(engine) as connection:
        for serial in serials:
            for item, top in genealogy.containing(connection, serial).items():
                found[item] = found.get(item, False) or top
        return _forward(connection, found, exclude=set(), as_of=as_of)


def _forward(
    connection: Connection, found: dict[str, bool], exclude: set[str], as_of: datetime | None = None
) -> dict[str, Any]:
    """Units (serials nothing else contains), lots left in stock that contain it, what lies between, and the
    recall scope of the units; with `as_of`, only the units scrapped before it are scrapped (a recall scope as it
    stood then: one scrapped later was still where its order stood)."""
    tops = {item for item, top in found.items() if top and item not in exclude}
    spans = genealogy.operations(connection, tops)
    stock = lots(tops, largest_quantities(spans))
    units = tops - stock
    links = genealogy.order_links(connection, units, [(s.serial, s.work_order) for s in spans if s.serial in units])
    running = {s.serial for s in spans if s.serial in units and s.end_us is None}
    scraps = genealogy.scrapped(connection, units).values()
    scrapped = {s.serial for s in scraps if as_of is None or s.ts_us < to_us(as_of)}
    scope = recall_scope(links, running, scrapped)
    return {
        "units": sorted(units, key=in_number_order),
        "lots": sorted(stock),
        "via": sorted(set(found) - tops - exclude),
        "recall": scope,
    }


def _must_know(connection: Connection, item: str, what: str) -> None:
    if not item or not genealogy.known(connection, item):
        raise TraceError(f"unknown {what} {item!r}: no operation, test or consumption of it is stored")


def _covering(connection: Connection, items: set[str], spans: list[OperationSpan]) -> list[Hold]:
    with Session(bind=connection) as session:
        every = hold_store.holds(session, active_only=False)
    visits = [(span.equipment, span.start_us, span.end_us) for span in spans]
    return [hold for hold in every if hold.covers(items, visits)]


def _fact(fact: OperationSpan | TestResult | LotTests, **more: Any) -> dict[str, Any]:
    """A genealogy fact as JSON: its fields in order, a time in microseconds as ISO text under its name without
    `_us` (`ts_us` as `at`), a tuple as a list."""
    document: dict[str, Any] = {}
    for field in dataclasses.fields(fact):
        value = getattr(fact, field.name)
        if field.name.endswith("_us"):
            document["at" if field.name == "ts_us" else field.name.removesuffix("_us")] = _iso(value)
        else:
            document[field.name] = list(value) if isinstance(value, tuple) else value
    return document | more


def _readings(connection: Connection, spans: list[OperationSpan]) -> dict[int, list[dict[str, Any]]]:
    """The sensor readings of each operation's equipment during it (by the span's index; the first
    MEASUREMENTS_PER_OPERATION of each)."""
    windows = [(span.equipment, span.start_us, span.end_us or span.start_us) for span in spans]
    found: dict[int, list[dict[str, Any]]] = {}
    for k, ts_us, name, value, unit in genealogy.readings_during(connection, windows, MEASUREMENTS_PER_OPERATION):
        found.setdefault(k, []).append({"at": _iso(ts_us), "name": name, "value": value, "unit": unit})
    for readings in found.values():
        readings.sort(key=lambda reading: reading["at"])
    return found


def hold_document(hold: Hold) -> dict[str, Any]:
    """A hold as plain JSON-ready data."""
    return {
        "id": hold.id,
        "scope": hold.scope.value,
        "target": hold.target,
        "last": hold.last,
        "from": _when(hold.start),
        "to": _when(hold.end),
        "reason": hold.reason,
        "placed_by": hold.placed_by,
        "placed_at": _when(hold.placed_at),
        "released_at": _when(hold.released_at),
        "released_by": hold.released_by,
        "disposition": hold.disposition.value if hold.disposition else None,
        "release_note": hold.release_note,
    }


def _iso(ts_us: int | None) -> str | None:
    return None if ts_us is None else from_us(ts_us).isoformat()


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
