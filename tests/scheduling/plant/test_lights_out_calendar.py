"""A lights-out work center works its own calendar: no crew is no reason to run through its weekends and
holidays (a walker's job shop had its unmanned cell scheduled through both). On tests/data/weekday-cell-plant.yaml:
two mills, lights-out, Monday to Friday around the clock in Berlin, Thursday 6 May 2027 a public holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.scheduling import check, dispatch
from factoryos.scheduling.plant import build_problem, production_orders
from factoryos.scheduling.plant_calendar import unavailable_periods
from factoryos.scheduling.rolling import rolling_sequence

BERLIN = ZoneInfo("Europe/Berlin")
EPOCH = datetime(2027, 5, 3, tzinfo=BERLIN).astimezone(UTC)  # Monday 3 May, midnight in Berlin
HOLIDAY = date(2027, 5, 6)
MILLS = {"mill-1", "mill-2"}


def _works_on(day: date) -> bool:
    """The cell's calendar by hand: Monday to Friday, bar the holiday."""
    return day.weekday() < 5 and day != HOLIDAY


def _site_days(start: datetime, end: datetime) -> set[date]:
    """The site days that [start, end) touches."""
    first, last = start.astimezone(BERLIN).date(), (end - timedelta(microseconds=1)).astimezone(BERLIN).date()
    return {first + timedelta(days=k) for k in range((last - first).days + 1)}


@pytest.mark.parametrize("solver", ["rolling", "dispatch"])
def test_the_schedule_places_nothing_on_a_lights_out_cell_on_its_weekend_or_holiday(weekday_cell_plant, solver):
    """100 brackets take 200 h of milling: 24 a day on the two mills, so Monday to Wednesday mill 72, Friday 24
    more, and the last 4 wait for Monday 10 May (4 h): through the holiday and the weekend, none milled on them."""
    order = CustomerOrder("CO1", "bracket-site", "owner", "shop", "bracket", {}, 100, EPOCH, date(2027, 5, 4))
    plant = weekday_cell_plant
    problem = build_problem(plant, production_orders(plant, [order]), EPOCH, {}, calendar_days=30).problem
    schedule = rolling_sequence(problem) if solver == "rolling" else dispatch(problem, "EDD")
    assert check(problem, schedule) == []
    milled = [
        (EPOCH + timedelta(seconds=a.start), EPOCH + timedelta(seconds=a.end))
        for a in schedule
        if problem.machines[a.machine].name in MILLS
    ]
    assert len(milled) == 100
    for start, end in milled:
        assert all(_works_on(day) for day in _site_days(start, end)), (start, end)
    assert max(end for _, end in milled) >= datetime(2027, 5, 10, 4, tzinfo=BERLIN)


def test_a_24_7_lights_out_cell_stops_only_for_maintenance_as_before(weekday_cell_plant):
    """On a 24/7 calendar the cell runs around the clock, over the spring daylight-saving change too: mill-1's
    only unavailable period is its maintenance, mill-2 has none (as when lights-out ignored the calendar)."""
    data = weekday_cell_plant.model_dump()
    data["areas"]["works"]["work_centers"]["mill-cell"]["calendar"] = "always"
    plant = Plant.model_validate(data)
    epoch = datetime(2027, 3, 22, tzinfo=BERLIN).astimezone(UTC)  # two weeks over Sunday 28 March
    maintenance = datetime(2027, 3, 27, 22, tzinfo=UTC) - epoch
    start = round(maintenance.total_seconds())
    assert unavailable_periods(plant, "mill-1", epoch, 14) == ((start, start + 4 * 3600),)
    assert unavailable_periods(plant, "mill-2", epoch, 14) == ()
