"""Fixtures for the scheduling tests: the public benchmark instances and their best known makespans, the
solver's work budget, and the full solver checked against the dispatching rules."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from factoryos.scheduling import RULES, Budget, Objective, Problem, Result, check, dispatch, evaluate, solve


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
