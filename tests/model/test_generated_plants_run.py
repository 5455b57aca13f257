"""What validates runs the whole loop: random valid plants (`tests/plants.py`) go through the demo's stages (orders
and their promises, the MPS, MRP, the schedule, the twin, OEE, quality, the floor fed back) over a short horizon,
each stage's result checked independently: the promises against the order dates, the schedule by the
scheduler's checker, the material plan by the planning checker, the twin's output against what was ordered, OEE's
factors against their bounds.

CI runs `EXAMPLES` plants, derandomized so that every run draws the same ones; `FACTORYOS_FUZZ_EXAMPLES=500`
explores further locally.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory
from unittest import mock
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, note, settings
from rich.console import Console

from factoryos.iot.oee import ideal_cycle_times
from factoryos.model.plant import Plant
from factoryos.model.validate import check_plant_file
from factoryos.planning.checker import check_plan
from factoryos.report.html import Report
from factoryos.scheduling.checker import check
from factoryos.services import schedule as schedule_service
from factoryos.services.demo import STAGES, DemoContext
from factoryos.services.oee import FloorStream, events_oee
from factoryos.store.db import make_engine, migrate
from factoryos.twin.part import order_of
from factoryos.twin.plant_defaults import RUN_CV
from tests.plants import plant_files, plant_text

EXAMPLES = int(os.environ.get("FACTORYOS_FUZZ_EXAMPLES", "25"))
DAYS = 5


def run_loop(folder: Path, data: dict) -> tuple[DemoContext, list]:
    """Every demo stage on the plant `data` over `DAYS` from its first day (`as_of`), and the schedules the stage
    made."""
    path = folder / "plant.yaml"
    path.write_text(plant_text(data), encoding="utf-8")
    _, issues = check_plant_file(path)
    assert issues == [], "the generator drew an invalid plant"
    engine = make_engine(f"sqlite:///{folder / 'loop.db'}")
    migrate(engine)
    ctx = DemoContext(engine, path, DAYS, 3, Console(quiet=True), Report(title="generated"))
    plans = []
    schedule_orders = schedule_service.schedule_orders

    def kept(*args, **kwargs):
        stored, plan = schedule_orders(*args, **kwargs)
        plans.append(plan)
        return stored, plan

    with mock.patch.object(schedule_service, "schedule_orders", kept):
        for stage in STAGES:
            stage(ctx)
    engine.dispose()
    return ctx, plans


def performance_bound(runs: float) -> float:
    """The most performance the twin's random run times give over `runs` independent runs: each run time is
    lognormal around the ideal with a coefficient of variation of `RUN_CV`, so they take at least their ideal
    time less 4.5 standard deviations of their sum (a chance under 1e-5), 0.55 of it for a single run."""
    return 1 / (1 - 4.5 * RUN_CV / math.sqrt(max(1.0, runs)))


def independent_runs(plant: Plant, floor: FloorStream) -> dict[str, float]:
    """Per equipment path, the fewest independent run times behind its counts: a lot is one count of one run,
    a batch one run of up to its batch size of counts."""
    largest: dict[str, int] = {}
    for routing in plant.routings.values():
        for op in routing.operations:
            for unit in plant.eligible_units(op):
                path = plant.equipment_path(unit)
                largest[path] = max(largest.get(path, 1), op.batch_size or 1)
    counts = Counter(count.equipment for count in floor.counts)
    return {path: n / largest.get(path, 1) for path, n in counts.items()}


def released_units(ctx: DemoContext, plans: list) -> Counter[str]:
    """Per customer order, the units of it the schedule releases to the floor within the run: those of its
    production orders of the finished material with an operation starting before the run ends."""
    plant, (_, end) = ctx.loaded_plant(), ctx.results["run"]
    finished = {o.id: plant.products[o.product].material for o in ctx.orders}
    released: Counter[str] = Counter()
    for plan in plans:
        started = {op.production_order for op in plan.operations if op.start < end}
        for order in plan.plant_problem.production_orders:
            ours = order.customer_order is not None and finished.get(order.customer_order) == order.material
            if ours and order.id in started:
                released[order.customer_order] += order.quantity
    return released


def check_loop(ctx: DemoContext, plans: list) -> None:
    """Each stage's result checked independently of the stage."""
    plant = ctx.loaded_plant()
    zone = ZoneInfo(plant.site.timezone)
    for order in ctx.orders:
        assert order.promised_date is not None
        assert order.promised_date >= order.placed_on(zone)
    for plan in plans:
        assert check(plan.plant_problem.problem, plan.schedule) == []
        scheduled = {o.customer_order for o in plan.plant_problem.production_orders}
        left_out = {*plan.unsupplied, *plan.unfit}
        assert {o.id for o in ctx.orders} <= scheduled | left_out, "an order is neither scheduled nor left out"
    material = ctx.results["material plan"]
    assert check_plan(material.problem, material) == []
    released = released_units(ctx, plans)
    built = Counter(order_of(u.order) for u in ctx.results["simulation"].finished.values() if u.order)
    assert all(built[o] <= released[o] for o in built), (built, released)
    floor = FloorStream.read(ctx.bus.store)
    per_equipment, per_line = events_oee(floor, ideal_cycle_times(plant))
    single, runs = one_operation_a_material(plant), independent_runs(plant, floor)
    for key, figure in [*per_equipment.items(), *per_line.items()]:
        assert 0 <= figure.availability <= 1 + 1e-9, figure
        assert 0 <= figure.quality <= 1 + 1e-9, figure
        assert figure.performance >= 0, figure
        members = [path for path in per_equipment if path == key or path.startswith(f"{key}/")]
        if all(single.get(path, False) for path in members):
            assert figure.performance <= performance_bound(sum(runs.get(p, 0) for p in members)), figure


def one_operation_a_material(plant: Plant) -> dict[str, bool]:
    """Per work unit's path, whether it may run at most one operation of each material. OEE takes the ideal cycle
    of a material on a unit as the mean of the operations it may run (`ideal_cycle_times`), which overstates the
    ideal time of a unit that runs the faster ones more often: its performance is bounded only where one
    operation is all it may run of each material."""
    single = {}
    for unit in plant.work_units():
        runs = Counter(m for m, r in plant.routings.items() for op in r.operations if unit in plant.eligible_units(op))
        single[plant.equipment_path(unit)] = all(n == 1 for n in runs.values())
    return single


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(plant_files())
def test_a_generated_plant_runs_the_whole_loop(data):
    note(plant_text(data))
    with TemporaryDirectory(prefix="generated-plant-") as folder:
        ctx, plans = run_loop(Path(folder), data)
    check_loop(ctx, plans)
