"""Bad problems are refused with a message that says what is wrong and where."""

from __future__ import annotations

import pytest

from factoryos.model.errors import FactoryosError
from factoryos.scheduling import Frozen, Job, Machine, Mode, Model, Operation, Problem


@pytest.mark.parametrize(
    ("name", "machines", "error"),
    [("stamp", {3: 10}, r"order-1/stamp.*unknown machine 3"), ("weld", {}, r"order-1/weld.*no eligible machine")],
    ids=["unknown machine", "no eligible machine"],
)
def test_an_operation_needs_a_known_eligible_machine(name, machines, error):
    model = Model()
    model.add_machine("press")
    job = model.add_job("order-1")
    model.add_operation(job, machines, name=name)
    with pytest.raises(FactoryosError, match=error):
        model.problem()


def test_cyclic_precedence_names_the_operations():
    model = Model()
    model.add_machine("m")
    job = model.add_job("sub")
    first = model.add_operation(job, {0: 1}, name="a")
    second = model.add_operation(job, {0: 1}, name="b")
    model.add_precedence(second, first)
    with pytest.raises(FactoryosError, match=r"cyclic.*sub/a.*sub/b"):
        model.problem()


def test_frozen_on_an_ineligible_machine():
    model = Model()
    model.add_machine("m0")
    model.add_machine("m1")
    job = model.add_job("j")
    model.add_operation(job, {0: 5}, frozen=Frozen(machine=1, start=0))
    with pytest.raises(FactoryosError, match="frozen on machine 1"):
        model.problem()


def test_changeover_matrix_must_match_setup_groups():
    with pytest.raises(FactoryosError, match="changeover matrix must be 2 x 2"):
        Problem(
            machines=(Machine("paint", changeover=((0, 1),)),),
            jobs=(Job("j", (0,)),),
            operations=(Operation(0, (Mode(0, 5),), setup_group=0),),
            setup_groups=("red", "blue"),
        )


def test_overlapping_unavailable_periods():
    with pytest.raises(FactoryosError, match="sorted and disjoint"):
        Problem(
            machines=(Machine("m", unavailable=((0, 10), (5, 20))),),
            jobs=(Job("j", (0,)),),
            operations=(Operation(0, (Mode(0, 5),)),),
        )


def test_builder_chains_routings_and_keeps_sub_assemblies_apart():
    model = Model()
    model.add_machine("m")
    body = model.add_job("body")
    a = model.add_operation(body, {0: 1})
    b = model.add_operation(body, {0: 1})
    sub = model.add_job("battery")
    c = model.add_operation(sub, {0: 1})
    model.add_precedence(c, b)
    problem = model.problem()
    assert set(problem.precedences) == {(a, b), (c, b)}
    assert problem.predecessors[b] == (a, c)
    assert problem.job_ends == ((b,), (c,))


ONE_MACHINE = (Machine("m"),)


@pytest.mark.parametrize(
    ("jobs", "operations", "extra", "error"),
    [
        ((Job("j", (0,), weight=-1),), (Operation(0, (Mode(0, 5),)),), {}, "'j': weight must be >= 0"),
        ((Job("j", (0,)), Job("k", (0,))), (Operation(0, (Mode(0, 5),)),), {}, "'k': operation 0 does not belong"),
        ((Job("j", ()),), (Operation(0, (Mode(0, 5),)),), {}, r"operation 0 \(''\) is not listed in its job 0"),
        ((Job("j", (0,)),), (Operation(0, (Mode(0, 5), Mode(0, 6))),), {}, "lists a machine twice"),
        ((Job("j", (0,)),), (Operation(0, (Mode(0, -1),)),), {}, "duration on machine 0 must be >= 0"),
        ((Job("j", (0,)),), (Operation(0, (Mode(0, 5),), setup_group=0),), {}, "unknown setup group 0"),
        ((Job("j", (0,)),), (Operation(0, (Mode(0, 5),), batch=1),), {"batch_sizes": (2,)}, "unknown batch kind 1"),
        ((Job("j", (0,)),), (Operation(0, (Mode(0, 5),), batch=0),), {"batch_sizes": (0,)}, "batch sizes must be >= 1"),
        ((Job("j", (0,)),), (Operation(0, (Mode(0, 5),)),), {"precedences": ((0, 0),)}, r"precedence \(0, 0\)"),
        ((Job("j", (0,)),), (Operation(0, (Mode(0, 5),)),), {"precedences": ((0, 7),)}, r"precedence \(0, 7\)"),
    ],
    ids=[
        "negative weight",
        "operation in two jobs",
        "operation in no job",
        "machine twice",
        "negative duration",
        "unknown setup group",
        "unknown batch kind",
        "empty batch",
        "self precedence",
        "unknown precedence",
    ],
)
def test_a_malformed_problem_is_refused_naming_what_and_where(jobs, operations, extra, error):
    with pytest.raises(FactoryosError, match=error):
        Problem(machines=ONE_MACHINE, jobs=jobs, operations=operations, **extra)
