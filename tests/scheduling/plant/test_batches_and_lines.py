"""What a plant file says about batches and parallel lines reaches the scheduler: a rack of 48 cures 48
units at once, and two identical paced lines each take their share of the units, each at its own takt."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.examples import example_plant
from factoryos.model.operation_time import run_seconds
from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import check_plant_text, load_plant
from factoryos.scheduling import check, dispatch, makespan
from factoryos.scheduling.plant import build_problem, production_orders
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.scheduling.schedule import machine_batches

EPOCH = datetime(2027, 3, 1, tzinfo=UTC)

HEADER = """
source: Test fixture; invented figures.
enterprise: {id: boards, name: Boards Co}
site: {id: board-site, name: Board site}
tenants:
  owner: {name: Boards Co, role: owner}
customers:
  shop: {name: Shop, tenant: owner, segment: retail}
calendars:
  day:
    shifts:
      - {name: early, start: 06:00, end: 14:00}
materials:
  board: {kind: finished, source: make}
  blank: {kind: raw, source: buy, lead_time_days: 1}
boms:
  board:
    - {component: blank, quantity: 1}
products:
  board: {material: board, tenant: owner}
suppliers:
  blanks: {lead_time_days: 1, materials: [blank]}
"""

ALWAYS = """
  always:
    shifts:
      - {name: all, start: "00:00", end: "00:00", days: [mon, tue, wed, thu, fri, sat, sun]}"""
"""A 24/7 calendar: a lights-out cell works its calendar, so one that runs around the clock needs this one."""


def board_plant(classes: str, area: str, work_centers: str, operations: str, calendars: str = ""):
    """A plant that makes one board: its equipment classes, one area's work centers and the board's routing (and
    calendars beside `day`)."""
    return plant_of(
        HEADER.replace("calendars:\n", f"calendars:{calendars}\n")
        + f"""equipment_classes: {classes}
areas:
  {area}:
    work_centers:{work_centers}
routings:
  board:
    operations:{operations}
"""
    )


def oven_plant(rack: int):
    """A board printed, cured in an oven rack of `rack` boards, and packed, each on a cell of its own."""
    return board_plant(
        classes="{printer: {capabilities: [print]}, oven: {capabilities: [cure]}, packer: {capabilities: [pack]}}",
        area="smt",
        work_centers="""
      print-cell: {calendar: always, lights_out: true, work_units: {printer-1: {equipment_class: printer}}}
      oven-cell: {calendar: always, lights_out: true, work_units: {oven-1: {equipment_class: oven}}}
      pack-cell: {calendar: always, lights_out: true, work_units: {packer-1: {equipment_class: packer}}}""",
        operations=f"""
      - {{id: print, capability: print, run_minutes: 1}}
      - {{id: cure, capability: cure, run_minutes: 60, batch_size: {rack}}}
      - {{id: pack, capability: pack, run_minutes: 0.5}}""",
        calendars=ALWAYS,
    )


def lines_plant(count: int):
    """A board assembled and tested on `count` identical paced lines, one unit a minute each."""
    line = """
      line-{k}:
        kind: paced-line
        takt_seconds: 60
        calendar: always
        lights_out: true
        work_units: {{line-{k}-s1: {{equipment_class: assembler}}, line-{k}-s2: {{equipment_class: tester}}}}"""
    return board_plant(
        classes="{assembler: {capabilities: [assemble]}, tester: {capabilities: [test]}}",
        area="final",
        work_centers="".join(line.format(k=k) for k in range(1, count + 1)),
        operations="""
      - {id: assemble, capability: assemble, run_minutes: 0.5}
      - {id: test, capability: test, run_minutes: 0.5}""",
        calendars=ALWAYS,
    )


def plant_of(text: str):
    plant, issues = check_plant_text(text)
    assert plant is not None, issues
    return plant


def problem_of(plant, units: int):
    order = CustomerOrder(
        "CO1", plant.site.id, "owner", "shop", "board", {}, units, EPOCH, date(2027, 3, 2) + timedelta(days=1)
    )
    return build_problem(plant, production_orders(plant, [order]), EPOCH, {}, calendar_days=40).problem


@pytest.mark.parametrize("solver", ["rolling", "dispatch"])
def test_an_oven_rack_of_48_cures_480_units_in_ten_batches(solver):
    problem = problem_of(oven_plant(48), 480)
    schedule = rolling_sequence(problem) if solver == "rolling" else dispatch(problem, "EDD")
    assert check(problem, schedule) == []
    oven = next(m for m, machine in enumerate(problem.machines) if machine.name == "oven-1")
    assert [len(batch) for batch in machine_batches(problem, schedule)[oven]] == [48] * 10
    # Theory: ten cures of an hour back to back, after the first 48 boards are printed (a minute each)
    # and before the last 48 are packed (half a minute each).
    bound = 48 * 60 + 10 * 3600 + 48 * 30
    assert bound <= makespan(schedule) <= bound * 1.05


def test_a_rack_that_holds_one_unit_takes_an_hour_per_unit():
    problem = problem_of(oven_plant(1), 20)
    assert makespan(rolling_sequence(problem)) >= 20 * 3600


def test_a_unit_needing_more_than_a_rack_runs_as_many_cycles():
    plant = oven_plant(48)
    cure = plant.routings["board"].operations[1]
    assert run_seconds(plant, "oven-1", cure, 1) == 3600
    assert run_seconds(plant, "oven-1", cure, 100) == math.ceil(100 / 48) * 3600


@pytest.mark.parametrize("solver", ["rolling", "dispatch"])
def test_two_identical_paced_lines_halve_a_line_bound_load(solver):
    units = 200
    spans = {}
    for count in (1, 2):
        problem = problem_of(lines_plant(count), units)
        schedule = rolling_sequence(problem) if solver == "rolling" else dispatch(problem, "EDD")
        assert check(problem, schedule) == []
        on_line = [{problem.machines[schedule[op].machine].name[:6] for op in job.operations} for job in problem.jobs]
        assert all(len(names) == 1 for names in on_line), "a unit stays on its line"
        if count == 2:
            assert sorted(sum(names == {f"line-{k}"} for names in on_line) for k in (1, 2)) == [100, 100]
        spans[count] = makespan(schedule)
    assert spans[1] >= units * 60
    assert spans[2] / spans[1] == pytest.approx(0.5, abs=0.03)


def two_lines_plant():
    """A fast line (a unit a minute, two shifts: 06:00-22:00) beside a slow one (one each 150 s, one shift:
    06:00-14:00), each filling and packing the boards."""
    line = """
      line-{name}:
        kind: paced-line
        takt_seconds: {takt}
        calendar: {calendar}
        work_units: {{{name}-filler: {{equipment_class: filler}}, {name}-packer: {{equipment_class: packer}}}}"""
    return board_plant(
        classes="{filler: {capabilities: [fill]}, packer: {capabilities: [pack]}}",
        area="packing",
        work_centers=line.format(name="fast", takt=60, calendar="long")
        + line.format(name="slow", takt=150, calendar="day"),
        operations="""
      - {id: fill, capability: fill, run_minutes: 0.5}
      - {id: pack, capability: pack, run_minutes: 0.5}""",
        calendars="""
  long:
    shifts:
      - {name: both, start: 06:00, end: "22:00"}""",
    )


@pytest.mark.parametrize("solver", ["rolling", "dispatch"])
def test_paced_lines_of_different_takt_and_calendar_finish_together(solver):
    """Theory: the fast line builds 960 boards a day (16 h at 60 s), the slow one 192 (8 h at 150 s). 1,728 boards
    due at once: the first day builds 1,152, and the other 576 take both lines T = 576 / (1/60 + 1/150) s of the
    second day, about 6 h 51 min from 06:00: the fast line then has built 960 + T/60 of them, the slow one
    192 + T/150. Split by equal work instead (the units over the line's speed), the slow line would take four
    and a half days over its half."""
    plant = two_lines_plant()
    problem = problem_of(plant, 1728)
    schedule = rolling_sequence(problem) if solver == "rolling" else dispatch(problem, "EDD")
    assert check(problem, schedule) == []
    spell = 576 / (1 / 60 + 1 / 150)
    balanced = (EPOCH + timedelta(days=1, hours=6, seconds=spell) - EPOCH).total_seconds()
    on_line: dict[str, list[int]] = {"fast": [], "slow": []}
    for job in problem.jobs:
        (line,) = {problem.machines[schedule[op].machine].name.split("-")[0] for op in job.operations}
        on_line[line].append(max(schedule[op].end for op in job.operations))
    assert len(on_line["fast"]) == pytest.approx(960 + spell / 60, abs=2)
    assert len(on_line["slow"]) == pytest.approx(192 + spell / 150, abs=2)
    for ends in on_line.values():  # each line's last board, filled and packed: within two of the slow line's takts
        assert max(ends) == pytest.approx(balanced, abs=2 * 150)


def test_a_day_of_the_electronics_plant_runs_its_racks_and_chambers_in_batches():
    plant = load_plant(example_plant("electronics-plant"))
    orders = generate_orders(plant, EPOCH.date(), 1, seed=1)
    problem = build_problem(plant, production_orders(plant, orders), EPOCH, {}, calendar_days=40).problem
    schedule = rolling_sequence(problem)
    assert check(problem, schedule) == []
    batches = [
        batch
        for sequence in machine_batches(problem, schedule)
        for batch in sequence
        if problem.operations[batch[0]].batch is not None
    ]
    assert batches
    sizes = [problem.batch_sizes[problem.operations[batch[0]].batch] for batch in batches]
    held = sum(len(batch) for batch in batches)
    assert held == sum(op.batch is not None for op in problem.operations)
    assert held >= 0.5 * sum(sizes), "batches are mostly full, not one unit each"


def test_boards_due_now_are_cured_in_a_rack_of_their_own_not_with_an_order_due_weeks_later():
    """Five boards due tomorrow and 500 due in six weeks, racks of 20: the five are cured in a rack of their own
    (on a walk's bicycle plant they shared one with 15 frames of the large order and waited three weeks for
    them); the large order fills its racks."""
    plant = oven_plant(20)
    soon = CustomerOrder("CO-SOON", plant.site.id, "owner", "shop", "board", {}, 5, EPOCH, date(2027, 3, 2))
    later = replace(
        soon, id="CO-LATER", quantity=500, ordered_at=EPOCH + timedelta(hours=1), due_date=date(2027, 4, 12)
    )
    problem = build_problem(plant, production_orders(plant, [soon, later]), EPOCH, {}, calendar_days=60).problem
    schedule = rolling_sequence(problem)
    assert check(problem, schedule) == []
    oven = next(m for m, machine in enumerate(problem.machines) if machine.name == "oven-1")
    racks = [
        sorted({problem.jobs[problem.operations[op].job].name.rsplit("-", 1)[0] for op in rack})
        for rack in machine_batches(problem, schedule)[oven]
    ]
    assert racks.count(["MO-SOON"]) == 1
    assert racks.count(["MO-LATER"]) == 25
    assert len(racks) == 26
