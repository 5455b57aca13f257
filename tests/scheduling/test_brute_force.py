"""Small random problems: the solver's optimum equals the best over every machine assignment and every
order of operations (each semi-active schedule comes from some such order)."""

from __future__ import annotations

import itertools
import random

import pytest

from factoryos.scheduling import Lexicographic, Model, Objective, check, evaluate, solve
from factoryos.scheduling.schedule import Assignment


def random_problem(seed: int):
    rng = random.Random(seed)
    model = Model()
    groups = [model.add_setup_group(name) for name in ("red", "blue")]
    machines = [
        model.add_machine("m0", changeover=[[0, rng.randint(1, 4)], [rng.randint(1, 4), 0]]),
        model.add_machine("m1"),
    ]
    for j in range(3):
        job = model.add_job(f"j{j}", release=rng.randint(0, 3), due=rng.randint(5, 15), weight=rng.randint(1, 3))
        for _ in range(2):
            eligible = rng.sample(machines, rng.randint(1, 2))
            model.add_operation(job, {m: rng.randint(1, 6) for m in eligible}, setup_group=rng.choice(groups))
    return model.problem()


def brute_force(problem, objective):
    """Best value over all machine choices and all precedence-respecting orders, each operation placed
    as early as its predecessors, its release and its machine's previous operation (plus changeover) allow."""
    n = len(problem.operations)
    best = None
    for machines in itertools.product(*[[m.machine for m in op.modes] for op in problem.operations]):
        for order in itertools.permutations(range(n)):
            position = {op: k for k, op in enumerate(order)}
            if any(position[a] > position[b] for a, b in problem.precedences):
                continue
            slots: dict[int, Assignment] = {}
            last_on: dict[int, int] = {}
            for op in order:
                machine = machines[op]
                previous = last_on.get(machine)
                ready = max([problem.release(op)] + [slots[p].end for p in problem.predecessors[op]])
                free = 0 if previous is None else slots[previous].end
                start = max(ready, free + problem.setup_time(machine, previous, op))
                slots[op] = Assignment(machine, start, start + problem.operations[op].duration_on(machine))
                last_on[machine] = op
            value = evaluate(problem, tuple(slots[op] for op in range(n)), objective)
            if best is None or value < best:
                best = value
    return best


OBJECTIVES = [
    Objective(makespan=1),
    Objective(weighted_tardiness=1),
    Objective(setup_time=1, makespan=1),
    Lexicographic((Objective(weighted_tardiness=1), Objective(setup_time=1))),
]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("objective", OBJECTIVES, ids=["makespan", "tardiness", "setup+makespan", "lexicographic"])
def test_solver_matches_brute_force(seed, objective, budget):
    problem = random_problem(seed)
    result = solve(problem, objective, budget=budget, workers=1)
    assert check(problem, result.schedule) == []
    assert result.objective == brute_force(problem, objective)
