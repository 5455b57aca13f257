"""Machine calendars: nothing runs while a machine is off; an interruptible operation pauses across it."""

from __future__ import annotations

import pytest

from factoryos.scheduling import Model, check, dispatch, makespan, solve
from factoryos.scheduling.calendar import blocked, earliest_start, finish

BREAK = ((5, 10),)


def test_finish_stretches_only_interruptible_operations():
    assert finish(BREAK, 3, 4, interruptible=False) == 7
    assert finish(BREAK, 3, 4, interruptible=True) == 12
    assert finish(((5, 10), (12, 20)), 3, 6, interruptible=True) == 22


def test_earliest_start_skips_periods_an_operation_cannot_cross():
    assert earliest_start(BREAK, 2, 3, interruptible=False) == 2
    assert earliest_start(BREAK, 3, 3, interruptible=False) == 10
    assert earliest_start(BREAK, 3, 3, interruptible=True) == 3
    assert earliest_start(BREAK, 6, 1, interruptible=True) == 10


def test_blocked():
    assert blocked(BREAK, 3, 7, interruptible=False)
    assert not blocked(BREAK, 3, 12, interruptible=True)
    assert blocked(BREAK, 7, 12, interruptible=True)
    assert not blocked(BREAK, 10, 12, interruptible=False)


def one_machine(interruptible: bool):
    model = Model()
    machine = model.add_machine("oven", unavailable=[(5, 10)])
    job = model.add_job("batch")
    model.add_operation(job, {machine: 4}, name="bake")
    model.add_operation(job, {machine: 3}, name="cool", interruptible=interruptible)
    return model.problem()


@pytest.mark.parametrize(("interruptible", "expected"), [(False, 13), (True, 12)])
def test_solver_respects_calendars(interruptible, expected, budget):
    problem = one_machine(interruptible)
    result = solve(problem, budget=budget)
    assert check(problem, result.schedule) == []
    assert makespan(result.schedule) == expected
    if interruptible:
        assert (result.schedule[1].start, result.schedule[1].end) == (4, 12)


def test_flexible_choice_avoids_maintenance(budget):
    model = Model()
    old = model.add_machine("press-1", unavailable=[(0, 100)])
    new = model.add_machine("press-2")
    for k in range(3):
        model.add_operation(model.add_job(f"j{k}"), {old: 5, new: 8})
    problem = model.problem()
    result = solve(problem, budget=budget)
    assert check(problem, result.schedule) == []
    assert makespan(result.schedule) == 24
    assert {a.machine for a in result.schedule} == {new}


@pytest.mark.parametrize("rule", ["SPT", "MWKR", "EDD", "ATC", "FIFO"])
def test_dispatching_respects_calendars(rule):
    problem = one_machine(False)
    assert check(problem, dispatch(problem, rule)) == []
