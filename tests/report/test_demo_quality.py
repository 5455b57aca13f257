"""The demo's quality stages on the EV plant with its weld cell drifting early and fast: the live charts catch
it after the drift began, the alarm is on the stream, the station's output is held from the alarm's pattern
on, and the recall scope of the held units is in the report."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from factoryos.examples import example_plant
from factoryos.model.events import EventKind
from factoryos.quality.genealogy import STATUSES
from factoryos.report.html import Report
from factoryos.services.demo import DemoContext, run_demo
from factoryos.services.holds import held_scope, list_holds
from factoryos.services.order_desk import FLOOR, get_order, history
from factoryos.services.tenants import Caller
from factoryos.services.trace import trace_equipment
from factoryos.store.db import make_engine, migrate

DRIFT = "drift: {after_hours: 200, sigmas_per_hour: -0.05}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    text = example_plant("ev-plant").read_text(encoding="utf-8")
    assert DRIFT in text
    plant_file = folder / "ev-plant.yaml"
    plant_file.write_text(text.replace(DRIFT, "drift: {after_hours: 96, sigmas_per_hour: -0.2}"), encoding="utf-8")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate(engine)
    ctx = DemoContext(engine, plant_file, 10, 3, Console(quiet=True), Report(title="test"))
    run_demo(ctx, folder)
    yield ctx
    engine.dispose()


def test_the_drifting_weld_cell_is_caught_held_and_its_recall_scoped(demo) -> None:
    (finding,) = demo.results["drift findings"]
    assert finding.equipment.endswith("/respot-1")
    alarm = finding.alarm
    assert alarm is not None
    assert alarm.signal.at >= finding.began
    on_stream = [
        e for e in demo.bus.store.read(EventKind.ALARM, finding.equipment) if e.payload["code"].startswith("spc-")
    ]
    assert any(e.ts == alarm.signal.at for e in on_stream)
    (hold,) = list_holds(demo.engine)
    assert hold.target == finding.equipment
    assert hold.start == alarm.signal.since
    assert "spc" in hold.placed_by
    titles = [s.title for s in demo.report.sections]
    assert {"Quality", "Statistical process control", "Containment"} <= set(titles)
    containment = next(s for s in demo.report.sections if s.title == "Containment")
    units = containment.count(next(k for k in containment.facts if k.endswith("units held")))
    assert units > 0
    header, rows = containment.tables[0]
    placed_row, end_row = rows  # when placed, and at the end of the run

    def total(row: list) -> int:
        return sum(row[header.index(status)] for status in STATUSES)

    assert total(end_row) == units
    worked = trace_equipment(demo.engine, hold.target, hold.start, hold.placed_at)["units"]
    assert 0 < total(placed_row) == len(worked) < units  # when placed, the rest of the window was still to come
    assert set(worked) <= set(held_scope(demo.engine, hold)["units"])
    recalled = containment.count(next(k for k in containment.facts if k.endswith("to recall from customers")))
    assert recalled == rows[-1][header.index("shipped")]  # only what shipped is recalled
    epoch, _ = demo.results["run"]
    finished = demo.results["simulation"].finished.values()
    held = set(held_scope(demo.engine, hold)["units"])
    built_by_then = sum(u.serial in held and epoch + timedelta(seconds=u.built) <= hold.placed_at for u in finished)
    placed = rows[0]
    assert placed[header.index("in stock")] + placed[header.index("shipped")] <= built_by_then  # as it stood then
    since = f"{alarm.signal.since.astimezone(ZoneInfo(demo.loaded_plant().site.timezone)):%Y-%m-%d %H:%M}"
    assert since in hold.reason, "the hold's reason speaks the site's time, as the report's window does"
    assert rows[0][header.index("window")].startswith(since)


def test_the_multivariate_monitor_reports_what_it_flagged_and_each_episode_is_on_the_stream(demo) -> None:
    watch = demo.results["monitor watch"]
    assert watch.watched()
    section = next(s for s in demo.report.sections if s.title == "Multivariate process monitoring")
    assert section.count("equipment watched") == len(watch.watched())
    on_stream = [e for e in demo.bus.store.read(EventKind.ALARM) if e.payload["code"].startswith("monitor-")]
    raised = [e for e in on_stream if e.payload["active"]]
    assert len(raised) == len(watch.alarms)
    for event, alarm in zip(raised, watch.alarms, strict=True):
        assert (event.equipment, event.payload["since"]) == (alarm.equipment, alarm.episode.start.isoformat())
    ended = [alarm for alarm in watch.standing() if alarm.episode.end is not None]
    assert len(on_stream) - len(raised) == len(ended)


def test_the_order_desk_followed_the_twin_and_held_orders_did_not_ship(demo) -> None:
    """Every unit the twin finished moved its order; no order with a held unit shipped after the hold was
    placed, and each held order that was built is built, not shipped, at the end."""
    (hold,) = list_holds(demo.engine)
    scope = held_scope(demo.engine, hold)
    assert scope["recall"]["in stock"]  # held units the twin built stay in finished goods
    caller = Caller("test", demo.loaded_plant().site.id, demo.loaded_plant().owner(), "planner", True)
    for entry in scope["recall"]["orders"]:
        changes = history(demo.engine, caller, entry["order"])
        shipped = [c for c in changes if c.to_state == "shipped"]
        assert all(c.at < hold.placed_at for c in shipped), entry
        assert all(c.actor == FLOOR for c in changes if c.to_state in ("built", "shipped"))
    finished = demo.results["simulation"].finished.values()
    built = {u.order.split("#")[0] for u in finished}
    states = {o.id: get_order(demo.engine, caller, o.id).state.value for o in demo.orders if o.id in built}
    assert set(states.values()) <= {"in-production", "built", "shipped"}


def test_the_stored_quality_figures_are_the_reports(demo) -> None:
    """`quality figures` on the demo's database read no counts (none were stored): 0 scrapped and reworked beside
    a report that counted them. The run's counts are stored with its operations and tests."""
    from factoryos.services.quality_figures import stored_figures

    shown, stored = demo.results["quality"].costs, stored_figures(demo.engine).costs
    assert shown.rework_units > 0
    assert (stored.rework_units, stored.scrap_units) == (shown.rework_units, shown.scrap_units)
    assert stored.rework_hours == pytest.approx(shown.rework_hours)
    assert stored.scrap_cost == pytest.approx(shown.scrap_cost)  # each scrapped unit at its own configuration's bill


def test_the_stored_floor_gives_the_reports_oee_and_measurements(demo) -> None:
    """`oee` on the demo's database found no state and `iot stats` no measurement beside a report that
    computed OEE and charted measurements from the stream: the whole stream is stored, and OEE over it is the
    stream's, line by line."""
    from factoryos.iot.oee import ideal_cycle_times
    from factoryos.services.ingest import stored_oee
    from factoryos.services.oee import FloorStream, OeeQuery, events_oee
    from factoryos.store.timeseries import TelemetryStore

    floor = FloorStream.read(demo.bus.store)
    cycles = ideal_cycle_times(demo.loaded_plant())
    _, streamed = events_oee(floor, cycles)
    stored = stored_oee(demo.engine, OeeQuery(*floor.span, cycles, "line"), None)  # counts up to its last
    assert streamed
    assert stored.keys() == streamed.keys()
    for line, figure in streamed.items():
        assert stored[line].oee == pytest.approx(figure.oee), line
        assert stored[line].good == figure.good, line
    measured = sum(1 for _ in demo.bus.store.read(EventKind.MEASUREMENT))
    assert measured > 0
    assert sum(1 for _ in TelemetryStore(demo.engine).read(EventKind.MEASUREMENT)) == measured
