"""A hold's scope when placed is the state as of its placed_at: a unit scrapped after the hold was placed was not
scrapped then. On the hand-built history (tests/quality/history.py) with three bodies of our own welded on weld-1
for CO-3 (in production): BODY-A scrapped at its weld, BODY-B good, BODY-C scrapped at assembly an hour after the
hold on weld-1 is placed. The demo's "when placed" row counted BODY-C as scrapped."""

from __future__ import annotations

import pytest

from factoryos.services.holds import held_scope, place_hold
from factoryos.store.timeseries import TelemetryStore

from .history import ASSY, WELD_1, History, at

PLACED = 23.0


def bodies() -> History:
    h = History(source="weld-floor")
    h.operation("BODY-A", WELD_1, 20, None, work_order="CO-3#1", operation="weld")
    h.completion("BODY-A", WELD_1, 20.5, "CO-3#1", "weld", scrapped=True)
    h.operation("BODY-B", WELD_1, 21, 21.5, work_order="CO-3#2", operation="weld")
    h.operation("BODY-C", WELD_1, 22, 22.5, work_order="CO-3#3", operation="weld")
    h.operation("BODY-C", ASSY, 23.2, None, work_order="CO-3#3", operation="assemble")
    h.completion("BODY-C", ASSY, 24, "CO-3#3", "assemble", scrapped=True)
    return h


@pytest.fixture
def welded(traced):
    TelemetryStore(traced).append(bodies().events)
    return traced


def test_a_hold_when_placed_counts_only_the_units_scrapped_before_it(welded):
    hold = place_hold(welded, "equipment", WELD_1, "spatter", "spc-watch", at(PLACED), start=at(19.5), end=at(30))
    placed = held_scope(welded, hold, as_of=hold.placed_at)["recall"]
    assert placed["scrapped"] == ["BODY-A"]
    assert placed["in process"] == ["BODY-B", "BODY-C"]
    assert [(o["order"], o["serials"]) for o in placed["orders"]] == [("CO-3", ["BODY-B", "BODY-C"])]
    later = held_scope(welded, hold)["recall"]
    assert (later["scrapped"], later["in process"]) == (["BODY-A", "BODY-C"], ["BODY-B"])


def test_a_hold_when_placed_covers_what_its_equipment_had_worked_by_then(welded):
    """Its window cut at placed_at: a body welded after the hold was placed was still to come."""
    hold = place_hold(welded, "equipment", WELD_1, "spatter", "spc-watch", at(21.2), start=at(19.5), end=at(30))
    assert held_scope(welded, hold, as_of=hold.placed_at)["units"] == ["BODY-A", "BODY-B"]
    assert held_scope(welded, hold)["units"] == ["BODY-A", "BODY-B", "BODY-C"]


def bodies_of_a_lot() -> History:
    """Two more bodies of the wire lot WIRE-9: BODY-D scrapped before the hold, BODY-E after."""
    h = History(source="wire-floor")
    h.operation("BODY-D", WELD_1, 20, None, ("WIRE-9",), "CO-3#4", operation="weld")
    h.completion("BODY-D", WELD_1, 20.5, "CO-3#4", "weld", scrapped=True)
    h.operation("BODY-E", WELD_1, 21, None, ("WIRE-9",), "CO-3#5", operation="weld")
    h.completion("BODY-E", WELD_1, 23.5, "CO-3#5", "weld", scrapped=True)
    return h


def test_a_lot_hold_when_placed_counts_only_the_units_scrapped_before_it(welded):
    TelemetryStore(welded).append(bodies_of_a_lot().events)
    hold = place_hold(welded, "lot", "WIRE-9", "wire out of spec", "qe", at(PLACED))
    placed = held_scope(welded, hold, as_of=hold.placed_at)["recall"]
    assert (placed["scrapped"], placed["in process"]) == (["BODY-D"], ["BODY-E"])
    assert held_scope(welded, hold)["recall"]["scrapped"] == ["BODY-D", "BODY-E"]
