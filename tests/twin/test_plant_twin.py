"""The twin built from the reference plant files: it runs, it is reproducible, the scenarios differ the way
they should, a schedule is followed, and bad input is refused clearly."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from typer.testing import CliRunner

from factoryos.c2m.demand import generate_orders
from factoryos.cli.simulate import simulate
from factoryos.model.bus import EventBus
from factoryos.model.errors import FactoryosError
from factoryos.model.events import Event, EventKind
from factoryos.model.orders import ScheduledOperation
from factoryos.model.rampup import ramp_month
from factoryos.model.validate import PlantFileError
from factoryos.scheduling.plant_calendar import working_periods
from factoryos.twin.calendar import DAY
from factoryos.twin.event_log import RollingEventStore
from factoryos.twin.experiment import FIGURES, Experiment, replicate, run_experiment
from factoryos.twin.scenarios import closed_days, epoch_for, order_plan, prepare
from tests.twin.small_plants import small_plant

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(plant, scenario: str, days: float = 3, seed: int = 1, **options):
    prepared = prepare(plant, scenario, days, seed, **options)
    return prepared, prepared.floor.run(prepared.horizon)


def after_ramp(plant) -> date:
    """The plant's first Monday after its ramp-up (a run of whole weeks): the short runs of the plant at its
    demand start there, since while it ramps up its line builds a fraction of it (test_ramp_up.py)."""
    ramp, day = plant.ramp_up, plant.ramp_up.start
    while ramp_month(ramp, day) < len(ramp.months) or day.weekday():
        day += timedelta(days=1)
    return day


@pytest.fixture(scope="module")
def smart(ev_plant):
    return run(ev_plant, "smart", days=3, start=after_ramp(ev_plant))


@pytest.fixture(scope="module")
def traditional(ev_plant):
    return run(ev_plant, "traditional", days=3, start=after_ramp(ev_plant))


def test_the_ev_plant_makes_cars_in_both_scenarios(smart, traditional) -> None:
    for _, metrics in (smart, traditional):
        assert 150 < metrics.completed / (metrics.horizon / 86400) < 600
        assert metrics.avg_lead_time > 3600
        assert min(metrics.line_oee.values()) > 0
        assert max(metrics.line_oee.values()) <= 1


def test_smart_keeps_little_finished_goods_and_needs_fewer_labour_hours(smart, traditional) -> None:
    (smart_run, smart_metrics), (_, traditional_metrics) = smart, traditional
    assert 0 < smart_metrics.fg_inventory_avg < 0.1 * traditional_metrics.fg_inventory_avg
    assert smart_metrics.labour_hours < traditional_metrics.labour_hours
    assert smart_run.staffing["bodyside-cells"].operators == 0


def test_smart_crews_man_the_stations_the_load_needs_and_hold_the_work(smart, traditional) -> None:
    (smart_run, _), (traditional_run, _) = smart, traditional
    eol_units = len(smart_run.twin.work_centers["eol-test"][1].work_units)
    assert (traditional_run.staffing["eol-test"].operators, traditional_run.staffing["eol-test"].stations) == (18, None)
    standing = smart_run.staffing["eol-test"]
    assert 1 <= standing.stations < eol_units
    assert standing.operators == -(-18 * standing.stations // eol_units)
    eol = [e for name, e in smart_run.floor.equipment.items() if "/eol-test/" in name]
    assert eol
    assert all(e.crew is smart_run.floor.crews["eol-test"] for e in eol)


def test_a_mixed_model_line_run_as_stations_is_paced_to_the_order_book_in_smart(appliance_plant) -> None:
    smart_run = prepare(appliance_plant, "smart", 3, 1)
    traditional_run = prepare(appliance_plant, "traditional", 3, 1)
    assert "ac-line" not in smart_run.twin.paced_lines  # several routings use it: the twin runs its stations
    assert (traditional_run.staffing["ac-line"].operators, traditional_run.staffing["ac-line"].takt) == (42, 30.0)
    paced = smart_run.staffing["ac-line"]
    assert paced.takt > 30.0
    assert paced.operators == -(-42 * 30.0 // paced.takt)
    assert paced.stations == 7  # every station keeps a (smaller) team
    speeds = {
        name: (smart_run.floor.equipment[name].speed, traditional_run.floor.equipment[name].speed)
        for name in smart_run.floor.equipment
        if "/ac-line/" in name
    }
    assert len(speeds) == 7
    assert all(smart == pytest.approx(traditional * 30.0 / paced.takt) for smart, traditional in speeds.values())


def test_traditional_mans_a_third_shift_or_the_clock_where_two_shifts_cannot_carry_the_load(appliance_plant) -> None:
    staffing = prepare(appliance_plant, "traditional", 5, 1).staffing  # a week with its two-day warm-up
    daily_hours = {wc: s.calendar.paid_seconds(7 * 86400) / 3600 / 7 for wc, s in staffing.items()}
    assert daily_hours["sheet-metal-cell"] == 24  # its punch laser needs ~130 h a week: manned around the clock
    assert staffing["sheet-metal-cell"].operators == 2  # one operator per two machines
    assert daily_hours["hx-cell"] == pytest.approx(3 * 8 * 5 / 7)  # three shifts on weekdays
    assert daily_hours["ac-line"] == pytest.approx(2 * 8.5 * 6 / 7)  # two shifts carry the lines
    assert staffing["ac-line"].operators == 42


def test_the_twin_works_the_shifts_the_scheduler_plans_on_the_sites_clock(ev_plant) -> None:
    run = prepare(ev_plant, "traditional", 30, 1)  # March 2027 in Berlin: summer time from the 28th
    calendar = run.staffing["eol-test"].calendar
    planned = working_periods(ev_plant.calendars["two-shift"], "Europe/Berlin", run.epoch, 28)
    worked = [(round(a), round(b)) for a, b in calendar.windows if b <= 28 * 86400 and calendar.is_open(a)]
    assert worked == planned  # the Easter holidays (26 and 29 March) closed in both
    berlin = ZoneInfo("Europe/Berlin")
    days = [run.epoch + timedelta(seconds=a) for a, _ in calendar.paid]  # two shifts back to back, each day
    assert {t.astimezone(berlin).hour for t in days} == {6}
    assert {t.hour for t in days} == {5, 4}  # 06:00 in Berlin is 05:00 UTC in winter, 04:00 in summer


def test_a_run_starts_on_the_plants_first_day_on_the_sites_clock() -> None:
    """A plant whose stock was counted on Tuesday 1 June 2027 in Lisbon (summer time, UTC+1) runs from that
    midnight there, not from the Monday before nor from UTC's midnight: no order is placed and nothing built
    before it. Its Saturday and Sunday are its days 4 and 5."""
    lisbon = ZoneInfo("Europe/Lisbon")
    plant = small_plant(site={"id": "works", "name": "Works", "timezone": "Europe/Lisbon"}, as_of="2027-06-01")
    run = prepare(plant, "smart", 7, seed=2, warmup_days=0)
    assert run.epoch == datetime(2027, 6, 1, tzinfo=lisbon) == datetime(2027, 5, 31, 23, tzinfo=UTC)
    assert min(unit.placed for unit in run.plan) >= 0
    closed = closed_days(plant, run.epoch, 7)
    assert {4, 5, 11, 12} <= closed
    assert not {0, 1, 2, 3, 6, 7, 8, 9, 10} & closed
    assert -1 not in closed  # its week's Monday, a working day: the week's share is spread over five


def test_orders_are_released_on_the_days_the_plant_works(ev_plant, appliance_plant) -> None:
    ev, appliance = (closed_days(p, epoch_for(p), 14) for p in (ev_plant, appliance_plant))
    assert {5, 6, 12, 13} <= ev
    assert not {0, 1, 2, 3, 4} & ev  # Monday to Friday
    assert {6, 13} <= appliance
    assert not {0, 1, 2, 3, 4, 5} & appliance  # its lines work Saturdays too
    easter = closed_days(ev_plant, epoch_for(ev_plant), 30)
    assert {25, 28} <= easter  # Good Friday and Easter Monday 2027, from the plant's calendars


def test_an_order_is_released_on_the_site_day_after_it_was_placed_over_a_clock_change(kiln_plant) -> None:
    """Auckland's clocks go back on Sunday 4 April 2027, so its Monday ends 25 hours after Sunday's midnight: an
    order placed at 23:30 that Monday is released on Tuesday, the run's day 8 from Monday 29 March, where 24-hour
    days counted from the run's epoch took it for Tuesday's and released it on Wednesday."""
    zone = ZoneInfo("Pacific/Auckland")
    plant = kiln_plant.model_copy(update={"site": kiln_plant.site.model_copy(update={"timezone": "Pacific/Auckland"})})
    epoch = epoch_for(plant, date(2027, 3, 29))
    (drawn, *_) = generate_orders(plant, date(2027, 4, 5), 1, seed=1)
    late = dataclasses.replace(drawn, ordered_at=datetime(2027, 4, 5, 23, 30, tzinfo=zone), quantity=1)
    (unit,) = order_plan(plant, [late], epoch, 14, frozenset())
    assert int(unit.at // DAY) == (date(2027, 4, 6) - date(2027, 3, 29)).days


def test_releases_keep_the_sites_hours_after_a_clock_change(kiln_plant) -> None:
    """Berlin's clocks go forward on Sunday 28 March 2027: a lone unit released on Monday 29 March is released in
    the middle of the release hours on the site's clock, 14:00, where 24-hour days from the run's epoch (the
    Monday before, in winter time) put it at 15:00."""
    zone = ZoneInfo("Europe/Berlin")
    plant = kiln_plant.model_copy(update={"site": kiln_plant.site.model_copy(update={"timezone": "Europe/Berlin"})})
    epoch = epoch_for(plant, date(2027, 3, 22))
    (drawn, *_) = generate_orders(plant, date(2027, 3, 28), 1, seed=1)
    sunday = dataclasses.replace(drawn, ordered_at=datetime(2027, 3, 28, 10, tzinfo=zone), quantity=1)
    (unit,) = order_plan(plant, [sunday], epoch, 14, frozenset())
    assert (epoch + timedelta(seconds=unit.at)).astimezone(zone) == datetime(2027, 3, 29, 14, tzinfo=zone)


def test_the_same_seed_gives_the_same_month(ev_plant) -> None:
    text = (EXAMPLES / "ev-plant.yaml").read_text()
    first = replicate(Experiment(text, "smart", 1, events=False), 7)
    again = replicate(Experiment(text, "smart", 1, events=False), 7)
    for result in (first, again):
        del result["wall_seconds"], result["peak_rss_mib"]
    assert first == again


def test_publishing_the_event_stream_does_not_change_the_run() -> None:
    text = (EXAMPLES / "ev-plant.yaml").read_text()
    quiet = replicate(Experiment(text, "smart", 1, events=False), 4)
    loud = replicate(Experiment(text, "smart", 1, events=True), 4)
    for result in (quiet, loud):
        del result["wall_seconds"], result["peak_rss_mib"], result["events"]
    assert quiet == loud


def test_the_plant_publishes_operations_sensors_tests_and_alarms(ev_plant) -> None:
    kinds, measured, operations = set(), set(), set()
    checked = Counter()

    def listen(event) -> None:
        if checked[event.kind] < 2_000:  # what validation would make of it: the same event
            assert Event.model_validate(event.model_dump()) == event
            checked[event.kind] += 1
        kinds.add(event.kind)
        if event.kind == EventKind.MEASUREMENT:
            measured.add(event.payload["name"])
        elif event.kind == EventKind.OPERATION:
            operations.add((event.equipment.split("/")[1], event.payload["operation"]))

    bus = EventBus(RollingEventStore(keep=100))
    bus.subscribe(listen)
    # the first cars reach paint on the second day: the panels the plant file lists no lot of are pressed first
    prepared = prepare(ev_plant, "smart", 1, 3, bus=bus, warmup_days=2, start=after_ramp(ev_plant))
    prepared.floor.run(prepared.horizon)
    assert kinds == set(EventKind)
    simulated = {name for c in ev_plant.equipment_classes.values() for name in c.sensor_limits}
    assert simulated
    assert simulated <= measured
    assert ("paint", "biw-painted/basecoat") in operations
    assert any(area == "stamping" and operation.endswith("/stamp") for area, operation in operations)


def one_order_scheduled(plant) -> tuple[list, list[ScheduledOperation]]:
    """Three days of orders, the first one's units scheduled on booth-2 six hours into the run."""
    from factoryos.c2m.demand import generate_orders

    epoch = epoch_for(plant)
    orders = generate_orders(plant, epoch.date(), 3, 5)
    po, start = f"MO{orders[0].id[2:]}", epoch + timedelta(hours=6)
    schedule = [
        ScheduledOperation(f"{po}-001", po, "biw-painted/basecoat", "booth-2", start, start, serial=f"{po}-{k}")
        for k in range(1, orders[0].quantity + 1)
    ]
    return orders, schedule


def test_a_schedule_is_followed_unit_by_unit(ev_plant) -> None:
    orders, schedule = one_order_scheduled(ev_plant)
    po, start, booth = schedule[0].production_order, schedule[0].start, schedule[0].equipment
    bus = EventBus()
    prepared = prepare(ev_plant, "smart", 3, 5, bus=bus, warmup_days=0, orders=orders, schedule=schedule)
    prepared.floor.run(prepared.horizon)  # long enough for the body's panels to be pressed first
    painted = [
        e
        for e in bus.store.read(EventKind.OPERATION)
        if e.payload["operation"] == "biw-painted/basecoat" and e.payload["serial"].startswith(po)
    ]
    assert painted
    assert all(e.equipment.endswith(booth) for e in painted)
    assert {e.payload["work_order"] for e in painted} == {f"{po}-001"}
    assert min(e.ts for e in painted) >= start


def test_each_ordered_unit_is_awaited_once_whether_the_schedule_releases_it_or_not(ev_plant) -> None:
    """On-time delivery counts every ordered unit once: the scheduled ones (named by serial) are not counted
    again among those the run does not release, which would never ship and read as late."""
    orders, schedule = one_order_scheduled(ev_plant)
    prepared = prepare(ev_plant, "smart", 1, 5, warmup_days=0, orders=orders, schedule=schedule)
    assert prepared.floor.finished_goods.taken == sum(o.quantity for o in orders)


def test_smart_can_schedule_its_orders_and_run_the_schedule() -> None:
    text = (EXAMPLES / "appliance-plant.yaml").read_text()  # a day of a plant at its demand, not ramping up
    scheduled = replicate(Experiment(text, "smart", 1, events=False, schedule_seconds=2), 3)
    dispatched = replicate(Experiment(text, "smart", 1, events=False), 3)
    assert scheduled["completed"] > 0.8 * dispatched["completed"] > 0
    assert scheduled["on_time_rate"] == 1.0
    assert scheduled["avg_lead_time_days"] != dispatched["avg_lead_time_days"]  # released as scheduled


def test_an_experiment_reports_intervals(ev_plant) -> None:
    text = (EXAMPLES / "ev-plant.yaml").read_text()
    result = run_experiment(Experiment(text, "traditional", 1, events=False), 2, 11, workers=1)
    assert result["replications"] == 2
    assert result["seeds"] == [11, 12]
    band = result["ci95"]["throughput_per_day"]
    assert band["low"] <= result["throughput_per_day"] <= band["high"]


def test_replications_on_a_dask_cluster_give_what_they_give_here() -> None:
    from dask.distributed import LocalCluster

    text = (EXAMPLES / "ev-plant.yaml").read_text()
    here = run_experiment(Experiment(text, "smart", 1, events=False), 2, 5, workers=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        there = run_experiment(Experiment(text, "smart", 1, events=False), 2, 5, dask_address=cluster.scheduler_address)
    for figure in ("completed", "throughput_per_day", "avg_wip", "labour_hours", "oee", "seeds"):
        assert there[figure] == here[figure]


def test_simulate_prints_one_json_object() -> None:
    app = typer.Typer()
    app.command()(simulate)
    plant = str(EXAMPLES / "appliance-plant.yaml")  # a day of a plant at its demand, not ramping up
    result = CliRunner().invoke(app, ["--plant", plant, "--days", "1", "--scenario", "smart", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(FIGURES) | {"oee", "ci95"} <= figures.keys()
    assert figures["oee"]
    assert figures["completed"] > 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda plant: prepare(plant, "lean", 3, 1), "scenario 'lean'"),
        (lambda plant: prepare(plant, "smart", 0, 1), "days must be > 0"),
        (lambda plant: prepare(plant, "smart", 1e9, 1), "at most 3,650 .ten years., got 1e.09"),
        (lambda plant: prepare(plant, "smart", float("nan"), 1), "got nan"),
        (lambda plant: prepare(plant, "smart", 3650, 1, warmup_days=2), "together at most 3,650 .*got 3650 and 2"),
        (
            lambda plant: run_experiment(Experiment((EXAMPLES / "ev-plant.yaml").read_text(), "smart", 1), 10**5, 0),
            "replications must be 1 to 1,000, got 100,000",
        ),
        (lambda plant: prepare(plant, "traditional", 1, 1, schedule=[]), "smart"),
        (lambda plant: run_experiment(Experiment("source: x\n", "smart", 1), 1, 0), "error"),
        (
            lambda plant: run_experiment(Experiment((EXAMPLES / "ev-plant.yaml").read_text(), "smart", 1), 0, 0),
            "replications",
        ),
        (
            lambda plant: run_experiment(
                Experiment((EXAMPLES / "ev-plant.yaml").read_text(), "traditional", 1, schedule_seconds=5), 1, 0
            ),
            "only the smart scenario",
        ),
        (
            lambda plant: run_experiment(
                Experiment((EXAMPLES / "ev-plant.yaml").read_text(), "smart", 1, schedule_seconds=-1), 1, 0
            ),
            "seconds >= 0",
        ),
    ],
)
def test_bad_scenario_input_is_refused_clearly(ev_plant, call, message) -> None:
    with pytest.raises(FactoryosError, match=message):
        call(ev_plant)


def test_a_broken_plant_file_names_its_problems() -> None:
    with pytest.raises(PlantFileError, match="plant file"):
        run_experiment(Experiment("source: x\nsite: {id: s}\n", "smart", 1), 1, 0)


def test_dispatch_keeps_the_sequence_skips_what_is_missing_and_takes_over_from_a_held_up_unit() -> None:
    from collections import deque
    from types import SimpleNamespace

    from factoryos.twin import Part, Step, Task, fixed
    from factoryos.twin.plant_twin import Dispatch

    op = Task("biw-painted/basecoat", fixed(54.0))
    parts = deque(Part(serial, (Step(None, op),), 0.0) for serial in ("u3", "u1", "u9", "u7"))  # type: ignore[arg-type]
    schedule = {
        ("u1", op.name): ("booth-1", 0),
        ("u2", op.name): ("booth-1", 1),
        ("u3", op.name): ("booth-1", 2),
        ("u7", op.name): ("booth-2", 0),
    }
    peers = {"booth-1": SimpleNamespace(held_up=False), "booth-2": SimpleNamespace(held_up=False)}
    booth_1, booth_2 = Dispatch("booth-1", schedule, peers), Dispatch("booth-2", schedule, peers)
    assert parts[booth_1(parts)].serial == "u1"  # first in its sequence; u2 is late, so u3 comes next
    assert parts[booth_2(parts)].serial == "u7"
    del parts[3]
    assert parts[booth_2(parts)].serial == "u9"  # nothing of its own left: an unscheduled unit
    peers["booth-1"].held_up = True
    assert parts[booth_2(parts)].serial == "u3"  # booth-1 is held up (down, waiting for its team): its work moves


def test_an_idle_unit_takes_a_busy_peers_work_only_while_the_inbox_holds_up_its_upstream() -> None:
    from collections import deque
    from types import SimpleNamespace

    from factoryos.twin import Part, Step, Task, fixed
    from factoryos.twin.plant_twin import Dispatch

    op = Task("battery-pack-std/assemble", fixed(60.0))
    parts = deque(Part(serial, (Step(None, op),), 0.0) for serial in ("u1", "u2"))  # type: ignore[arg-type]
    schedule = {("u1", op.name): ("pack-asm-2", 0), ("u2", op.name): ("pack-asm-2", 1)}
    peers = {"pack-asm-2": SimpleNamespace(held_up=False)}  # working on something else
    inbox = SimpleNamespace(blocking=False)
    idle = Dispatch("pack-asm-1", schedule, peers, inbox)  # type: ignore[arg-type]
    assert idle(parts) == -1  # pack-asm-2 will come to them: the sequence holds
    inbox.blocking = True
    assert parts[idle(parts)].serial == "u1"  # they fill the inbox and stop the line upstream: take one


@pytest.mark.parametrize(
    ("zone", "monday"),
    [
        ("America/Los_Angeles", date(2027, 3, 8)),  # its clocks go forward on Sunday 14 March
        ("Pacific/Honolulu", date(2027, 3, 1)),
        ("Pacific/Auckland", date(2027, 3, 29)),  # its clocks go back on Sunday 4 April
    ],
)
def test_a_run_faces_the_orders_of_its_own_site_days(zone, monday) -> None:
    """The orders a run draws are placed within its days at the site, none before its epoch (the site's midnight
    of its first day) nor after its end: drawn on UTC's days, west of UTC the first came on the site's Sunday afternoon,
    before the run began."""
    plant = small_plant(site={"id": "works", "name": "Works", "timezone": zone})
    days = 9  # over the weekend and its clock change
    prepared = prepare(plant, "smart", days, 3, warmup_days=0, start=monday)
    placed = [unit.placed for unit in prepared.plan]
    end = datetime.combine(monday + timedelta(days=days), datetime.min.time(), ZoneInfo(zone))
    assert placed
    assert min(placed) >= 0
    assert max(placed) < (end - prepared.epoch).total_seconds()
