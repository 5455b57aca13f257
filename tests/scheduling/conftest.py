"""Fixtures for the scheduling tests: the public benchmark instances and their best known makespans, the
solver's work budget, the full solver checked against the dispatching rules, and a press whose operations of no
length at one instant the checker reads in the problem's order."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from factoryos.scheduling import RULES, Budget, Model, Objective, Problem, Result, check, dispatch, evaluate, solve


@pytest.fixture(scope="session")
def instances(benchmarks_dir: Path) -> Path:
    folder = benchmarks_dir / "scheduling"
    if not folder.is_dir():
        pytest.skip(f"benchmark instances not found at {folder} (set FACTORYOS_BENCHMARKS)")
    return folder


@pytest.fixture(scope="session")
def optimum(instances: Path) -> dict[str, int]:
    with (instances / "bks.csv").open() as handle:
        return {row["name"]: int(row["optimum"]) for row in csv.DictReader(handle) if row["optimum"]}


@pytest.fixture(scope="session")
def budget() -> Budget:
    """Work, not seconds, for the solver: what it finds does not depend on how busy the machine is."""
    return Budget(cpsat=10, neighbourhoods=100, tabu_moves=100_000)


@pytest.fixture(scope="session")
def solved_better_than_dispatch() -> Callable[[Problem, Objective, Budget], Result]:
    """The full solver's result, checked: feasible, and no worse on the objective than any dispatching rule."""

    def solved(problem: Problem, objective: Objective, budget: Budget) -> Result:
        result = solve(problem, objective, budget=budget)
        assert check(problem, result.schedule) == []
        assert result.objective <= min(evaluate(problem, dispatch(problem, rule), objective) for rule in RULES)
        return result

    return solved


@pytest.fixture
def no_length_after_a_changeover() -> Problem:
    """A press set up for blue; a blue part, then a red mark and an inspection of no length, listed in that order.
    A schedule gives no order to operations of no length at one instant and the checker reads them in the
    problem's: a solver that puts the inspection first, so that the red mark after it at the same instant needs no
    changeover, is read the other way round, the red mark following the blue part without its changeover."""
    model = Model()
    red, blue = model.add_setup_group("red"), model.add_setup_group("blue")
    press = model.add_machine("press", changeover=[[0, 5], [5, 0]], initial_group=blue)
    model.add_operation(model.add_job("red mark"), {press: 0}, setup_group=red, not_before=3)
    model.add_operation(model.add_job("inspection"), {press: 0}, not_before=3)
    model.add_operation(model.add_job("blue part"), {press: 3}, setup_group=blue)
    return model.problem()
