"""The MPS chart: a day's stacked bars are the units the MPS builds that day, under the ramp line's units."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from factoryos.model.validate import load_plant
from factoryos.planning.mps import Demand, master_schedule
from factoryos.report.mps import mps_section
from factoryos.report.wording import counted

DATA = Path(__file__).resolve().parents[1] / "data"
START = date(2027, 3, 1)


def test_the_bars_stack_to_each_days_units_under_the_line_capacity():
    plant = load_plant(DATA / "partner-ramp-plant.yaml")
    demands = [Demand(f"F{k}", "scooter", START + timedelta(days=k), 20) for k in range(14)]
    demands.append(Demand("O1", "cargo-bike", START + timedelta(days=3), 10, "order", "CO1", {"box": "open"}))
    demands.append(Demand("O2", "cargo-bike", START + timedelta(days=20), 3, "order", "CO2", {"box": "open"}))
    schedule = master_schedule(plant, demands, START, 14)
    section = mps_section(schedule, "test demand")
    figure = section.figures[0]
    bars = [t for t in figure.data if t.type == "bar"]
    assert {t.name for t in bars} == {"scooter (forecast)", "cargo-bike (order)"}
    per_day = [sum(t.y[k] for t in bars) for k in range(14)]
    quantities = schedule.quantities()
    for k in range(14):
        day = START + timedelta(days=k)
        assert per_day[k] == sum(q for (_, d), q in quantities.items() if d == day)
    (line,) = [t for t in figure.data if t.type == "scatter"]
    assert list(line.y) == list(schedule.capacity)
    assert section.facts["not in the horizon"] == counted(sum(schedule.unplanned.values()) + 3, "unit")
    assert section.facts["due after the horizon"] == "cargo-bike: 3 units of 1 order, the last due 2027-03-21"


def test_without_a_ramp_up_line_the_text_names_the_work_center_that_bounds_the_days() -> None:
    plant = load_plant(DATA / "two-cells.yaml")
    assert plant.ramp_up is None
    start = date(2027, 1, 4)
    demands = [Demand(f"d{k}", "stool", start + timedelta(days=k), 5) for k in range(3)]
    schedule = master_schedule(plant, demands, start, 7)
    section = mps_section(schedule, "three demands")
    assert "an average unit is constrained on assembly" in section.text
    assert "ramp-up line" not in section.text
    assert "ramp line used" not in section.facts
    lines = [t.name for t in section.figures[0].data if t.type == "scatter"]
    assert lines == [f"stool: {schedule.bound_by()['stool']}'s units per day"]  # what bounds it, no ramp line
    assert schedule.rows
    assert all(row.day == row.due for row in schedule.rows)  # the bench has room each day, the holiday's night too


def test_a_ramp_up_line_another_line_can_stand_in_for_is_not_drawn_as_the_limit() -> None:
    """Line B ramps up, but line A builds speakers too: the MPS does not bound them by the ramp, so the chart drew
    a limit its bars ran past and the text said they were built as late as the ramp-up line allows. It draws
    what the MPS plans them on: the two lines pooled."""
    plant = load_plant(DATA / "pooled-lines-plant.yaml")
    start = date(2027, 1, 5)
    demands = [Demand(f"d{k}", "speaker", start + timedelta(days=k), 500) for k in range(5)]
    schedule = master_schedule(plant, demands, start, 7)
    assert plant.ramp_up is not None
    assert not schedule.bound_products
    section = mps_section(schedule, "speakers")
    lines = {t.name: list(t.y) for t in section.figures[0].data if t.type == "scatter"}
    assert "ramp line's units per day" not in lines
    # what the MPS plans speakers on: line A's 3,600 s / 30 s = 120 a day, and ramping line B's 100 units of its
    # first month over the month's 31 days (its calendar works every day)
    pooled = lines["speaker: Line A + Line B's units per day"]
    assert pooled == pytest.approx([120 + 100 / 31] * 7)
    built = [sum(r.quantity for r in schedule.rows if r.day == start + timedelta(days=k)) for k in range(7)]
    assert all(units <= limit for units, limit in zip(built, pooled, strict=True))
    assert max(built) > 100  # more than line A or line B alone could build: the pool is what it plans on
    assert "ramp line used" not in section.facts
    assert "ramp-up line" not in section.text
    assert schedule.bound_by()["speaker"] == "Line A + Line B"  # the two lines pooled, the ramping one at its pace


def test_a_plant_whose_products_the_ramp_bounds_names_no_empty_work_center():
    """Every product of the partner-ramp plant is bound by its ramp-up line: the text counts the work centers it
    checked and names no constrained one (it said "constrained on )")."""
    plant = load_plant(DATA / "partner-ramp-plant.yaml")
    schedule = master_schedule(plant, [Demand("F0", "scooter", START + timedelta(days=3), 20)], START, 14)
    assert set(schedule.bound_by().values()) == {"ramp-up line"}
    text = mps_section(schedule, "one demand").text
    assert (
        "the ramp-up line's units per day and the working minutes of every work center the units load (1 work center)"
        in text
    )
    assert "constrained on" not in text
