"""A drift the live SPC chart catches on one point beyond its limits is suspect since that point: the demo holds
the station from then and scopes what it had worked when the hold was placed, the unit measured at the catch
included, where it had stopped on an empty window (found by the generated plants' whole-loop test)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from factoryos.report.html import Report
from factoryos.services.demo import STAGES, DemoContext
from factoryos.store.db import make_engine, migrate

PLANT = Path(__file__).resolve().parents[1] / "data" / "first-point-catch-plant.yaml"


def test_a_catch_on_one_point_holds_the_unit_it_measured(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    migrate(engine)
    ctx = DemoContext(engine, PLANT, 20, 3, Console(quiet=True), Report(title="test"))
    for stage in STAGES:
        stage(ctx)
    caught = [f.alarm.signal for f in ctx.results["drift findings"] if f.alarm is not None]
    assert any(signal.since == signal.at for signal in caught), "no catch on one point: the test proves nothing"
    (section,) = [s for s in ctx.report.sections if s.title == "Containment"]
    assert [held for fact, held in section.facts.items() if fact.endswith(": units held")] >= [1]
