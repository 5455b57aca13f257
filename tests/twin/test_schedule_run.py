"""A schedule runs on the twin as it was planned: every unit released at its first planned start (the twin's cap
on work in process does not hold back what the schedule put in process) and every work center staffed on the
shifts the scheduler planned it on (the twin's own choice of the fewest shifts that carry the load left a line
the schedule plans on its night shift unmanned, and the lights-out cell feeding it blocked). Both checked
against a hand calculation: with exact run times and no breakdowns, each operation starts at its planned start
and the feeding cell's OEE over the event stream is 1, its planned busy time its run time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.iot.oee import Counted, equipment_oee, ideal_cycle_times, state_intervals
from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.model.orders import ScheduledOperation
from factoryos.scheduling.plant_schedule import schedule_plant
from factoryos.twin import plant_defaults
from factoryos.twin.event_log import RollingEventStore
from factoryos.twin.plant_twin import WIP_DAYS
from factoryos.twin.scenarios import epoch_for, prepare
from factoryos.twin.states import BLOCKED, STARVED
from tests.twin.small_plants import WEEK, _center, _unit, small_plant

DAYS = 3
COAT, DRY = "gadget/coat", "gadget/dry"


def two_step_plant(coat_minutes: float, dry_minutes: float, dryer_center: dict):
    """A lights-out coater cell feeding a dryer in `dryer_center` (its own work center)."""
    return small_plant(
        calendars={
            "always": {"shifts": [{"name": "all", "start": "00:00", "end": "00:00", "days": WEEK}]},
            "three-shift": {
                "shifts": [
                    {"name": "early", "start": "06:00", "end": "14:00", "days": WEEK},
                    {"name": "late", "start": "14:00", "end": "22:00", "days": WEEK},
                    {"name": "night", "start": "22:00", "end": "06:00", "days": WEEK},
                ]
            },
        },
        areas={
            "front": {
                "work_centers": {
                    "coating": _center("cell", {"coat-1": _unit("coater")}, lights_out=True),
                    "drying": {**dryer_center, "work_units": {"dry-1": _unit("dryer")}},
                }
            }
        },
        materials={"gadget": {"kind": "finished", "source": "make"}},
        boms={},
        routings={
            "gadget": {
                "operations": [
                    {"id": "coat", "capability": "coat", "run_minutes": coat_minutes},
                    {"id": "dry", "capability": "dry", "run_minutes": dry_minutes},
                ]
            }
        },
        products={"gadget": {"material": "gadget", "tenant": "acme", "demand": {"units_per_day": 4}}},
        suppliers={},
    )


def replanned(plant, epoch, coat_at):
    """The scheduler's operations of the plant's first orders, timed anew: the k-th unit coated at `coat_at(k)`
    and dried once it is coated and the unit before it is dried (each for its run minutes)."""
    orders = generate_orders(plant, epoch.date(), 2, seed=3)
    found = schedule_plant(plant, orders, horizon_days=DAYS, start=epoch, compare=False).operations
    serials = [serial for _, serial in sorted((op.start, op.serial) for op in found if op.operation == COAT)]
    runs = {op.id: timedelta(minutes=op.run_minutes) for op in plant.routings["gadget"].operations}
    starts, dried = {}, epoch
    for k, serial in enumerate(serials):
        coated = coat_at(k)
        dried = max(coated + runs["coat"], dried)
        starts[serial, COAT], starts[serial, DRY] = coated, dried
        dried += runs["dry"]
    placed = [
        ScheduledOperation(
            op.work_order,
            op.production_order,
            op.operation,
            op.equipment,
            starts[op.serial, op.operation],
            starts[op.serial, op.operation] + runs[op.operation.split("/")[1]],
            serial=op.serial,
        )
        for op in found
    ]
    return orders, placed


def run(plant, monkeypatch, coat_at):
    """The replanned schedule run on the twin with exact run times: the prepared run, each operation's start
    (run seconds) by (serial, operation), the planned ones, and the stream's state changes and counts."""
    monkeypatch.setattr(plant_defaults, "RUN_CV", 0.0)
    epoch = epoch_for(plant)
    orders, schedule = replanned(plant, epoch, coat_at)
    started, states, counts = {}, [], []

    def listen(event) -> None:
        if event.kind == EventKind.STATE:
            states.append((event.ts, event.equipment, event.payload["state"]))
        elif event.kind == EventKind.COUNT:
            counts.append(Counted.of(event))
        elif event.kind == EventKind.OPERATION and event.payload["phase"] == "started":
            started[event.payload["serial"], event.payload["operation"]] = (event.ts - epoch).total_seconds()

    bus = EventBus(RollingEventStore(keep=10))
    bus.subscribe(listen)
    prepared = prepare(plant, "smart", DAYS, 1, bus=bus, orders=orders, schedule=schedule, warmup_days=0)
    prepared.floor.run(prepared.horizon)
    planned = {(op.serial, op.operation): (op.start - epoch).total_seconds() for op in schedule}
    return prepared, started, planned, states, counts


def coater_oee(plant, prepared, states, counts):
    start, end = prepared.epoch, prepared.epoch + timedelta(seconds=prepared.horizon)
    figures = equipment_oee(state_intervals(states, start, end), counts, ideal_cycle_times(plant), startup_s=0.0)
    return figures[plant.equipment_path("coat-1")]


def test_a_schedule_that_builds_ahead_of_a_slow_step_is_released_as_planned_past_the_twins_cap(monkeypatch) -> None:
    """Every unit coated in the first hour, each dried for ten hours after the one before: the twin caps a
    product's work in process at `WIP_DAYS` of what its slowest step makes a day (2.4 here, so 5 units), which
    held the sixth unit's release until the first had left, ten hours late against the schedule. Released at
    its planned start, each unit is coated when planned and the coater is never starved."""
    plant = two_step_plant(1.0, 600.0, _center("cell", {}, lights_out=True))
    prepared, started, planned, states, counts = run(
        plant, monkeypatch, lambda k: epoch_for(plant) + k * timedelta(minutes=2)
    )
    coats = {key: at for key, at in planned.items() if key[1] == COAT}
    assert len(coats) > WIP_DAYS * 24 * 60 / 600  # more units than the cap lets in
    assert {key: started[key] for key in coats} == pytest.approx(coats)
    coater = prepared.floor.equipment[plant.equipment_path("coat-1")]
    assert coater.state_time[STARVED] == pytest.approx(0.0, abs=1e-6)
    figure = coater_oee(plant, prepared, states, counts)
    assert figure.planned_busy_s == pytest.approx(60.0 * len(coats))
    assert figure.oee == pytest.approx(1.0)


def test_a_schedule_on_the_night_shift_is_run_with_one(monkeypatch) -> None:
    """The dryer's three-shift line carries its light load on one shift, which the twin staffed alone; the
    schedule dries each unit on the night shift, half an hour after it is coated. Run on the early shift only,
    the dryer's one-unit inbox filled at once and the lights-out coater stood blocked until six. Staffed on the
    shifts it was planned on, every unit is coated and dried at its planned start, the coater is never blocked
    nor starved, and its OEE is 1 over a planned busy time of its run time."""
    dryer_center = {"kind": "line", "calendar": "three-shift", "operators_per_shift": 1, "buffer_capacity": 1}
    plant = two_step_plant(30.0, 30.0, dryer_center)
    first_night = epoch_for(plant) + timedelta(hours=22, minutes=30)
    prepared, started, planned, states, counts = run(
        plant, monkeypatch, lambda k: first_night + k * timedelta(minutes=40)
    )
    assert max(planned.values()) < 30 * 3600  # all planned before six in the morning
    assert started == pytest.approx(planned)
    coater = prepared.floor.equipment[plant.equipment_path("coat-1")]
    assert coater.state_time[BLOCKED] == pytest.approx(0.0, abs=1e-6)
    assert coater.state_time[STARVED] == pytest.approx(0.0, abs=1e-6)
    figure = coater_oee(plant, prepared, states, counts)
    coats = sum(1 for _, operation in planned if operation == COAT)
    assert figure.planned_busy_s == pytest.approx(1800.0 * coats)
    assert figure.oee == pytest.approx(1.0)
