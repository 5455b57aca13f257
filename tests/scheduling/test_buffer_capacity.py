"""The full solver keeps a buffer's capacity: CP-SAT bounds the units waiting in it, and the solver's pool ranks a
schedule that overfills one after every one that does not.

The instance worked by hand (`press_to_oven`): a press makes a part in 1 min, then is off from minute 10 to 100;
an oven takes 5 min a part and never stops; one place between them. Unbounded, the press makes all four parts by
minute 4 and the oven ends at 1 + 4 x 5 = 21. With one place, the oven starts parts at 1, 6, 11 and 16 at the
earliest, so just before minute 10 at most two of them have started: a fourth part pressed by then would be the
second one waiting. The fourth is pressed at 100 and baked by 106, which is therefore the optimum."""

from __future__ import annotations

import dataclasses
import random

import pytest

from factoryos.scheduling import MAKESPAN, Budget, Frozen, Model, check, dispatch, makespan, overfilled, solve
from factoryos.scheduling.cpsat.solver import solve_cpsat

WORK = Budget(cpsat=5, neighbourhoods=10, tabu_moves=1_000)


def press_to_oven(places: int = 1, free: int = 4, press_stops: int = 10, held_bakes: tuple[int, ...] = ()):
    """A press (1 min a part, off from `press_stops` to 100) feeding an oven (5 min a part) through `places`. The
    floor may hold parts there already: each pressed at minute 0, 1, ... and frozen, its bake frozen at the minute
    given; then `free` parts to press and bake."""
    model = Model()
    press = model.add_machine("press", unavailable=[(press_stops, 100)])
    oven = model.add_machine("oven")
    passages = []
    for k, bake in enumerate(held_bakes):
        job = model.add_job(f"held-{k}")
        pressed = model.add_operation(job, {press: 1}, "press", frozen=Frozen(press, k))
        passages.append((pressed, model.add_operation(job, {oven: 5}, "bake", frozen=Frozen(oven, bake))))
    for k in range(free):
        job = model.add_job(f"part-{k}")
        passages.append((model.add_operation(job, {press: 1}, "press"), model.add_operation(job, {oven: 5}, "bake")))
    model.add_buffer("oven", places, passages)
    return model.problem()


def assert_the_proven_optimum_keeps_the_buffer(problem, optimum: int) -> None:
    outcome = solve_cpsat(problem, MAKESPAN, time_limit=60, work_limit=10)
    assert outcome.optimal
    assert outcome.schedule is not None
    assert makespan(outcome.schedule) == optimum
    assert check(problem, outcome.schedule) == []
    assert overfilled(problem, outcome.schedule) == []


def test_cp_sat_keeps_the_one_place_and_proves_the_optimum_worked_by_hand():
    assert_the_proven_optimum_keeps_the_buffer(press_to_oven(), 106)


def test_without_the_buffer_the_optimum_is_the_ovens_load():
    unbounded = dataclasses.replace(press_to_oven(), buffers=())
    outcome = solve_cpsat(unbounded, MAKESPAN, time_limit=60, work_limit=10)
    assert outcome.optimal
    assert outcome.schedule is not None
    assert makespan(outcome.schedule) == 1 + 4 * 5


def test_room_for_two_lets_every_part_be_pressed_before_the_stop():
    """Two places: pressed at 0..4, the parts wait for the oven at most two at a time once it has started the
    first, so the oven's load is the optimum again."""
    problem = press_to_oven(places=2)
    outcome = solve_cpsat(problem, MAKESPAN, time_limit=60, work_limit=10)
    assert outcome.schedule is not None
    assert makespan(outcome.schedule) == 21
    assert overfilled(problem, outcome.schedule) == []


def test_the_full_solver_does_not_keep_a_rule_that_overfills_however_short():
    problem = press_to_oven()
    assert overfilled(problem, dispatch(problem, "SPT"))  # every rule presses all four before the stop
    result = solve(problem, MAKESPAN, budget=WORK)
    assert overfilled(problem, result.schedule) == []
    assert check(problem, result.schedule) == []
    assert result.objective == 106


def flow_line(seed: int):
    """Four to six units through three stations, the first the fastest, each later station's queue one or two
    places: a line whose first station would run ahead of the others."""
    rng = random.Random(seed)
    model = Model()
    stations = [model.add_machine(f"s{k}") for k in range(3)]
    passages: list[list[tuple[int, int]]] = [[], []]
    for u in range(rng.randint(4, 6)):
        job = model.add_job(f"u{u}", release=rng.randint(0, 4))
        ops = [
            model.add_operation(job, {s: rng.randint(1, 2) if k == 0 else rng.randint(3, 8)})
            for k, s in enumerate(stations)
        ]
        for k in range(2):
            passages[k].append((ops[k], ops[k + 1]))
    for k, found in enumerate(passages):
        model.add_buffer(f"before-s{k + 1}", rng.randint(1, 2), found)
    return model.problem()


@pytest.mark.parametrize("seed", range(8))
def test_on_small_flow_lines_the_optimum_keeps_the_buffers_and_costs_at_least_the_unbounded_one(seed):
    problem = flow_line(seed)
    bounded = solve_cpsat(problem, MAKESPAN, time_limit=60, work_limit=10)
    unbounded = solve_cpsat(dataclasses.replace(problem, buffers=()), MAKESPAN, time_limit=60, work_limit=10)
    assert bounded.optimal
    assert unbounded.optimal
    assert bounded.schedule is not None
    assert unbounded.schedule is not None
    assert check(problem, bounded.schedule) == []
    assert overfilled(problem, bounded.schedule) == []
    assert makespan(bounded.schedule) >= makespan(unbounded.schedule)


def test_a_unit_the_floor_holds_in_the_buffer_takes_its_place():
    """The held part fills the one place from minute 1 to its bake at 20, so a free part may not wait then: one is
    pressed at 1 and baked at once at 2; the other, pressed at 2, would wait for the oven, so it is pressed after
    the stop, at 100, and baked by 106. Counting only the free parts, both would be done by 12 (makespan 25)."""
    assert_the_proven_optimum_keeps_the_buffer(press_to_oven(free=2, press_stops=3, held_bakes=(20,)), 106)


def test_where_the_floor_already_overfills_the_buffer_the_schedule_adds_no_unit():
    """Two held parts (baked at 20 and 25) are one more than the place from minute 2 to 20: no schedule mends that,
    and the solver still plans. A free part pressed at 2 is baked at once at 3; the next, pressed at 3, would wait
    and make three, so it goes after the stop (106). The peak stays the floor's two."""
    problem = press_to_oven(free=2, press_stops=4, held_bakes=(20, 25))
    outcome = solve_cpsat(problem, MAKESPAN, time_limit=60, work_limit=10)
    assert outcome.schedule is not None
    assert makespan(outcome.schedule) == 106
    assert check(problem, outcome.schedule) == []
    assert [found.peak for found in overfilled(problem, outcome.schedule)] == [2]
