"""Lots of a part whose rule names no fixed quantity are sized for the schedule's need of it, as MRP and the twin
size them (`model.lots.lot_size`), not cut into lots of one piece."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from factoryos.model.validate import load_plant
from factoryos.scheduling.plant import production_orders
from tests.scheduling.plant.stools import stool_orders

TWO_CELLS = Path(__file__).parents[2] / "data" / "two-cells.yaml"


@pytest.mark.parametrize(
    ("rule", "unit_cost", "sizes"),
    [
        ({"rule": "poq", "periods": 5}, 0, [20, 20]),
        ({"rule": "eoq", "order_cost": 0.384, "carrying_rate": 0.365}, 10, [16, 16, 16]),
        ({"rule": "fixed", "quantity": 20}, 0, [20, 20]),
    ],
)
def test_seat_lots_cover_days_of_the_stools_need(rule, unit_cost, sizes):
    """Ten orders of 4 stools, one due each working day from Monday 11 to Friday 22 January 2027 (no seats in
    stock): 40 seats over 10 working days of the 12 from the first due day to the last, 4 a day.
    A period order quantity of 5 days is 20 seats: 2 lots. An EOQ over a year of such days (365 x 10 / 12, so
    40 x 365 / 12 = 1,216.7 seats) at 0.384 an order and 10 x 0.365 a seat a year to carry is
    sqrt(2 x 1,216.7 x 0.384 / 3.65) = sqrt(256) = 16: 3 lots. A fixed lot stays 20. The scheduler cut lots of
    one seat for the first two (40 lots)."""
    seat = {"kind": "component", "source": "make", "lot_size": rule, "unit_cost": unit_cost}
    plant = load_plant(TWO_CELLS)
    plant = plant.model_copy(
        update={"materials": {**plant.materials, "seat": plant.materials["seat"].model_validate(seat)}}
    )
    monday = date(2027, 1, 11)
    due = [monday + timedelta(days=k + 2 * (k >= 5)) for k in range(10)]
    lots = [p for p in production_orders(plant, stool_orders(plant, due)) if p.material == "seat"]
    assert [lot.quantity for lot in lots] == sizes
    assert all(lot.due_date == monday for lot in lots)
