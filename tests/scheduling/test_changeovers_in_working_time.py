"""A changeover takes the machine's working time: it runs in one piece just before the operation it sets the
machine up for, never while the machine is off (a night, a break, a breakdown)."""

from __future__ import annotations

import math
import random

import pytest

from factoryos.scheduling import (
    MAKESPAN,
    RULES,
    Assignment,
    Frozen,
    Job,
    Machine,
    MachineDown,
    Mode,
    Model,
    Operation,
    Problem,
    check,
    dispatch,
    makespan,
    solve,
)
from factoryos.scheduling.calendar import earliest_start
from factoryos.scheduling.cpsat.solver import solve_cpsat
from factoryos.scheduling.cpsat.variables import horizon_bound
from factoryos.scheduling.reschedule import reschedule
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.scheduling.schedule import setup_times

CHANGEOVER = 3


def press(unavailable, first, second):
    """A press set up for die A, off over `unavailable`; a run of die A for `first`, then one of die B for
    `second`. Changing dies either way takes CHANGEOVER."""
    model = Model()
    die_a, die_b = model.add_setup_group("die-a"), model.add_setup_group("die-b")
    machine = model.add_machine(
        "press", unavailable=unavailable, changeover=[[0, CHANGEOVER], [CHANGEOVER, 0]], initial_group=die_a
    )
    model.add_operation(model.add_job("run-a"), {machine: first}, name="stamp", setup_group=die_a)
    model.add_operation(model.add_job("run-b"), {machine: second}, name="stamp", setup_group=die_b)
    return model.problem()


def night_off():
    """Open [0, 8), off over the night [8, 24). Theory: die A runs [0, 6); the change to B does not fit before
    the night ([6, 9) crosses 8), so it runs [24, 27) and B [27, 31): makespan 31. B first is worse: its change
    [0, 3), B [3, 7), back to A [24, 27), A [27, 33)."""
    return press(((8, 24),), 6, 4)


def break_before():
    """A break over [10, 12) just as die A's run of 10 ends. Theory: the change to B takes [12, 15) after the
    break, B runs [15, 20): makespan 20 (B first: change [0, 3), B [3, 8), back to A [12, 15), A [15, 25))."""
    return press(((10, 12),), 10, 5)


CASES = {"night off": (night_off, 31), "break before": (break_before, 20)}


def changeovers_in_open_time(problem, schedule) -> bool:
    """Every changeover's stretch, worked out from the schedule, clear of its machine's unavailable periods."""
    for machine, _, after, time in setup_times(problem, schedule):
        start = schedule[after].start
        if any(s < start and start - time < e for s, e in problem.machines[machine].unavailable):
            return False
    return True


def test_earliest_start_leaves_the_changeover_working_time():
    brk = ((10, 12),)
    assert earliest_start(brk, 13, 5, False) == 13
    assert earliest_start(brk, 13, 5, False, setup=3) == 15
    assert earliest_start(brk, 9, 1, False, setup=3) == 9
    assert earliest_start(brk, 10, 4, True, setup=3) == 15
    assert earliest_start(((5, 6), (8, 9)), 6, 1, False, setup=3) == 12


@pytest.mark.parametrize("case", CASES)
def test_cpsat_puts_the_changeover_in_working_time(case):
    build, expected = CASES[case]
    problem = build()
    outcome = solve_cpsat(problem, MAKESPAN, time_limit=math.inf, work_limit=5, horizon=horizon_bound(problem))
    assert outcome.schedule is not None
    assert outcome.optimal
    assert check(problem, outcome.schedule) == []
    assert changeovers_in_open_time(problem, outcome.schedule)
    assert makespan(outcome.schedule) == expected


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("rule", RULES)
def test_dispatching_puts_the_changeover_in_working_time(case, rule):
    build, expected = CASES[case]
    problem = build()
    schedule = dispatch(problem, rule)
    assert check(problem, schedule) == []
    assert changeovers_in_open_time(problem, schedule)
    assert makespan(schedule) >= expected


@pytest.mark.parametrize("case", CASES)
def test_full_solver_and_rolling_sequence_put_the_changeover_in_working_time(case, budget):
    build, expected = CASES[case]
    problem = build()
    for schedule in (solve(problem, budget=budget).schedule, rolling_sequence(problem)):
        assert check(problem, schedule) == []
        assert changeovers_in_open_time(problem, schedule)
    assert makespan(solve(problem, budget=budget).schedule) == expected


def test_the_first_changeover_waits_for_the_machine_to_open():
    """Off over [0, 6) and set up for A, the press changes to B over [6, 9) once it opens, not before."""
    model = Model()
    die_a, die_b = model.add_setup_group("die-a"), model.add_setup_group("die-b")
    machine = model.add_machine("press", unavailable=[(0, 6)], changeover=[[0, 3], [3, 0]], initial_group=die_a)
    model.add_operation(model.add_job("run-b"), {machine: 4}, setup_group=die_b)
    problem = model.problem()
    assert dispatch(problem, "SPT")[0] == Assignment(machine, 9, 13)
    (violation,) = check(problem, (Assignment(machine, 6, 10),))
    assert (violation.kind, violation.operations) == ("changeover", (0,))
    assert "initial setup" in violation.message
    assert "[0, 6)" in violation.message


def test_the_checker_catches_a_changeover_done_over_the_night():
    """The schedule a plain time gap allows: B starts first thing in the morning, its changeover done at night."""
    problem = night_off()
    (violation,) = check(problem, (Assignment(0, 0, 6), Assignment(0, 24, 28)))
    assert (violation.kind, violation.operations) == ("changeover", (0, 1))
    assert "run-a/stamp" in violation.message
    assert "run-b/stamp" in violation.message
    assert "[21, 24)" in violation.message
    assert "[8, 24)" in violation.message
    assert check(problem, (Assignment(0, 0, 6), Assignment(0, 27, 31))) == []


def test_a_breakdown_moves_the_changeover_after_it(budget):
    """Die A runs [0, 6) and has started at 1; the press breaks down over [7, 8), inside the change to B planned
    for [6, 9). Theory: the change runs [8, 11) after the repair, B [11, 15)."""
    problem = press((), 6, 4)
    old = (Assignment(0, 0, 6), Assignment(0, 9, 13))
    assert check(problem, old) == []
    new = reschedule(problem, old, 1, [MachineDown(0, 7, 8)], budget=budget)
    assert check(new.problem, new.result.schedule) == []
    assert new.result.schedule[1] == Assignment(0, 11, 15)


def test_a_frozen_operation_keeps_its_changeover_where_it_was_done():
    """A run started before this rule, its changeover done over the night, frozen at the morning's opening: it is
    not refused, and the work after it is scheduled."""
    model = Model()
    die_a, die_b = model.add_setup_group("die-a"), model.add_setup_group("die-b")
    machine = model.add_machine(
        "press", unavailable=((0, 100), (500, 600)), changeover=[[0, 10], [10, 0]], initial_group=die_a
    )
    started = model.add_operation(
        model.add_job("run-b"), {machine: 50}, name="stamp", setup_group=die_b, frozen=Frozen(machine, 100)
    )
    model.add_operation(model.add_job("run-a"), {machine: 50}, name="stamp", setup_group=die_a)
    problem = model.problem()
    for schedule in (dispatch(problem, "SPT"), solve(problem, time_limit=2).schedule):
        assert check(problem, schedule) == []
        assert schedule[started].start == 100


def random_shop(seed: int) -> Problem:
    """Two machines with random breaks and changeover matrices over three setup groups, four jobs of three
    operations, two in five of them able to pause over a break."""
    r = random.Random(seed)
    machines = []
    for m in range(2):
        t, off = r.randint(5, 30), []
        while t < 2000:
            length = r.randint(1, 20)
            off.append((t, t + length))
            t += length + r.randint(5, 40)
        matrix = tuple(tuple(0 if g == h else r.randint(1, 12) for h in range(3)) for g in range(3))
        machines.append(Machine(f"m{m}", tuple(off), matrix, r.choice([None, 0, 1])))
    operations, jobs, precedences = [], [], []
    for j in range(4):
        ids = []
        for k in range(3):
            modes = tuple(Mode(m, r.randint(1, 15)) for m in r.sample(range(2), r.randint(1, 2)))
            operations.append(Operation(j, modes, f"o{k}", r.randrange(3), r.random() < 0.4))
            ids.append(len(operations) - 1)
            if k:
                precedences.append((ids[-2], ids[-1]))
        jobs.append(Job(f"j{j}", tuple(ids), r.randint(0, 30), r.randint(30, 200)))
    return Problem(tuple(machines), tuple(jobs), tuple(operations), tuple(precedences), ("g0", "g1", "g2"))


@pytest.mark.parametrize("seed", [2, 10])
def test_the_full_solver_never_runs_an_operation_through_a_break_across_its_horizon(seed):
    """Shops where CP-SAT's horizon (the incumbent's makespan) fell inside a break: the break was left out of the
    model, and an operation that may pause ran straight through it (j0/o1 in [71, 84) over the break [77, 97))."""
    problem = random_shop(seed)
    assert check(problem, solve(problem, time_limit=2).schedule) == []
    for rule in RULES:
        assert check(problem, dispatch(problem, rule)) == []
