"""Rescheduling keeps what started, reacts to each disruption and explains every move."""

from __future__ import annotations

import pytest

from factoryos.model.errors import FactoryosError
from factoryos.scheduling import (
    MachineDown,
    Mode,
    Model,
    Operation,
    RunningLate,
    RushOrder,
    check,
    reschedule,
    solve,
)


def line():
    """Four orders through press then paint; both machines are single."""
    model = Model()
    press = model.add_machine("press")
    paint = model.add_machine("paint")
    for k in range(4):
        job = model.add_job(f"order-{k}", due=60)
        model.add_operation(job, {press: 5}, name="stamp")
        model.add_operation(job, {paint: 7}, name="paint")
    return model.problem()


@pytest.fixture(scope="module")
def planned(budget):
    problem = line()
    return problem, solve(problem, budget=budget).schedule


def started_before(schedule, now):
    return [op for op, a in enumerate(schedule) if a.start < now]


def test_machine_down_moves_work_out_of_the_breakdown(planned, budget):
    problem, schedule = planned
    now = 6
    outcome = reschedule(problem, schedule, now, [MachineDown(1, 10, 30)], budget=budget)
    new = outcome.result.schedule
    assert check(outcome.problem, new) == []
    for op in started_before(schedule, now):
        assert (new[op].machine, new[op].start) == (schedule[op].machine, schedule[op].start)
    assert all(a.start >= now for op, a in enumerate(new) if op not in started_before(schedule, now))
    assert not any(a.machine == 1 and a.start < 30 and a.end > 10 and a.start >= now for a in new)
    assert outcome.moves
    assert any("down over [10, 30)" in move.reason for move in outcome.moves)


def test_an_operation_caught_by_a_breakdown_pauses_and_resumes(planned):
    problem, schedule = planned
    first_paint = min(
        (op for op in range(len(schedule)) if schedule[op].machine == 1), key=lambda op: schedule[op].start
    )
    slot = schedule[first_paint]
    outcome = reschedule(problem, schedule, slot.start + 1, [MachineDown(1, slot.start + 2, slot.start + 12)])
    new = outcome.result.schedule[first_paint]
    assert (new.start, new.end) == (slot.start, slot.end + 10)
    assert check(outcome.problem, outcome.result.schedule) == []


def test_rush_order_is_added_and_started_work_stays(planned, budget):
    problem, schedule = planned
    rush = RushOrder("vip", (Operation(0, (Mode(0, 3),), "stamp"), Operation(0, (Mode(1, 2),), "paint")), due=20)
    outcome = reschedule(problem, schedule, 5, [rush], budget=budget)
    assert len(outcome.problem.jobs) == 5
    assert outcome.problem.jobs[4].name == "vip"
    new = outcome.result.schedule
    assert check(outcome.problem, new) == []
    assert new[-2].start >= 5
    assert new[-1].start >= new[-2].end
    reasons = {move.operation: move.reason for move in outcome.moves}
    assert "rush order 'vip'" in reasons[len(new) - 1]


def test_running_late_pushes_successors_and_says_why(planned, budget):
    problem, schedule = planned
    first = min(range(len(schedule)), key=lambda op: schedule[op].start)
    outcome = reschedule(problem, schedule, 1, [RunningLate(first, 10)], budget=budget)
    new = outcome.result.schedule
    assert check(outcome.problem, new) == []
    assert new[first].end == schedule[first].end + 10
    reasons = {move.operation: move.reason for move in outcome.moves}
    assert reasons[first] == "runs late"
    assert any(reason.startswith("waits for") for reason in reasons.values())


def test_stability_keeps_the_schedule_when_nothing_changed(planned, budget):
    problem, schedule = planned
    outcome = reschedule(problem, schedule, 0, [], budget=budget)
    assert outcome.result.schedule == schedule
    assert outcome.moves == ()


def test_a_schedule_for_another_problem_is_refused(planned):
    problem, schedule = planned
    with pytest.raises(FactoryosError, match="does not cover"):
        reschedule(problem, schedule[:-1], 0, [])
