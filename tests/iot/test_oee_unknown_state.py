"""Units counted while their equipment's state is unknown are in no factor but are reported, per equipment,
line, shift and day: neither dropped without a word nor lifting performance past 100 %.

The plant: a bottling line on the Berlin clock (UTC+1 in winter), shifts 06-14 and 14-22, a filler whose day
is worked out by hand below, a labeller that never sends a state, and a packer whose first count comes an hour
before its first state."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from factoryos.iot.oee import Counted
from factoryos.services.oee import OeeQuery, oee_figures

LINE = "bottler/bottling/line-a"
FILLER, LABELLER, PACKER = f"{LINE}/filler", f"{LINE}/labeller", f"{LINE}/packer"
IDEAL = 6.0
BERLIN = ZoneInfo("Europe/Berlin")
SHIFTS = [("early", time(6), time(14)), ("late", time(14), time(22))]
START, END = datetime(2026, 11, 30, 5, tzinfo=UTC), datetime(2026, 11, 30, 21, tzinfo=UTC)


def at(hm: str) -> datetime:
    hour, minute = map(int, hm.split(":"))
    return datetime(2026, 11, 30, hour, minute, tzinfo=UTC)


FILLER_STATES = [
    (at("05:00"), FILLER, "running"),
    (at("06:00"), FILLER, "down"),
    (at("06:30"), FILLER, "running"),
    (at("08:00"), FILLER, "setup"),
    (at("08:15"), FILLER, "running"),
    (at("09:00"), FILLER, "idle"),
    (at("10:00"), FILLER, "starved"),
    (at("10:30"), FILLER, "running"),
]
FILLER_COUNTS = [
    Counted(at("06:00"), FILLER, good=580),
    Counted(at("06:35"), FILLER, scrap=20),
    Counted(at("08:00"), FILLER, good=800, rework=10),
    Counted(at("09:00"), FILLER, good=400),
    Counted(at("13:00"), FILLER, good=1300, scrap=30),
    Counted(at("20:59"), FILLER, good=3920, scrap=50, rework=40),
]
PACKER_STATES = [(at("08:00"), PACKER, "running"), (at("10:00"), PACKER, "idle")]
STATELESS = [
    Counted(at("06:00"), LABELLER, good=500, scrap=5),
    Counted(at("08:00"), LABELLER, good=500, scrap=5),
    Counted(at("12:00"), LABELLER, good=500, scrap=5),
    Counted(at("07:00"), PACKER, good=900),
]
PACKER_COUNTS = [Counted(at("09:00"), PACKER, good=600)]


def figures(by: str, changes=FILLER_STATES, counts=FILLER_COUNTS) -> dict:
    """Figures over 05:00-21:00 UTC, days and shifts on the Berlin clock (the window's start is given on it)."""
    query = OeeQuery(START.astimezone(BERLIN), END, IDEAL, by, SHIFTS if by == "shift" else ())
    return oee_figures(changes, counts, query)


def test_the_fillers_day_by_hand():
    """16 h less 1 h idle is 15 h planned busy; less 30 min down and 15 min setup, 14.25 h production; 7,150
    bottles of 6 s, 7,000 good. Early (05:00-13:00 UTC): 7 h planned, 6.25 h production, the 3,080 good of the
    counts to 13:00 (all their run time in it); late: 8 h running, 3,920 good."""
    [filler] = figures("equipment").values()
    assert filler.availability == pytest.approx(14.25 / 15)
    assert filler.performance == pytest.approx(7150 * IDEAL / 3600 / 14.25)
    assert filler.quality == pytest.approx(7000 / 7150)
    assert filler.oee == pytest.approx(7000 * IDEAL / 3600 / 15)
    shifts = figures("shift")
    assert shifts["2026-11-30 early"].oee == pytest.approx(3080 * IDEAL / 3600 / 7)
    assert shifts["2026-11-30 late"].oee == pytest.approx(3920 * IDEAL / 3600 / 8)


def test_units_counted_without_a_known_state_are_reported_apart_and_in_no_factor():
    changes, counts = FILLER_STATES + PACKER_STATES, FILLER_COUNTS + PACKER_COUNTS + STATELESS
    alone = figures("equipment")[FILLER]
    per_equipment = figures("equipment", changes, counts)
    assert per_equipment[FILLER] == alone
    labeller, packer = per_equipment[LABELLER], per_equipment[PACKER]
    assert (labeller.planned_busy_s, labeller.produced) == (0.0, 0.0)
    assert (labeller.produced_without_state, labeller.good_without_state) == (1515, 1500)
    assert labeller.as_dict()["oee"] is None
    assert packer.performance == pytest.approx(600 * IDEAL / (2 * 3600))  # its 900 before 08:00 are not in it
    assert (packer.produced, packer.produced_without_state) == (600, 900)
    [line] = figures("line", changes, counts).values()
    assert (line.produced, line.produced_without_state, line.good_without_state) == (7750, 2415, 2400)
    shifts = figures("shift", changes, counts)
    assert shifts["2026-11-30 early"].produced_without_state == 2415  # all counted before 13:00 UTC
    assert shifts["2026-11-30 late"].produced_without_state == 0
    assert shifts["2026-11-30 early"].produced == pytest.approx(alone.produced - 4010 + 600)
    [day] = figures("day", changes, counts).values()
    assert day.as_dict()["counted_without_known_state"] == {"produced": 2415, "good": 2400}


def test_a_window_past_now_counts_the_last_state_up_to_now_only():
    """At 12:00 UTC the filler has run since 10:30: 7 h in the window less the idle hour is 6 h planned busy,
    less 30 min down and 15 min setup, 5.25 h production; the same as a window that ends at noon."""
    noon = at("12:00")
    so_far = [c for c in FILLER_COUNTS if c.ts <= noon]
    query = OeeQuery(START, END, IDEAL)
    [filler] = oee_figures(FILLER_STATES, so_far, query, now=noon).values()
    assert filler.planned_busy_s == pytest.approx(6 * 3600)
    assert filler.availability == pytest.approx(5.25 / 6)
    assert filler == oee_figures(FILLER_STATES, so_far, OeeQuery(START, noon, IDEAL))[FILLER]
    assert oee_figures(FILLER_STATES, so_far, query, now=END) == oee_figures(FILLER_STATES, so_far, query)
    assert oee_figures(FILLER_STATES, [], query, now=START) == {}
