"""OEE two ways on the same run: the twin's own figures and `factoryos.iot.oee` over the events the twin
published agree, and both lie in [0, 1], for single, batch, lot-made, kit-made and paced equipment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from factoryos.iot.oee import Counted, by_window, day_windows, equipment_oee, ideal_cycle_times, state_intervals
from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.twin.event_log import RollingEventStore
from factoryos.twin.scenarios import prepare
from tests.twin.small_plants import small_plant

LOTS = {"kind": "sub-assembly", "source": "make", "lot_size": {"rule": "fixed", "quantity": 100}}
TABS = {  # four tabs a gadget, made beside it as a kit: each tab coater run makes four
    "materials__tab": {"kind": "sub-assembly", "source": "make"},
    "boms__gadget": [
        {"component": "plate", "quantity": 1},
        {"component": "tab", "quantity": 4},
        {"component": "screw", "quantity": 2},
    ],
    "routings__tab": {"operations": [{"id": "coat", "capability": "coat", "run_minutes": 0.25}]},
}
IN_LOTS = {  # with a supermarket stocked as the reorder policy keeps it (three days' plates and a lot): from
    # nothing, the coaters and the kiln would spend the first days on lots for stock alone
    "materials__plate": LOTS,
    "inventory": [{"material": "plate", "location": "supermarket", "lot": "PL-1", "quantity": 1300}],
}
STRUCTURES = {"per-unit": {}, "in-lots": IN_LOTS, "kits-of-four": TABS}


def run_listening(plant, scenario: str, days: float, warmup_days: float):
    """Run the plant's twin and keep the state changes and counts it publishes, as OEE reads them."""
    states, counts = [], []

    def listen(event) -> None:
        if event.kind == EventKind.STATE:
            states.append((event.ts, event.equipment, event.payload["state"]))
        elif event.kind == EventKind.COUNT:
            counts.append(Counted.of(event))

    bus = EventBus(RollingEventStore(keep=10))
    bus.subscribe(listen)
    run = prepare(plant, scenario, days, 1, bus=bus, warmup_days=warmup_days)
    return run, run.floor.run(run.horizon), states, counts


def both_ways(plant, scenario: str):
    run, metrics, states, counts = run_listening(plant, scenario, 3, 1)
    start = run.epoch + timedelta(seconds=run.floor.warmup)
    end = run.epoch + timedelta(seconds=run.horizon)
    measured = [c for c in counts if c.ts >= start]
    events = equipment_oee(state_intervals(states, start, end), measured, ideal_cycle_times(plant), startup_s=0.0)
    return metrics, events


@pytest.mark.parametrize("scenario", ["smart", "traditional"])
@pytest.mark.parametrize("structure", STRUCTURES)
def test_the_twin_and_the_event_stream_give_the_same_oee_in_zero_to_one(scenario: str, structure: str) -> None:
    plant = small_plant(**STRUCTURES[structure])
    metrics, events = both_ways(plant, scenario)
    kinds = set()
    for unit in metrics.equipment:
        assert 0 <= unit.oee <= 1, unit.path
        if unit.path not in events:
            continue
        figure = events[unit.path]
        assert 0 <= figure.oee <= 1, unit.path
        assert figure.produced == unit.completed, unit.path
        assert abs(figure.oee - unit.oee) <= 0.005, (unit.path, figure.oee, unit.oee)
        if unit.completed:
            kinds.add(unit.path.split("/")[-1].rstrip("-12pqxy"))
    assert {"kiln", "final", "chk", "x-coat"} <= kinds  # batch, paced and single equipment


def test_oee_by_day_and_equipment_stays_in_zero_to_one() -> None:
    """A lot's units are counted when it completes, its time spent over the days before: no day reads more
    than all its time as good output."""
    plant = small_plant(**IN_LOTS)
    run, _, states, counts = run_listening(plant, "smart", 4, 0)
    start, end = run.epoch, run.epoch + timedelta(seconds=run.horizon)
    intervals = state_intervals(states, start, end)
    cycles = ideal_cycle_times(plant)
    figures = []
    for equipment in {i.equipment for i in intervals}:
        mine = [i for i in intervals if i.equipment == equipment]
        counted = [c for c in counts if c.equipment == equipment]
        figures += by_window(mine, counted, cycles, day_windows(start, end)).values()
    assert any(f.produced for f in figures)
    assert all(0 <= f.performance <= 1 and 0 <= f.oee <= 1 for f in figures)


def test_a_kit_run_counts_every_unit_it_makes_of_its_own_material() -> None:
    """Four tabs a gadget, coated in one run: the coaters count tabs, four a gadget, as the tab they are."""
    counted: list[dict] = []
    bus = EventBus(RollingEventStore(keep=10))
    bus.subscribe(lambda event: counted.append(event.payload) if event.kind == EventKind.COUNT else None)
    run = prepare(small_plant(**TABS), "smart", 2, 1, bus=bus, warmup_days=0)
    run.floor.run(run.horizon)
    tabs = [payload["good"] for payload in counted if payload.get("material") == "tab"]
    assert tabs
    assert set(tabs) == {4}
