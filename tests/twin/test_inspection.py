"""The twin inspects and tests against the plant's characteristics: sampling plans, per-characteristic verdicts,
first-pass yield in law, drift that makes out-of-specification units, and failed units repaired and retested."""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from datetime import timedelta

from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.model.plant import Characteristic, Drift, Sampling
from factoryos.twin import Floor, Part, Step, Task, TestSpec, fixed
from factoryos.twin.calendar import HOUR
from factoryos.twin.part import unit_label

GAP = Characteristic(name="gap", unit="mm", nominal=0.0, lsl=-4.0, usl=4.0)  # sigma 1


def _line(tests: tuple[TestSpec, ...], units: int, yield_rate: float = 1.0, drift: Drift | None = None, lot: int = 1):
    """A test station with a repair bay behind it, a unit a minute; the test events and the serials' order."""
    bus = EventBus()
    floor = Floor(3, bus=bus)
    test_in, repair_in = floor.buffer("test"), floor.buffer("repair")
    floor.station("site/eol/tester", test_in, drift=drift)
    floor.station("site/eol/repair", repair_in)
    repair = (Step(repair_in, Task("repair", fixed(30.0))),)
    route = (Step(test_in, Task("test", fixed(50.0), yield_rate=yield_rate, tests=tests, rework=repair)),)
    floor.source((k * 60.0, Part(f"S{k:05d}", route, 0.0, order=unit_label(f"O{k // lot}", k))) for k in range(units))
    floor.run()
    return [e for e in bus.store.read(EventKind.TEST) if e.equipment == "site/eol/tester"]


def test_each_characteristic_is_measured_as_its_sampling_plan_says() -> None:
    """Units labelled by their order as the floor labels them (`ORDER#k`): two a lot means two of each order,
    not every unit (each unit's own label made every unit the first of its lot)."""
    every_third = GAP.model_copy(update={"name": "every3", "sampling": Sampling(every=3)})
    two_a_lot = GAP.model_copy(update={"name": "lot2", "sampling": Sampling(per_lot=2)})
    events = _line((TestSpec("audit", (GAP, every_third, two_a_lot)),), units=60, lot=10)
    assert len(events) == 60  # every unit gets its test's result
    measured = Counter(m["name"] for e in events for m in e.payload["measurements"])
    assert measured == {"gap": 60, "every3": 20, "lot2": 12}
    lot2 = [e.payload["serial"] for e in events if any(m["name"] == "lot2" for m in e.payload["measurements"])]
    assert lot2 == [f"S{k:05d}" for k in range(60) if k % 10 < 2]


def test_parallel_testers_measure_two_a_lot_in_all_not_two_each() -> None:
    """Four testers share one queue; orders of 10 units, two a lot: each order has two units measured, whichever
    testers took them (each tester counted its own, so an order spread over four was measured up to eight
    times)."""
    bus = EventBus()
    floor = Floor(5, bus=bus)
    queue = floor.buffer("test")
    for k in range(4):
        floor.station(f"site/eol/tester-{k}", queue)
    two_a_lot = GAP.model_copy(update={"name": "lot2", "sampling": Sampling(per_lot=2)})
    route = (Step(queue, Task("test", fixed(200.0), tests=(TestSpec("audit", (two_a_lot,)),))),)
    floor.source((k * 60.0, Part(f"S{k:05d}", route, 0.0, order=unit_label(f"O{k // 10}", k))) for k in range(100))
    floor.run()
    events = [e for e in bus.store.read(EventKind.TEST) if e.payload["measurements"]]
    testers = {e.equipment for e in events}
    assert len(testers) > 1
    by_order = Counter(f"O{int(e.payload['serial'][1:]) // 10}" for e in events)
    assert by_order == {f"O{n}": 2 for n in range(10)}


def test_the_same_audit_at_two_operations_samples_two_a_lot_at_each() -> None:
    """An audit run at `check` and again at `recheck`: each operation measures two of each order (the two shared
    one count, so the second measured none)."""
    bus = EventBus()
    floor = Floor(6, bus=bus)
    first, second = floor.buffer("check"), floor.buffer("recheck")
    floor.station("site/eol/checker", first)
    floor.station("site/eol/rechecker", second)
    audit = (TestSpec("audit", (GAP.model_copy(update={"name": "lot2", "sampling": Sampling(per_lot=2)}),)),)
    route = (
        Step(first, Task("check", fixed(50.0), tests=audit)),
        Step(second, Task("recheck", fixed(50.0), tests=audit)),
    )
    floor.source((k * 60.0, Part(f"S{k:05d}", route, 0.0, order=unit_label(f"O{k // 10}", k))) for k in range(50))
    floor.run()
    measured = Counter(
        (e.equipment, f"O{int(e.payload['serial'][1:]) // 10}")
        for e in bus.store.read(EventKind.TEST)
        if e.payload["measurements"]
    )
    assert measured == {
        (station, f"O{n}"): 2 for station in ("site/eol/checker", "site/eol/rechecker") for n in range(5)
    }


def test_a_characteristic_bounded_above_only_is_never_measured_below_its_natural_floor() -> None:
    """A leakage current (nominal 0.5 mA, at most 2.0) cannot be negative: a capable process's noise folds at
    zero and stays inside the limit (a walk found 246 of 2,668 negative). A gap with both limits may go below
    zero as before, and a temperature bounded above only stops at absolute zero, far away."""
    leakage = Characteristic(name="leakage", unit="mA", nominal=0.5, usl=2.0)
    chill = Characteristic(name="chill", unit="degC", nominal=-10.0, usl=0.0)
    assert (leakage.floor, GAP.floor, chill.floor) == (0.0, None, -273.15)
    events = _line((TestSpec("hipot", (leakage, GAP)),), units=2000)
    values = defaultdict(list)
    for event in events:
        for m in event.payload["measurements"]:
            values[m["name"]].append(m["value"])
    assert 0.0 <= min(values["leakage"]) < 0.1
    assert max(values["leakage"]) <= 2.0
    below = sum(v < 0.5 for v in values["leakage"]) / 2000
    assert abs(below - 0.5) < 0.05  # folding moves values across zero, not across the nominal
    assert min(values["gap"]) < 0


def test_first_pass_yield_is_the_plant_files_within_a_binomial_bound_and_every_failure_is_retested() -> None:
    n, fpy = 3000, 0.9
    events = _line((TestSpec("eol", (GAP, GAP.model_copy(update={"name": "hv"}))),), units=n, yield_rate=fpy)
    history: dict[str, list[str]] = defaultdict(list)
    for event in events:
        history[event.payload["serial"]].append(event.payload["result"])
        verdicts = {m["name"]: m["result"] for m in event.payload["measurements"]}
        assert list(verdicts.values()).count("fail") == (event.payload["result"] == "fail")
    assert len(history) == n
    first = sum(results[0] == "pass" for results in history.values()) / n
    assert abs(first - fpy) <= 4 * math.sqrt(fpy * (1 - fpy) / n)
    assert all(results[-1] == "pass" for results in history.values())  # repaired until it passed
    assert any(len(results) > 2 for results in history.values())  # a retest can fail again


def test_a_drifting_unit_goes_out_of_specification_and_is_corrected() -> None:
    """The mean moves a sigma an hour from hour 1, so units start failing (beyond 4 sigma) before hour 5, after
    which the cause is corrected and the drift starts over an hour later."""
    events = _line((TestSpec("eol", (GAP,)),), units=12 * 60, drift=Drift(after_hours=1, sigmas_per_hour=1.0))
    values = [(e.ts.timestamp(), e.payload["measurements"][0]) for e in events]
    start = values[0][0] - 50.0  # the first unit is tested at 50 s
    hours = [((t - start) / HOUR, m) for t, m in values]
    steady = [m["value"] for h, m in hours if h < 1]
    assert abs(statistics.fmean(steady)) < 4 / math.sqrt(len(steady))
    assert all(m["result"] == "pass" for h, m in hours if h < 1)
    fails = [h for h, m in hours if m["result"] == "fail"]
    assert fails
    assert 2 < fails[0] < 5.2
    corrected = [m["value"] for h, m in hours if fails[0] < h < fails[0] + 1]
    assert abs(statistics.fmean(corrected)) < 4 / math.sqrt(len(corrected))
    drifting = [m["value"] for h, m in hours if fails[0] - 0.5 < h < fails[0]]
    assert statistics.fmean(drifting) > fails[0] - 2


def test_a_drifting_position_of_a_paced_line_drifts_the_lines_output() -> None:
    """final-p runs as one paced line (only gadgets use it): a drift declared on its position p-1 moves what the
    line's test measures, from the hour it begins until a unit goes out of specification."""
    from factoryos.model.bus import EventBus as Bus
    from factoryos.twin.scenarios import prepare
    from tests.twin.small_plants import small_plant

    gap = {"name": "gap", "unit": "mm", "nominal": 0, "lsl": -4, "usl": 4}
    join = {"repair_minutes": 1, "tests": [{"name": "join-test", "characteristics": [gap]}]}
    drifting = {"equipment_class": "assembler", "drift": {"after_hours": 56, "sigmas_per_hour": 0.5}}
    plant = small_plant(quality={"join": join}, **{"areas__back__work_centers__final-p__work_units__p-1": drifting})
    bus = Bus()
    prepared = prepare(plant, "smart", 3, 1, bus=bus)
    prepared.floor.run(prepared.horizon)
    line = f"{plant.site.id}/back/final-p"
    epoch = prepared.floor.publisher.epoch
    results = [(e.ts, e.payload["measurements"][0]) for e in bus.store.read(EventKind.TEST, line)]
    start = epoch + timedelta(hours=56)  # mid-shift
    # The noise is cut at 4 sigma, inside the limits: only the drift takes a value out of specification.
    first_fail = min(ts for ts, m in results if ts > start and m["result"] == "fail")
    before = [m["value"] for ts, m in results if ts < start]
    after = [(ts - start, m["value"]) for ts, m in results if start < ts < first_fail]
    assert len(before) > 30
    assert len(after) > 5
    assert abs(statistics.fmean(before)) < 4 / math.sqrt(len(before))
    off_drift = [value - 0.5 * since / timedelta(hours=1) for since, value in after]  # half a sigma an hour
    assert abs(statistics.fmean(off_drift)) < 4 / math.sqrt(len(after))


def _lot_line(units: int, yield_rate: float, rework: bool, tests: tuple[TestSpec, ...] = ()):
    """One lot of `units` through a station: the stream's counts and tests, and the lot as it left."""
    bus = EventBus()
    floor = Floor(5, bus=bus)
    weld_in, repair_in, done = floor.buffer("weld"), floor.buffer("repair"), floor.buffer("done")
    floor.station("site/cell/welder", weld_in)
    detour = (Step(repair_in, Task("repair", fixed(30.0))),) if rework else ()
    task = Task("roll-weld", fixed(600.0), yield_rate=yield_rate, tests=tests, rework=detour, material="drum")
    lot = Part("LOT-drum-1", (Step(weld_in, task), Step(done, Task("store", fixed(1.0)))), 0.0, product="drum")
    lot.quantity = units
    floor.source([(0.0, lot)])
    floor.run(until=3600.0)
    counts = [e.payload for e in bus.store.read(EventKind.COUNT) if e.equipment == "site/cell/welder"]
    return counts, [e for e in bus.store.read(EventKind.TEST)], lot


def test_a_lots_units_each_meet_the_yield_and_the_failed_are_scrapped_or_reworked() -> None:
    """A lot went through its operation as if it always came out right (no scrap, no test, quality 100 %
    whatever the plant file said): its units now each meet the yield; without a rework detour the failed ones are
    scrapped and the lot goes on without them, with one they are counted as rework and stay in the lot."""
    n, fpy = 2000, 0.9
    [count], _, lot = _lot_line(n, fpy, rework=False)
    assert count["good"] + count["scrap"] == n
    assert count["rework"] == 0
    assert abs(count["scrap"] / n - (1 - fpy)) <= 4 * math.sqrt(fpy * (1 - fpy) / n)
    assert lot.quantity == count["good"]
    [count], _, lot = _lot_line(n, fpy, rework=True)
    assert (count["good"] + count["rework"], count["scrap"]) == (n, 0)
    assert count["rework"] > 0
    assert lot.quantity == n


def test_a_lots_tests_measure_its_units_as_their_sampling_plan_says() -> None:
    """Every unit of a lot of 100 gets its test's result (named by the lot), each characteristic measured as its
    plan says: every unit, every third, two a lot."""
    every_third = GAP.model_copy(update={"name": "every3", "sampling": Sampling(every=3)})
    two_a_lot = GAP.model_copy(update={"name": "lot2", "sampling": Sampling(per_lot=2)})
    _, events, _ = _lot_line(100, 1.0, rework=False, tests=(TestSpec("seam", (GAP, every_third, two_a_lot)),))
    assert len(events) == 100
    assert {e.payload["serial"] for e in events} == {"LOT-drum-1"}
    measured = Counter(m["name"] for e in events for m in e.payload["measurements"])
    assert measured == {"gap": 100, "every3": 34, "lot2": 2}
