"""The demo is reproducible: the same plant, days and seed give the same orders, schedule, floor events and
report on a fresh database, whatever ids the order desk would draw; on a database that already holds its
orders it runs again with orders numbered after them."""

from __future__ import annotations

from rich.console import Console

from factoryos.examples import example_plant
from factoryos.report.html import Report
from factoryos.services.demo import DemoContext, run_demo
from factoryos.store.db import make_engine, migrate

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


def test_a_database_that_holds_the_demos_orders_takes_another_run(tmp_path):
    first = run(tmp_path / "a")
    again = run(tmp_path / "b", first.engine)
    ids = {o.id for o in first.orders}
    assert again.orders
    assert not ids & {o.id for o in again.orders}
