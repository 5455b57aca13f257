"""The kinds of things on the floor, each doing what the plant does: block, break, rest, rework, pace, batch."""

from __future__ import annotations

import math

import pytest

from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Characteristic
from factoryos.twin import (
    Duration,
    Floor,
    Maintenance,
    Part,
    Reliability,
    ShiftCalendar,
    Step,
    Task,
    TestSpec,
    exponential,
    fixed,
    poisson,
    shifts,
)
from factoryos.twin.calendar import DAY, HOUR, WEEK
from factoryos.twin.metrics import EquipmentMetrics, bottleneck, equipment_metrics
from factoryos.twin.states import NAMES


def released_every(seconds: float, route: tuple[Step, ...], count: int) -> list[tuple[float, Part]]:
    return [(k * seconds, Part(f"p{k}", route, 0.0, product="x")) for k in range(count)]


def test_a_full_buffer_blocks_the_station_upstream() -> None:
    floor = Floor(1)
    first, second = floor.buffer("in"), floor.buffer("between", capacity=1)
    route = (Step(first, Task("fast", fixed(1.0))), Step(second, Task("slow", fixed(2.0))))
    fast, slow = floor.station("fast", first), floor.station("slow", second)
    floor.source(released_every(0.0, route, 100))
    metrics = floor.run()
    by_name = {e.name: e for e in metrics.equipment}
    assert by_name["fast"].state_fraction["blocked"] > 0.4
    assert by_name["slow"].state_fraction["working"] > 0.99
    assert metrics.bottleneck == "slow"
    assert fast.completed == slow.completed == 100


def test_breakdowns_take_the_share_of_time_mtbf_and_mttr_give() -> None:
    floor = Floor(2)
    inbox = floor.buffer("in")
    reliability = Reliability(mtbf=900.0, mttr=exponential(100.0))
    floor.station("press", inbox, reliability=reliability, sensor="press")
    route = (Step(inbox, Task("stamp", fixed(10.0))),)
    floor.source(released_every(0.0, route, 30_000))
    metrics = floor.run()
    press = metrics.equipment[0]
    assert math.isclose(press.state_fraction["down"], 100 / 1000, rel_tol=0.1)
    assert math.isclose(press.availability, 0.9, rel_tol=0.02)
    assert press.failures > 200


def test_a_manned_station_works_only_in_its_shifts_and_its_crew_is_paid_for_them() -> None:
    floor = Floor(3)
    inbox = floor.buffer("in")
    calendar = shifts(2, days_per_week=5, break_minutes=30)
    crew = floor.crew("assembly", headcount=2, calendar=calendar)
    floor.station("bench-1", inbox, crew=crew)
    route = (Step(inbox, Task("assemble", fixed(60.0))),)
    floor.source(released_every(0.0, route, 100_000))
    metrics = floor.run(until=WEEK)
    open_share = 5 * 15 / (7 * 24)  # two 8 h shifts with a 30 min break each, five days
    assert math.isclose(metrics.equipment[0].state_fraction["working"], open_share, rel_tol=0.01)
    assert math.isclose(metrics.labour_hours, 2 * 5 * 16, rel_tol=1e-9)


def test_an_operator_shared_by_two_stations_makes_one_wait() -> None:
    floor = Floor(4)
    a, b = floor.buffer("a"), floor.buffer("b")
    crew = floor.crew("tender", headcount=1, calendar=shifts(3, days_per_week=7, break_minutes=0))
    floor.station("a", a, crew=crew)
    floor.station("b", b, crew=crew)
    floor.source(released_every(0.0, (Step(a, Task("x", fixed(10.0))),), 100))
    floor.source(released_every(0.0, (Step(b, Task("y", fixed(10.0))),), 100))
    metrics = floor.run()
    assert metrics.horizon == pytest.approx(2000.0)
    assert sum(e.state_fraction["starved"] for e in metrics.equipment) == pytest.approx(1.0)


def test_a_full_buffer_offers_what_it_holds_again_to_a_taker_that_waits() -> None:
    floor = Floor(1)
    inbox = floor.buffer("in", capacity=1)
    parts = [Part(f"p{k}", (Step(inbox, Task("x", fixed(1.0))),), 0.0) for k in range(2)]
    taken = inbox.wait(lambda items: 0 if inbox.blocking else -1)  # takes a part only from a full buffer
    assert inbox.put(parts[0]) is None
    assert inbox.level == 1
    assert not taken.triggered
    room = inbox.put(parts[1])
    assert taken.triggered
    assert taken.value is parts[0]
    assert room is not None
    assert room.triggered
    assert list(inbox.items) == [parts[1]]


def test_a_station_waiting_for_its_team_is_held_up_and_a_working_one_is_not() -> None:
    floor = Floor(4)
    a, b = floor.buffer("a"), floor.buffer("b")
    crew = floor.crew("tender", headcount=1, calendar=shifts(3, days_per_week=7, break_minutes=0))
    first, second = floor.station("a", a, crew=crew), floor.station("b", b, crew=crew)
    idle = floor.station("c", floor.buffer("c"))
    floor.source([(0.0, Part("p1", (Step(a, Task("x", fixed(10.0))),), 0.0))])
    floor.source([(0.0, Part("p2", (Step(b, Task("y", fixed(10.0))),), 0.0))])
    floor.env.run(until=5.0)
    assert [first.held_up, second.held_up, idle.held_up] == [False, True, False]  # working; waiting for the
    # one operator; ready for a part


def test_a_crew_cut_to_one_station_runs_one_station_at_a_time_and_is_paid_by_head() -> None:
    floor = Floor(4)
    inbox = floor.buffer("in")
    calendar = shifts(3, days_per_week=7, break_minutes=0)
    crew = floor.crew("cell", headcount=3, calendar=calendar, stations=1)
    for name in ("a", "b"):
        floor.station(name, inbox, crew=crew)
    floor.source(released_every(0.0, (Step(inbox, Task("x", fixed(10.0))),), 100))
    metrics = floor.run()
    assert metrics.horizon == pytest.approx(1000.0), "100 parts of 10 s, one station at a time"
    assert sum(e.state_fraction["working"] for e in metrics.equipment) == pytest.approx(1.0)
    assert metrics.labour_hours == pytest.approx(3 * 1000.0 / 3600.0)


def test_changeovers_happen_when_the_setup_group_changes() -> None:
    floor = Floor(5)
    inbox = floor.buffer("in")
    press = floor.station("press", inbox)
    red = Task("paint", fixed(10.0), setup_group="red", setup=fixed(50.0))
    blue = Task("paint", fixed(10.0), setup_group="blue", setup=fixed(50.0))
    releases = [(0.0, Part(f"p{k}", (Step(inbox, red if k < 5 or k >= 8 else blue),), 0.0)) for k in range(10)]
    floor.source(releases)
    floor.run()
    assert press.state_time[1] == pytest.approx(100.0)  # red -> blue -> red


def test_failed_units_go_round_the_rework_loop_and_are_retested() -> None:
    floor = Floor(6)
    test_in, repair_in = floor.buffer("eol"), floor.buffer("repair")
    floor.station("eol-test", test_in)
    floor.station("repair", repair_in)
    repair = (Step(repair_in, Task("repair", fixed(30.0))),)
    test = TestSpec("eol", (Characteristic(name="insulation", unit="MOhm", nominal=500.0, lsl=100.0, usl=900.0),))
    eol = Task("end-of-line-test", fixed(5.0), yield_rate=0.9, rework=repair, tests=(test,))
    floor.source(released_every(10.0, (Step(test_in, eol),), 5_000))
    metrics = floor.run()
    tester = next(e for e in metrics.equipment if e.name == "eol-test")
    assert metrics.completed == 5_000
    assert metrics.scrapped == 0
    assert math.isclose(tester.rework / tester.completed, 0.1, rel_tol=0.1)
    assert math.isclose(tester.quality, 0.9, rel_tol=0.02)


def test_without_a_rework_loop_failed_units_are_scrapped() -> None:
    floor = Floor(7)
    inbox = floor.buffer("in")
    floor.station("cnc", inbox)
    floor.source(released_every(1.0, (Step(inbox, Task("mill", fixed(1.0), yield_rate=0.8)),), 5_000))
    metrics = floor.run()
    assert metrics.completed + metrics.scrapped == 5_000
    assert math.isclose(metrics.scrapped / 5_000, 0.2, rel_tol=0.1)


def test_a_paced_line_delivers_one_unit_per_takt_after_filling() -> None:
    floor = Floor(8)
    inbox = floor.buffer("in")
    line = floor.paced_line("final-assembly", inbox, positions=20, takt=60.0)
    floor.source(released_every(0.0, (Step(inbox, Task("assemble", fixed(1200.0))),), 100))
    metrics = floor.run()
    assert line.completed == 100
    assert metrics.horizon == pytest.approx((100 + 20 - 1) * 60.0)


def test_a_batch_station_processes_full_batches_together() -> None:
    floor = Floor(9)
    inbox = floor.buffer("in")
    oven = floor.batch_station("oven", inbox, batch_size=10, fill_wait=math.inf)
    floor.source(released_every(1.0, (Step(inbox, Task("cure", fixed(100.0))),), 100))
    floor.run()
    assert oven.batches == 10
    assert oven.completed == 100


def test_transport_by_conveyor_and_agv_adds_its_travel_time() -> None:
    floor = Floor(10)
    conveyor = floor.conveyor("body-to-paint", fixed(120.0))
    agvs = floor.agv_fleet("agv", vehicles=2, loaded=fixed(60.0), empty=fixed(40.0))
    route = (Step(conveyor, Task("convey", fixed(120.0))), Step(agvs, Task("carry", fixed(60.0))))
    floor.source(released_every(1000.0, route, 10))
    metrics = floor.run()
    assert metrics.avg_lead_time == pytest.approx(180.0)


def test_planned_maintenance_takes_its_windows() -> None:
    floor = Floor(11)
    inbox = floor.buffer("in")
    floor.station("robot", inbox, maintenance=Maintenance(interval=DAY, duration=4 * HOUR))
    floor.source(released_every(0.0, (Step(inbox, Task("weld", fixed(60.0))),), 100_000))
    metrics = floor.run(until=7 * DAY)
    assert metrics.equipment[0].state_fraction["maintenance"] == pytest.approx(4 / 24, rel=0.01)


def test_the_same_seed_gives_the_same_run_and_another_seed_another(line) -> None:
    first = line(42, stations=3, parts=3_000).run().to_dict()
    again = line(42, stations=3, parts=3_000).run().to_dict()
    other = line(43, stations=3, parts=3_000).run().to_dict()
    assert first == again
    assert first != other


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Duration(-1.0), "duration mean"),
        (lambda: Duration(1.0, "weibull"), "duration kind"),
        (lambda: shifts(4, hours=8), "does not fit a week"),
        (lambda: Reliability(mtbf=0, mttr=fixed(1.0)), "mtbf"),
        (lambda: Floor().station("s", Floor().buffer("b"), servers=0), "at least one server"),
        (lambda: Floor().station("s", Floor().buffer("b"), sensor="laser"), "sensor kind"),
        (lambda: Floor(warmup=100.0).run(until=50.0), "must exceed the warm-up"),
        (lambda: _twice(), "defined twice"),
    ],
)
def test_bad_input_gets_a_clear_error(build, message) -> None:
    with pytest.raises(FactoryosError, match=message):
        build()


def _twice() -> None:
    floor = Floor()
    floor.buffer("b")
    floor.buffer("b")


def test_poisson_releases_are_reproducible() -> None:
    floor = Floor(1)
    route = (Step(floor.buffer("b"), Task("x", fixed(0.1))),)
    a = [t for t, _ in poisson(floor.rng("a"), 2.0, route, 50)]
    b = [t for t, _ in poisson(floor.rng("a"), 2.0, route, 50)]
    assert a == b
    assert a == sorted(a)


def test_a_holiday_closes_the_calendar_and_pays_no_shift() -> None:
    weekly = shifts(2, break_minutes=0)
    holiday = ShiftCalendar(weekly.windows, weekly.paid, weekly.period, "with holiday", ((DAY, 2 * DAY),))
    assert weekly.is_open(DAY + 7 * HOUR)
    assert not holiday.is_open(DAY + 7 * HOUR)
    assert holiday.next_open(DAY + 7 * HOUR) == 2 * DAY + 6 * HOUR
    assert holiday.paid_seconds(WEEK) == weekly.paid_seconds(WEEK) - 16 * HOUR
    assert holiday.open_per_period == weekly.open_per_period
    floor = Floor(12)
    inbox = floor.buffer("in")
    floor.station("bench", inbox, calendar=holiday)
    floor.source(released_every(0.0, (Step(inbox, Task("fit", fixed(60.0))),), 100_000))
    metrics = floor.run(until=WEEK)
    assert metrics.equipment[0].state_fraction["working"] == pytest.approx(4 * 16 / (7 * 24), rel=0.01)


def _equipment(name: str, active_hours: float, fractions: dict[str, float]) -> EquipmentMetrics:
    state_time = [fractions.get(state, 0.0) for state in NAMES]
    counts = {"completed": 1, "good": 1, "scrap": 0, "rework": 0, "failures": 0, "ideal_seconds": 0.0}
    return equipment_metrics(name, name, "", state_time, counts | {"active_sum": active_hours, "active_count": 1})


def test_the_bottleneck_is_judged_on_planned_time_not_a_lights_out_cells_round_the_clock():
    """A two-shift oven busy all of its shifts (broken by breaks into 4-hour active periods) feeding a 24/7
    lights-out cooling rack that cools a third of the day in 8-hour stretches: the oven limits the flow. Over the
    whole clock the rack looked busier (35 % against 30 %) and its longer periods made it the bottleneck."""
    oven = _equipment("oven", 4.0, {"working": 0.28, "setup": 0.02, "idle": 0.70})
    rack = _equipment("rack", 8.0, {"working": 0.35, "starved": 0.65})
    assert bottleneck([oven, rack]) == "oven"
    busy_rack = _equipment("rack", 8.0, {"working": 0.95, "starved": 0.05})
    assert bottleneck([oven, busy_rack]) == "rack"  # both busy throughout their planned time: the longer periods
