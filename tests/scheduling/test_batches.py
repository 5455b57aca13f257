"""Batch machines: operations of one batch kind share a machine and a slot, up to the batch size; every
solver forms full batches and the checker counts what each batch holds."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from factoryos.model.errors import FactoryosError
from factoryos.scheduling import (
    MAKESPAN,
    RULES,
    Budget,
    Model,
    Objective,
    check,
    dispatch,
    makespan,
    solve,
)
from factoryos.scheduling.batching import batched
from factoryos.scheduling.objectives import total_setup_time
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.scheduling.schedule import Assignment, machine_batches

PRINT, CURE, PACK = 2, 30, 1
"""Minutes per unit on the printer and the packer; minutes per batch in the oven."""


def board_shop(units: int, rack: int):
    """Units printed one at a time, cured in racks of `rack` in one oven, packed one at a time."""
    model = Model()
    printer, oven, packer = (model.add_machine(name) for name in ("printer", "oven", "packer"))
    rack_kind = model.add_batch_kind(rack)
    for k in range(units):
        job = model.add_job(f"board-{k}", due=400)
        model.add_operation(job, {printer: PRINT}, "print")
        model.add_operation(job, {oven: CURE}, "cure", batch=rack_kind)
        model.add_operation(job, {packer: PACK}, "pack")
    return model.problem()


def least_makespan(units: int, rack: int) -> int:
    """A lower bound: the oven cures at least ceil(units / rack) racks one after another, each holding at
    least what the others leave; the first is printed before it goes in, the last packed after it comes out."""
    racks = math.ceil(units / rack)
    least = units - rack * (racks - 1)
    return least * PRINT + racks * CURE + least * PACK


@pytest.mark.parametrize(("units", "rack"), [(40, 8), (30, 7), (5, 10)])
@pytest.mark.parametrize("solver", ["dispatch", "rolling", "solve"])
def test_every_solver_fills_racks_and_comes_close_to_the_bound(units, rack, solver):
    problem = board_shop(units, rack)
    if solver == "dispatch":
        schedule = dispatch(problem, "FIFO")
    elif solver == "rolling":
        schedule = rolling_sequence(problem)
    else:
        schedule = solve(problem, MAKESPAN, budget=Budget(cpsat=2, neighbourhoods=10, tabu_moves=1000)).schedule
    assert check(problem, schedule) == []
    oven_batches = machine_batches(problem, schedule)[1]
    assert len(oven_batches) == math.ceil(units / rack)
    bound = least_makespan(units, rack)
    assert bound <= makespan(schedule) <= bound + 2 * rack * PRINT


def test_one_rack_at_a_time_without_batches_takes_each_unit_alone():
    problem = board_shop(16, 1)
    assert makespan(dispatch(problem, "FIFO")) >= 16 * CURE


def test_the_checker_rejects_an_overfilled_batch():
    problem = board_shop(5, 4)
    ok = dispatch(problem, "FIFO")
    cures = [op for op, operation in enumerate(problem.operations) if operation.name == "cure"]
    slot = Assignment(1, 1000, 1000 + CURE)
    overfilled = tuple(slot if op in cures else a for op, a in enumerate(ok))
    kinds = {v.kind for v in check(problem, overfilled)}
    assert "batch" in kinds
    four = tuple(slot if op in cures[:4] else a for op, a in enumerate(ok))
    assert not [v for v in check(problem, four) if v.kind in ("batch", "overlap")]


def test_operations_of_different_kinds_may_not_share_a_slot():
    model = Model()
    oven = model.add_machine("oven")
    small, large = model.add_batch_kind(4), model.add_batch_kind(4)
    model.add_operation(model.add_job("a"), {oven: 10}, batch=small)
    model.add_operation(model.add_job("b"), {oven: 10}, batch=large)
    problem = model.problem()
    together = (Assignment(oven, 0, 10), Assignment(oven, 0, 10))
    assert [v.kind for v in check(problem, together)] == ["overlap"]
    assert check(problem, dispatch(problem, "SPT")) == []


def test_a_batch_changes_over_once():
    model = Model()
    red, blue = model.add_setup_group("red"), model.add_setup_group("blue")
    oven = model.add_machine("oven", changeover=[[0, 7], [7, 0]], initial_group=red)
    kind = model.add_batch_kind(3)
    for k in range(3):
        model.add_operation(model.add_job(f"blue-{k}"), {oven: 5}, setup_group=blue, batch=kind)
    problem = model.problem()
    schedule = dispatch(problem, "FIFO")
    assert check(problem, schedule) == []
    assert len(machine_batches(problem, schedule)[0]) == 1
    assert total_setup_time(problem, schedule) == 7


def test_batches_keep_members_alike_and_never_hold_a_job_twice_in_a_row():
    model = Model()
    fast, slow = model.add_machine("fast oven"), model.add_machine("slow oven")
    kind = model.add_batch_kind(10)
    for k in range(6):
        job = model.add_job(f"j{k}")
        model.add_operation(job, {fast: 5} if k % 2 else {slow: 9}, batch=kind)
    batches = batched(model.problem())
    assert batches is not None
    assert sorted(len(m) for m in batches.members) == [3, 3]
    chained = Model()
    oven = chained.add_machine("oven")
    kind = chained.add_batch_kind(2)
    job = chained.add_job("twice")
    chained.add_operation(job, {oven: 5}, batch=kind)
    chained.add_operation(job, {oven: 5}, batch=kind)
    with pytest.raises(FactoryosError, match="would hold an operation and its successor"):
        batched(chained.problem())


@pytest.mark.parametrize("seed", range(6))
def test_random_batch_shops_are_feasible_for_every_solver(seed, solved_better_than_dispatch):
    rng = random.Random(seed)
    model = Model()
    machines = [model.add_machine(f"m{k}", unavailable=[(50, 60)] if k == 0 else ()) for k in range(3)]
    kinds = [model.add_batch_kind(rng.randint(2, 5)) for _ in range(2)]
    for j in range(rng.randint(4, 9)):
        job = model.add_job(f"j{j}", release=rng.randint(0, 10), due=rng.randint(20, 80), weight=rng.randint(1, 3))
        for _ in range(3):
            eligible = rng.sample(machines, rng.randint(1, 2))
            kind = rng.choice([None, *kinds])
            model.add_operation(job, {m: rng.randint(1, 8) for m in eligible}, batch=kind)
    problem = model.problem()
    for rule in RULES:
        assert check(problem, dispatch(problem, rule)) == []
    assert check(problem, rolling_sequence(problem)) == []
    solved_better_than_dispatch(
        problem, Objective(weighted_tardiness=1, makespan=1), Budget(cpsat=1, neighbourhoods=5, tabu_moves=500)
    )


def test_a_unit_waiting_for_its_material_holds_no_rack_of_units_that_have_theirs():
    """Four boards for racks of two, the first due soonest but its part in only at minute 600: grouped by due date
    alone it would share a rack with the second and hold it back; it waits in a rack of its own kind."""
    model = Model()
    oven = model.add_machine("oven")
    rack = model.add_batch_kind(2)
    for k, due in enumerate((100, 120, 400, 420)):
        job = model.add_job(f"board-{k}", due=due)
        model.add_operation(job, {oven: CURE}, "cure", batch=rack, not_before=600 if k == 0 else 0)
    problem = model.problem()
    grouped = batched(problem)
    assert grouped is not None
    (waiting,) = [members for members in grouped.members if 0 in members]
    assert 1 not in waiting
    for schedule in (dispatch(problem, "EDD"), rolling_sequence(problem)):
        assert check(problem, schedule) == []
        assert schedule[1].start < 600
        assert schedule[0].start >= 600


def test_a_rack_is_never_shared_by_units_whose_material_comes_on_different_days():
    """Six boards for a rack of six: four have their part, two wait for it until minute 900. Sorted by material day
    and cut into racks, all six would share one rack and the four wait with the two; they fire apart."""
    model = Model()
    oven = model.add_machine("oven")
    rack = model.add_batch_kind(6)
    for k in range(6):
        job = model.add_job(f"board-{k}", due=100)
        model.add_operation(job, {oven: CURE}, "cure", batch=rack, not_before=900 if k >= 4 else 0)
    problem = model.problem()
    for schedule in (dispatch(problem, "EDD"), rolling_sequence(problem), solve(problem, MAKESPAN).schedule):
        assert check(problem, schedule) == []
        assert max(schedule[k].start for k in range(4)) < 900
        assert min(schedule[k].start for k in (4, 5)) >= 900


@pytest.mark.parametrize("span", [None, 100, 1_000])
def test_a_batch_holds_units_due_within_the_span_of_its_first_and_every_batch_is_full_within_it(span):
    """Boards due at 100, 150, ... 1,050 in racks of 4: each rack holds consecutive boards, none due more than
    `span` after the rack's first, and a rack is short only where the next board is due past its span."""
    model = Model()
    oven = model.add_machine("oven")
    rack_kind = model.add_batch_kind(4)
    dues = [100 + 50 * k for k in range(20)]
    for k, due in enumerate(dues):
        model.add_operation(model.add_job(f"board-{k}", due=due), {oven: CURE}, "cure", batch=rack_kind)
    problem = dataclasses.replace(model.problem(), batch_due_span=span)
    racks = batched(problem).members
    assert sorted(m for rack in racks for m in rack) == list(range(20))
    for rack in racks:
        assert list(rack) == list(range(rack[0], rack[0] + len(rack)))
        assert span is None or dues[rack[-1]] - dues[rack[0]] <= span
        following = rack[-1] + 1
        if len(rack) < 4 and following < 20:
            assert dues[following] - dues[rack[0]] > span
    assert len(racks) == {None: 5, 100: 7, 1_000: 5}[span]


def test_a_unit_waiting_for_a_part_before_the_oven_does_not_share_a_rack_with_units_that_have_theirs():
    """Boards coated, then cured in racks of 4: two boards' coating waits for a part that comes at 1,000, so
    they reach the oven late; the other two are cured without them (the rack used to wait at the oven)."""
    model = Model()
    coater, oven = model.add_machine("coater"), model.add_machine("oven")
    rack_kind = model.add_batch_kind(4)
    for k in range(4):
        job = model.add_job(f"board-{k}", due=2_000)
        model.add_operation(job, {coater: PRINT}, "coat", not_before=1_000 if k >= 2 else 0)
        model.add_operation(job, {oven: CURE}, "cure", batch=rack_kind)
    problem = model.problem()
    cures = [rack for rack in batched(problem).members if problem.operations[rack[0]].name == "cure"]
    assert sorted(sorted(problem.operations[op].job for op in rack) for rack in cures) == [[0, 1], [2, 3]]
    schedule = rolling_sequence(problem)
    assert check(problem, schedule) == []
    cured = [schedule[op].start for op, operation in enumerate(problem.operations) if operation.name == "cure"]
    assert min(cured) < 1_000
