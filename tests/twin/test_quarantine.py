"""The twin obeys every kind of hold: on a lot made in the run (drawn by sub-assemblies that go into different
finished units), on a serial range, and on an equipment's output over a window. What each hold should keep
back is worked out independently from the run's own event log (who consumed what, who was worked on where and
when); a second run of the same seed with the hold must keep back exactly those units, ship none of them, and
build everything else as before."""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest

from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.model.readings import to_us
from factoryos.quality.holds import Hold, HoldScope, covering
from factoryos.twin.finished_goods import FinishedUnit
from factoryos.twin.scenarios import prepare

from .small_plants import BASE, small_plant

DAYS = 5
SEED = 3
PLACED = datetime(2027, 1, 1, tzinfo=UTC)  # when a hold was placed plays no part in what it covers


def bracket_plant():
    """A gadget is its plate and a bracket made per unit beside it (a kit), bent from a blank, joined and
    checked; blanks are fired in lots of four and drawn from stock, so one lot of blanks ends up in the
    brackets of several gadgets."""
    materials = copy.deepcopy(BASE["materials"])
    materials["blank"] = {"kind": "component", "source": "make", "lot_size": {"rule": "fixed", "quantity": 4}}
    materials["bracket"] = {"kind": "sub-assembly", "source": "make"}
    routings = copy.deepcopy(BASE["routings"])
    routings["blank"] = {"operations": [{"id": "fire", "capability": "fire", "run_minutes": 20.0, "batch_size": 8}]}
    routings["bracket"] = {"operations": [{"id": "bend", "capability": "dry", "run_minutes": 1.0}]}
    routings["gadget"] = {"operations": [{"id": "check", "capability": "check", "run_minutes": 1.0}]}
    boms = copy.deepcopy(BASE["boms"])
    boms["bracket"] = [{"component": "blank", "quantity": 1}]
    boms["gadget"] = [{"component": "plate", "quantity": 1}, {"component": "bracket", "quantity": 1}]
    products = copy.deepcopy(BASE["products"])
    products["gadget"]["demand"]["units_per_day"] = 100  # within capacity
    return small_plant(materials=materials, routings=routings, boms=boms, products=products)


def run(held=None):
    """A run of the bracket plant: its finished units (the ledger) and its operation events."""
    bus = EventBus()
    prepared = prepare(bracket_plant(), "smart", DAYS, SEED, bus=bus, warmup_days=0, held=held)
    ledger: dict[str, FinishedUnit] = {}
    prepared.floor.finished_goods.ledger = ledger
    prepared.floor.run(prepared.horizon)
    return ledger, list(bus.store.read(EventKind.OPERATION)), prepared.epoch


@pytest.fixture(scope="module")
def free():
    return run()


def containing(events, seeds: set[str]) -> set[str]:
    """Every serial containing one of `seeds` at any depth, by the consumption the events record."""
    consumers = defaultdict(set)
    for event in events:
        if event.payload["phase"] == "started":
            for item in event.payload["consumed_lots"]:
                consumers[item].add(event.payload["serial"])
    found, frontier = set(seeds), list(seeds)
    while frontier:
        for parent in consumers[frontier.pop()] - found:
            found.add(parent)
            frontier.append(parent)
    return found


def worked_on(events, equipment: str, start_us: int, end_us: int) -> set[str]:
    """The serials with an operation on `equipment` overlapping [start_us, end_us), pairing each start with its
    completion in the log."""
    open_at: dict[tuple[str, str], int] = {}
    found = set()
    for event in sorted(events, key=lambda e: e.seq):
        if event.equipment != equipment:
            continue
        key = (event.payload["serial"], event.payload["operation"])
        if event.payload["phase"] == "started":
            open_at[key] = to_us(event.ts)
        else:
            begun, ended = open_at.pop(key), to_us(event.ts)
            if begun < end_us and ended >= start_us:
                found.add(key[0])
    return found


def hold(scope: str, target: str, **more) -> Hold:
    return Hold(1, HoldScope(scope), target, "suspect", "qe.smith", PLACED, **more)


def check(free, placed: Hold, expected: set[str]) -> None:
    """A run with `placed` keeps back exactly `expected` (never shipped), and builds the same units as without."""
    ledger, _, _ = run(covering([placed]))
    before, _, _ = free
    assert set(ledger) == set(before)
    assert {serial for serial, unit in ledger.items() if unit.held} == expected
    assert all(ledger[serial].shipped is None for serial in expected)
    shipped_before = {s for s, u in before.items() if u.shipped is not None}
    assert {s for s, u in ledger.items() if u.shipped is not None} == shipped_before - expected


def test_a_hold_on_a_lot_keeps_back_the_units_its_sub_assemblies_went_into(free):
    ledger, events, _ = free
    drawn_by = defaultdict(set)
    for event in events:
        for item in event.payload.get("consumed_lots", ()):
            if item.startswith("LOT-blank"):
                drawn_by[item].add(event.payload["serial"])
    finished_from = {lot: containing(events, {lot}) & set(ledger) for lot, kits in drawn_by.items() if len(kits) > 1}
    lot, expected = max(finished_from.items(), key=lambda item: (len(item[1]), item[0]))
    assert len(expected) >= 2  # the lot split across brackets of different gadgets, both finished
    assert all("/" not in unit for unit in expected)  # the units, reached through the brackets
    check(free, hold("lot", lot), expected)


def test_a_hold_on_an_equipments_output_keeps_back_what_passed_it_in_the_window(free):
    ledger, events, _ = free
    bends = [e for e in events if e.payload["operation"] == "bracket/bend"]
    middle = bends[len(bends) // 2]
    dryer, start = middle.equipment, middle.ts - timedelta(minutes=30)
    end = start + timedelta(hours=1)
    passed = worked_on(events, dryer, to_us(start), to_us(end))
    expected = containing(events, passed) & set(ledger)
    assert passed - set(ledger)  # brackets (kits) among what passed the dryer
    assert 0 < len(expected) < len(ledger)
    check(free, hold("equipment", dryer, start=start, end=end), expected)


def test_a_hold_on_a_serial_range_keeps_back_those_units(free):
    ledger, _, _ = free
    units = sorted(ledger)
    first, last = units[10], units[20]
    expected = {u for u in ledger if first <= u <= last}
    check(free, hold("serials", first, last=last), expected)


def test_a_released_hold_keeps_nothing_back(free):
    ledger, _, _ = free
    units = sorted(ledger)
    released = Hold(1, HoldScope.SERIALS, units[0], "suspect", "qe.smith", PLACED, last=units[-1], released_at=PLACED)
    check(free, released, set())


def test_each_unit_draws_a_part_made_in_lots_from_one_lot(kiln_plant):
    """The kiln plant makes blanks in lots of 40 into its supermarket, one a plate: every plate's blank comes
    from one lot (lots are whole blanks, so no draw straddles the boundary to the next lot), and a lot's recall
    grows by no plate of the lot beside it."""
    bus = EventBus()
    prepared = prepare(kiln_plant, "smart", 10, SEED, bus=bus, warmup_days=0)
    prepared.floor.run(prepared.horizon)
    blanks_per_unit: dict[str, set[str]] = defaultdict(set)
    for event in bus.store.read(EventKind.OPERATION):
        if event.payload["phase"] == "started":
            blanks_per_unit[event.payload["serial"]].update(
                lot for lot in event.payload["consumed_lots"] if "blank" in lot
            )
    drawn = {serial: lots for serial, lots in blanks_per_unit.items() if lots}
    assert len({lot for lots in drawn.values() for lot in lots}) > 3  # several lots
    assert all(len(lots) == 1 for lots in drawn.values())
