"""A unit the floor scrapped is `scrapped`, never shipped, in stock or in process, and a recall never names it:
on the hand-built history (tests/quality/history.py) with one car more of the shipped order CO-1, CAR-6, which
fails its electrical-safety test and is counted as scrap, and the car made again in its place, CAR-6-remade-1,
which passes and ships; both bodies are welded from the steel lot STEEL-3. The order's state says shipped for
both: only the completion of CAR-6's test operation, which says it scrapped the car, tells them apart."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from factoryos.quality.genealogy import STATUSES, OrderLink, Scrap, genealogy_facts, recall_scope, unit_status
from factoryos.report.quality import containment_section
from factoryos.services.holds import held_scope, place_hold
from factoryos.services.trace import trace_equipment, trace_lot, trace_serial
from factoryos.store.db import make_engine
from factoryos.store.timeseries import TelemetryStore

from .history import ASSY, EOL, WELD_1, WELD_2, History, at, store_history
from .test_cli import run

NOW = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
SCRAPPED, REMADE = "CAR-6", "CAR-6-remade-1"


def scrap_history() -> History:
    """CAR-6 failed and scrapped, CAR-6-remade-1 made in its place under the same work orders, and passed."""
    h = History(source="scrap-floor")
    h.operation("BODY-6", WELD_1, 16, 16.5, ("STEEL-3",), "WO-1-weld", operation="weld")
    h.operation(SCRAPPED, ASSY, 17, 18, ("BODY-6",), "WO-1-assy", operation="assemble")
    h.operation(SCRAPPED, EOL, 18, None, work_order="WO-1-assy", operation="test")
    h.test(SCRAPPED, 18.2, "fail", 0.3)
    h.completion(SCRAPPED, EOL, 18.2, "WO-1-assy", "test", scrapped=True)
    h.operation("BODY-7", WELD_2, 19, 19.5, ("STEEL-3",), "WO-1-weld", operation="weld")
    h.operation(REMADE, ASSY, 20, 21, ("BODY-7",), "WO-1-assy", operation="assemble")
    h.operation(REMADE, EOL, 21, None, work_order="WO-1-assy", operation="test")
    h.test(REMADE, 21.2, "pass", 500.0)
    h.completion(REMADE, EOL, 21.2, "WO-1-assy", "test", scrapped=False)
    return h


@pytest.fixture
def scrapped(traced):
    TelemetryStore(traced).append(scrap_history().events)
    return traced


def test_only_a_completion_that_scrapped_its_serial_says_a_unit_was_scrapped():
    facts = genealogy_facts(scrap_history().events)
    assert facts.scraps == [Scrap(SCRAPPED, EOL, facts.scraps[0].ts_us)]  # REMADE's completion says it did not


def test_scrapped_goes_before_the_orders_state_whatever_it_is():
    for state in ("shipped", "built", "in-production", None):
        assert unit_status(OrderLink("CO-1", state), operations_open=False, scrapped=True) == "scrapped"
    scope = recall_scope(
        {SCRAPPED: OrderLink("CO-1", "shipped"), REMADE: OrderLink("CO-1", "shipped")}, set(), {SCRAPPED}
    )
    assert (scope["shipped"], scope["scrapped"]) == ([REMADE], [SCRAPPED])
    assert scope["orders"] == [{"order": "CO-1", "state": "shipped", "serials": [REMADE]}]


def test_a_forward_trace_recalls_the_unit_made_again_not_the_one_scrapped(scrapped):
    recall = trace_lot(scrapped, "STEEL-3")["recall"]
    assert recall["shipped"] == [REMADE]
    assert recall["scrapped"] == [SCRAPPED]
    assert recall["in stock"] == recall["in process"] == []
    assert [(o["order"], o["serials"]) for o in recall["orders"]] == [("CO-1", [REMADE])]
    window = trace_equipment(scrapped, WELD_1, at(15), at(17))["recall"]  # only the scrapped car's body
    assert (window["shipped"], window["scrapped"], window["orders"]) == ([], [SCRAPPED], [])


def test_a_backward_trace_says_the_unit_was_scrapped_where_and_when(scrapped):
    document = trace_serial(scrapped, SCRAPPED)
    assert document["status"] == "scrapped"
    assert document["scrapped"] == {"equipment": EOL, "at": at(18.2).isoformat()}
    assert document["order"]["state"] == "shipped"  # the order shipped, with the car made again
    assert trace_serial(scrapped, REMADE)["status"] == "shipped"
    car = trace_serial(scrapped, "CAR-1")
    assert (car["status"], car["scrapped"]) == ("shipped", None)


def test_a_hold_and_the_reports_containment_leave_the_scrapped_unit_out_of_the_recall(scrapped):
    hold = place_hold(scrapped, "equipment", WELD_1, "porosity", "qe", NOW, start=at(15), end=at(20))
    scope = held_scope(scrapped, hold)
    assert scope["recall"]["scrapped"] == [SCRAPPED]
    section = containment_section([(hold, scope, scope)], "UTC")
    header, rows = section.tables[0]
    assert header[-len(STATUSES) :] == list(STATUSES)
    assert rows[0][-len(STATUSES) :] == [0, 0, 0, 1]
    assert len(section.tables) == 1  # no customer order to recall from or stop
    assert [n for name, n in section.facts.items() if name.endswith("shipped, to recall from customers")] == [0]


@pytest.fixture
def db(sqlite_url):
    engine = make_engine(sqlite_url)
    store_history(engine)
    TelemetryStore(engine).append(scrap_history().events)
    engine.dispose()
    return sqlite_url


def test_the_cli_prints_the_scrapped_status_and_counts(db, monkeypatch, capsys):
    _, out, _ = run(monkeypatch, capsys, "trace", "--lot", "STEEL-3", "--db", db)
    assert "2 units: 1 shipped, 0 in stock, 0 in process, 1 scrapped;" in " ".join(out.split())
    assert f"scrapped: {SCRAPPED}" in out
    assert f"shipped: {REMADE}\n" in out
    _, out, _ = run(monkeypatch, capsys, "trace", SCRAPPED, "--db", db)
    assert f"{SCRAPPED} (scrapped on {EOL} " in out
    _, out, _ = run(monkeypatch, capsys, "trace", REMADE, "--db", db)
    assert f"{REMADE} (shipped)" in out
    place = ("hold", "place", "--lot", "STEEL-3", "--reason", "porosity", "--by", "qe", "--db", db)
    _, out, _ = run(monkeypatch, capsys, *place)
    assert " ".join(out.split()).endswith("trace`), 1 scrapped, 0 held now")
    _, out, _ = run(monkeypatch, capsys, "trace", "--lot", "STEEL-3", "--json", "--db", db)
    assert json.loads(out)["recall"]["scrapped"] == [SCRAPPED]
