"""OEE to ISO 22400-2 on hand-checked examples: the factors, the six big losses, lines, shifts and days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from factoryos.iot.oee import (
    Counted,
    IdealCycles,
    Window,
    by_line,
    by_window,
    calendar_windows,
    clip,
    cycle_of,
    day_windows,
    equipment_oee,
    ideal_cycle_times,
    shift_windows,
    state_intervals,
)
from factoryos.model.plant import Plant

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
PRESS = "ev/body/line-1/press"
WELDER = "ev/body/line-1/welder"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_one_shift_by_hand():
    # 8 h: 30 min setup, 6 h running, 40 min down, 20 min starved, 30 min maintenance (planned), then running
    changes = [
        (at(0), PRESS, "setup"),
        (at(30), PRESS, "running"),
        (at(390), PRESS, "down"),
        (at(430), PRESS, "starved"),
        (at(450), PRESS, "maintenance"),
    ]
    intervals = state_intervals(changes, T0, at(480))
    counts = [Counted(at(35), PRESS, scrap=3), Counted(at(100), PRESS, good=300, scrap=5, rework=2)]
    [(key, f)] = equipment_oee(intervals, counts, ideal_cycle_s=60.0, startup_s=600).items()
    assert key == PRESS
    assert f.planned_busy_s == 450 * 60  # 480 min less 30 min planned maintenance
    assert f.production_s == 380 * 60  # running, and starved (a minor stop, not an availability loss)
    assert f.availability == pytest.approx(380 / 450)
    assert f.performance == pytest.approx(310 / 380)  # 310 units of 1 min ideal in 380 min
    assert f.quality == pytest.approx(300 / 310)
    assert f.oee == pytest.approx(300 / 450)  # ideal time of the good units over planned busy time
    losses = f.losses
    assert losses.breakdowns_s == 40 * 60
    assert losses.setup_s == 30 * 60
    assert losses.minor_stops_s == 20 * 60
    assert losses.reduced_speed_s == 50 * 60
    assert losses.startup_rejects_s == 3 * 60  # 3 scrap in the first 10 min
    assert losses.defects_s == 7 * 60
    ideal_good = 300 * 60
    assert sum(losses.as_tuple()) + ideal_good == pytest.approx(f.planned_busy_s)


def test_state_before_the_window_carries_in_and_unknown_time_is_not_counted():
    changes = [(at(-60), PRESS, "running"), (at(30), PRESS, "idle"), (at(10), WELDER, "running")]
    intervals = state_intervals(changes, T0, at(60))
    spans = sorted((i.equipment, i.state, i.start, i.end) for i in intervals)
    assert spans == [
        (PRESS, "idle", at(30), at(60)),
        (PRESS, "running", T0, at(30)),
        (WELDER, "running", at(10), at(60)),
    ]


def test_while_a_state_is_unknown_its_time_is_in_no_figure_and_what_is_counted_then_is_apart():
    """A press runs an hour making 60 (1 min ideal), its node dies at 60 and is born again at 120, running; 30
    more by 150. The hour it was dead is in none of the times, so the figures are those of the 90 min it was known
    (not 150 min at 60 % speed), and the 10 counted at 90, while it was dead, are beside them: the count at 60, as
    the node died, reports units made before and is the known hour's."""
    changes = [(T0, PRESS, "running"), (at(60), PRESS, "unknown"), (at(120), PRESS, "running")]
    counts = [Counted(at(60), PRESS, good=60), Counted(at(90), PRESS, good=10), Counted(at(150), PRESS, good=30)]
    intervals = state_intervals(changes, T0, at(150))
    assert sorted((i.state, i.start, i.end) for i in intervals) == [
        ("running", T0, at(60)),
        ("running", at(120), at(150)),
    ]
    [(_, f)] = equipment_oee(intervals, counts, 60.0).items()
    assert (f.planned_busy_s, f.production_s) == (90 * 60, 90 * 60)
    assert (f.produced, f.produced_without_state) == (90, 10)
    assert f.oee == pytest.approx(1.0)
    by_hour = by_window(intervals, counts, 60.0, [Window(f"h{h}", at(60 * h), at(60 * h + 60)) for h in range(3)])
    assert {name: (f.produced, f.produced_without_state) for name, f in by_hour.items()} == {
        "h0": (60, 0),
        "h1": (0, 10),
        "h2": (30, 0),
    }


def test_line_adds_times_and_units_of_its_equipment():
    changes = [(T0, PRESS, "running"), (T0, WELDER, "running"), (at(30), WELDER, "down")]
    intervals = state_intervals(changes, T0, at(60))
    counts = [Counted(at(1), PRESS, good=60), Counted(at(1), WELDER, good=20, scrap=10)]
    per_equipment = equipment_oee(intervals, counts, {PRESS: 60.0, WELDER: 60.0})
    assert per_equipment[PRESS].oee == pytest.approx(1.0)
    assert per_equipment[WELDER].oee == pytest.approx(20 / 60)
    [(line, figure)] = by_line(per_equipment).items()
    assert line == "ev/body/line-1"
    assert figure.oee == pytest.approx((60 + 20) / 120)
    assert figure.produced == 90
    assert figure.good == 80


def test_shifts_days_and_planned_windows():
    windows = shift_windows(T0, T0 + timedelta(days=1), [("early", time(6), time(14)), ("night", time(22), time(6))])
    assert [w.name for w in windows] == ["2026-11-23 early", "2026-11-23 night"]
    assert windows[1].end == datetime(2026, 11, 24, 6, tzinfo=UTC)
    days = day_windows(at(-120), at(24 * 60))
    assert [d.name for d in days] == ["2026-11-23", "2026-11-24"]
    assert days[0].start == at(-120)
    changes = [(T0, PRESS, "running"), (at(240), PRESS, "down")]
    intervals = state_intervals(changes, T0, at(480))
    counts = [Counted(at(240), PRESS, good=120), Counted(at(300), PRESS, good=1)]  # 120 units of 120 s: 4 h
    halves = [Window("first", T0, at(240)), Window("second", at(240), at(480))]
    figures = by_window(intervals, counts, 120.0, halves)
    assert figures["first"].oee == pytest.approx(1.0)
    assert figures["second"].availability == 0.0
    assert figures["second"].produced == 1
    assert sum(i.seconds for i in clip(intervals, halves[:1])) == 240 * 60


IST = timezone(timedelta(hours=5, minutes=30))
FRIDAY = datetime(2027, 5, 7, tzinfo=IST)
GLAZING = frozenset({"kiln-site/finishing/glaze-a", "kiln-site/finishing/glaze-b", "kiln-site/finishing/packing"})
UNMANNED = frozenset({"kiln-site/forming/press-cell", "kiln-site/firing/kilns"})


def test_a_plants_calendars_plan_each_shift_over_its_own_work_centers(kiln_plant):
    """A Friday at the kiln site (+05:30): glazing and packing work shifts a and b (night shift c runs Sunday to
    Thursday, so Thursday's ends at 06:00); the lights-out press and kilns are planned the whole day."""
    windows = calendar_windows(kiln_plant, FRIDAY, FRIDAY + timedelta(days=1))
    assert [(w.name, w.start.astimezone(IST).hour, w.end - w.start, w.lines) for w in windows] == [
        ("2027-05-06 c", 0, timedelta(hours=6), GLAZING),
        ("2027-05-07 lights-out", 0, timedelta(hours=24), UNMANNED),
        ("2027-05-07 a", 6, timedelta(hours=8), GLAZING),
        ("2027-05-07 b", 14, timedelta(hours=8), GLAZING),
    ]


def test_a_shift_counts_only_the_equipment_its_calendar_plans(kiln_plant):
    """The press runs all Friday, the glazer from 06:00 after a setup over the night shift: shift a holds the
    glazer's 8 h and units alone, the day the press's 24 h."""
    glazer, press = "kiln-site/finishing/glaze-a/glazer-a", "kiln-site/forming/press-cell/press-1"
    end = FRIDAY + timedelta(days=1)
    changes = [(FRIDAY, glazer, "setup"), (FRIDAY + timedelta(hours=6), glazer, "running"), (FRIDAY, press, "running")]
    intervals = state_intervals(changes, FRIDAY, end)
    counts = [Counted(FRIDAY + timedelta(hours=7), glazer, good=4), Counted(FRIDAY + timedelta(hours=7), press, good=9)]
    figures = by_window(intervals, counts, 60.0, calendar_windows(kiln_plant, FRIDAY, end))
    assert (figures["2027-05-07 a"].planned_busy_s, figures["2027-05-07 a"].good) == (8 * 3600, 4)
    assert (figures["2027-05-07 lights-out"].planned_busy_s, figures["2027-05-07 lights-out"].good) == (86400, 9)
    assert sum(f.planned_busy_s for f in figures.values()) == (6 + 8 + 8 + 24) * 3600


def _with_packing_calendar(plant: Plant, shifts: list[dict], holidays: tuple[date, ...] = ()) -> Plant:
    data = plant.model_dump()
    data["calendars"]["packing-shifts"] = {"shifts": shifts, "holidays": list(holidays)}
    data["areas"]["finishing"]["work_centers"]["packing"]["calendar"] = "packing-shifts"
    return Plant.model_validate(data)


def test_shifts_of_one_name_are_one_window_where_timed_alike_and_named_by_calendar_where_not(kiln_plant):
    alike = _with_packing_calendar(kiln_plant, [{"name": "a", "start": time(6), "end": time(14)}])
    [shift_a] = [w for w in calendar_windows(alike, FRIDAY, FRIDAY + timedelta(days=1)) if w.name.endswith(" a")]
    assert shift_a.lines == GLAZING
    early = _with_packing_calendar(kiln_plant, [{"name": "a", "start": time(5), "end": time(13)}])
    named = {w.name: w.lines for w in calendar_windows(early, FRIDAY, FRIDAY + timedelta(days=1))}
    assert named["2027-05-07 packing-shifts/a"] == {"kiln-site/finishing/packing"}
    assert named["2027-05-07 three-shifts/a"] == GLAZING - {"kiln-site/finishing/packing"}
    assert "2027-05-07 a" not in named


def test_a_holiday_plans_no_shift_that_starts_on_it(kiln_plant):
    off = _with_packing_calendar(
        kiln_plant, [{"name": "a", "start": time(6), "end": time(14)}], holidays=(FRIDAY.date(),)
    )
    [shift_a] = [w for w in calendar_windows(off, FRIDAY, FRIDAY + timedelta(days=1)) if w.name.endswith(" a")]
    assert shift_a.lines == GLAZING - {"kiln-site/finishing/packing"}


def test_a_window_with_no_known_state_has_no_figure():
    """Days before the equipment's first state change and after the window's data say nothing: no row of
    zeros, as by equipment."""
    intervals = state_intervals([(at(24 * 60), PRESS, "running")], T0, at(3 * 24 * 60))
    figures = by_window(intervals, [], 60.0, day_windows(T0, at(3 * 24 * 60)))
    assert list(figures) == ["2026-11-24", "2026-11-25", "2026-11-26"]
    assert by_window([], [], 60.0, day_windows(T0, at(3 * 24 * 60))) == {}


def test_nothing_known_gives_zeros_not_errors():
    [(_, f)] = equipment_oee([], [Counted(T0, PRESS, good=1)], 1.0).items()
    assert (f.planned_busy_s, f.produced, f.produced_without_state) == (0.0, 0.0, 1.0)
    [(_, f)] = equipment_oee(state_intervals([(T0, PRESS, "idle")], T0, at(1)), [], 1.0).items()
    assert (f.availability, f.performance, f.quality, f.oee) == (0.0, 0.0, 0.0, 0.0)


def test_report_figures():
    from factoryos.report.oee import oee_figures

    changes = [(T0, PRESS, "running"), (T0, WELDER, "setup"), (at(20), WELDER, "running"), (at(40), PRESS, "down")]
    intervals = state_intervals(changes, T0, at(60))
    per_equipment = equipment_oee(intervals, [Counted(at(5), PRESS, good=30), Counted(at(30), WELDER, good=10)], 60.0)
    early = shift_windows(T0, at(60), [("early", time(6), time(14))])
    figures = oee_figures(per_equipment, by_line(per_equipment), by_window(intervals, [], 60.0, early))
    titles = [f.layout.title.text for f in figures[:3]]
    assert titles == ["OEE by line", "OEE by equipment", "OEE of body/line-1 by shift"]
    bars = figures[1]
    assert [t.name for t in bars.data] == ["availability", "performance", "quality", "OEE"]
    waterfall = figures[3].data[0]
    assert waterfall.y[0] == 2.0  # 2 h planned
    assert abs(sum(waterfall.y[:-1]) - waterfall.y[-1]) < 1e-9


def test_a_paced_line_reporting_as_a_whole_makes_one_unit_per_takt(ev_plant):
    cycles = ideal_cycle_times(ev_plant)
    for wc_id, (area_id, work_center) in ev_plant.work_centers().items():
        path = f"{ev_plant.site.id}/{area_id}/{wc_id}"
        assert (path in cycles) == (work_center.kind == "paced-line")
        if work_center.kind == "paced-line":
            assert cycles[path] == work_center.takt_seconds


def test_each_material_counts_at_its_own_ideal_cycle_time():
    """A press making 60 of a 30 s part and 30 of a 120 s part in 90 running minutes ran at full speed: ISO
    22400 takes each unit at its own ideal time. A count that names no material, or one the press has no time
    for, is taken at the press's own (here the fastest)."""
    cycles = IdealCycles({PRESS: 30.0}, {PRESS: {"bracket": 30.0, "panel": 120.0}})
    intervals = state_intervals([(T0, PRESS, "running")], T0, at(90))
    counts = [Counted(at(30), PRESS, good=60, material="bracket"), Counted(at(90), PRESS, good=30, material="panel")]
    [(_, figure)] = equipment_oee(intervals, counts, cycles).items()
    assert figure.performance == pytest.approx(1.0)
    assert figure.losses.reduced_speed_s == pytest.approx(0.0)
    unnamed = [Counted(at(30), PRESS, good=60), Counted(at(90), PRESS, good=30, material="unknown")]
    [(_, figure)] = equipment_oee(intervals, unnamed, cycles).items()
    assert figure.performance == pytest.approx(90 * 30 / (90 * 60))
    shifts = by_window(intervals, counts, cycles, [Window("a", T0, at(45)), Window("b", at(45), at(90))])
    assert sum(f.ideal_s for f in shifts.values()) == pytest.approx(90 * 60)  # each count at its own time


def test_the_ideal_cycle_of_a_material_is_the_mean_of_its_operations_on_the_equipment(appliance_plant):
    """Each operation's completion is one count of its material: two operations of 36 s and 45 s on one
    machine make a unit of that material every 81 s of ideal time, 40.5 s a count."""
    cycles = ideal_cycle_times(appliance_plant)
    for wu_id, (_, _, unit) in appliance_plant.work_units().items():
        path = appliance_plant.equipment_path(wu_id)
        for material, routing in appliance_plant.routings.items():
            runs = [
                op.run_minutes * 60 / (op.batch_size or 1) / unit.speed_factor
                for op in routing.operations
                if wu_id in appliance_plant.eligible_units(op)
            ]
            if runs:
                assert cycle_of(cycles, path, material) == pytest.approx(sum(runs) / len(runs))
                assert cycle_of(cycles, path) <= cycle_of(cycles, path, material)
