"""Frozen operations stay put; changeovers cost time and the solver groups setup families."""

from __future__ import annotations

from factoryos.scheduling import MAKESPAN, SETUP_TIME, Frozen, Model, Objective, check, dispatch, makespan, solve
from factoryos.scheduling.cpsat.solver import solve_cpsat
from factoryos.scheduling.objectives import total_setup_time


def test_frozen_operations_keep_machine_and_start(budget):
    model = Model()
    a = model.add_machine("a")
    b = model.add_machine("b")
    job = model.add_job("locked")
    model.add_operation(job, {a: 5, b: 5}, frozen=Frozen(b, 10))
    for k in range(3):
        model.add_operation(model.add_job(f"free{k}"), {a: 4, b: 4})
    problem = model.problem()
    result = solve(problem, budget=budget)
    assert check(problem, result.schedule) == []
    assert (result.schedule[0].machine, result.schedule[0].start, result.schedule[0].end) == (b, 10, 15)
    assert makespan(result.schedule) == 15
    assert check(problem, dispatch(problem, "SPT")) == []


def paint_shop():
    """Six bodies in two colours on one booth; changing colour takes 10, the booth starts out red."""
    model = Model()
    red, blue = model.add_setup_group("red"), model.add_setup_group("blue")
    booth = model.add_machine("booth", changeover=[[0, 10], [10, 0]], initial_group=red)
    for k, colour in enumerate([blue, red, blue, red, blue, red]):
        model.add_operation(model.add_job(f"body{k}"), {booth: 3}, setup_group=colour)
    return model.problem()


def test_minimal_setups_group_colours(budget):
    problem = paint_shop()
    result = solve(problem, SETUP_TIME, budget=budget)
    assert check(problem, result.schedule) == []
    assert result.objective == 10
    assert total_setup_time(problem, result.schedule) == 10
    assert result.optimal


def test_makespan_counts_changeovers(budget):
    problem = paint_shop()
    result = solve(problem, Objective(makespan=1), budget=budget)
    assert makespan(result.schedule) == 6 * 3 + 10


def test_dispatching_leaves_room_for_changeovers():
    problem = paint_shop()
    for rule in ("SPT", "FIFO", "MWKR"):
        assert check(problem, dispatch(problem, rule)) == []


def test_operations_of_no_length_at_one_instant_are_read_in_the_order_the_solver_chose(
    budget, no_length_after_a_changeover
):
    """CP-SAT had put the inspection first, at the red mark's instant, and called it optimal (see the fixture)."""
    problem = no_length_after_a_changeover
    assert check(problem, solve_cpsat(problem, MAKESPAN, time_limit=10, workers=1).schedule) == []
    result = solve(problem, MAKESPAN, budget=budget)
    assert check(problem, result.schedule) == []
