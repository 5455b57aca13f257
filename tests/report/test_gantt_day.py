"""The work-unit Gantt shows a full day's work: of the schedule's first week, the site's day with the most
operation time, not a sparse first day (a plan to due dates may open with one lot)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from factoryos.model.orders import ScheduledOperation
from factoryos.model.validate import load_plant
from factoryos.report.gantt import FIRST_DAYS, busiest_day, gantt_by_machine

TWO_CELLS = Path(__file__).resolve().parents[1] / "data" / "two-cells.yaml"  # Europe/Berlin
MONDAY = datetime(2027, 1, 4, 6, tzinfo=UTC)


def op(k: int, start: datetime, minutes: float, unit: str = "saw-1") -> ScheduledOperation:
    return ScheduledOperation(f"W{k}", f"PO{k}", "seat/cut", unit, start, start + timedelta(minutes=minutes))


def test_the_busiest_of_the_first_days_is_shown_in_the_sites_dates() -> None:
    lot = [op(0, MONDAY, 20)]
    wednesday = [op(k, MONDAY + timedelta(days=2, minutes=30 * k), 25, ("saw-1", "saw-2")[k % 2]) for k in range(1, 9)]
    late_night = [op(99, datetime(2027, 1, 5, 23, 30, tzinfo=UTC), 600)]  # 00:30 Wednesday in Berlin
    beyond = [op(100 + k, MONDAY + timedelta(days=FIRST_DAYS + 1, hours=k), 50) for k in range(20)]
    operations = lot + wednesday + late_night + beyond
    day = busiest_day(operations, "Europe/Berlin")
    assert day == (MONDAY + timedelta(days=2)).date()
    figure = gantt_by_machine(load_plant(TWO_CELLS), operations)
    shown = sum(len(trace.y) for trace in figure.data)
    assert shown == len(wednesday) + len(late_night)
    assert f"{day:%Y-%m-%d}" in figure.layout.title.text
    hovers = {text for trace in figure.data for text in trace.hovertext}
    assert "seat/cut PO99<br>Wed 00:30-10:30" in hovers  # the bar's time on the axis's clock, not 23:30 UTC


def test_on_a_tie_the_earlier_day_and_without_operations_none() -> None:
    tied = [op(1, MONDAY, 30), op(2, MONDAY + timedelta(days=1), 30)]
    assert busiest_day(tied, "UTC") == MONDAY.date()
    assert busiest_day([], "UTC") is None
