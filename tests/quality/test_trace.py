"""Genealogy and trace on a small hand-built history (tests/quality/history.py), on SQLite and PostgreSQL:
backward and forward through a lot split and a merge, an equipment's window, the recall scope, and bad input.
The expected sets are read off the history's diagram, not computed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from factoryos.quality.genealogy import LotTests, TestResult, TraceError, tally_lots
from factoryos.services.trace import trace_equipment, trace_lot, trace_serial
from factoryos.store.timeseries import TelemetryStore

from .history import ASSY, MIX, WELD_1, History, at, history


def test_a_car_traces_back_through_its_body_to_the_split_lot_and_through_the_merge(traced):
    trace = trace_serial(traced, "CAR-1")
    components = {(c["id"], c["in"], c["kind"]) for c in trace["components"]}
    assert components == {
        ("BODY-1", "CAR-1", "serial"),
        ("PAINT-M", "CAR-1", "lot"),
        ("STEEL-1A", "BODY-1", "lot"),
        ("STEEL-1", "STEEL-1A", "lot"),
        ("PAINT-1", "PAINT-M", "lot"),
        ("PAINT-2", "PAINT-M", "lot"),
    }
    operations = {(o["serial"], o["equipment"]) for o in trace["operations"]}
    assert ("BODY-1", WELD_1) in operations
    assert ("CAR-1", ASSY) in operations
    assert ("STEEL-1A", "mini-site/store/split") in operations
    assert [(t["serial"], t["result"]) for t in trace["tests"]] == [("CAR-1", "pass")]
    assert trace["order"]["customer_order"] == "CO-1"
    assert trace["order"]["production_order"] == "PO-1"


def test_operations_carry_their_start_and_completion_and_a_retest_keeps_both_results(traced):
    trace = trace_serial(traced, "CAR-2")
    car = [o for o in trace["operations"] if o["serial"] == "CAR-2"]
    assert [(o["start"], o["end"]) for o in car] == [(at(11).isoformat(), at(12).isoformat())]
    assert [t["result"] for t in trace["tests"]] == ["fail", "pass"]
    assert trace["tests"][0]["measurements"][0]["value"] == 0.4


def test_a_split_lot_traces_forward_through_both_halves(traced):
    trace = trace_lot(traced, "STEEL-1")
    assert trace["units"] == ["CAR-1", "CAR-2"]
    assert set(trace["via"]) == {"STEEL-1A", "STEEL-1B", "BODY-1", "BODY-2"}


def test_a_merged_lot_reaches_the_units_of_the_merge_and_its_own(traced):
    trace = trace_lot(traced, "PAINT-2")
    assert trace["units"] == ["CAR-1", "CAR-2", "CAR-4"]
    assert trace["via"] == ["PAINT-M"]
    assert trace_lot(traced, "PAINT-1")["units"] == ["CAR-1", "CAR-2"]


def test_a_component_serial_traces_forward_to_its_car(traced):
    assert trace_lot(traced, "BODY-3")["units"] == ["CAR-3"]


def test_the_recall_scope_splits_units_by_their_orders_state(traced):
    recall = trace_lot(traced, "PAINT-2")["recall"]
    assert recall["shipped"] == ["CAR-1"]
    assert recall["in stock"] == ["CAR-2"]
    assert recall["in process"] == ["CAR-4"]
    assert [(o["order"], o["state"], o["serials"]) for o in recall["orders"]] == [
        ("CO-1", "shipped", ["CAR-1"]),
        ("CO-2", "built", ["CAR-2"]),
        ("CO-3", "in-production", ["CAR-4"]),
    ]


def test_a_unit_with_no_order_known_is_in_stock_once_its_operations_are_done(traced):
    recall = trace_lot(traced, "SEAL-1")["recall"]
    assert recall["in stock"] == ["CAR-5"]
    assert recall["orders"] == []


def test_an_equipment_window_reaches_what_was_worked_there_then(traced):
    morning = trace_equipment(traced, WELD_1, at(5.5), at(8))
    assert morning["units"] == ["CAR-1"]
    whole_day = trace_equipment(traced, WELD_1, at(0), at(24))
    assert whole_day["units"] == ["CAR-1", "CAR-3"]
    cell = trace_equipment(traced, "mini-site/shop/body-cell", at(0), at(24))
    assert cell["units"] == ["CAR-1", "CAR-2", "CAR-3"]
    assert trace_equipment(traced, WELD_1, at(20), at(24))["units"] == []


def test_equipment_paths_are_matched_with_their_case_on_every_database(traced):
    with pytest.raises(TraceError, match="nothing was ever worked on 'mini-site/shop/BODY-CELL'"):
        trace_equipment(traced, "mini-site/shop/BODY-CELL", at(0), at(24))
    assert trace_equipment(traced, "mini-site/shop/body-cell", at(0), at(24))["units"]


def test_an_operation_still_running_counts_in_a_window_after_its_start(traced):
    assert trace_equipment(traced, ASSY, at(13.5), at(14))["units"] == ["CAR-4"]


def test_unknown_serials_and_lots_and_bad_windows_are_one_line_errors(traced):
    with pytest.raises(TraceError, match="unknown serial 'CAR-99'"):
        trace_serial(traced, "CAR-99")
    with pytest.raises(TraceError, match="unknown lot or serial 'NOPE'"):
        trace_lot(traced, "NOPE")
    with pytest.raises(TraceError, match="ends .* at or before it starts"):
        trace_equipment(traced, WELD_1, at(8), at(8) - timedelta(hours=1))
    with pytest.raises(TraceError, match="equipment path"):
        trace_equipment(traced, "/", at(0), at(1))


def test_storing_the_same_events_again_changes_nothing(traced):
    before = trace_serial(traced, "CAR-2")
    TelemetryStore(traced).append(history())
    assert trace_serial(traced, "CAR-2") == before


def test_lots_a_completion_reports_are_linked_as_those_of_a_start(traced):
    """A floor that books what a unit consumed when it finishes (backflush) names the lots on the completion."""
    backflush = History(source="backflush")
    backflush.completion("CAR-6", ASSY, 16, "WO-6", "assemble", consumed_lots=["GLUE-7"])
    TelemetryStore(traced).append(backflush.events)
    assert trace_lot(traced, "GLUE-7")["units"] == ["CAR-6"]
    assert {c["id"] for c in trace_serial(traced, "CAR-6")["components"]} == {"GLUE-7"}


def test_a_completion_without_its_start_keeps_the_work_order_it_names(traced):
    """A floor whose start was lost (or that reports completions only) still says which work the unit was for."""
    late = History(source="late")
    late.completion("CAR-7", ASSY, 16, "WO-7", "assemble")
    TelemetryStore(traced).append(late.events)
    operations = trace_serial(traced, "CAR-7")["operations"]
    assert [(o["work_order"], o["start"], o["end"]) for o in operations] == [
        ("WO-7", at(16).isoformat(), at(16).isoformat())
    ]


def test_a_completion_without_its_start_keeps_the_quantity_it_names(traced):
    """A lot mixed on a floor that reports completions only is still a lot in the unit it went into (it was
    stored as one unit, so the trace called it a serial)."""
    late = History(source="late")
    late.completion("PAINT-8", MIX, 16, "WO-8-mix", "mix", quantity=50)
    late.completion("CAR-8", ASSY, 17, "WO-8", "assemble", consumed_lots=["PAINT-8"])
    TelemetryStore(traced).append(late.events)
    assert [(c["id"], c["kind"]) for c in trace_serial(traced, "CAR-8")["components"]] == [("PAINT-8", "lot")]
    assert [o["quantity"] for o in trace_serial(traced, "PAINT-8")["operations"]] == [50]


def test_a_unit_of_more_operations_than_one_statement_takes_traces_with_each_operations_readings(engine):
    """A chain of 600 units, each built from the one before on weld-1, one minute apart, a current reading in each
    minute: the last unit traces through all 600 operations (SQLite allows 500 terms in one compound SELECT),
    each operation with its own reading."""
    from factoryos.model.validate import load_plant
    from factoryos.store.plants import store_plant

    from .history import MINI

    store_plant(engine, load_plant(MINI), "mini.yaml")
    chain = History("chain")
    for k in range(600):
        consumed = (f"CH-{k - 1}",) if k else ()
        chain.operation(f"CH-{k}", WELD_1, k / 60, (k + 0.5) / 60, consumed)
        chain.measurement(WELD_1, (k + 0.25) / 60, "current", k, "A")
    TelemetryStore(engine).append(chain.events)
    operations = trace_serial(engine, "CH-599")["operations"]
    assert len(operations) == 600
    assert {o["serial"]: [m["value"] for m in o["measurements"]] for o in operations} == {
        f"CH-{k}": [k] for k in range(600)
    }


def test_a_lots_results_of_one_test_read_as_one_tally_and_a_serials_own_stay_as_they_are():
    """A unit built from a press lot of 960 traced to 960 lines of the lot's panel check; they read as one."""
    car = TestResult("CAR-1", "eol", "pass", "eol-1", 50)
    pressed = [
        TestResult("LOT-9", "panel-check", result, press, ts)
        for result, press, ts in (("pass", "press-1", 10), ("fail", "press-2", 20), ("pass", "press-1", 30))
    ]
    leak = TestResult("LOT-9", "leak", "pass", "press-1", 40)
    assert tally_lots([pressed[0], car, *pressed[1:], leak], {"LOT-9"}) == [
        LotTests("LOT-9", "panel-check", "fail", "press-1, press-2", 10, 30, 3, 1),
        car,
        LotTests("LOT-9", "leak", "pass", "press-1", 40, 40, 1, 0),
    ]
