"""A due date ends at the site's midnight after it, not at midnight UTC: a Chicago plant's late shift that
finishes an order at 20:00 on its due day is on time. On the day daylight saving starts (14 March 2027 in the
United States) the site's day is 23 hours long."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant
from factoryos.scheduling.plant import build_problem, production_orders

TWO_CELLS = Path(__file__).parents[2] / "data" / "two-cells.yaml"
CHICAGO = ZoneInfo("America/Chicago")
EPOCH = datetime(2027, 3, 1, 6, tzinfo=UTC)
"""Midnight at the site on Monday 1 March 2027 (CST, UTC-6)."""


@pytest.mark.parametrize(
    ("due", "ends"),
    [
        (date(2027, 3, 5), datetime(2027, 3, 6, tzinfo=CHICAGO)),
        (date(2027, 3, 13), datetime(2027, 3, 14, tzinfo=CHICAGO)),
        (date(2027, 3, 14), datetime(2027, 3, 15, tzinfo=CHICAGO)),
    ],
)
def test_a_units_due_is_the_sites_midnight_after_its_due_date(due, ends):
    plant = load_plant(TWO_CELLS)
    plant = plant.model_copy(update={"site": plant.site.model_copy(update={"timezone": "America/Chicago"})})
    stool = {"padded": "no", "finish": "on"}
    order = CustomerOrder("CO1", plant.site.id, "owner", "web", "stool", stool, 2, EPOCH, due)
    problem = build_problem(plant, production_orders(plant, [order]), EPOCH, calendar_days=30).problem
    units = [job for job in problem.jobs if job.name.startswith("MO")]
    assert len(units) == 2
    assert {job.due for job in units} == {round((ends - EPOCH).total_seconds())}
