"""A routing operation's `setup_minutes` is paid once per run of that operation on a work unit, as a changeover
(when the unit switches to it from anything else, or starts with it), not once per unit: a job shop's lathe set
up for a shaft turns the order's shafts one after the other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from factoryos.model.operation_time import run_seconds
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.scheduling import RULES, Assignment, Budget, check, dispatch, dispatch_in_order, makespan, solve
from factoryos.scheduling.objectives import total_setup_time
from factoryos.scheduling.plant import PlantProblem, build_problem, production_orders, scheduled_operations
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.scheduling.schedule import machine_batches, setup_times
from tests.twin.small_plants import small_plant

EPOCH = datetime(2027, 3, 1, tzinfo=UTC)
MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR
BUDGET = Budget(cpsat=5, neighbourhoods=20, tabu_moves=1_000)


def job_shop(
    shaft: dict[str, Any], flange: dict[str, Any] | None = None, turning: dict[str, Any] | None = None, **sections: Any
) -> Plant:
    """One lathe, working around the clock in the work center `turning` (a cell unless it says otherwise), that
    turns shafts and flanges with the routing operations given."""
    flange = flange or {"setup_minutes": 20, "run_minutes": 5}
    center = {"kind": "cell", "calendar": "always", **(turning or {})}
    return small_plant(
        equipment_classes={"lathe": {"capabilities": ["turn"]}},
        areas={
            "shop": {"work_centers": {"turning": {**center, "work_units": {"lathe-1": {"equipment_class": "lathe"}}}}}
        },
        materials={
            "shaft": {"kind": "finished", "source": "make"},
            "flange": {"kind": "finished", "source": "make"},
            "bar": {"kind": "component", "source": "buy"},
        },
        boms={material: [{"component": "bar", "quantity": 1}] for material in ("shaft", "flange")},
        routings={
            material: {"operations": [{"id": "turn", "capability": "turn", **op}]}
            for material, op in (("shaft", shaft), ("flange", flange))
        },
        products={material: {"material": material, "tenant": "acme"} for material in ("shaft", "flange")},
        suppliers={"bars": {"lead_time_days": 1, "materials": ["bar"]}},
        **sections,
    )


def orders(plant: Plant, *lines: tuple[str, int]) -> PlantProblem:
    """The problem of one order per (product, quantity), placed a minute apart, all due in a week."""
    placed = [
        CustomerOrder(
            f"CO-{k}",
            plant.site.id,
            "acme",
            "shop",
            product,
            {},
            quantity,
            EPOCH + timedelta(minutes=k),
            date(2027, 3, 8),
        )
        for k, (product, quantity) in enumerate(lines)
    ]
    return build_problem(plant, production_orders(plant, placed), EPOCH, calendar_days=10)


SOLVERS = {
    "rolling": rolling_sequence,
    **{f"dispatch {rule}": lambda problem, rule=rule: dispatch(problem, rule) for rule in RULES},
    "full solver": lambda problem: solve(problem, budget=BUDGET).schedule,
}


@pytest.mark.parametrize("solver", SOLVERS)
def test_five_units_on_one_lathe_pay_its_setup_once(solver):
    """Theory: one setup of 30 min, then five turns of 10 min back to back: 30 + 5 * 10 = 80 min (paid per
    unit, 200)."""
    planned = orders(job_shop({"setup_minutes": 30, "run_minutes": 10}), ("shaft", 5))
    schedule = SOLVERS[solver](planned.problem)
    assert check(planned.problem, schedule) == []
    assert makespan(schedule) == (30 + 5 * 10) * MINUTE
    lines = scheduled_operations(planned, schedule)
    assert [line.setup_minutes for line in lines] == [30, 0, 0, 0, 0]
    assert [(line.end - line.start).total_seconds() for line in lines] == [10 * MINUTE] * 5


def alternating(planned: PlantProblem) -> list[float]:
    """A key that turns the units shaft, flange, shaft, flange in turn."""
    problem = planned.problem
    material = [planned.production_orders[planned.job_orders[op.job]].material for op in problem.operations]
    turn = {"shaft": 0, "flange": 0}
    key = [0.0] * len(material)
    for op, made in enumerate(material):
        key[op] = 2 * turn[made] + (made == "flange")
        turn[made] += 1
    return key


def test_two_orders_of_different_materials_alternating_pay_a_setup_at_each_switch():
    """Theory: shaft (30 + 10), flange (20 + 5), shaft (30 + 10), flange (20 + 5): four setups, 130 min; turned
    in two runs instead, one setup each: 30 + 2 * 10 + 20 + 2 * 5 = 80 min, which the solver finds."""
    planned = orders(job_shop({"setup_minutes": 30, "run_minutes": 10}), ("shaft", 2), ("flange", 2))
    problem = planned.problem
    schedule = dispatch_in_order(problem, alternating(planned))
    assert check(problem, schedule) == []
    assert [time for *_, time in setup_times(problem, schedule)] == [30 * MINUTE, 20 * MINUTE] * 2
    assert makespan(schedule) == 130 * MINUTE
    best = solve(problem, budget=BUDGET)
    assert check(problem, best.schedule) == []
    assert best.objective == 80 * MINUTE
    assert total_setup_time(problem, best.schedule) == 50 * MINUTE


def test_an_operation_without_setup_between_two_runs_of_one_with_it_makes_the_lathe_set_up_again():
    """A flange turned without setup between two shafts: the second shaft pays its 30 min again."""
    planned = orders(
        job_shop({"setup_minutes": 30, "run_minutes": 10}, {"run_minutes": 5}), ("shaft", 2), ("flange", 1)
    )
    schedule = dispatch_in_order(planned.problem, alternating(planned))
    assert [time for *_, time in setup_times(planned.problem, schedule)] == [30 * MINUTE] * 2
    assert makespan(schedule) == (30 + 10 + 5 + 30 + 10) * MINUTE


def test_the_checker_catches_a_schedule_that_skips_a_setup():
    planned = orders(job_shop({"setup_minutes": 30, "run_minutes": 10}), ("shaft", 1), ("flange", 1))
    problem = planned.problem
    schedule = dispatch_in_order(problem, alternating(planned))
    assert check(problem, schedule) == []
    first, second = sorted(range(2), key=lambda op: schedule[op].start)
    no_first_setup = list(schedule)
    no_first_setup[first] = Assignment(0, 0, 10 * MINUTE)
    (violation,) = check(problem, tuple(no_first_setup))
    assert violation.operations == (first,)
    assert "free only at 1800" in violation.message
    no_switch = list(schedule)
    end = schedule[first].end
    no_switch[second] = Assignment(0, end, end + 5 * MINUTE)
    (violation,) = check(problem, tuple(no_switch))
    assert violation.operations == (first, second)


def test_a_changeover_group_stands_for_the_setup_as_on_the_twin():
    """An operation that names a changeover group its lathe follows changes over by the group; its setup_minutes
    is not paid beside it. Theory: the first changeover is free, so two shafts and two flanges alternating take
    their runs, 2 * 10 + 2 * 5, and three changeovers of the group's 15 min: 95 min."""
    plant = job_shop(
        {"setup_minutes": 30, "run_minutes": 10, "changeover_group": "bars"},
        {"setup_minutes": 20, "run_minutes": 5, "changeover_group": "bars"},
        changeovers={"bars": {"attribute": "material", "default_minutes": 15}},
    )
    planned = orders(plant, ("shaft", 2), ("flange", 2))
    schedule = dispatch_in_order(planned.problem, alternating(planned))
    assert check(planned.problem, schedule) == []
    assert [time for *_, time in setup_times(planned.problem, schedule)] == [15 * MINUTE] * 3
    assert makespan(schedule) == (2 * 10 + 2 * 5 + 3 * 15) * MINUTE


def test_a_batch_keeps_its_cycle_and_pays_the_setup_once_per_run_of_batches():
    """A furnace of four: eight shafts are two batches of one 60 min cycle each, after one 10 min setup:
    10 + 2 * 60 = 130 min."""
    plant = job_shop({"setup_minutes": 10, "run_minutes": 60, "batch_size": 4})
    planned = orders(plant, ("shaft", 8))
    schedule = rolling_sequence(planned.problem)
    assert check(planned.problem, schedule) == []
    assert [len(batch) for batch in machine_batches(planned.problem, schedule)[0]] == [4, 4]
    assert makespan(schedule) == 130 * MINUTE
    assert sorted(line.setup_minutes for line in scheduled_operations(planned, schedule)) == [0] * 7 + [10]


def test_a_paced_line_holds_a_unit_for_its_takt_whatever_the_setup():
    """Takt 60 s, a turn of 30 s with a setup of 5 min: each unit holds the station a takt (paid per unit, the
    setup made it 330 s), and the setup comes once before the run: 5 min + 3 takts."""
    paced = job_shop({"setup_minutes": 5, "run_minutes": 0.5}, turning={"kind": "paced-line", "takt_seconds": 60})
    turn = paced.routings["shaft"].operations[0]
    assert run_seconds(paced, "lathe-1", turn, 1) == 60
    planned = orders(paced, ("shaft", 3))
    schedule = rolling_sequence(planned.problem)
    assert check(planned.problem, schedule) == []
    assert makespan(schedule) == 5 * MINUTE + 3 * 60


def test_a_changeover_takes_shift_time_not_the_night():
    """The lathe works the day shift, 06:00-14:00 on weekdays (UTC, from Monday). Theory, shafts first: the first
    setup (30 min) runs 06:00-06:30, 44 shafts of 10 min turn until 13:50; the flange's 20 min setup does not fit
    before 14:00, so it runs from Tuesday 06:00 and the flange 06:20-06:25. Done as a plain gap, the first setup
    would take the night before and the second setup the night after."""
    plant = job_shop({"setup_minutes": 30, "run_minutes": 10}, turning={"calendar": "days"})
    planned = orders(plant, ("shaft", 44), ("flange", 1))
    problem = planned.problem
    flange = [planned.production_orders[planned.job_orders[op.job]].material == "flange" for op in problem.operations]
    schedule = dispatch_in_order(problem, [float(is_flange) for is_flange in flange])
    assert check(problem, schedule) == []
    assert min(a.start for a in schedule) == 6.5 * HOUR
    (last,) = [a for a, is_flange in zip(schedule, flange, strict=True) if is_flange]
    assert (last.start, last.end) == (DAY + 6 * HOUR + 20 * MINUTE, DAY + 6 * HOUR + 25 * MINUTE)
    for solver in SOLVERS.values():
        schedule = solver(problem)
        assert check(problem, schedule) == []
        for _, _, after, time in setup_times(problem, schedule):
            start = schedule[after].start
            shift_start = (start - 1) // DAY * DAY + 6 * HOUR
            assert shift_start <= start - time
            assert start <= shift_start + 8 * HOUR
