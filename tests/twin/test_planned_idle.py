"""A station the schedule leaves long gaps waits idle through them (nothing is planned: ISO 22400-2 counts no
planned busy time) and starved only once a part is late against its planned start, so its OEE is that of the
time the plan gave it work."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.iot.oee import Counted, equipment_oee, ideal_cycle_times, state_intervals
from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.model.orders import ScheduledOperation
from factoryos.scheduling.plant_schedule import schedule_plant
from factoryos.twin import plant_defaults
from factoryos.twin.event_log import RollingEventStore
from factoryos.twin.scenarios import epoch_for, prepare
from tests.twin.small_plants import _center, _unit, small_plant

DAYS = 3
GAP = 4 * 3600.0  # between units on the plan
RUN = 1800.0  # seconds of each operation
DRY = "gadget/dry"


def gap_plant(coater_mtbf_hours: float | None = None):
    """A coater feeding a dryer around the clock; the coater breaks down when given an MTBF."""
    coater = _unit("coater", **({"mtbf_hours": coater_mtbf_hours, "mttr_hours": 1.0} if coater_mtbf_hours else {}))
    return small_plant(
        areas={
            "front": {
                "work_centers": {"cell": _center("cell", {"coat-1": coater, "dry-1": _unit("dryer")}, lights_out=True)}
            }
        },
        materials={"gadget": {"kind": "finished", "source": "make"}},
        boms={},
        routings={
            "gadget": {
                "operations": [
                    {"id": "coat", "capability": "coat", "run_minutes": RUN / 60},
                    {"id": "dry", "capability": "dry", "run_minutes": RUN / 60},
                ]
            }
        },
        products={"gadget": {"material": "gadget", "tenant": "acme", "demand": {"units_per_day": 4}}},
        suppliers={},
    )


def spread(plant, epoch) -> list[ScheduledOperation]:
    """The scheduler's operations of the plant's orders, placed anew: each unit coated `GAP` after the one before
    (or when the scheduler coats it, if later: not before its order is placed) and dried as soon as it is coated,
    so that the dryer has a gap of at least `GAP` - `RUN` before each unit."""
    orders = generate_orders(plant, epoch.date(), 2, seed=3)
    found = schedule_plant(plant, orders, horizon_days=DAYS, start=epoch, compare=False).operations
    coated = sorted((op.start, op.serial) for op in found if op.serial is not None and op.operation != DRY)
    assert len(coated) >= 3
    at: dict[str | None, datetime] = {}
    for earliest, serial in coated:
        at[serial] = max([earliest, *(previous + timedelta(seconds=GAP) for previous in at.values())])
    assert max(at.values()) + timedelta(seconds=2 * RUN) < epoch + timedelta(days=DAYS)
    placed = []
    for op in found:
        start = at[op.serial] + timedelta(seconds=RUN if op.operation == DRY else 0.0)
        placed.append(
            ScheduledOperation(
                op.work_order,
                op.production_order,
                op.operation,
                op.equipment,
                start,
                start + timedelta(seconds=RUN),
                serial=op.serial,
            )
        )
    return orders, placed


def run(plant, monkeypatch):
    """The spread schedule run on the twin, run times exact: the dryer's time per state, the stream's state
    changes and counts, its operations' starts and ends, and each unit's planned start there."""
    monkeypatch.setattr(plant_defaults, "RUN_CV", 0.0)
    epoch = epoch_for(plant)
    orders, schedule = spread(plant, epoch)
    states, counts, started, ended = [], [], {}, {}
    dryer = plant.equipment_path("dry-1")

    def listen(event) -> None:
        if event.kind == EventKind.STATE:
            states.append((event.ts, event.equipment, event.payload["state"]))
        elif event.kind == EventKind.COUNT:
            counts.append(Counted.of(event))
        elif event.kind == EventKind.OPERATION and event.equipment == dryer:
            at = (event.ts - epoch).total_seconds()
            (started if event.payload["phase"] == "started" else ended)[event.payload["serial"]] = at

    bus = EventBus(RollingEventStore(keep=10))
    bus.subscribe(listen)
    prepared = prepare(plant, "smart", DAYS, 1, bus=bus, orders=orders, schedule=schedule, warmup_days=0)
    prepared.floor.run(prepared.horizon)
    station = prepared.floor.equipment[dryer]
    planned = {op.serial: (op.start - epoch).total_seconds() for op in schedule if op.operation == DRY}
    return prepared, station, states, counts, started, ended, planned


def stream_oee(plant, prepared, states, counts):
    start, end = prepared.epoch, prepared.epoch + timedelta(seconds=prepared.horizon)
    figures = equipment_oee(state_intervals(states, start, end), counts, ideal_cycle_times(plant), startup_s=0.0)
    intervals = [i for i in state_intervals(states, start, end) if i.equipment == plant.equipment_path("dry-1")]
    return figures[plant.equipment_path("dry-1")], intervals


def test_a_station_with_every_part_on_plan_is_idle_through_its_gaps_and_never_starved(monkeypatch) -> None:
    """No breakdowns, exact run times: each part reaches the dryer at its planned start, so it is never starved,
    and it is idle for exactly the time the schedule gives it nothing (the run less its scheduled intervals).
    Under the old rule it was starved through every gap."""
    plant = gap_plant()
    prepared, station, states, counts, started, _, planned = run(plant, monkeypatch)
    seconds = dict(zip(("working", "setup", "blocked", "starved", "down", "idle"), station.state_time, strict=False))
    assert set(started) == set(planned)
    assert all(started[s] == pytest.approx(planned[s]) for s in planned)
    assert seconds["starved"] == pytest.approx(0.0, abs=1e-6)
    assert seconds["idle"] == pytest.approx(prepared.horizon - RUN * len(planned))
    figure, _ = stream_oee(plant, prepared, states, counts)
    assert figure.planned_busy_s == pytest.approx(RUN * len(planned))
    assert figure.oee == pytest.approx(1.0)


def test_a_part_late_from_an_upstream_breakdown_starves_the_station_for_its_lateness(monkeypatch) -> None:
    """The coater breaks down on the way: the dryer is starved, for each unit, from its planned start (or the
    end of its previous unit, if later) until the unit comes, as the event log shows, and idle otherwise; its OEE
    over the stream's states is the ideal time of its good units over the time not idle."""
    plant = gap_plant(coater_mtbf_hours=0.5)
    prepared, station, states, counts, started, ended, planned = run(plant, monkeypatch)
    order = sorted(planned, key=planned.__getitem__)
    assert set(started) == set(planned)
    late, free = 0.0, 0.0
    for serial in order:
        late += max(0.0, started[serial] - max(planned[serial], free))
        free = ended[serial]
    assert late > 0  # the breakdowns made some unit late
    working, starved, idle = (station.state_time[k] for k in (0, 3, 5))
    assert starved == pytest.approx(late)
    assert working + starved + idle == pytest.approx(prepared.horizon)
    figure, intervals = stream_oee(plant, prepared, states, counts)
    busy = sum(i.seconds for i in intervals if i.state not in ("idle", "maintenance"))
    good = sum(c.good for c in counts if c.equipment == plant.equipment_path("dry-1"))
    assert busy == pytest.approx(RUN * len(planned) + late)
    assert figure.oee == pytest.approx(good * RUN / busy)
