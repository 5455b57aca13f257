"""A schedule's horizon and the solver's time are bounded and finite, refused at once by name: a NaN or
negative time limit was handed to the solver, and a horizon of 100,000 days laid out calendars for them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.model.errors import FactoryosError
from factoryos.model.validate import load_plant
from factoryos.scheduling.plant_schedule import schedule_plant

KILN = Path(__file__).resolve().parents[2] / "data" / "kiln-plant.yaml"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"horizon_days": 100_000}, r"--horizon must be 1 to 3,650 days \(got 100,000\)"),
        ({"horizon_days": 0}, r"--horizon must be 1 to 3,650 days \(got 0\)"),
        ({"time_limit": float("nan")}, r"--time-limit must be more than 0 and at most 3,600 s \(got nan\)"),
        ({"time_limit": -1.0}, r"--time-limit .* \(got -1\)"),
        ({"time_limit": 1e9}, r"--time-limit .* \(got 1e\+09\)"),
    ],
)
def test_a_horizon_or_time_limit_out_of_bounds_is_refused_by_name(options, message) -> None:
    plant = load_plant(KILN)
    orders = generate_orders(plant, date(2027, 5, 3), 1, 1)
    with pytest.raises(FactoryosError, match=message):
        schedule_plant(plant, orders, **options)
