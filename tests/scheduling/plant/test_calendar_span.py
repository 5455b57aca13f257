"""Work that runs past the horizon keeps to the shifts: the calendars are laid out as far as the work goes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant
from factoryos.scheduling.plant_schedule import CALENDAR_MARGIN_DAYS, MAX_CALENDAR_DAYS, schedule_plant

TWO_PARTNERS = Path(__file__).resolve().parents[2] / "data" / "two-partners-plant.yaml"


def test_an_order_of_months_of_work_is_scheduled_inside_the_shifts_to_its_end():
    """One shift on weekdays (06:00-14:00 in Berlin, a holiday on 6 January) and 2,000 scooters: about 45
    working days of welding, past the week's horizon and the calendars' first margin."""
    plant = load_plant(TWO_PARTNERS)
    arrived = datetime(2027, 1, 5, 10, tzinfo=UTC)
    order = CustomerOrder(
        "FLEET-1", plant.site.id, "acme", "acme-fleet", "acme-scooter", {"power": "eco", "seat": "none"}, 2000,
        arrived, date(2027, 6, 1),
    )  # fmt: skip
    operations = schedule_plant(plant, [order], horizon_days=7, time_limit=5, compare=False).operations
    assert max(op.end for op in operations) > arrived + timedelta(days=7 + CALENDAR_MARGIN_DAYS)
    berlin = ZoneInfo(plant.site.timezone)
    for op in operations:
        start, end = op.start.astimezone(berlin), op.end.astimezone(berlin)
        assert start.weekday() < 5, op
        assert start.date() != date(2027, 1, 6), op
        assert start.date() == end.date(), op
        assert time(6) <= start.time(), op
        assert end.time() <= time(14), op


def test_the_calendars_are_sized_before_the_full_solver_runs(monkeypatch):
    """600 scooters (1,200 operations, the full solver's size) on a line ramping up at 15 a day: the work runs
    past the first calendars. A dispatching rule sizes them first, so the full solver runs once, on calendars
    that hold the work (it ran once per doubling of the calendars, each with the whole time limit)."""
    from factoryos.scheduling import plant_schedule

    plant = load_plant(TWO_PARTNERS)
    order = CustomerOrder(
        "FLEET-2", plant.site.id, "acme", "acme-fleet", "acme-scooter", {"power": "eco", "seat": "none"}, 600,
        datetime(2027, 1, 5, 10, tzinfo=UTC), date(2027, 6, 1),
    )  # fmt: skip
    runs = []
    solve = plant_schedule._sequence
    monkeypatch.setattr(plant_schedule, "_sequence", lambda *args: runs.append(args) or solve(*args))
    scheduled = schedule_plant(plant, [order], horizon_days=7, time_limit=1, compare=False)
    assert len(runs) == 1
    assert max(op.end for op in scheduled.operations) > order.ordered_at + timedelta(days=7 + CALENDAR_MARGIN_DAYS)
    berlin = ZoneInfo(plant.site.timezone)
    assert all(time(6) <= op.start.astimezone(berlin).time() < time(14) for op in scheduled.operations)


def test_work_for_decades_is_refused_at_once_not_laid_out_past_the_calendar_years():
    """100,000 scooters welded a day each (a plant stored before validation refused a unit's operation longer
    than a shift) would need calendars past the year 9999: it is refused, saying what to do, before any are
    laid out for it (it ran out of dates with a traceback, or ran for minutes)."""
    plant = load_plant(TWO_PARTNERS)
    weld = plant.routings["scooter"].operations[0]
    slow = plant.model_copy(deep=True)
    slow.routings["scooter"].operations[0] = weld.model_copy(update={"run_minutes": 1440.0})
    order = CustomerOrder(
        "FLEET-3", plant.site.id, "acme", "acme-fleet", "acme-scooter", {"power": "eco", "seat": "none"}, 100_000,
        datetime(2027, 1, 5, 10, tzinfo=UTC), date(2027, 6, 1),
    )  # fmt: skip
    with pytest.raises(FactoryosError, match=f"more than {MAX_CALENDAR_DAYS // 2:,} days of the plant's calendars"):
        schedule_plant(slow, [order], horizon_days=7, time_limit=1, compare=False)


def test_past_the_rules_comparison_a_late_rolling_sequence_is_raced_against_earliest_due_first(monkeypatch):
    """The rolling sequence releases work as it arrives: 300 scooters for a fleet ordered first hold up two due
    two days later. Past the size where every rule is compared (made small here), earliest due first alone is
    raced against it when it is late, and wins: the two are built by their due day. The line's buffer is unbounded
    here: earliest due first welds the fleet's frames ahead of the line, which its buffer of 10 would not hold
    (`test_buffers.py`)."""
    from factoryos.scheduling import plant_schedule

    monkeypatch.setattr(plant_schedule, "FULL_SOLVER_OPERATIONS", 10)
    monkeypatch.setattr(plant_schedule, "COMPARE_OPERATIONS", 10)
    plant = load_plant(TWO_PARTNERS).model_copy(deep=True)
    plant.work_centers()["line"][1].buffer_capacity = 0
    eco = {"power": "eco", "seat": "none"}
    fleet = CustomerOrder("FLEET", plant.site.id, "acme", "acme-fleet", "acme-scooter", eco, 300,
                          datetime(2027, 1, 5, 7, tzinfo=UTC), date(2027, 6, 1))  # fmt: skip
    urgent = CustomerOrder("URGENT", plant.site.id, "acme", "acme-shop", "acme-scooter", eco, 2,
                           datetime(2027, 1, 6, 7, tzinfo=UTC), date(2027, 1, 8))  # fmt: skip
    scheduled = schedule_plant(plant, [fleet, urgent], horizon_days=7)
    assert scheduled.method == "dispatch:EDD (better than the rolling sequence)"
    assert scheduled.dispatch_rule == "EDD"
    urgent_done = max(op.end for op in scheduled.operations if op.production_order.startswith("MO-URGENT"))
    berlin = ZoneInfo(plant.site.timezone)
    assert urgent_done.astimezone(berlin).date() <= urgent.due_date
