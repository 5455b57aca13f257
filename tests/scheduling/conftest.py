"""Fixtures for the scheduling tests: the public benchmark instances and their best known makespans."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from factoryos.scheduling import Budget


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
