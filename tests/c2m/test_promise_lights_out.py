"""The promise counts a lights-out work center's minutes on its own calendar's working days only, on
tests/data/weekday-cell-plant.yaml: two unmanned mills, Monday to Friday around the clock, Thursday 6 May 2027
a public holiday. By hand: the cell works 2 x 1,440 = 2,880 min on a working day and none on the others; a
bracket takes 120 min of it, so the cell mills 24 brackets a working day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from factoryos.c2m.promise import PlantCapacity
from factoryos.c2m.replay import quote_book
from factoryos.model.orders import CustomerOrder

MONDAY = date(2027, 5, 3)


def test_a_lights_out_cell_has_minutes_only_on_its_calendars_working_days(weekday_cell_plant):
    capacity = PlantCapacity(weekday_cell_plant)
    week = [capacity.minutes("mill-cell", MONDAY + timedelta(days=k)) for k in range(7)]
    assert week == [2880.0, 2880.0, 2880.0, 0.0, 2880.0, 0.0, 0.0]


def test_an_order_for_three_days_of_milling_is_promised_past_the_holiday(weekday_cell_plant):
    """72 brackets ordered on Monday: three working days of milling from Tuesday, the day after the order:
    Tuesday, Wednesday and (the holiday skipped) Friday. The last come off the mills on Friday night, after the
    bench's shift: they are assembled, and the order done, on Monday."""
    placed = datetime(2027, 5, 3, 8, tzinfo=UTC)
    order = CustomerOrder("CO1", "bracket-site", "owner", "shop", "bracket", {}, 72, placed, MONDAY)
    quote = quote_book(weekday_cell_plant, [order])["CO1"]
    assert quote.promised == date(2027, 5, 10)
    assert set(quote.allocation["mill-cell"]) == {date(2027, 5, 4), date(2027, 5, 5), date(2027, 5, 7)}


def test_a_round_the_clock_work_center_works_the_site_days_hours_over_a_daylight_saving_change(ev_plant):
    """The clocks at the site (Europe/Berlin) go forward on 28 March 2027 and back on 31 October: a work center
    on a calendar that runs every day around the clock works 23 and 25 hours of those days, as the scheduler
    and the twin run it. Both days had counted 24."""
    capacity = PlantCapacity(ev_plant)
    around_the_clock = [
        c
        for c, (_, wc) in ev_plant.work_centers().items()
        if wc.calendar == "lights-out-24-7" and c in capacity.members
    ]
    assert around_the_clock
    for center in around_the_clock:
        for change, hours in ((date(2027, 3, 28), 23), (date(2027, 10, 31), 25)):
            assert capacity.minutes(center, change) == capacity.minutes(center, change - timedelta(days=1)) * hours / 24
