"""A problem too large for the full solver is sequenced by the rolling decomposition and raced against the
dispatching rules: the schedule kept is the better of the two on the objective, each computed here on its own.
On a kiln plant of our own under next-day due dates the rolling sequence loses badly (each batch of 40 waits
for its last member), which is where the race matters."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.model.validate import load_plant
from factoryos.scheduling import plant_schedule
from factoryos.scheduling.checker import check
from factoryos.scheduling.objectives import evaluate
from factoryos.scheduling.rolling import rolling_sequence

KILN = Path(__file__).resolve().parents[2] / "data" / "kiln-plant.yaml"
GOAL = plant_schedule.OBJECTIVES["tardiness,setups"]


@pytest.fixture
def rushed():
    """Three days of the kiln plant's orders, each due the day after it is placed."""
    plant = load_plant(KILN)
    orders = generate_orders(plant, date(2027, 5, 3), 3, 4)
    return plant, [dataclasses.replace(o, due_date=o.ordered_at.date() + timedelta(days=1)) for o in orders]


def test_the_better_of_the_rolling_sequence_and_the_best_rule_is_kept(rushed, monkeypatch) -> None:
    plant, orders = rushed
    monkeypatch.setattr(plant_schedule, "FULL_SOLVER_OPERATIONS", 10)  # the rolling path on a small problem
    plan = plant_schedule.schedule_plant(plant, orders, horizon_days=3, compare=False)
    problem = plan.plant_problem.problem
    rolling = evaluate(problem, rolling_sequence(problem), GOAL)
    rule, ruled = plant_schedule.best_rule(problem, GOAL)
    by_rule = evaluate(problem, ruled, GOAL)
    assert by_rule < rolling  # the case the race is for
    assert evaluate(problem, plan.schedule, GOAL) == by_rule
    assert plan.method == f"dispatch:{rule} (better than the rolling sequence)"
    assert not check(problem, plan.schedule)


def test_under_the_full_solver_limit_the_solver_is_not_second_guessed(rushed) -> None:
    plant, orders = rushed
    plan = plant_schedule.schedule_plant(plant, orders[:20], horizon_days=3, compare=True, time_limit=2)
    assert "rolling" not in plan.method
    assert plan.dispatch_figures is not None
    assert plan.figures.weighted_tardiness <= plan.dispatch_figures.weighted_tardiness
