"""OEE plans a lights-out work center over its own calendar's shifts, on tests/data/weekday-cell-plant.yaml:
two unmanned mills, Monday to Friday around the clock in Berlin, Thursday 6 May 2027 a public holiday."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from factoryos.iot.oee import by_window, calendar_windows, day_windows, state_intervals
from factoryos.model.plant import Plant

BERLIN = ZoneInfo("Europe/Berlin")
CELL = "bracket-site/works/mill-cell"


def test_a_lights_out_cells_planned_week_follows_its_calendar(weekday_cell_plant):
    """A mill running all week is planned 4 x 24 h: Monday, Tuesday, Wednesday and Friday, not the holiday nor
    the weekend."""
    monday = datetime(2027, 5, 3, tzinfo=BERLIN)
    end = monday + timedelta(days=7)
    windows = [w for w in calendar_windows(weekday_cell_plant, monday, end) if CELL in w.lines]
    assert [(w.name, w.end - w.start, w.lines) for w in windows] == [
        (f"2027-05-0{d} lights-out", timedelta(hours=24), {CELL}) for d in (3, 4, 5, 7)
    ]
    intervals = state_intervals([(monday, f"{CELL}/mill-1", "running")], monday, end)
    figures = by_window(intervals, [], 120 * 60.0, windows)
    assert sum(f.planned_busy_s for f in figures.values()) == 4 * 24 * 3600


def test_a_24_7_lights_out_cell_is_planned_its_whole_site_day_as_before(weekday_cell_plant):
    """On a 24/7 calendar, over the spring daylight-saving change: one window a site day (23 h on Sunday 28
    March), named as when lights-out ignored the calendar."""
    data = weekday_cell_plant.model_dump()
    data["areas"]["works"]["work_centers"]["mill-cell"]["calendar"] = "always"
    plant = Plant.model_validate(data)
    start = datetime(2027, 3, 22, 9, tzinfo=BERLIN)
    end = start + timedelta(days=10)
    windows = [w for w in calendar_windows(plant, start, end) if CELL in w.lines]
    assert [(w.name, w.start, w.end, w.lines) for w in windows] == [
        (f"{d.name} lights-out", d.start, d.end, {CELL}) for d in day_windows(start, end, BERLIN)
    ]
    assert windows[6].end - windows[6].start == timedelta(hours=23)
