"""Due dates, weights and the order of objectives change which schedule is best."""

from __future__ import annotations

from factoryos.scheduling import TARDINESS, Lexicographic, Model, Objective, check, evaluate, solve
from factoryos.scheduling.objectives import total_setup_time, weighted_tardiness


def rush_and_regular():
    """One press; a short job due early and heavy, a long one due late."""
    model = Model()
    press = model.add_machine("press")
    model.add_operation(model.add_job("regular", due=100, weight=1), {press: 20})
    model.add_operation(model.add_job("rush", due=5, weight=10), {press: 5})
    return model.problem()


def test_weighted_tardiness_puts_the_rush_job_first(budget):
    problem = rush_and_regular()
    result = solve(problem, TARDINESS, budget=budget)
    assert result.schedule[1].start == 0
    assert result.objective == 0
    assert weighted_tardiness(problem, result.schedule) == 0


def colour_orders():
    """Four orders on one booth: setups want colours grouped, due dates want them alternating."""
    model = Model()
    red, blue = model.add_setup_group("red"), model.add_setup_group("blue")
    booth = model.add_machine("booth", changeover=[[0, 4], [4, 0]])
    for name, colour, due in [("a", red, 5), ("b", blue, 14), ("c", red, 23), ("d", blue, 32)]:
        model.add_operation(model.add_job(name, due=due), {booth: 5}, setup_group=colour)
    return model.problem()


def test_lexicographic_puts_the_first_objective_first(budget):
    problem = colour_orders()
    tardiness_first = solve(problem, Lexicographic((TARDINESS, Objective(setup_time=1))), budget=budget)
    setups_first = solve(problem, Lexicographic((Objective(setup_time=1), TARDINESS)), budget=budget)
    for result in (tardiness_first, setups_first):
        assert check(problem, result.schedule) == []
    assert tardiness_first.objective == (0, 12)
    assert setups_first.objective == (4, 5)
    assert evaluate(problem, setups_first.schedule, Objective(setup_time=1)) == total_setup_time(
        problem, setups_first.schedule
    )


def test_weighted_sum_trades_objectives_by_weight(budget):
    problem = colour_orders()
    setups_heavy = solve(problem, Objective(weighted_tardiness=1, setup_time=100), budget=budget)
    tardiness_heavy = solve(problem, Objective(weighted_tardiness=100, setup_time=1), budget=budget)
    assert total_setup_time(problem, setups_heavy.schedule) < total_setup_time(problem, tardiness_heavy.schedule)
    assert weighted_tardiness(problem, tardiness_heavy.schedule) < weighted_tardiness(problem, setups_heavy.schedule)
