"""What validates also runs: a plant file that `plant validate` accepts loads into the database, reads back
the same, schedules and simulates without an exception (issue 11, section 3)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.model.validate import check_plant_file, check_plant_text
from factoryos.scheduling.plant_schedule import schedule_plant
from factoryos.store.db import make_engine, migrate
from factoryos.store.plants import read_plant, store_plant
from factoryos.twin.scenarios import epoch_for, prepare

DATA = Path(__file__).resolve().parents[1] / "data"
PLANTS = [DATA / "two-cells.yaml", DATA / "mini-plant.yaml"]


@pytest.mark.parametrize("path", PLANTS, ids=lambda p: p.stem)
def test_a_valid_plant_loads_schedules_and_simulates(path, tmp_path):
    plant, issues = check_plant_file(path)
    assert issues == []
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    migrate(engine)
    store_plant(engine, plant, str(path))
    stored = read_plant(engine)
    assert stored == plant

    epoch = epoch_for(stored)
    orders = generate_orders(stored, epoch.date(), 3, seed=3)
    assert orders
    plan = schedule_plant(stored, orders, horizon_days=3, time_limit=2, start=epoch, compare=False, workers=1)
    assert plan.operations
    assert all(op.end >= op.start >= epoch for op in plan.operations)

    for scenario in ("smart", "traditional"):
        run = prepare(stored, scenario, 2, seed=1, warmup_days=0)
        metrics = run.floor.run(run.horizon)
        assert metrics.horizon == pytest.approx(timedelta(days=2).total_seconds())
        assert all(0 <= oee <= 1 for oee in metrics.line_oee.values())


def test_yes_no_and_on_stay_ids_and_merge_keys_apply():
    plant, issues = check_plant_file(DATA / "two-cells.yaml")
    assert issues == []
    assert set(plant.products["stool"].option_families["padded"].options) == {"yes", "no"}
    assert plant.products["stool"].option_families["finish"].default == "on"
    late = next(s for s in plant.calendars["two-shifts"].shifts if s.name == "late")
    assert (late.start.hour, late.end.hour, late.breaks[0].start.hour) == (14, 22, 18)
    assert late.days == plant.calendars["two-shifts"].shifts[0].days


TWO_CELLS = (DATA / "two-cells.yaml").read_text(encoding="utf-8")
SHIFTS = TWO_CELLS[TWO_CELLS.index("    shifts:\n") + len("    shifts:\n") : TWO_CELLS.index("    holidays:")]
EVERY_DAY = "[mon, tue, wed, thu, fri, sat, sun]"
VARIANTS = {
    "three-shifts-every-day": (
        SHIFTS,
        "".join(
            f"      - {{name: s{h}, start: {h:02d}:00, end: {(h + 8) % 24:02d}:00, days: {EVERY_DAY}}}\n"
            for h in (6, 14, 22)
        ),
    ),
    "one-24-hour-shift": (SHIFTS, f"      - {{name: all, start: 00:00, end: 00:00, days: {EVERY_DAY}}}\n"),
    "weekends-only": (SHIFTS, "      - {name: weekend, start: 08:00, end: 16:00, days: [sat, sun]}\n"),
    "closed-all-month": (
        "holidays: [2027-01-06]",
        f"holidays: [{', '.join(f'2027-01-{d:02d}' for d in range(1, 32))}]",
    ),
    "half-hour-timezone": ("timezone: Europe/Berlin", "timezone: Asia/Kathmandu"),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_edge_calendars_validate_then_schedule_and_simulate(variant):
    """Valid calendars at the edges run; a plant with no working time in the run makes nothing."""
    old, new = VARIANTS[variant]
    assert old in TWO_CELLS
    plant, issues = check_plant_text(TWO_CELLS.replace(old, new), variant)
    assert issues == []
    epoch = epoch_for(plant)
    plan = schedule_plant(
        plant,
        generate_orders(plant, epoch.date(), 3, seed=3),
        horizon_days=3,
        time_limit=2,
        start=epoch,
        compare=False,
        workers=1,
    )
    assert plan.operations
    closed = variant in {"weekends-only", "closed-all-month"}  # the run covers a Monday and a Tuesday
    for scenario in ("smart", "traditional"):
        run = prepare(plant, scenario, 2, seed=1, warmup_days=0)
        metrics = run.floor.run(run.horizon)
        assert (metrics.completed == 0) if closed else (metrics.completed > 0)
        assert all(0 <= oee <= 1 for oee in metrics.line_oee.values())
