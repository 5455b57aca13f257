"""A rework loop keeps flowing: units failing the sort go back to glazing through an inbox the line ahead keeps
full (tests/data/redo-loop-plant.yaml). A unit sent back waited for room there while holding the sort, which the
glazing cell waited on: the twin stopped for good, and said nothing."""

from __future__ import annotations

from pathlib import Path

from factoryos.model.validate import load_plant
from factoryos.twin.simulation import simulate_plant

PLANT = Path(__file__).resolve().parents[1] / "data" / "redo-loop-plant.yaml"


def test_a_redo_loop_through_full_inboxes_runs_near_its_bottlenecks_rate():
    """At 60 % first-pass yield a unit is glazed 1 / 0.6 times, 2 minutes each: the glazer (and the sorter, as
    much) makes at most 1,440 / (2 / 0.6) = 432 tiles a day. The run makes most of that; stopped, it made none."""
    plant = load_plant(PLANT)
    days = 5
    completed = simulate_plant(plant, days, "smart", seed=3).figures_of_merit["completed"]
    ceiling = days * 24 * 60 / (2 / 0.6)
    assert 0.8 * ceiling < completed <= ceiling
