"""The demo is reproducible: the same plant, days and seed give the same orders, schedule, floor events and
report on a fresh database, whatever ids the order desk would draw. It runs only on an empty database (never
mixing its orders into a plant's real ones or an earlier run's), and a database error stops it, naming the
stage."""

from __future__ import annotations

import pytest
from rich.console import Console
from sqlalchemy.exc import IntegrityError

from factoryos.examples import example_plant
from factoryos.model.errors import FactoryosError
from factoryos.report.html import Report
from factoryos.services import demo
from factoryos.services.demo import DemoContext, run_demo
from factoryos.store.db import DatabaseError, make_engine, migrate, tables_with_rows
from factoryos.store.orders import list_orders
from factoryos.store.plants import store_plant

DAYS, SEED = 2, 5
WALL_CLOCK = {"solved in"}  # how long the machine took, not what it found


def run(folder, engine=None) -> DemoContext:
    folder.mkdir(exist_ok=True)
    if engine is None:
        engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
        migrate(engine)
    ctx = DemoContext(engine, example_plant("ev-plant"), DAYS, SEED, Console(quiet=True), Report(title="test"))
    run_demo(ctx, folder)
    return ctx


def outcome(ctx: DemoContext) -> dict:
    return {
        "orders": [(o.id, o.product, o.quantity, o.ordered_at, o.due_date, o.promised_date) for o in ctx.orders],
        "schedule": [(op.work_order, op.equipment, op.start, op.end) for op in ctx.results["schedule"]],
        "events": [(e.ts, e.equipment, e.kind, e.seq) for e in ctx.bus.store.read()],
        "facts": [(s.title, {k: v for k, v in s.facts.items() if k not in WALL_CLOCK}) for s in ctx.report.sections],
    }


def test_the_same_seed_gives_the_same_demo(tmp_path):
    first, second = outcome(run(tmp_path / "a")), outcome(run(tmp_path / "b"))
    assert first["orders"]
    assert first["events"]
    for part in first:
        assert first[part] == second[part], part


def test_a_database_that_holds_anything_is_refused_untouched(tmp_path, kiln_plant):
    engine = make_engine(f"sqlite:///{tmp_path / 'plant.db'}")
    migrate(engine)
    store_plant(engine, kiln_plant, "kiln-plant.yaml")
    held = tables_with_rows(engine)
    with pytest.raises(FactoryosError, match=r"already holds data \(\d+ tables with rows: .*empty database"):
        run(tmp_path / "a", engine)
    assert tables_with_rows(engine) == held
    assert not list_orders(engine)
    assert not (tmp_path / "a" / "index.html").exists()


def test_a_database_error_stops_the_demo_naming_the_stage(tmp_path, monkeypatch):
    ran = []

    def refused(ctx: DemoContext) -> None:
        raise IntegrityError("INSERT INTO customer_orders", {}, Exception("UNIQUE constraint failed"))

    stages = [demo.load_plant_stage, refused, ran.append]
    monkeypatch.setattr(demo, "STAGES", stages)
    with pytest.raises(DatabaseError, match="the demo stopped in refused: UNIQUE constraint failed"):
        run(tmp_path / "a")
    assert not ran  # no later stage runs on what the failed one left
    assert not (tmp_path / "a" / "index.html").exists()
