"""A part made on a lights-out work center takes the working days of that center's calendar, not 24 h ones, on
tests/data/weekday-cell-plant.yaml: blanks milled in fixed lots of 10, 120 min each on either of two unmanned
mills, 1,200 min a lot."""

from __future__ import annotations

import pytest

from factoryos.model.plant import Plant
from factoryos.planning.plant_problem import routing_lead_time


def _blanks_in_lots_on(plant: Plant, calendar: str) -> Plant:
    data = plant.model_dump()
    data["materials"]["blank"]["lot_size"] = {"rule": "fixed", "quantity": 10}
    data["areas"]["works"]["work_centers"]["mill-cell"]["calendar"] = calendar
    return Plant.model_validate(data)


@pytest.mark.parametrize(
    ("calendar", "days", "lead"),
    [("weekdays", "0.83", 1), ("day", "2.50", 3)],  # 1,200 min over a working day of 24 h; of 8 h (06:00-14:00)
)
def test_a_lights_out_cells_lot_takes_its_calendars_working_days(weekday_cell_plant, calendar, days, lead):
    plant = _blanks_in_lots_on(weekday_cell_plant, calendar)
    assert routing_lead_time(plant, "blank", {}) == (lead, f"from its routing: 20.0 h a lot of 10, {days} working days")
