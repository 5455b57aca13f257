"""A shift's or day's OEE counts the work done in it: a unit begun before a shift change and counted after it is
that much of each shift's output, as its time is. Counted at completion, a long cycle across a change read as
more than 100 % performance in the shift it ended in and too little in the one it began in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.iot.oee import Counted, Window, by_window, clip, state_intervals, worked_shares

T0 = datetime(2027, 3, 1, 6, tzinfo=UTC)
KILN = "site/firing/kilns/kiln-1"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_unit_across_a_shift_change_is_half_in_each_shift():
    """Units of 100 s ideal, made at exactly that pace from 0 s, one counted every 100 s; the shift changes at
    250 s, halfway through the third unit."""
    intervals = state_intervals([(T0, KILN, "running")], T0, at(700))
    counts = [Counted(at(100 * k), KILN, good=1) for k in range(1, 8)]
    shifts = [Window("early", T0, at(250)), Window("late", at(250), at(700))]
    figures = by_window(intervals, counts, 100.0, shifts)
    assert figures["early"].produced == pytest.approx(2.5)
    assert figures["late"].produced == pytest.approx(4.5)
    for shift in ("early", "late"):
        assert figures[shift].performance == pytest.approx(1.0)
        assert figures[shift].oee == pytest.approx(1.0)


def test_a_unit_with_no_production_time_since_the_last_counts_where_it_is_counted():
    """A breakdown between two counts: the second unit took no production time, so it is its own window's."""
    changes = [(T0, KILN, "running"), (at(100), KILN, "down")]
    intervals = state_intervals(changes, T0, at(400))
    counts = [Counted(at(100), KILN, good=1), Counted(at(300), KILN, scrap=1)]
    shares = worked_shares(intervals, counts, [Window("a", T0, at(200)), Window("b", at(200), at(400))], 60.0)
    assert shares["a"][KILN] == [1.0, 0.0, 0.0, 0.0, 60.0, 0.0, 0.0]  # units, then their ideal seconds
    assert shares["b"][KILN] == [0.0, 1.0, 0.0, 0.0, 60.0, 60.0, 0.0]


def test_work_outside_every_window_counts_in_none():
    """A unit worked half before the first shift (unplanned overtime) is half a unit in that shift."""
    intervals = state_intervals([(T0, KILN, "running")], T0, at(200))
    shares = worked_shares(intervals, [Counted(at(200), KILN, good=1)], [Window("a", at(100), at(300))], 60.0)
    assert shares["a"][KILN][0] == pytest.approx(0.5)


@st.composite
def runs(draw):
    """An equipment's states (running, starved, down, idle) over some hours, and counts never faster than the
    ideal cycle: each at the end of a running stretch, at most the whole units its production time since the
    last count allows."""
    cycle = draw(st.sampled_from([30.0, 60.0, 600.0]))
    changes, counts, clock, produced_since = [], [], 0.0, 0.0
    for _ in range(draw(st.integers(1, 30))):
        state = draw(st.sampled_from(["running", "running", "starved", "down", "idle"]))
        seconds = draw(st.floats(1.0, 4000.0))
        changes.append((at(clock), KILN, state))
        clock += seconds
        if state in ("running", "starved"):
            produced_since += seconds
        units = int(produced_since // cycle)
        if state == "running" and units and draw(st.booleans()):
            good = draw(st.integers(0, units))
            counts.append(Counted(at(clock), KILN, good=good, scrap=units - good))
            produced_since = 0.0  # the time before a count went into its units
    return cycle, changes, counts, clock


@settings(max_examples=150, deadline=None)
@given(run=runs(), cuts=st.lists(st.floats(0.01, 0.99), max_size=6, unique=True))
def test_windows_that_cover_the_run_share_out_every_unit_and_none_reads_over_100_percent(run, cuts):
    cycle, changes, counts, end = run
    edges = [T0, *sorted(at(end * c) for c in cuts), at(end + 1)]
    windows = [Window(f"w{k}", lo, hi) for k, (lo, hi) in enumerate(zip(edges, edges[1:], strict=False))]
    intervals = state_intervals(changes, T0, at(end + 1))
    figures = by_window(intervals, counts, cycle, windows)
    counted = sum(c.good + c.scrap for c in counts)
    assert sum(f.produced for f in figures.values()) == pytest.approx(counted, abs=1e-6)
    for figure in figures.values():
        assert figure.performance <= 1 + 1e-9
        assert 0 <= figure.oee <= 1 + 1e-9
    for window in windows:  # each window's time, against clipping every interval to it
        busy = sum(i.seconds for i in clip(intervals, [window]) if i.state not in ("idle", "maintenance"))
        assert (figures[window.name].planned_busy_s if window.name in figures else 0.0) == pytest.approx(busy)
