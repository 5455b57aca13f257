"""A paced line indexes no faster than its takt, and a unit whose work at a station is longer than the takt holds
the line that long, in the twin as in the scheduler (`model.operation_time.run_seconds`).

The plant is the twin's small test plant with one paced line of takt T (a drive zone and a finish zone) around
the clock, and a product whose work at each zone is 2T. Fed more than it can build, the line lets one unit go
every max(T, 2T) = 2T when that product alone uses it (the line run as one piece of equipment). When a second
product whose work at each zone is T/2 shares it (the line run as its stations), each of its units holds a zone a
takt, not half of one: units leave at least a takt apart, on average the scheduler's holds over the mix."""

from __future__ import annotations

import itertools

import pytest

from factoryos.model.operation_time import run_seconds
from factoryos.model.validate import overlong_on_paced_lines
from factoryos.twin.calendar import DAY
from factoryos.twin.scenarios import prepare
from tests.twin.small_plants import LONG, SHORT, TAKT, zoned_plant

MEASURED = (DAY, 3 * DAY)  # after the line has filled, while it is fed more than it builds


def departures(plant, scenario: str):
    """The run, and the times (run seconds) units of each product leave the line within `MEASURED`: the line is
    their route's last step, so a unit leaves it into finished goods."""
    run = prepare(plant, scenario, 3, seed=3, warmup_days=0)
    ledger = run.floor.finished_goods.ledger = {}
    run.floor.run(run.horizon)
    product = {unit.serial: unit.product for unit in run.plan}
    left: dict[str, list[float]] = {}
    for unit in ledger.values():
        if MEASURED[0] <= unit.built <= MEASURED[1]:
            left.setdefault(product[unit.serial], []).append(unit.built)
    return run, left


def scheduled(plant, product: str) -> int:
    """Seconds the scheduler holds a zone of the line for one unit of `product`."""
    return run_seconds(plant, "zone-d", plant.routings[product].operations[0], 1)


@pytest.mark.parametrize("scenario", ["traditional", "smart"])
def test_a_line_alone_with_work_twice_its_takt_lets_a_unit_go_every_two_takts(scenario) -> None:
    plant = zoned_plant(("cargo", LONG))
    run, left = departures(plant, scenario)
    assert "line-z" in run.twin.paced_lines  # one routing uses it: one piece of equipment
    assert run.staffing["line-z"].takt == TAKT  # fed more than it builds: at its design takt
    assert scheduled(plant, "cargo") == max(TAKT, LONG * 60) == 2 * TAKT
    times = left["cargo"]
    assert len(times) > 1000  # two days of one every two minutes
    assert (times[-1] - times[0]) / (len(times) - 1) == pytest.approx(scheduled(plant, "cargo"), rel=0.005)


@pytest.mark.parametrize("scenario", ["traditional", "smart"])
def test_a_line_run_as_its_stations_holds_each_unit_at_least_a_takt(scenario) -> None:
    plant = zoned_plant(("cargo", LONG), ("city", SHORT))
    run, left = departures(plant, scenario)
    assert "line-z" not in run.twin.paced_lines  # two routings use it: its stations
    assert run.staffing["line-z"].takt == TAKT
    assert (scheduled(plant, "cargo"), scheduled(plant, "city")) == (2 * TAKT, TAKT)  # never less than a takt
    times = sorted(t for product in left.values() for t in product)
    assert min(b - a for a, b in itertools.pairwise(times)) >= TAKT - 1e-6  # never faster than the takt
    expected = sum(scheduled(plant, product) * len(t) for product, t in left.items()) / len(times)
    assert (times[-1] - times[0]) / (len(times) - 1) == pytest.approx(expected, rel=0.03)


def test_plant_validate_notes_the_operations_longer_than_their_takt() -> None:
    plant = zoned_plant(("cargo", LONG), ("city", SHORT))
    assert overlong_on_paced_lines(plant) == [
        "routings.cargo.drive on line-z (120 s a unit against a 60 s takt)",
        "routings.cargo.finish on line-z (120 s a unit against a 60 s takt)",
    ]
