"""A paced line's load in the promise is the longest hold of its stations, as the scheduler and the twin run it
(`model.operation_time.run_seconds`): a unit whose work at a zone is twice the takt holds the line two takts, one
whose work is half of it a takt. On the twin's zoned test plant (one line of takt T, around the clock), by hand."""

from __future__ import annotations

import pytest

from factoryos.c2m.promise import PlantCapacity
from tests.twin.small_plants import LONG, SHORT, TAKT, zoned_plant


@pytest.mark.parametrize(("work", "takts"), [(LONG, 2.0), (SHORT, 1.0)])
def test_a_unit_holds_the_line_its_longest_station_work_or_a_takt(work, takts):
    plant = zoned_plant(("bike", work))
    load = PlantCapacity(plant).load("bike", {})
    assert load == {"line-z": pytest.approx(takts * TAKT / 60)}


def test_a_line_shared_by_a_long_and_a_short_product_loads_each_by_its_own_hold():
    capacity = PlantCapacity(zoned_plant(("cargo", LONG), ("city", SHORT)))
    assert capacity.load("cargo", {})["line-z"] == pytest.approx(2 * TAKT / 60)
    assert capacity.load("city", {})["line-z"] == pytest.approx(TAKT / 60)
