"""The twin speaks the floor's language: valid events on the bus, from which OEE can be rebuilt."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from factoryos.model.bus import EventBus
from factoryos.model.events import Event, EventKind
from factoryos.model.plant import Characteristic
from factoryos.services.oee import FloorStream, OeeQuery, oee_figures
from factoryos.twin import Floor, Part, Reliability, Step, Task, TestSpec, exponential, fixed
from factoryos.twin.calendar import HOUR
from factoryos.twin.states import EVENT_STATE


@pytest.fixture(scope="module")
def run():
    bus = EventBus()
    floor = Floor(5, site="ev-plant", bus=bus)
    weld_in, eol_in, repair_in = floor.buffer("weld"), floor.buffer("eol"), floor.buffer("repair")
    floor.station(
        "ev-plant/body/line-1/robot-1",
        weld_in,
        reliability=Reliability(mtbf=8 * HOUR, mttr=exponential(HOUR)),
        sensor="weld",
    )
    floor.station("ev-plant/final/eol/tester", eol_in)
    floor.station("ev-plant/final/eol/repair", repair_in)
    test = TestSpec(
        "eol",
        (
            Characteristic(name="insulation", unit="MOhm", nominal=500.0, lsl=100.0),
            Characteristic(name="hv_leak", unit="mA", nominal=1.0, usl=2.0),
        ),
    )
    route = (
        Step(weld_in, Task("weld", fixed(50.0))),
        Step(
            eol_in,
            Task(
                "eol-test",
                fixed(30.0),
                yield_rate=0.95,
                tests=(test,),
                rework=(Step(repair_in, Task("repair", fixed(300.0))),),
            ),
        ),
    )
    releases = [
        (k * 60.0, Part(f"VIN{k:06d}", route, 0.0, product="ev", order=f"WO{k}", lots=("LOT-1",))) for k in range(6_000)
    ]
    floor.source(releases)
    metrics = floor.run()
    return bus, metrics


def test_every_event_is_what_validation_would_make_of_it(run) -> None:
    bus, metrics = run
    events = list(bus.store.read())
    assert len(events) == metrics.events_published > 10_000
    for event in events[:: max(1, len(events) // 3000)]:
        assert Event.model_validate(event.model_dump()) == event
    assert {e.kind for e in events} == set(EventKind)
    assert [e.seq for e in events] == list(range(len(events)))
    assert all(a.ts <= b.ts for a, b in zip(events, events[1:], strict=False))


def test_operations_start_and_complete_with_serials_and_lots(run) -> None:
    bus, _ = run
    phases = Counter((e.payload["serial"], e.payload["phase"]) for e in bus.store.read(EventKind.OPERATION))
    serials = {serial for serial, _ in phases}
    assert len(serials) == 6_000
    assert all(phases[s, "started"] == phases[s, "completed"] for s in serials)
    started = next(bus.store.read(EventKind.OPERATION))
    assert started.payload["consumed_lots"] == ["LOT-1"]
    assert started.payload["work_order"] == "WO0"


def test_end_of_line_results_carry_measurements_and_limits(run) -> None:
    bus, metrics = run
    results = list(bus.store.read(EventKind.TEST))
    fails = [e for e in results if e.payload["result"] == "fail"]
    tester = next(e for e in metrics.equipment if e.name.endswith("tester"))
    assert len(results) == tester.completed
    assert len(fails) == tester.rework
    for event in results:
        verdicts = [m["result"] for m in event.payload["measurements"]]
        assert len(verdicts) == 2
        assert ("fail" in verdicts) == (event.payload["result"] == "fail")
        for m in event.payload["measurements"]:
            inside = m.get("low", -math.inf) <= m["value"] <= m.get("high", math.inf)
            assert inside == (m["result"] == "pass")


def test_state_events_replayed_give_the_twins_own_oee(run) -> None:
    bus, metrics = run
    end = metrics.horizon
    time_in = defaultdict(lambda: Counter())
    last: dict[str, tuple[float, str]] = {}
    epoch = next(bus.store.read()).ts
    for event in bus.store.read(EventKind.STATE):
        t = (event.ts - epoch).total_seconds()
        if event.equipment in last:
            since, state = last[event.equipment]
            time_in[event.equipment][state] += t - since
        last[event.equipment] = (t, event.payload["state"])
    assert {state for _, state in last.values()} == {"unknown"}  # the stream ends with the run
    assert {since for since, _ in last.values()} == {end}
    counts = defaultdict(Counter)
    for event in bus.store.read(EventKind.COUNT):
        counts[event.equipment].update({k: event.payload[k] for k in ("good", "scrap", "rework")})
    ideal = {
        "ev-plant/body/line-1/robot-1": 50.0,
        "ev-plant/final/eol/tester": 30.0,
        "ev-plant/final/eol/repair": 300.0,
    }
    for e in metrics.equipment:
        states = time_in[e.path]
        planned = sum(states.values()) - states["idle"] - states["maintenance"]
        running = planned - states["down"] - states["setup"]
        total = sum(counts[e.path].values())
        oee = (running / planned) * (ideal[e.path] * total / running) * (counts[e.path]["good"] / total)
        assert oee == pytest.approx(e.oee, rel=1e-6)
        assert set(states) <= {s.value for s in EVENT_STATE}


def test_oee_over_a_window_past_the_runs_end_is_the_runs_own(run) -> None:
    """The stream ends with the run, each equipment's state unknown: a window reaching days past it adds no time in
    its last state (a station idle or running on to the window's end)."""
    bus, metrics = run
    floor = FloorStream.read(bus.store)
    start = min(ts for ts, _, _ in floor.changes)
    end = start + timedelta(seconds=metrics.horizon)
    cycles = {e.path: 1.0 for e in metrics.equipment}
    over_the_run = oee_figures(floor.changes, floor.counts, OeeQuery(start, end, cycles))
    past_it = oee_figures(floor.changes, floor.counts, OeeQuery(start, end + timedelta(days=3), cycles))
    assert past_it == over_the_run


def test_weld_current_drifts_before_breakdowns_that_give_warning(run) -> None:
    bus, _ = run
    robot = "ev-plant/body/line-1/robot-1"
    stops = [e.ts for e in bus.store.read(EventKind.ALARM, robot) if e.payload["active"]]
    readings = [(e.ts, e.payload["value"]) for e in bus.store.read(EventKind.MEASUREMENT, robot)]
    assert len(stops) >= 4
    before = [v for ts, v in readings if any(0 < (stop - ts).total_seconds() < 1800 for stop in stops)]
    # healthy: not in the (operating) hours before a stop, nor after the last one, where a fault may be brewing
    healthy = [
        v
        for ts, v in readings
        if ts < stops[-1] and all(not 0 < (stop - ts).total_seconds() < 10 * 3600 for stop in stops)
    ]
    assert statistics.fmean(healthy) == pytest.approx(10.5, abs=0.02)
    assert statistics.fmean(before) < 10.5 - 0.5  # electrode wear: the current sags before the stop


def test_the_ingestion_side_oee_of_the_stream_is_the_twins_own(run) -> None:
    """`factoryos.iot.oee` computes OEE from the state and count events alone: it must agree with the twin."""
    from factoryos.iot.oee import Counted, equipment_oee, state_intervals

    bus, metrics = run
    start = next(bus.store.read()).ts
    end = start + timedelta(seconds=metrics.horizon)
    changes = [(e.ts, e.equipment, e.payload["state"]) for e in bus.store.read(EventKind.STATE)]
    counts = [Counted.of(e) for e in bus.store.read(EventKind.COUNT)]
    ideal = {
        "ev-plant/body/line-1/robot-1": 50.0,
        "ev-plant/final/eol/tester": 30.0,
        "ev-plant/final/eol/repair": 300.0,
    }
    figures = equipment_oee(state_intervals(changes, start, end), counts, ideal, startup_s=0.0)
    for e in metrics.equipment:
        assert figures[e.path].oee == pytest.approx(e.oee, rel=1e-6)


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("weld", {"weld_current"}),
        ("press", {"press_tonnage"}),
        ("spindle", {"spindle_vibration"}),
        ("paint_booth", {"booth_temperature", "booth_humidity"}),
    ],
)
def test_each_sensor_kind_publishes_its_signals_with_units(kind, names) -> None:
    readings = sensor_readings(kind, seed=1)
    assert {e.payload["name"] for e in readings} == names
    assert all(e.payload["unit"] for e in readings)
    assert len(readings) >= 10


@pytest.mark.parametrize("kind", ["weld", "press", "spindle", "paint_booth"])
def test_a_seed_reads_its_own_sensor_values_and_the_same_seed_the_same(kind) -> None:
    """Replications are independent in what the sensors read too (an ambient sensor's air was once the same in
    every run), and a seed reproduces its run."""
    values = {seed: [e.payload["value"] for e in sensor_readings(kind, seed)] for seed in (1, 2)}
    assert values[1] != values[2]
    assert [e.payload["value"] for e in sensor_readings(kind, 1)] == values[1]


def sensor_readings(kind: str, seed: int) -> list[Event]:
    """An hour of one station with a `kind` sensor, a part a minute: its measurement events."""
    bus = EventBus()
    floor = Floor(seed, site="s", bus=bus)
    inbox = floor.buffer("in")
    floor.station("s/a/c/u", inbox, sensor=kind)
    floor.source([(k * 60.0, Part(f"p{k}", (Step(inbox, Task("op", fixed(30.0))),), 0.0)) for k in range(20)])
    floor.run(until=3600.0)
    return list(bus.store.read(EventKind.MEASUREMENT))
