"""The twin through Mosquitto: its events for one line go over MQTT to the ingester, and the OEE computed
from what arrived equals the OEE of what the twin published, with the twin's own unit counts."""

from __future__ import annotations

import pickle
from datetime import timedelta
from pathlib import Path

import pytest

from factoryos.iot.oee import Counted, by_line, equipment_oee, ideal_cycle_times, state_intervals
from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.model.readings import from_us, to_us
from factoryos.model.validate import load_plant

from .mqtt_helpers import ingester, through_mosquitto, until

pytestmark = pytest.mark.mqtt

twin = pytest.importorskip("factoryos.twin.scenarios")
LINE = "ev-plant/paint/line-1"
PLANT = Path(__file__).resolve().parents[2] / "examples" / "ev-plant.yaml"
DATA = Path(__file__).resolve().parents[1] / "data"


def line_figure(states, counts, start, end, cycles):
    intervals = state_intervals(states, start, end)
    [(_, figure)] = by_line(equipment_oee(intervals, counts, cycles)).items()
    return figure


def test_twin_line_oee_survives_the_trip_through_mosquitto(broker, store, uid):
    host, port = broker
    plant = load_plant(PLANT)
    bus = EventBus()
    run = twin.prepare(plant, "smart", 1, 3, bus=bus, warmup_days=1)
    with through_mosquitto(store, host, port, uid, bus, equipment_prefix=LINE + "/") as delivered:
        metrics = run.floor.run(run.horizon)
        run.floor.publisher.flush()
        sent = [e for e in bus.store.read() if e.equipment.startswith(LINE + "/")]
        delivered(len(sent))
    start, end = run.epoch, run.epoch + timedelta(seconds=run.horizon)
    cycles = ideal_cycle_times(plant)
    published = line_figure(
        [(e.ts, e.equipment, e.payload["state"]) for e in sent if e.kind is EventKind.STATE],
        [Counted.of(e) for e in sent if e.kind is EventKind.COUNT],
        start,
        end,
        cycles,
    )
    lo, hi = to_us(start), to_us(end)
    arrived = line_figure(
        [(from_us(r.ts_us), r.equipment, r.state) for r in store.state_changes(LINE + "/", lo, hi)],
        [Counted.of_row(r) for r in store.counts(LINE + "/", lo, hi)],
        start,
        end,
        cycles,
    )
    assert published.produced > 0
    assert abs(arrived.oee - published.oee) * 100 <= 0.5
    twin_good = sum(e.good for e in metrics.equipment if e.path.startswith(LINE + "/"))
    twin_done = sum(e.completed for e in metrics.equipment if e.path.startswith(LINE + "/"))
    assert (arrived.good, arrived.produced) == (twin_good, twin_done)
    measured_from = start + timedelta(seconds=run.floor.warmup)  # the twin's figures leave out its warm-up
    arrived_by_unit = equipment_oee(
        state_intervals(
            [(from_us(r.ts_us), r.equipment, r.state) for r in store.state_changes(LINE + "/", lo, hi)],
            measured_from,
            end,
        ),
        [Counted.of_row(r) for r in store.counts(LINE + "/", to_us(measured_from), hi)],
        cycles,
        startup_s=0.0,
    )
    compared = [unit for unit in metrics.equipment if unit.path in single_cycle_units(plant, LINE) and unit.completed]
    assert len(compared) >= 5
    for unit in compared:
        assert abs(arrived_by_unit[unit.path].oee - unit.oee) * 100 <= 0.5, unit.path


def single_cycle_units(plant, line: str) -> set[str]:
    """Units of the line whose operations all have one ideal time. Where a unit runs operations of different
    lengths, the ingestion side takes the fastest as its ideal cycle, while the twin knows each operation's."""
    units = set()
    for unit in plant.work_units():
        path = plant.equipment_path(unit)
        runs = {
            op.run_minutes / (op.batch_size or 1)
            for routing in plant.routings.values()
            for op in routing.operations
            if unit in plant.eligible_units(op)
        }
        if path.startswith(line + "/") and len(runs) == 1:
            units.add(path)
    return units


def test_simulate_broker_path_publishes_every_event_to_the_ingester(private_broker, store, uid):
    """`factoryos simulate --broker`: a replication publishes through the one publisher, in a tap that pickles
    (replications run in other processes), and the ingester receives every event the twin published."""
    from factoryos.iot.publisher import BrokerTap
    from factoryos.twin.experiment import Experiment, replicate

    tap = BrokerTap(f"mqtt://127.0.0.1:{private_broker.port}")
    assert pickle.loads(pickle.dumps(tap)) == tap
    pipeline, connector = ingester(store, "127.0.0.1", private_broker.port, f"ing-{uid}", prefixes=["factoryos"])
    try:
        result = replicate(Experiment((DATA / "mini-plant.yaml").read_text(), "smart", 1, events=False, tap=tap), 3)
        assert until(lambda: pipeline.stats.received >= result["events"], timeout=60)
    finally:
        connector.stop()
        pipeline.stop()
    assert result["events"] > 100
    assert pipeline.stats.received == result["events"]
    assert pipeline.stats.dead_letters == 0
