from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from factoryos.model.plant import Calendar, Shift
from factoryos.model.shift_times import day_windows, shift_times, worked_seconds, working_windows


def shift(start: str, end: str, breaks: list[tuple[str, int]] = ()) -> Shift:
    return Shift.model_validate(
        {"name": "s", "start": start, "end": end, "breaks": [{"start": b, "minutes": m} for b, m in breaks]}
    )


def test_a_day_shift_is_cut_by_its_breaks():
    early = shift("06:00", "14:00", [("09:00", 15), ("11:30", 30)])
    assert early.working_offsets() == [(0.0, 3.0), (3.25, 5.5), (6.0, 8.0)]
    assert early.hours == pytest.approx(7.25)


def test_a_night_shift_runs_past_midnight_and_its_breaks_follow_it():
    night = shift("22:00", "06:00", [("02:00", 30), ("23:00", 15)])
    assert night.length_hours == 8.0
    assert night.working_offsets() == [(0.0, 1.0), (1.25, 4.0), (4.5, 8.0)]


@pytest.mark.parametrize(
    "breaks",
    [[("20:00", 30)], [("06:00", 30)], [("13:45", 30)], [("05:00", 90)], [("09:00", 30), ("09:15", 15)]],
    ids=["outside", "at-the-start", "past-the-end", "before-the-start", "overlapping"],
)
def test_a_break_not_inside_its_shift_is_refused(breaks):
    """Such a break was silently ignored, and a line whose shift was all break got work planned."""
    with pytest.raises(ValidationError, match="break"):
        shift("06:00", "14:00", breaks)


def test_a_24_hour_shift_is_whole():
    assert shift("00:00", "00:00").working_offsets() == [(0.0, 24.0)]


def test_weekly_hours_count_each_working_day():
    calendar = Calendar.model_validate(
        {"shifts": [{"name": "a", "start": "06:00", "end": "14:00", "breaks": [{"start": "10:00", "minutes": 30}]}]}
    )
    assert calendar.hours_per_week() == pytest.approx(5 * 7.5)


@pytest.mark.parametrize(("night_of", "hours"), [(date(2026, 10, 24), 9.0), (date(2026, 3, 28), 7.0)])
def test_a_night_shift_over_a_daylight_saving_change_ends_when_the_wall_clock_says(night_of, hours):
    """22:00-06:00 in Berlin is 9 h when the clocks go back and 7 h when they go forward, its 02:00 break falls
    where the clock reads 02:00 (in spring, 02:00 is skipped: read on the clock before the change, 03:00), and the
    early shift starts where it ends, neither an hour after nor an hour inside it. The same whether the epoch is
    given in UTC or on the site's own clock."""
    calendar = Calendar.model_validate(
        {
            "shifts": [
                {
                    "name": "night",
                    "start": "22:00",
                    "end": "06:00",
                    "days": ["fri", "sat", "sun"],
                    "breaks": [{"start": "02:00", "minutes": 30}],
                },
                {"name": "early", "start": "06:00", "end": "14:00", "days": ["fri", "sat", "sun"]},
            ]
        }
    )
    zone = ZoneInfo("Europe/Berlin")
    epoch = datetime(night_of.year, night_of.month, night_of.day, tzinfo=UTC)
    for start in (epoch, epoch.astimezone(zone)):
        [night] = [
            s for s in shift_times(calendar, "Europe/Berlin", start, 2) if (s.name, s.day) == ("night", night_of)
        ]
        [early] = [
            s for s in shift_times(calendar, "Europe/Berlin", start, 2) if s.day > night_of and s.name == "early"
        ]
        assert night.end - night.start == hours * 3600
        assert early.start == night.end
        working = sum(b - a for a, b in night.windows)
        assert working == (hours - 0.5) * 3600
        break_starts = night.windows[0][1]
        assert datetime.fromtimestamp(epoch.timestamp() + break_starts, zone).hour == (2 if hours == 9 else 3)


def test_three_shifts_that_meet_work_as_one_window_and_a_holiday_takes_its_day_out():
    """Early, late and night meet end to end: the week is one window from Monday 06:00 to Saturday 06:00 (the
    night shift starting Friday runs into Saturday), less the holiday's shifts."""
    calendar = Calendar.model_validate(
        {
            "shifts": [
                {"name": n, "start": a, "end": b}
                for n, a, b in (("early", "06:00", "14:00"), ("late", "14:00", "22:00"), ("night", "22:00", "06:00"))
            ],
            "holidays": ["2027-03-03"],
        }
    )
    monday = datetime(2027, 3, 1, tzinfo=UTC)
    hour = 3600.0
    assert working_windows(calendar, "UTC", monday, 7) == [(6 * hour, 54 * hour), (78 * hour, 126 * hour)]
    assert worked_seconds(calendar, "UTC", date(2027, 3, 3)) == 6 * hour  # Tuesday's night shift, into Wednesday
    assert worked_seconds(calendar, "UTC", date(2027, 3, 6)) == 6 * hour  # Friday's night shift, into Saturday
    assert worked_seconds(calendar, "UTC", date(2027, 3, 7)) == 0.0


@pytest.mark.parametrize(("day", "hours"), [(date(2026, 10, 25), 25.0), (date(2026, 3, 29), 23.0)])
def test_a_round_the_clock_day_over_a_daylight_saving_change_is_as_long_as_the_site_day(day, hours):
    calendar = Calendar.model_validate(
        {"shifts": [{"name": "all", "start": "00:00", "end": "00:00", "days": ["sat", "sun", "mon"]}]}
    )
    assert worked_seconds(calendar, "Europe/Berlin", day) == hours * 3600
    assert day_windows(calendar, "Europe/Berlin", day) == [(0.0, hours * 3600)]
