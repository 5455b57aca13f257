"""OEE by day and by shift on a site clock with daylight saving: a site day is 23 h in spring and 25 h in
autumn, a night shift over the change 7 h or 9 h, and however the window is cut into days or shifts, they add
up to the figures by equipment."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.iot.oee import Counted
from factoryos.services.oee import OeeQuery, oee_figures

BERLIN = ZoneInfo("Europe/Berlin")
FILLER = "bottler/bottling/line-b/filler"
IDEAL = 6.0  # seconds a bottle: 600 an hour
SPRING = datetime(2026, 3, 29, 1, tzinfo=UTC)  # 02:00 CET -> 03:00 CEST
AUTUMN = datetime(2026, 10, 25, 1, tzinfo=UTC)  # 03:00 CEST -> 02:00 CET
DAY_AND_NIGHT = [("day", time(6), time(22)), ("night", time(22), time(6))]


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def running_at_the_ideal_rate(start: datetime, end: datetime) -> tuple[list, list[Counted]]:
    """A filler running from `start` to `end`, counting its hour's 600 bottles at the end of each hour."""
    changes = [(start, FILLER, "running"), (end, FILLER, "idle")]
    steps = int((end - start) / hours(1))
    return changes, [Counted(start + hours(h), FILLER, good=600) for h in range(1, steps + 1)]


def figures_by(by: str, start: datetime, end: datetime, changes, counts, shifts=()) -> dict:
    """OEE over [start, end) on the Berlin clock: the window's start is given on that clock, as a user's is."""
    query = OeeQuery(start.astimezone(BERLIN), end.astimezone(BERLIN), IDEAL, by, shifts)
    return oee_figures(changes, counts, query)


@pytest.mark.parametrize(
    ("change", "day", "day_hours"), [(AUTUMN, "2026-10-25", 25), (SPRING, "2026-03-29", 23)], ids=["autumn", "spring"]
)
def test_a_daylight_saving_day_is_as_long_as_the_site_clock_says(change, day, day_hours):
    """Midnight to midnight in Berlin is 25 h on the last Sunday of October and 23 h on the last of March; a
    filler running at its ideal rate throughout makes 600 bottles in each of them, at 100 % performance."""
    start, end = change - hours(36), change + hours(36)
    changes, counts = running_at_the_ideal_rate(start, end)
    days = figures_by("day", start, end + hours(1), changes, counts)
    assert days[day].planned_busy_s == day_hours * 3600
    assert days[day].produced == day_hours * 600
    assert days[day].performance == pytest.approx(1.0)


@pytest.mark.parametrize(("change", "night_hours"), [(AUTUMN, 9), (SPRING, 7)], ids=["autumn", "spring"])
def test_a_night_shift_over_the_change_is_as_long_as_the_wall_clock_says(change, night_hours):
    """22:00 to 06:00 on the site's clock is 9 h on the night the clocks go back and 7 h on the one they go
    forward: at the ideal rate, 100 % performance either way."""
    start, end = change - hours(36), change + hours(36)
    changes, counts = running_at_the_ideal_rate(start, end)
    shifts = figures_by("shift", start, end + hours(1), changes, counts, DAY_AND_NIGHT)
    night = shifts[f"{(change - hours(12)).date().isoformat()} night"]
    assert night.planned_busy_s == night_hours * 3600
    assert night.performance == pytest.approx(1.0)


TOTALS = ("planned_busy_s", "production_s", "ideal_s", "produced", "good", "produced_without_state")


def totals(figures: dict) -> tuple[float, ...]:
    return tuple(sum(getattr(f, name) for f in figures.values()) for name in TOTALS)


STATES = st.sampled_from(["running", "down", "setup", "idle", "starved", "maintenance"])
MINUTES = st.integers(min_value=0, max_value=4 * 24 * 60)


@st.composite
def floors(draw):
    """A window of up to four days starting up to two days before a change (the equipment's first state maybe
    inside it, so some counts come without a known state), and shifts cutting the day at any minutes, 02:30
    (skipped or passed twice) among them."""
    change = draw(st.sampled_from([SPRING, AUTUMN]))
    start = change - timedelta(minutes=draw(st.integers(min_value=0, max_value=2 * 24 * 60)))
    end = start + timedelta(minutes=draw(st.integers(min_value=60, max_value=4 * 24 * 60)))
    span = int((end - start).total_seconds() // 60)
    at = st.integers(min_value=0, max_value=span - 1).map(lambda m: start + timedelta(minutes=m))
    changes = [(draw(at), FILLER, draw(STATES)) for _ in range(draw(st.integers(1, 8)))]
    counts = [
        Counted(draw(at), FILLER, good=draw(st.integers(0, 900)), scrap=draw(st.integers(0, 9)))
        for _ in range(draw(st.integers(0, 12)))
    ]
    cuts = sorted(draw(st.sets(st.sampled_from([0, 90, 150, 360, 840, 1320, 1410]), min_size=1, max_size=4)))
    clock = [time(m // 60, m % 60) for m in cuts]
    shifts = [(f"s{n}", begins, clock[(n + 1) % len(clock)]) for n, begins in enumerate(clock)]
    return start, end, changes, counts, shifts


@settings(max_examples=200, deadline=None)
@given(floors())
def test_days_and_shifts_add_up_to_the_equipment_figures(floor):
    """Days tile the window, and so do shifts that cut every day at the same wall-clock times: their planned
    busy and production time, ideal time and units, with or without a known state, are the equipment's."""
    start, end, changes, counts, shifts = floor
    whole = totals(figures_by("equipment", start, end, changes, counts))
    assert totals(figures_by("day", start, end, changes, counts)) == pytest.approx(whole, abs=1e-6)
    assert totals(figures_by("shift", start, end, changes, counts, shifts)) == pytest.approx(whole, abs=1e-6)
