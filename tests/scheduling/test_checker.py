"""The checker catches every kind of hand-made violation, and only those."""

from __future__ import annotations

import pytest

from factoryos.scheduling import Assignment, Frozen, Model, check


def plant():
    """Two machines; the paint booth needs 5 to change from red to blue and is off over [20, 30)."""
    model = Model()
    red, blue = model.add_setup_group("red"), model.add_setup_group("blue")
    press = model.add_machine("press")
    booth = model.add_machine("booth", unavailable=[(20, 30)], changeover=[[0, 5], [5, 0]])
    order = model.add_job("order-1", release=2)
    model.add_operation(order, {press: 4}, name="stamp")
    model.add_operation(order, {booth: 3}, name="paint", setup_group=red)
    other = model.add_job("order-2")
    model.add_operation(other, {booth: 4, press: 6}, name="paint", setup_group=blue)
    model.add_operation(other, {press: 2}, name="trim", frozen=Frozen(press, 40))
    return model.problem()


GOOD = (
    Assignment(0, 2, 6),
    Assignment(1, 6, 9),
    Assignment(1, 14, 18),
    Assignment(0, 40, 42),
)


def test_a_feasible_schedule_has_no_violations():
    assert check(plant(), GOOD) == []


@pytest.mark.parametrize(
    ("op", "assignment", "kind"),
    [
        (1, Assignment(0, 6, 9), "eligibility"),
        (0, Assignment(0, 2, 7), "duration"),
        (2, Assignment(1, 18, 22), "calendar"),
        (0, Assignment(0, 1, 5), "release"),
        (3, Assignment(0, 41, 43), "frozen"),
        (2, Assignment(1, 8, 12), "overlap"),
        (2, Assignment(1, 11, 15), "overlap"),
        (2, Assignment(1, 31, 35), "changeover"),
    ],
)
def test_each_kind_of_violation_is_reported(op, assignment, kind):
    schedule = list(GOOD)
    schedule[op] = assignment
    kinds = {violation.kind for violation in check(plant(), tuple(schedule))}
    assert kind in kinds


def test_changeover_counts_as_occupied_time():
    schedule = list(GOOD)
    schedule[2] = Assignment(1, 11, 15)
    (violation,) = [v for v in check(plant(), tuple(schedule)) if v.kind == "overlap"]
    assert violation.operations == (1, 2)
    assert "free only at 14" in violation.message


def test_precedence_and_several_violations_at_once():
    schedule = (Assignment(0, 2, 6), Assignment(1, 4, 7), Assignment(1, 14, 18), Assignment(1, 40, 42))
    kinds = sorted(violation.kind for violation in check(plant(), schedule))
    assert "precedence" in kinds
    assert "eligibility" in kinds
    assert "frozen" in kinds


def test_missing_operations():
    (violation,) = check(plant(), GOOD[:3])
    assert violation.kind == "missing"


def test_an_unknown_machine_is_an_eligibility_violation():
    schedule = list(GOOD)
    schedule[0] = Assignment(7, 2, 6)
    assert [v.kind for v in check(plant(), tuple(schedule))] == ["eligibility"]
