"""The walk's clock against a minute-by-minute reading of the same working days: a whole job starts at the first
minute from which it runs to its end without a stop (windows that touch across midnight are one), other work
takes the first working minutes from when it is ready."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.c2m.flow import DAY, Clock, Step
from factoryos.model.shift_times import merged

DAYS = 40
MINUTES = int(DAY)


@st.composite
def working_days(draw):
    """A day's working windows on whole minutes, apart and in order, and a step that the walk's first days hold."""
    cuts = sorted(draw(st.sets(st.integers(0, MINUTES), min_size=2, max_size=8)))
    windows = tuple(merged((float(a), float(b)) for a, b in zip(cuts[::2], cuts[1::2], strict=False)))
    worked = sum(b - a for a, b in windows)
    minutes = draw(st.integers(1, int(worked) * 10))
    return windows, Step("cell", float(minutes), draw(st.booleans())), float(draw(st.integers(0, 3 * MINUTES)))


def by_the_minute(windows, step, at):
    open_ = np.zeros(DAYS * MINUTES, dtype=bool)
    for k in range(DAYS):
        for a, b in windows:
            open_[k * MINUTES + int(a) : k * MINUTES + int(b)] = True
    minutes, ready = int(step.minutes), int(at)
    if step.whole:
        run = np.convolve(open_.astype(np.int64), np.ones(minutes, dtype=np.int64), mode="valid")
        fits = np.flatnonzero(run[ready:] == minutes)
        if fits.size:
            return ready + fits[0], ready + fits[0] + minutes
    worked = np.flatnonzero(open_[ready:]) + ready
    return worked[0], worked[minutes - 1] + 1


@settings(max_examples=150, deadline=None)
@given(working_days())
def test_the_walk_runs_a_step_when_the_working_minutes_hold_it(case):
    windows, step, at = case
    assert Clock({"cell": windows}).run(step, at) == by_the_minute(windows, step, at)


def test_a_night_shift_is_one_window_across_midnight_and_a_round_the_clock_cell_one_span():
    nights = ((0.0, 360.0), (1320.0, 1440.0))
    assert Clock({"cell": nights}).run(Step("cell", 420.0, whole=True), 0.0) == (1320.0, 1740.0)
    assert Clock({"cell": ((0.0, DAY),)}).run(Step("cell", 3 * DAY, whole=True), 100.0) == (100.0, 100.0 + 3 * DAY)
    assert Clock({}).run(Step("cell", 30.0), 5.0) == (5.0, 35.0)
