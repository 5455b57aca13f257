"""The twin run from a schedule keeps the schedule's sequence where it matters: a filler changes flavour where
its schedule does (not whenever parts reach it out of order), and a unit packs on the line its schedule chose."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.scheduling.plant_schedule import FULL_SOLVER_OPERATIONS, schedule_plant
from factoryos.twin.event_log import RollingEventStore
from factoryos.twin.scenarios import epoch_for, prepare
from tests.twin.small_plants import flavour_lines_plant

DAYS = 2


def scheduled_run(products_sharing: bool):
    """Two days of the plant's orders scheduled, then run on the twin: the run, each unit's operations started
    in the twin's order (by serial), each unit's changeovers, and where each serial's operations ran. The
    schedule is past the full solver's size, so it is the rolling sequence (or a rule): the same on any
    machine."""
    plant = flavour_lines_plant(products_sharing)
    epoch = epoch_for(plant)
    orders = generate_orders(plant, epoch.date(), DAYS, seed=1)
    plan = schedule_plant(plant, orders, horizon_days=DAYS, start=epoch, compare=False)
    assert len(plan.plant_problem.problem.operations) > FULL_SOLVER_OPERATIONS
    started: dict[str, list[str]] = {}
    setups: Counter[str] = Counter()
    where: dict[str, set[str]] = {}
    paths = {plant.equipment_path(u): u for u in plant.work_units()}
    lines = {f"{plant.site.id}/{area}/{wc}": wc for wc, (area, _) in plant.work_centers().items()}

    def listen(event) -> None:
        if event.kind == EventKind.STATE and event.payload["state"] == "setup":
            setups[paths[event.equipment]] += 1
        elif event.kind == EventKind.OPERATION and event.payload["phase"] == "started":
            serial = event.payload["serial"]
            if event.equipment in paths:
                started.setdefault(paths[event.equipment], []).append(serial)
            where.setdefault(serial, set()).add(
                lines.get(event.equipment) or plant.work_units()[paths[event.equipment]][1]
            )

    bus = EventBus(RollingEventStore(keep=10))
    bus.subscribe(listen)
    prepared = prepare(plant, "smart", DAYS, 1, bus=bus, orders=orders, schedule=plan.operations, warmup_days=0)
    prepared.floor.run(prepared.horizon)
    return prepared, started, setups, where


@pytest.fixture(scope="module")
def stations_run():
    return scheduled_run(products_sharing=True)


def test_each_filler_runs_its_schedules_flavour_campaigns_and_changes_over_only_between_them(stations_run) -> None:
    """However the parts reach a filler (each product released on its own, let into a full inbox in turns), it
    works the schedule's campaigns in the schedule's order over the part of its sequence the run reached: as many
    changeovers as the schedule has there. Before, a filler took whatever flavour was in its inbox when the next
    part of its sequence was not, and changed over again when that one came."""
    prepared, started, setups, _ = stations_run
    flavour = {unit.serial: unit.configuration["flavour"] for unit in prepared.plan}
    sequences: dict[str, list[tuple[int, str]]] = {}
    for (serial, operation), (unit, rank) in prepared.twin.schedule.items():
        if operation.endswith("/fill"):
            sequences.setdefault(unit, []).append((rank, serial))
    assert set(sequences) == {"fast-fill", "slow-fill"}
    for unit, sequence in sequences.items():
        scheduled = [serial for _, serial in sorted(sequence)]
        worked = started[unit]
        reached = max(scheduled.index(serial) for serial in worked) + 1
        assert len(worked) > 100
        assert set(worked) <= set(scheduled[:reached])  # no other line's parts, none from beyond its sequence
        campaigns = [key for key, _ in groupby(flavour[serial] for serial in scheduled[:reached])]
        assert len(campaigns) > 1  # the run reaches a changeover on both lines
        assert [key for key, _ in groupby(flavour[serial] for serial in worked)] == campaigns
        assert setups[unit] == len(campaigns) - 1


def test_a_unit_packs_on_the_paced_line_its_schedule_chose() -> None:
    """Each line runs as one paced line (one product packed on it): its task is named after the line, and the
    line choice found no schedule under that name, so units went to the line with fewer waiting instead."""
    prepared, _, _, where = scheduled_run(products_sharing=False)
    center = prepared.twin.units
    chosen = {
        serial: center[unit][1]
        for (serial, operation), (unit, _) in prepared.twin.schedule.items()
        if operation.endswith("/fill")
    }
    packed = {serial: lines for serial, lines in where.items() if serial in chosen}
    assert len(packed) > 300
    assert set(chosen.values()) == {"fast", "slow"}
    assert all(lines == {chosen[serial]} for serial, lines in packed.items())
