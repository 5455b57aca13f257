"""A batch that is not full waits up to its fill time for more parts, then starts with what it has: a kiln held
for a fuller load. Checked against timelines worked out by hand, and for every part coming out again however
the arrivals and the wait fall (a part handed over at the very moment the wait ends is not lost)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from factoryos.model.errors import FactoryosError
from factoryos.model.plant import RoutingOperation
from factoryos.model.validate import check_plant_text
from factoryos.twin import Floor, Part, Step, Task, fixed
from factoryos.twin.scenarios import prepare


def _oven(fill_wait: float, arrivals: list[float], batch_size: int = 4, run: float = 100.0):
    floor = Floor(1)
    inbox = floor.buffer("in")
    oven = floor.batch_station("oven", inbox, batch_size=batch_size, fill_wait=fill_wait)
    route = (Step(inbox, Task("fire", fixed(run))),)
    floor.source([(at, Part(f"p{k}", route, 0.0, product="tile")) for k, at in enumerate(arrivals)])
    return oven, floor.run()


@pytest.mark.parametrize(
    ("fill_wait", "batches", "horizon"),
    [
        # At once: {0} 0-100, {10..40} 100-200, {50..80} 200-300, {90,100,110} 300-400.
        (0.0, 4, 400.0),
        # 25 s: {0,10,20} from 25 to 125, {30..60}, {70..100}, then 110 alone, waiting 325-350 for none: 450.
        (25.0, 4, 450.0),
        # Until full: {0..30} from 30 to 130, {40..70} to 230, {80..110} to 330.
        (math.inf, 3, 330.0),
    ],
)
def test_a_batch_waits_its_fill_time_and_then_starts_with_what_it_has(fill_wait, batches, horizon):
    """Twelve tiles, one every 10 s, into a kiln of four that fires for 100 s."""
    oven, metrics = _oven(fill_wait, [10.0 * k for k in range(12)])
    assert (oven.batches, oven.completed) == (batches, 12)
    assert metrics.horizon == pytest.approx(horizon)


@settings(max_examples=200, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 40), min_size=1, max_size=40),
    fill_wait=st.integers(0, 60),
    batch_size=st.integers(1, 6),
)
def test_every_part_comes_out_whatever_the_arrivals_and_the_wait(gaps, fill_wait, batch_size):
    arrivals = [float(sum(gaps[: k + 1])) for k in range(len(gaps))]
    oven, _ = _oven(float(fill_wait), arrivals, batch_size, run=30.0)
    assert oven.completed == len(arrivals)
    assert math.ceil(len(arrivals) / batch_size) <= oven.batches <= len(arrivals)


def test_a_negative_fill_time_is_refused():
    with pytest.raises(FactoryosError, match="fill_wait must be >= 0"):
        _oven(-1.0, [0.0])


def test_a_plant_file_waits_only_to_fill_a_batch():
    with pytest.raises(ValidationError, match="batch_wait_minutes needs a batch_size"):
        RoutingOperation(id="glaze", capability="glaze", run_minutes=5, batch_wait_minutes=30)
    with pytest.raises(ValidationError):
        RoutingOperation(id="fire", capability="fire", run_minutes=240, batch_size=40, batch_wait_minutes=-5)


def test_the_plants_kilns_wait_to_fill_as_their_routing_says(kiln_plant):
    """The kiln plant's firing, told to wait two hours for a fuller kiln: the twin's kilns fire fewer, fuller
    batches over the same days."""

    def kilns(plant):
        run = prepare(plant, "smart", 10, 3, warmup_days=0)
        stations = [e for name, e in run.floor.equipment.items() if "/firing/" in name]
        run.floor.run(run.horizon)
        return stations

    routings = {
        material: routing.model_copy(
            update={
                "operations": [
                    op.model_copy(update={"batch_wait_minutes": 120.0}) if op.batch_size else op
                    for op in routing.operations
                ]
            }
        )
        for material, routing in kiln_plant.routings.items()
    }
    waiting = kiln_plant.model_copy(update={"routings": routings})
    at_once, held = kilns(kiln_plant), kilns(waiting)
    assert {k.fill_wait for k in at_once} == {0.0}
    assert {k.fill_wait for k in held} == {7200.0}
    fill = [sum(k.completed for k in ks) / sum(k.batches for k in ks) for ks in (at_once, held)]
    assert fill[1] > fill[0]


def test_an_operation_that_does_not_batch_runs_one_part_at_a_time_on_batch_equipment():
    """An oven that fires tiles in batches of four also dries mugs one at a time: each operation fills its own
    batch (found by the generated plants' whole-loop test: a unit's one batch operation batched everything the
    unit ran, several times faster than the schedule planned)."""
    plant, issues = check_plant_text(
        """
source: Test fixture; invented figures.
enterprise: {id: e, name: E}
site: {id: s, name: S}
tenants: {owner: {role: owner}}
customers: {shop: {tenant: owner}}
equipment_classes: {oven: {capabilities: [heat]}}
calendars:
  always: {shifts: [{name: all, start: "00:00", end: "00:00", days: [mon, tue, wed, thu, fri, sat, sun]}]}
areas:
  works: {work_centers: {ovens: {calendar: always, lights_out: true, work_units: {oven-1: {equipment_class: oven}}}}}
materials:
  tile: {kind: finished, source: make}
  mug: {kind: finished, source: make}
  clay: {kind: raw, source: buy, on_call: true}
boms: {tile: [{component: clay, quantity: 1}], mug: [{component: clay, quantity: 1}]}
routings:
  tile: {operations: [{id: fire, capability: heat, run_minutes: 60, batch_size: 4}]}
  mug: {operations: [{id: dry, capability: heat, run_minutes: 60}]}
products:
  mug: {material: mug, tenant: owner, demand: {units_per_day: 40}}
  tile: {material: tile, tenant: owner}
suppliers: {pit: {lead_time_days: 0, materials: [clay]}}
"""
    )
    assert issues == []
    assert plant is not None
    run = prepare(plant, "traditional", 3, 3, warmup_days=0)
    (oven,) = [e for name, e in run.floor.equipment.items() if name.endswith("/oven-1")]
    run.floor.run(run.horizon)
    assert oven.completed > 0
    assert oven.completed == oven.batches  # only mugs are made: one a run
