"""Small public instances with proven optima: the full solver must reach them, feasibly."""

from __future__ import annotations

import pytest

from factoryos.scheduling import check, makespan, read_instance, solve


@pytest.mark.parametrize("name", ["jssp/ft06.txt", "jssp/la01.txt", "jssp/la05.txt", "fjsp/mk01.fjs"])
def test_solver_reaches_the_proven_optimum(instances, optimum, name, budget):
    problem = read_instance(instances / name)
    result = solve(problem, budget=budget, workers=2)
    assert check(problem, result.schedule) == []
    assert makespan(result.schedule) == optimum[name.split("/")[1].split(".")[0]]
    assert result.optimal


def test_reader_shapes(instances):
    ft06 = read_instance(instances / "jssp/ft06.txt")
    assert (len(ft06.jobs), len(ft06.machines), len(ft06.operations)) == (6, 6, 36)
    assert ft06.operations[0].modes[0].machine == 2
    assert ft06.operations[0].modes[0].duration == 1
    mk01 = read_instance(instances / "fjsp/mk01.fjs")
    assert (len(mk01.jobs), len(mk01.machines)) == (10, 6)
    first = mk01.operations[0]
    assert {(m.machine, m.duration) for m in first.modes} == {(0, 5), (2, 4)}
