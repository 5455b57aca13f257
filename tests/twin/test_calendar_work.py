"""Equipment works only in its calendar's working time: a lot's operation (a saw cutting a bar lot) stops at the
shift's end and goes on at the next working minute, an operation that may not pause (a furnace cycle of units) is
not started when it cannot finish before the calendar closes, and a lights-out cell keeps its own calendar's
holidays. Checked against timelines worked out by hand and, on a small job shop, every stretch of work on the
event stream against the shifts as the plant file words them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.twin import Floor, Part, Step, Task, fixed
from factoryos.twin import plant_defaults as defaults
from factoryos.twin.calendar import DAY, HOUR, shifts
from factoryos.twin.plant_twin import PlannedUnit, PlantTwin, Staffing
from factoryos.twin.scenarios import prepare
from factoryos.twin.states import SETUP
from tests.twin.small_plants import WEEK, small_plant

DAY_SHIFT = replace(shifts(1, hours=8, first_start_hour=6, break_minutes=0), holidays=((DAY, 2 * DAY),))
"""06:00-14:00 Monday to Friday from the floor's epoch (a Monday), the Tuesday a holiday."""


def _spans(bus: EventBus, end: float) -> tuple[dict[str, list[tuple[float, float]]], dict[str, dict[str, list[float]]]]:
    """From the event stream: each equipment's stretches running, and each work order's operation (started,
    completed) times, in seconds from the first event's day."""
    events = list(bus.store.read())
    epoch = datetime.combine(events[0].ts.date(), datetime.min.time(), events[0].ts.tzinfo)
    running: dict[str, list[tuple[float, float]]] = defaultdict(list)
    since: dict[str, float] = {}
    operations: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        t = (event.ts - epoch).total_seconds()
        if event.kind == EventKind.STATE:
            if event.equipment in since:
                running[event.equipment].append((since.pop(event.equipment), t))
            if event.payload["state"] == "running":
                since[event.equipment] = t
        elif event.kind == EventKind.OPERATION:
            operations[event.payload["operation"]][event.payload["phase"]].append(t)
    for equipment, start in since.items():
        running[equipment].append((start, end))
    return running, operations


def _floor_with(task: Task, released: float, batch_size: int | None = None) -> tuple[EventBus, Floor]:
    bus = EventBus()
    floor = Floor(1, bus=bus)
    inbox = floor.buffer("in")
    if batch_size is None:
        floor.station("shop/cell/unit", inbox, calendar=DAY_SHIFT)
    else:
        floor.batch_station("shop/cell/unit", inbox, batch_size, calendar=DAY_SHIFT)
    floor.source([(released, Part("P1", (Step(inbox, task),), 0.0, product="bar"))])
    floor.run(7 * DAY)
    return bus, floor


def test_a_lots_operation_stops_at_the_shifts_end_and_goes_on_at_the_next_working_minute():
    """A 3 h cut started at 13:30 on Monday works to 14:00, stands over the night and Tuesday's holiday, and
    works its other 2.5 h from Wednesday 06:00: done at 08:30."""
    bus, _ = _floor_with(Task("cut", fixed(3 * HOUR), interruptible=True), 13.5 * HOUR)
    running, operations = _spans(bus, 7 * DAY)
    assert operations["cut"] == {"started": [13.5 * HOUR], "completed": [2 * DAY + 8.5 * HOUR]}
    assert running["shop/cell/unit"] == [(13.5 * HOUR, 14 * HOUR), (2 * DAY + 6 * HOUR, 2 * DAY + 8.5 * HOUR)]


@pytest.mark.parametrize("batch_size", [None, 4])
@pytest.mark.parametrize(
    ("released", "started"),
    [
        (10.5 * HOUR, 10.5 * HOUR),  # 10:30 to 13:30 fits the shift
        (11.5 * HOUR, 2 * DAY + 6 * HOUR),  # to 14:30 would not: not on Tuesday's holiday either; Wednesday 06:00
    ],
)
def test_an_operation_that_may_not_pause_starts_only_where_it_can_finish(released, started, batch_size):
    """A 3 h furnace cycle of a unit (on a station, and on batch equipment) is started only in a stretch of the
    shift that holds all of it, and then runs its 3 h without a stop."""
    bus, _ = _floor_with(Task("fire", fixed(3 * HOUR)), released, batch_size)
    running, operations = _spans(bus, 7 * DAY)
    assert operations["fire"] == {"started": [started], "completed": [started + 3 * HOUR]}
    assert running["shop/cell/unit"] == [(started, started + 3 * HOUR)]


def test_a_changeover_takes_working_time_just_before_its_run():
    """A 3 h run of die A from 10:50 ends at 13:50; the 20 min change to die B does not fit before 14:00, so it is
    done on Wednesday (Tuesday is a holiday) from 06:00, not over the night, and B runs 06:20-06:25."""
    bus = EventBus()
    floor = Floor(1, bus=bus)
    inbox = floor.buffer("in")
    station = floor.station("shop/cell/press", inbox, calendar=DAY_SHIFT)
    runs = [Task("a", fixed(3 * HOUR), setup_group="die-a"), Task("b", fixed(300), "die-b", fixed(20 * 60))]
    floor.source([(10 * HOUR + 50 * 60, Part(f"P{k}", (Step(inbox, task),), 0.0)) for k, task in enumerate(runs)])
    floor.run(7 * DAY)
    _, operations = _spans(bus, 7 * DAY)
    assert operations["a"]["completed"] == [13 * HOUR + 50 * 60]
    assert operations["b"]["started"] == [2 * DAY + 6 * HOUR + 20 * 60]
    assert station.state_time[SETUP] == pytest.approx(20 * 60)


def test_a_calendar_says_when_an_open_stretch_closes_and_where_work_fits():
    assert DAY_SHIFT.open_until(10 * HOUR) == 14 * HOUR
    assert DAY_SHIFT.open_until(15 * HOUR) == 15 * HOUR  # closed: it closes at once
    assert DAY_SHIFT.next_fit(11.5 * HOUR, 3 * HOUR) == 2 * DAY + 6 * HOUR
    around = replace(shifts(3, hours=8, days_per_week=7, break_minutes=0), holidays=((3 * DAY, 4 * DAY),))
    assert around.open_until(DAY) == 3 * DAY  # the holiday closes a calendar that never stops
    assert around.next_fit(3 * DAY - HOUR, 2 * HOUR) == 4 * DAY
    assert around.open_until(5 * DAY) == float("inf")  # no holiday ahead: it does not close


# -- a small job shop ------------------------------------------------------------------------------------------

FIRST = date(2027, 1, 4)  # a Monday, the shop's first day (the plant's default)
SHOP_HOLIDAY = date(2027, 1, 6)
OVEN_HOLIDAY = date(2027, 1, 8)


def _job_shop(**changes: Any):
    """A saw cutting bar into blanks in lots of 40 (15 min a blank: a lot takes 10 h, more than a shift), a lathe
    turning each widget (10 min), both on one day shift with a holiday; and a lights-out oven firing widgets ten at
    a time (2 h a cycle), around the clock but for a holiday of its own."""
    cell = {"kind": "cell", "buffer_capacity": 200}
    sections: dict[str, Any] = dict(
        equipment_classes={
            "saw": {"capabilities": ["cut"]},
            "lathe": {"capabilities": ["turn"]},
            "oven": {"capabilities": ["fire"]},
        },
        calendars={
            "days": {
                "shifts": [{"name": "day", "start": "06:00", "end": "14:00"}],
                "holidays": [SHOP_HOLIDAY.isoformat()],
            },
            "unmanned": {
                "shifts": [{"name": "all", "start": "00:00", "end": "00:00", "days": WEEK}],
                "holidays": [OVEN_HOLIDAY.isoformat()],
            },
        },
        areas={
            "shop": {
                "work_centers": {
                    "saws": {
                        **cell,
                        "calendar": "days",
                        "operators_per_shift": 1,
                        "work_units": {"saw-1": {"equipment_class": "saw"}},
                    },
                    "lathes": {
                        **cell,
                        "calendar": "days",
                        "operators_per_shift": 1,
                        "work_units": {"lathe-1": {"equipment_class": "lathe"}},
                    },
                    "ovens": {
                        **cell,
                        "calendar": "unmanned",
                        "lights_out": True,
                        "work_units": {"oven-1": {"equipment_class": "oven"}},
                    },
                }
            }
        },
        materials={
            "widget": {"kind": "finished", "source": "make"},
            "blank": {"kind": "sub-assembly", "source": "make", "lot_size": {"rule": "fixed", "quantity": 40}},
            "bar": {"kind": "component", "source": "buy"},
        },
        boms={"widget": [{"component": "blank", "quantity": 1}], "blank": [{"component": "bar", "quantity": 1}]},
        routings={
            "blank": {"operations": [{"id": "cut", "capability": "cut", "run_minutes": 15.0}]},
            "widget": {
                "operations": [
                    {"id": "turn", "capability": "turn", "run_minutes": 10.0},
                    {"id": "fire", "capability": "fire", "run_minutes": 120.0, "batch_size": 10},
                ]
            },
        },
        products={"widget": {"material": "widget", "tenant": "acme", "demand": {"units_per_day": 20}}},
        suppliers={"bars": {"lead_time_days": 1, "materials": ["bar"]}},
        inventory=[{"material": "bar", "location": "store", "lot": "B1", "quantity": 10_000}],
    )
    return small_plant(**{**sections, **changes})


def _working_time(first: date, days: int, hours: tuple[float, float], closed: set[date]) -> list[tuple[float, float]]:
    """The open stretches by hand, in seconds from `first`: `hours` of each day the shop works, merged."""
    stretches: list[tuple[float, float]] = []
    for k in range(days):
        day = first + timedelta(days=k)
        if day in closed:
            continue
        start, end = k * DAY + hours[0] * HOUR, k * DAY + hours[1] * HOUR
        if stretches and stretches[-1][1] == start:
            stretches[-1] = (stretches[-1][0], end)
        else:
            stretches.append((start, end))
    return stretches


def _within(span: tuple[float, float], stretches: list[tuple[float, float]]) -> bool:
    return any(start - 1e-6 <= span[0] and span[1] <= end + 1e-6 for start, end in stretches)


def _open_seconds(span: tuple[float, float], stretches: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(span[1], end) - max(span[0], start)) for start, end in stretches)


@pytest.fixture(scope="module")
def job_shop_run():
    """Ten days of the job shop's orders on the twin, run times exactly the routing's (no spread)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(defaults, "RUN_CV", 0.0)
        bus = EventBus()
        days = 10
        run = prepare(_job_shop(), "smart", days, 3, bus=bus, warmup_days=0)
        run.floor.run(run.horizon)
    assert run.epoch.date() == FIRST
    weekdays = {FIRST + timedelta(days=k) for k in range(days) if (FIRST + timedelta(days=k)).weekday() >= 5}
    manned = _working_time(FIRST, days, (6, 14), weekdays | {SHOP_HOLIDAY})
    unmanned = _working_time(FIRST, days, (0, 24), {OVEN_HOLIDAY})
    return _spans(bus, run.horizon), manned, unmanned


def test_the_job_shops_work_falls_only_in_its_working_time(job_shop_run):
    """Every stretch each machine runs lies in its work center's shifts as the plant file words them: the
    saw and the lathe on weekdays 06:00-14:00 but the shop's holiday, the lights-out oven around the clock but
    its own holiday."""
    (running, _), manned, unmanned = job_shop_run
    hours = {"saw-1": manned, "lathe-1": manned, "oven-1": unmanned}
    for unit, stretches in hours.items():
        (spans,) = [spans for path, spans in running.items() if path.endswith(f"/{unit}")]
        assert spans, f"{unit} never ran"
        outside = [span for span in spans if not _within(span, stretches)]
        assert not outside, f"{unit} ran outside its working time: {outside[:3]}"


def test_a_lot_is_cut_over_shifts_and_a_unit_is_turned_and_fired_without_a_stop(job_shop_run):
    """A lot's cut takes its 40 x 15 min of working time over the two shifts (or more) it spans; a
    widget's turning and each oven cycle run from start to end inside one open stretch."""
    (_, operations), manned, unmanned = job_shop_run
    cuts = list(zip(operations["blank/cut"]["started"], operations["blank/cut"]["completed"], strict=False))
    assert cuts
    assert all(_open_seconds(cut, manned) == pytest.approx(40 * 15 * 60) for cut in cuts)
    for name, stretches in (("widget/turn", manned), ("widget/fire", unmanned)):
        spans = list(zip(operations[name]["started"], operations[name]["completed"], strict=False))
        assert spans
        assert all(_within(span, stretches) for span in spans), name


def test_the_lights_out_oven_stands_on_its_holiday_with_work_waiting(job_shop_run):
    """The oven fires on the Thursday before its Friday holiday, not on the Friday while the lathe turns widgets
    for it, and starts on them at the holiday's end, Saturday 00:00."""
    (running, _), _, _ = job_shop_run
    (spans,) = [spans for path, spans in running.items() if path.endswith("/oven-1")]
    holiday = ((OVEN_HOLIDAY - FIRST).days * DAY, (OVEN_HOLIDAY - FIRST).days * DAY + DAY)
    assert any(holiday[0] - DAY <= start < holiday[0] for start, _ in spans)
    assert not any(start < holiday[1] and end > holiday[0] for start, end in spans)
    assert min(start for start, _ in spans if start >= holiday[1]) == holiday[1]


def test_two_operations_of_one_material_in_a_row_on_one_machine_each_pay_their_setup():
    """A lathe turns then faces each widget, 30 min to set up for either. Two widgets a day apart: the first
    turning is on a lathe set up from before (free, as the twin starts), then it sets up to face, to turn the
    second, and to face it: three setups."""
    operations = [
        {"id": "turn", "capability": "turn", "run_minutes": 10.0, "setup_minutes": 30.0},
        {"id": "face", "capability": "turn", "run_minutes": 5.0, "setup_minutes": 30.0},
    ]
    plant = _job_shop(
        boms={"widget": [{"component": "bar", "quantity": 1}]}, routings={"widget": {"operations": operations}}
    )
    floor = Floor(1)
    twin = PlantTwin(plant, floor)
    plan = [PlannedUnit(k * DAY, f"W{k}", "widget", {}) for k in range(2)]
    twin.work_center_load(plan, 1)
    twin.build({wc: Staffing(None, 0) for wc in ("saws", "lathes", "ovens")}, {}, 3 * DAY)
    twin.release(plan)
    floor.run(3 * DAY)
    lathe = floor.equipment[plant.equipment_path("lathe-1")]
    assert lathe.completed == 4
    assert lathe.state_time[SETUP] == pytest.approx(3 * 30 * 60)
