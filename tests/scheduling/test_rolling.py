"""The rolling sequence on a burst: units ordered over several days that all wait for one coil delivery reach the
paint booth together, and are painted in one run per colour, none of them late."""

from __future__ import annotations

from factoryos.model.shift_times import DAY
from factoryos.scheduling import Model, Problem, check
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.scheduling.schedule import Schedule, job_completion, setup_times

COLOURS = ("white", "black", "red")
HOUR = 3_600
COIL_IN = 3 * DAY


def burst(paint_minutes: int = 2, due_hours: int = 5 * 24) -> Problem:
    """A press stamps one lot of panels from coil that is in on day 3; a welder joins each unit's body from them
    and one booth paints it (10 min to change colour, `paint_minutes` a body). Units come in an hour into days 0,
    1 and 2, ten a day, in turn white, black, red, each due `due_hours` after it came in: due over three days."""
    model = Model()
    colours = [model.add_setup_group(colour) for colour in COLOURS]
    press, welder = model.add_machine("press"), model.add_machine("welder")
    change = [[0 if a == b else 10 * 60 for b in colours] for a in colours]
    booth = model.add_machine("booth", changeover=change)
    stamp = model.add_operation(model.add_job("panel-lot"), {press: 10 * 60}, "stamp", not_before=COIL_IN)
    for k in range(30):
        ordered = k // 10 * DAY + HOUR
        unit = model.add_job(f"unit-{k}", release=ordered, due=ordered + due_hours * HOUR)
        weld = model.add_operation(unit, {welder: 60}, "weld")
        model.add_precedence(stamp, weld)
        model.add_operation(unit, {booth: paint_minutes * 60}, "paint", setup_group=colours[k % len(colours)])
    return model.problem()


def test_units_held_for_one_delivery_are_painted_in_one_run_per_colour():
    """All 30 bodies are welded after the lot, from day 3 on: one run per colour is two colour changes (the
    least three colours can have; the booth starts in none), where sequencing them by the day each came in paid
    two per day, six. None is late: the last body is painted by day 3 plus 10 min of stamping, a minute of
    welding, 30 x 2 min of paint and two changes, an hour and a half, and the first is due on day 5."""
    problem = burst()
    schedule = rolling_sequence(problem)
    assert check(problem, schedule) == []
    assert colour_changes(problem, schedule) == 2
    assert max(job_completion(problem, schedule, j) for j in range(len(problem.jobs))) == (
        COIL_IN + 10 * 60 + 60 + 30 * 2 * 60 + 2 * 10 * 60
    )
    assert all(job_completion(problem, schedule, j) <= job.due for j, job in enumerate(problem.jobs) if job.due)


def test_a_backlog_of_several_days_work_is_grouped_a_day_of_work_at_a_time():
    """At two hours a body the 30 bodies are 60 h of paint, due 4.5 days after they came in (day 0's at 109 h).
    One run per colour would paint day 0's red bodies after 20 others, from 72 h + 40 h: late. Cut in due order
    into a day's work, 12 bodies, each bucket is painted in one run per colour (two changes, the next bucket
    starting in the colour the last ended in), six changes: day 0's ten bodies are in the first bucket, done by
    72 h + 24 h and two changes, day 1's by 119 h (due 133 h), day 2's by 133.2 h (due 157 h); none late."""
    problem = burst(paint_minutes=120, due_hours=108)
    schedule = rolling_sequence(problem)
    assert check(problem, schedule) == []
    assert all(job_completion(problem, schedule, j) <= job.due for j, job in enumerate(problem.jobs) if job.due)
    assert colour_changes(problem, schedule) == 6


def colour_changes(problem: Problem, schedule: Schedule) -> int:
    booth = next(m for m, machine in enumerate(problem.machines) if machine.name == "booth")
    return len([change for change in setup_times(problem, schedule) if change[0] == booth and change[3]])


def test_operations_of_no_length_at_one_instant_go_in_the_order_the_checker_reads_them(no_length_after_a_changeover):
    """The sequence had put the inspection first, at the red mark's instant (see the fixture)."""
    assert check(no_length_after_a_changeover, rolling_sequence(no_length_after_a_changeover)) == []
