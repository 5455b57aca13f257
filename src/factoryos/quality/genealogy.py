"""Serial genealogy: what each unit is made of, where it was worked on, and what it passed.

The floor says it in `operation` events (the serial worked on, the equipment, the lots and serials it
consumed, and on a completion whether it scrapped the serial) and `test` events. Here they become plain facts: a
`Link` from a parent to each thing it consumed, an `OperationSpan` from an operation's start to its completion,
a `TestResult`, and a `Scrap`. The genealogy is a
graph, not a tree: a lot split into sub-lots is a link from each sub-lot to the lot, a merge a link from
the merged lot to each of its sources, so both trace through like any assembly.

A consumed thing is a serial when it was made here one at a time, and a lot otherwise (bought, or made in
lots of more than one). A unit's status in a recall is scrapped when the floor scrapped it (its order is built
with the unit made again in its place, under another serial: a recall never names a scrapped unit); else it
follows its order's lifecycle: shipped when its customer order is, in stock when its order is built (or, with no
order known, once none of its operations is open), in process otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from factoryos.model.errors import FactoryosError
from factoryos.model.events import Event, EventKind
from factoryos.model.readings import to_us

Status = Literal["shipped", "in stock", "in process", "scrapped"]
STATUSES: tuple[Status, ...] = ("shipped", "in stock", "in process", "scrapped")


class TraceError(FactoryosError):
    """A trace asked of something the genealogy does not know, or over a window that is not one."""


@dataclass(frozen=True, slots=True)
class Link:
    """`parent` consumed `child` (a serial or a lot) in `operation` on `equipment` at `ts_us`."""

    parent: str
    child: str
    ts_us: int
    equipment: str
    operation: str


@dataclass(frozen=True, slots=True)
class OperationSpan:
    """An operation of a serial on a piece of equipment, for a work order; `end_us` is None while it runs.
    `quantity` is how many units the serial stands for (a lot's size)."""

    serial: str
    operation: str
    work_order: str
    equipment: str
    start_us: int
    end_us: int | None
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class Completion:
    """An operation's completion, matched to its start by (serial, operation, equipment); the work order and
    quantity it names stand for the operation's when no start is known."""

    serial: str
    operation: str
    work_order: str
    equipment: str
    ts_us: int
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class TestResult:
    """A test of a serial: pass or fail, with its measurements (name, value, unit, low, high)."""

    __test__ = False  # not a pytest class
    serial: str
    test: str
    result: str
    equipment: str
    ts_us: int
    measurements: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Scrap:
    """A unit scrapped at `ts_us` on `equipment`: the operation it completed there scrapped it. `configuration`:
    its options, where it has any."""

    serial: str
    equipment: str
    ts_us: int
    configuration: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class LotTests:
    """One test over the units of a lot, tallied: how many units were tested and how many failed, on which
    equipment, from the first result to the last."""

    serial: str
    test: str
    result: str
    equipment: str
    first_us: int
    last_us: int
    units: int
    failed: int


def tally_lots(tests: Iterable[TestResult], lots: set[str]) -> list[TestResult | LotTests]:
    """`tests` with those of each lot in `lots` tallied per test (in the order of each lot test's first result):
    a lot's units are tested one by one under the lot's name, and a trace of one unit built from a lot of 960
    reads one line for them, not 960."""
    kept: list[TestResult | list[TestResult]] = []
    by_lot: dict[tuple[str, str], list[TestResult]] = {}
    for test in tests:
        if test.serial not in lots:
            kept.append(test)
        elif (key := (test.serial, test.test)) in by_lot:
            by_lot[key].append(test)
        else:
            kept.append(by_lot.setdefault(key, [test]))
    return [item if isinstance(item, TestResult) else _tally(item) for item in kept]


def _tally(tests: list[TestResult]) -> LotTests:
    failed = sum(test.result != "pass" for test in tests)
    equipment = ", ".join(sorted({test.equipment for test in tests}))
    first, last = min(t.ts_us for t in tests), max(t.ts_us for t in tests)
    return LotTests(
        tests[0].serial, tests[0].test, "fail" if failed else "pass", equipment, first, last, len(tests), failed
    )


@dataclass
class Facts:
    """What a batch of events says about genealogy: links, operations (opened, or closed within the batch),
    completions of operations opened earlier, tests, and units scrapped."""

    links: list[Link] = field(default_factory=list)
    spans: list[OperationSpan] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    tests: list[TestResult] = field(default_factory=list)
    scraps: list[Scrap] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.links or self.spans or self.completions or self.tests or self.scraps)


def genealogy_facts(events: Iterable[Event]) -> Facts:
    """The genealogy facts of `events` (other kinds, and operations without a serial, say nothing of it). A start
    and its completion in the same batch become one closed span; a completion that scrapped its serial, a Scrap."""
    facts = Facts()
    open_spans: dict[tuple[str, str, str], list[int]] = {}
    for event in sorted(events, key=lambda e: e.ts):
        payload = event.payload
        if event.kind is EventKind.TEST:
            facts.tests.append(_test(event))
            continue
        if event.kind is not EventKind.OPERATION or not payload.get("serial"):
            continue
        serial, operation, ts_us = payload["serial"], payload["operation"], to_us(event.ts)
        key = (serial, operation, event.equipment)
        facts.links.extend(  # the lots consumed, whether the floor books them at the start or at the completion
            Link(serial, child, ts_us, event.equipment, operation)
            for child in dict.fromkeys(payload.get("consumed_lots", ()))
        )
        if payload.get("scrapped") and payload["phase"] == "completed":
            facts.scraps.append(Scrap(serial, event.equipment, ts_us, payload.get("configuration")))
        if payload["phase"] == "started":
            open_spans.setdefault(key, []).append(len(facts.spans))
            facts.spans.append(
                OperationSpan(
                    serial,
                    operation,
                    payload["work_order"],
                    event.equipment,
                    ts_us,
                    None,
                    payload.get("quantity", 1),
                )
            )
        elif open_spans.get(key):
            index = open_spans[key].pop()
            span = facts.spans[index]
            facts.spans[index] = OperationSpan(
                span.serial, span.operation, span.work_order, span.equipment, span.start_us, ts_us, span.quantity
            )
        else:
            facts.completions.append(
                Completion(serial, operation, payload["work_order"], event.equipment, ts_us, payload.get("quantity", 1))
            )
    return facts


def cycle_closing(links: Iterable[Link], below: Mapping[str, Iterable[str]]) -> list[Link]:
    """The links that would make a thing contain itself, taken in time order: a parent consuming what already
    contains it, by what the stored genealogy has below each item (`below`: item -> what it consumed) and the
    links before. Floor data that says so is wrong, and a trace forward through it would reach no unit.

    Only a link to something that consumes in turn can be on a way back to a parent (a lot consumes nothing),
    so the links to anything else are not walked: a car's dozens of lots cost a set lookup each."""
    links = list(links)
    parents = set(below) | {link.parent for link in links}
    graph = {item: {child for child in children if child in parents} for item, children in below.items()}
    closing = []
    for link in sorted((link for link in links if link.child in parents), key=lambda link: link.ts_us):
        if _reaches(graph, link.child, link.parent):
            closing.append(link)
        else:
            graph.setdefault(link.parent, set()).add(link.child)
    return closing


def _reaches(graph: Mapping[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = {start}, [start]
    while stack:
        item = stack.pop()
        if item == goal:
            return True
        fresh = graph.get(item, set()) - seen
        seen |= fresh
        stack.extend(fresh)
    return False


def _test(event: Event) -> TestResult:
    payload = event.payload
    return TestResult(
        payload["serial"],
        payload["test"],
        payload["result"],
        event.equipment,
        to_us(event.ts),
        tuple(payload.get("measurements", ())),
    )


def lots(items: Iterable[str], largest: Mapping[str, int]) -> set[str]:
    """Those of `items` that are lots: never worked on here one at a time (`largest` is the largest quantity
    each item was worked on in; an item bought in is absent)."""
    return {item for item in items if largest.get(item, 0) != 1}


def largest_quantities(spans: Iterable[OperationSpan]) -> dict[str, int]:
    """The largest quantity each serial was worked on in, from its operations (for `lots`)."""
    largest: dict[str, int] = {}
    for span in spans:
        largest[span.serial] = max(largest.get(span.serial, 0), span.quantity)
    return largest


def window_us(start: datetime, end: datetime) -> tuple[int, int]:
    """A time window [start, end) in microseconds, or a TraceError when it is empty or reversed."""
    if start.tzinfo is None or end.tzinfo is None:
        raise TraceError("a trace window needs times with a time zone (UTC)")
    if end <= start:
        raise TraceError(f"the window ends ({end.isoformat()}) at or before it starts ({start.isoformat()})")
    return to_us(start), to_us(end)


@dataclass(frozen=True)
class OrderLink:
    """The orders a unit was built for, with their states; None where not known."""

    customer_order: str | None = None
    customer_state: str | None = None
    production_order: str | None = None
    production_state: str | None = None


def order_keys(work_order: str) -> tuple[str, ...]:
    """Where a work order id may point: itself (a work, production or customer order), and the order before
    a `#` (the twin names a unit's work `ORDER#unit` when it runs without a schedule)."""
    head = work_order.split("#", 1)[0]
    return (work_order,) if head == work_order or not head else (work_order, head)


def unit_status(order: OrderLink, operations_open: bool, scrapped: bool = False) -> Status:
    """Where a unit stands for a recall (see the module docstring)."""
    if scrapped:
        return "scrapped"
    if order.customer_state == "shipped":
        return "shipped"
    if order.customer_state == "built" or order.production_state == "completed":
        return "in stock"
    if order.customer_state is None and order.production_state is None and not operations_open:
        return "in stock"
    return "in process"


def in_number_order(serial: str) -> tuple[tuple[int, str], ...]:
    """A serial's sort key that reads its digits as numbers: MO-1, MO-2 … MO-11, not MO-1, MO-11 … MO-9."""
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"(\d+)", serial))


def recall_scope(units: Mapping[str, OrderLink], open_units: set[str], scrapped: set[str]) -> dict[str, Any]:
    """The units to recall split by status, and per customer order (with its state) the units of it that are not
    scrapped (what is to be done about the order), each in number order."""
    split: dict[str, list[str]] = {status: [] for status in STATUSES}
    orders: dict[str, dict[str, Any]] = {}
    for serial in sorted(units, key=in_number_order):
        link = units[serial]
        status = unit_status(link, serial in open_units, serial in scrapped)
        split[status].append(serial)
        if link.customer_order is not None and status != "scrapped":
            entry = orders.setdefault(
                link.customer_order, {"order": link.customer_order, "state": link.customer_state, "serials": []}
            )
            entry["serials"].append(serial)
    return {**split, "orders": [orders[k] for k in sorted(orders, key=in_number_order)]}
