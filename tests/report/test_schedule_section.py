"""The schedule section says what the schedule kept to: a plant ramping up has its line held to the curve."""

from __future__ import annotations

from pathlib import Path

from factoryos.model.validate import load_plant
from factoryos.report.gantt import schedule_section

DATA = Path(__file__).resolve().parents[1] / "data"
SUMMARY = {
    "production orders": 2,
    "jobs": 2,
    "operations": 4,
    "method": "cp-sat",
    "seconds": 0.1,
    "weighted tardiness h": 0.0,
    "late units": 0,
    "setup h": 0.0,
    "makespan h": 3.0,
}


def test_the_text_names_the_ramping_line_only_when_the_plant_ramps() -> None:
    ramping = load_plant(DATA / "two-partners-plant.yaml")
    said = schedule_section(ramping, [], SUMMARY).text
    assert f"the ramp-up line {ramping.ramp_up.line} working each day only the units its ramp-up curve plans" in said
    steady = ramping.model_copy(update={"ramp_up": None})
    assert "ramp-up" not in schedule_section(steady, [], SUMMARY).text
