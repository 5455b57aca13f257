"""The dispatcher: feasible on random problems with everything in them, and step for step the same as a
plain Giffler-Thompson that recomputes every slot of every ready operation at each step (changeovers in
working time, found by stepping through the times one at a time)."""

from __future__ import annotations

import math
import random

import pytest

from factoryos.scheduling import RULES, Frozen, Model, check, dispatch, dispatch_in_order
from factoryos.scheduling.calendar import earliest_start, finish
from factoryos.scheduling.dispatch import _rule
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Assignment, machine_sequences


def random_problem(seed: int, *, flexible: bool = True, zero_durations: bool = True) -> Problem:
    """Flexible modes, two changeover groups on some machines, shifts, releases, due dates, weights, an
    assembly fed by two branches (a DAG), interruptible and frozen operations."""
    rng = random.Random(seed)
    model = Model()
    groups = [model.add_setup_group(name) for name in ("red", "blue", "green")]
    machines = []
    for m in range(rng.randint(2, 4)):
        changeover = None
        if rng.random() < 0.5:
            changeover = [[0 if g == h else rng.randint(1, 6) for h in range(3)] for g in range(3)]
        unavailable = []
        at = rng.randint(5, 15)
        while at < 150:
            length = rng.randint(2, 8)
            unavailable.append((at, at + length))
            at += length + rng.randint(8, 25)
        machines.append(
            model.add_machine(
                f"m{m}", unavailable=unavailable, changeover=changeover, initial_group=rng.choice([None, 0])
            )
        )
    for j in range(rng.randint(3, 7)):
        job = model.add_job(f"j{j}", release=rng.randint(0, 10), due=rng.randint(10, 60), weight=rng.randint(0, 3))
        ops = []
        for _ in range(rng.randint(1, 4)):
            eligible = rng.sample(machines, rng.randint(1, len(machines)) if flexible else 1)
            shortest = 0 if zero_durations and rng.random() < 0.05 else 1
            ops.append(
                model.add_operation(
                    job,
                    {m: rng.randint(shortest, 7) for m in eligible},
                    setup_group=rng.choice([None, *groups]),
                    interruptible=rng.random() < 0.2,
                    after_previous=False,
                )
            )
        if len(ops) >= 3 and rng.random() < 0.5:
            model.add_precedence(ops[0], ops[-1])
            model.add_precedence(ops[1], ops[-1])
        else:
            for a, b in zip(ops, ops[1:], strict=False):
                model.add_precedence(a, b)
    problem = model.problem()
    return problem if rng.random() < 0.5 else _freeze_one(problem, rng)


def _freeze_one(problem: Problem, rng: random.Random) -> Problem:
    """The problem with one operation without predecessors frozen somewhere its machine is available."""
    from dataclasses import replace

    candidates = [op for op in range(len(problem.operations)) if not problem.predecessors[op]]
    op = rng.choice(candidates)
    operation = problem.operations[op]
    mode = rng.choice(operation.modes)
    unavailable = problem.machines[mode.machine].unavailable
    start = earliest_start(unavailable, rng.randint(0, 40), mode.duration, operation.interruptible)
    operations = list(problem.operations)
    operations[op] = replace(operation, frozen=Frozen(mode.machine, start))
    return replace(problem, operations=tuple(operations))


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_is_feasible_on_random_problems(rule):
    for seed in range(60):
        problem = random_problem(seed)
        schedule = dispatch(problem, rule)
        assert len(schedule) == len(problem.operations)
        assert check(problem, schedule) == [], seed


def test_repair_in_order_is_feasible():
    for seed in range(60):
        problem = random_problem(seed)
        key = [random.Random(seed * 1000 + op).random() for op in range(len(problem.operations))]
        assert check(problem, dispatch_in_order(problem, key)) == [], seed


@pytest.mark.parametrize("rule", RULES)
def test_repair_by_start_times_gives_back_the_schedule(rule):
    """Each machine keeps its order, so an undisturbed schedule comes back unchanged."""
    for seed in range(40):
        problem = random_problem(seed, flexible=False, zero_durations=False)
        schedule = dispatch(problem, rule)
        assert dispatch_in_order(problem, [a.start for a in schedule]) == schedule, seed


@pytest.mark.parametrize("rule", RULES)
def test_the_same_schedule_as_plain_giffler_thompson(rule):
    for seed in range(40):
        problem = random_problem(seed)
        assert dispatch(problem, rule) == plain_giffler_thompson(problem, rule), seed


def _press_around_a_frozen_operation(start: int, length: int, free: dict[str, int]) -> Problem:
    """A press with one operation frozen at `start` for `length`, and free ones of the given lengths, each its own
    job."""
    model = Model()
    press = model.add_machine("press")
    model.add_operation(model.add_job("locked"), {press: length}, frozen=Frozen(press, start))
    for job, free_length in free.items():
        model.add_operation(model.add_job(job), {press: free_length})
    return model.problem()


def test_an_operation_fits_in_the_gap_before_a_frozen_one():
    problem = _press_around_a_frozen_operation(10, 5, {"short": 4, "long": 12})
    for rule in RULES:
        schedule = dispatch(problem, rule)
        assert check(problem, schedule) == []
        assert (schedule[1].start, schedule[1].end) == (0, 4)


def test_an_operation_of_no_length_at_a_frozen_ones_start_leaves_it_its_time():
    """Placed at the frozen operation's start, the operation of no length went after it on the machine's timeline,
    whose ends were then out of order: the next operation was fitted after it alone and ran over the frozen one."""
    problem = _press_around_a_frozen_operation(0, 3, {"mark": 0, "long": 7})
    for rule in RULES:
        assert check(problem, dispatch(problem, rule)) == [], rule
    assert check(problem, dispatch_in_order(problem, [0, 0, 1])) == []


def test_operations_of_no_length_at_one_instant_go_in_the_order_the_checker_reads_them(no_length_after_a_changeover):
    """The rules had put the inspection first, at the red mark's instant (see the fixture)."""
    for rule in RULES:
        assert check(no_length_after_a_changeover, dispatch(no_length_after_a_changeover, rule)) == [], rule


def test_the_booth_stays_in_colour_while_bodies_of_that_colour_wait():
    model = Model()
    red, blue = model.add_setup_group("red"), model.add_setup_group("blue")
    booth = model.add_machine("booth", changeover=[[0, 10], [10, 0]], initial_group=red)
    for k, colour in enumerate([blue, red, blue, red]):
        model.add_operation(model.add_job(f"body{k}"), {booth: 3}, setup_group=colour)
    problem = model.problem()
    schedule = dispatch(problem, "FIFO")
    assert machine_sequences(problem, schedule)[0] == [1, 3, 0, 2]
    assert schedule[2].end == 3 + 3 + 10 + 3 + 3


def changeover_open(unavailable: tuple[tuple[int, int], ...], start: int, setup: int) -> bool:
    """Whether a changeover of `setup` just before `start` is clear of every period the machine is off."""
    return all(end <= start - setup or begin >= start for begin, end in unavailable) if setup else True


def plain_giffler_thompson(problem: Problem, rule: str) -> tuple[Assignment, ...]:
    """The reference: at every step, every slot of every ready operation on every eligible machine."""
    n = len(problem.operations)
    work = [sum(problem.operations[op].min_duration for op in job.operations) for job in problem.jobs]
    count = [len(job.operations) for job in problem.jobs]
    ready_at = [problem.release(op) for op in range(n)]
    key, score = _rule(problem, rule, ready_at, work, count)
    placed: list[Assignment | None] = [None] * n
    free = [0] * len(problem.machines)
    for op, operation in enumerate(problem.operations):
        if operation.frozen is not None:
            m, start = operation.frozen.machine, operation.frozen.start
            end = finish(problem.machines[m].unavailable, start, operation.duration_on(m), operation.interruptible)
            placed[op] = Assignment(m, start, end)

    def slot(op: int, m: int) -> tuple[int, int]:
        operation = problem.operations[op]
        duration, unavailable = operation.duration_on(m), problem.machines[m].unavailable
        on_machine = sorted(
            (a.start, a.end, other) for other, a in enumerate(placed) if a is not None and a.machine == m
        )
        time = max(ready_at[op], free[m])
        while True:
            before = [(end, other) for start, end, other in on_machine if end <= time]
            previous = max(before)[1] if before else None
            free_from = max(before)[0] if before else 0
            setup = problem.setup_time(m, previous, op)
            start = earliest_start(unavailable, max(time, free_from + setup), duration, operation.interruptible)
            while not changeover_open(unavailable, start, setup):
                start = earliest_start(unavailable, start + 1, duration, operation.interruptible)
            end = finish(unavailable, start, duration, operation.interruptible)
            last = None if previous is None else placed[previous]
            read_before = last is not None and (start, end, op) < (last.start, last.end, previous)
            if read_before and problem.machines[m].changeover is not None:
                time = start + 1  # read before the one of no length at its instant: a unit later
                continue
            after = [(s, other) for s, e, other in on_machine if e > time]
            if not after:
                return start, end
            following_start, following = min(after)
            setup = problem.setup_time(m, op, following)
            done_before = 0 if problem.operations[following].frozen else setup  # a frozen one's was done already
            if end + setup <= following_start and changeover_open(unavailable, following_start, done_before):
                return start, end
            time = min(after, key=lambda a: placed[a[1]].end)
            time = placed[time[1]].end

    while any(a is None for a in placed):
        ready = [
            op for op in range(n) if placed[op] is None and all(placed[p] is not None for p in problem.predecessors[op])
        ]
        for op in ready:
            ready_at[op] = max([problem.release(op)] + [placed[p].end for p in problem.predecessors[op]])
        slots = {(op, mode.machine): slot(op, mode.machine) for op in ready for mode in problem.operations[op].modes}
        completion, machine = min((end, m) for (op, m), (start, end) in slots.items())
        best = None
        for op in ready:
            if (op, machine) not in slots:
                continue
            start, end = slots[op, machine]
            elsewhere = min((e for (o, m), (s, e) in slots.items() if o == op and m != machine), default=math.inf)
            if (start < completion or end <= completion) and end <= elsewhere:
                weight = problem.jobs[problem.operations[op].job].weight
                rank = (score(op, key(op), start, end, weight), start, key(op), op)
                if best is None or rank < best:
                    best = rank
        op = best[-1]
        start, end = slots[op, machine]
        placed[op] = Assignment(machine, start, end)
        free[machine] = max(free[machine], end)
        work[problem.operations[op].job] -= problem.operations[op].min_duration
        count[problem.operations[op].job] -= 1
    return tuple(placed)
