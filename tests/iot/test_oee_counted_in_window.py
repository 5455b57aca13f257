"""A shift's or day's OEE counts the units counted in it, whole, as ISO 22400-2 counts a produced quantity when it
is reported; its time is the time inside it. Sharing a unit worked across a shift change between the shifts gave
a plant manager 10.5 units a shift where 7 and 14 were counted, and shifts that did not add up to the hourly
count rollups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.iot.oee import (
    BLOCKED,
    OUTSIDE_SHIFTS,
    RUNNING,
    STARVED,
    Counted,
    Window,
    by_window,
    clip,
    combine,
    counted_by_window,
    equipment_oee,
    outside_shifts,
    state_intervals,
)

T0 = datetime(2027, 3, 1, 6, tzinfo=UTC)
KILN = "site/firing/kilns/kiln-1"
PRODUCING = {RUNNING, BLOCKED, STARVED}


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_a_batch_fired_across_a_shift_change_counts_whole_in_the_shift_it_is_counted_in():
    """A kiln fires 7 tiles an hour (ideal cycle 1/7 h a tile) from 12:30, one batch counted at 13:30, 14:30
    and 15:30, then breaks down. The early shift (to 14:00) counted 7 in 1.5 h of firing; the late shift 14 in
    1.5 h, one batch begun at 13:30: 133 % performance, which the 0.5 h carried in from the early shift explains,
    so it is no overcount. Shared by the time worked on them, each shift had 10.5 tiles."""
    changes = [(at(6.5), KILN, RUNNING), (at(9.5), KILN, "down")]
    intervals = state_intervals(changes, at(6.5), at(10))
    counts = [Counted(at(h), KILN, good=7) for h in (7.5, 8.5, 9.5)]
    shifts = [Window("early", T0, at(8)), Window("late", at(8), at(16))]
    figures = by_window(intervals, counts, 3600 / 7, shifts)
    early, late = figures["early"], figures["late"]
    assert (early.produced, early.good, late.produced, late.good) == (7, 7, 14, 14)
    assert early.performance == pytest.approx(1 / 1.5)
    assert late.performance == pytest.approx(2 / 1.5)
    assert late.carried_in_s == pytest.approx(1800)
    assert not late.overcounted
    assert late.as_dict()["carried_in_s"] == pytest.approx(1800)
    whole = combine("whole", equipment_oee(intervals, counts, 3600 / 7).values())
    assert (early.produced + late.produced, early.ideal_s + late.ideal_s) == (whole.produced, whole.ideal_s)


def test_a_count_stamped_at_a_shift_change_is_the_shift_ending_there():
    """A count reports the units finished by its time: a shift-end booking at 07:00 is the shift to 07:00's,
    once, with nothing carried into it; the next shift's first count carries nothing in either."""
    intervals = state_intervals([(T0, KILN, RUNNING)], T0, at(2))
    counts = [Counted(at(1), KILN, good=1), Counted(at(2), KILN, good=1)]
    tallies = counted_by_window(intervals, counts, [Window("a", T0, at(1)), Window("b", at(1), at(2))], 60.0)
    assert (tallies[0][KILN][0], tallies[1][KILN][0]) == (1, 1)
    assert (tallies[0][KILN][-1], tallies[1][KILN][-1]) == (0.0, 0.0)


def test_a_count_outside_every_window_counts_in_none():
    """Unplanned overtime: the unit counted before the first shift is in no shift, as its time is in none."""
    intervals = state_intervals([(T0, KILN, RUNNING)], T0, at(3))
    counts = [Counted(at(0.5), KILN, good=1), Counted(at(2), KILN, good=1)]
    figures = by_window(intervals, counts, 60.0, [Window("a", at(1), at(3))])
    assert figures["a"].produced == 1
    assert figures["a"].carried_in_s == pytest.approx(1800)  # the second unit's work from 06:30, before 07:00


def test_start_up_scrap_is_judged_on_the_whole_timeline_not_the_windows():
    """The kiln comes back from a breakdown at 06:55 and scraps a tile at 07:02, within the 10 min start-up: it
    is start-up scrap in the shift from 07:00 too, as over the whole span."""
    changes = [(T0, KILN, "down"), (T0 + timedelta(minutes=55), KILN, RUNNING)]
    intervals = state_intervals(changes, T0, at(2))
    counts = [Counted(T0 + timedelta(minutes=62), KILN, scrap=1)]
    figures = by_window(intervals, counts, 60.0, [Window("a", T0, at(1)), Window("b", at(1), at(2))])
    assert figures["b"].losses.startup_rejects_s == pytest.approx(60.0)
    assert figures["b"].losses.defects_s == 0.0


@st.composite
def runs(draw):
    """A kiln's states (running, blocked, starved, down, idle) over some hours, and counts never faster than
    the ideal cycle: each at the end of a running stretch, at most the whole units its production time since
    the last count allows."""
    cycle = draw(st.sampled_from([30.0, 60.0, 600.0]))
    changes, counts, clock, produced_since = [], [], 0.0, 0.0
    for _ in range(draw(st.integers(1, 30))):
        state = draw(st.sampled_from([RUNNING, RUNNING, BLOCKED, STARVED, "down", "idle"]))
        seconds = draw(st.floats(1.0, 4000.0))
        changes.append((T0 + timedelta(seconds=clock), KILN, state))
        clock += seconds
        if state in PRODUCING:
            produced_since += seconds
        units = int(produced_since // cycle)
        if state == RUNNING and units and draw(st.booleans()):
            good = draw(st.integers(0, units))
            counts.append(Counted(T0 + timedelta(seconds=clock), KILN, good=good, scrap=units - good))
            produced_since = 0.0  # the time before a count went into its units
    return cycle, changes, counts, T0 + timedelta(seconds=clock + 1)


def carried_in(intervals, counts, window: Window) -> float:
    """Production time before `window` since the kiln's count before it, if it counts anything in the window
    (start, end]."""
    if not any(window.start < c.ts <= window.end for c in counts):
        return 0.0
    since = max((c.ts for c in counts if c.ts <= window.start), default=T0)
    before = Window("before", since, window.start) if since < window.start else None
    return sum(i.seconds for i in clip(intervals, [before]) if i.state in PRODUCING) if before else 0.0


@settings(max_examples=150, deadline=None)
@given(run=runs(), cuts=st.lists(st.floats(0.01, 0.99), max_size=6, unique=True))
def test_windows_that_cover_the_run_add_up_to_it_and_read_over_100_percent_only_on_work_carried_in(run, cuts):
    cycle, changes, counts, end = run
    edges = [T0, *sorted(T0 + (end - T0) * c for c in cuts), end]
    windows = [Window(f"w{k}", lo, hi) for k, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False))]
    intervals = state_intervals(changes, T0, end)
    figures = by_window(intervals, counts, cycle, windows)
    whole = combine("whole", equipment_oee(intervals, counts, cycle).values())
    shifts = combine("shifts", figures.values())
    assert (shifts.produced, shifts.good) == (whole.produced, whole.good)  # each unit in exactly one window
    for field in ("planned_busy_s", "production_s", "ideal_s"):
        assert getattr(shifts, field) == pytest.approx(getattr(whole, field)), field
    assert shifts.losses.defects_s == pytest.approx(whole.losses.defects_s)
    assert shifts.losses.startup_rejects_s == pytest.approx(whole.losses.startup_rejects_s)
    for window in windows:
        carried = carried_in(intervals, counts, window)
        figure = figures.get(window.name)
        if figure is None:  # a window shorter than the clock's microsecond
            continue
        assert figure.produced == int(figure.produced)
        assert figure.carried_in_s == pytest.approx(carried)
        assert figure.ideal_s <= figure.production_s + carried + 1e-6  # over 100 % only by the work carried in
        assert not figure.overcounted
        busy = sum(i.seconds for i in clip(intervals, [window]) if i.state not in ("idle", "maintenance"))
        assert figure.planned_busy_s == pytest.approx(busy)


@settings(max_examples=100, deadline=None)
@given(run=runs(), cuts=st.lists(st.floats(0.01, 0.99), max_size=6, unique=True), planned=st.lists(st.booleans()))
def test_shifts_and_the_time_outside_them_add_up_to_the_run(run, cuts, planned):
    """Shifts that leave gaps (overtime, work run on past a shift's end): the time outside them, day by day, takes
    what no shift takes, so that together they add up to the run, unit for unit."""
    cycle, changes, counts, end = run
    edges = [T0, *sorted(T0 + (end - T0) * c for c in cuts), end]
    pieces = list(zip(edges, edges[1:], strict=False))
    shifts = [Window(f"s{k}", lo, hi) for k, (lo, hi) in enumerate(pieces) if k < len(planned) and planned[k]]
    outside = outside_shifts(shifts, T0, end)
    assert all(name.endswith(f" {OUTSIDE_SHIFTS}") for name in {w.name for w in outside})
    intervals = state_intervals(changes, T0, end)
    together = combine("together", by_window(intervals, counts, cycle, shifts + outside).values())
    whole = combine("whole", equipment_oee(intervals, counts, cycle).values())
    assert (together.produced, together.good) == (whole.produced, whole.good)
    for field in ("planned_busy_s", "production_s", "ideal_s"):
        assert getattr(together, field) == pytest.approx(getattr(whole, field)), field


def test_the_time_outside_each_work_centers_shifts_is_its_own():
    """Kilns on 06:00-14:00 and glazing on 06:00-22:00: outside is 14:00 to the next 06:00 for the kilns and 22:00 to
    06:00 for glazing, each over its own line, split at midnight."""
    kilns, glazing = "site/firing/kilns", "site/glaze/line-1"
    day = datetime(2027, 3, 1, tzinfo=UTC)
    shifts = [
        Window("early", day + timedelta(hours=6), day + timedelta(hours=14), frozenset({kilns, glazing})),
        Window("late", day + timedelta(hours=14), day + timedelta(hours=22), frozenset({glazing})),
    ]
    outside = outside_shifts(shifts, day + timedelta(hours=6), day + timedelta(hours=30))
    assert sorted((w.start.hour, w.end.hour, sorted(w.lines or ())) for w in outside) == [
        (0, 6, [kilns]),
        (0, 6, [glazing]),
        (14, 0, [kilns]),
        (22, 0, [glazing]),
    ]
    assert {w.name for w in outside} == {f"2027-03-01 {OUTSIDE_SHIFTS}", f"2027-03-02 {OUTSIDE_SHIFTS}"}
