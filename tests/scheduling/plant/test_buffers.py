"""A work center's `buffer_capacity` bounds what the schedule plans to wait in front of it: a cell that works
around the clock does not mill on over the weekend of the bench it feeds beyond what the bench's buffer holds.

On tests/data/weekday-cell-plant.yaml with the mills moved onto the 24/7 calendar: two lights-out mills take 2 h
a blank, the bench assembles a bracket from one in 5 min on the early shift (06:00-14:00, Monday to Friday), and
its buffer holds `ROOM` blanks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.model.validate import check_plant_text, load_plant
from factoryos.scheduling import check, dispatch, overfilled
from factoryos.scheduling.plant import build_problem, production_orders
from factoryos.scheduling.rolling import rolling_sequence

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY = datetime(2027, 5, 14, tzinfo=BERLIN)
ROOM = 6
UNITS = 60


@pytest.fixture(scope="module")
def feeding_plant(weekday_cell_plant) -> Plant:
    data = weekday_cell_plant.model_dump()
    centers = data["areas"]["works"]["work_centers"]
    centers["mill-cell"]["calendar"] = "always"
    centers["bench"]["buffer_capacity"] = ROOM
    return Plant.model_validate(data)


@pytest.fixture(scope="module")
def weekend_problem(feeding_plant):
    """60 brackets ordered on Friday at midnight, due the Wednesday after."""
    order = CustomerOrder("CO1", "bracket-site", "owner", "shop", "bracket", {}, UNITS, FRIDAY, date(2027, 5, 19))
    epoch = FRIDAY.astimezone(UTC)
    return build_problem(feeding_plant, production_orders(feeding_plant, [order]), epoch, {}, calendar_days=14).problem


def _waiting(problem, schedule) -> list[tuple[int, int]]:
    """Per bracket, when its blank is milled and when the bench starts it, from the schedule by name."""
    by_job: dict[int, dict[str, int]] = {}
    for operation, assignment in zip(problem.operations, schedule, strict=True):
        times = by_job.setdefault(operation.job, {})
        if operation.name == "blank/mill":
            times["milled"] = assignment.end
        elif operation.name == "bracket/assemble":
            times["assembled"] = assignment.start
    return [(times["milled"], times["assembled"]) for times in by_job.values()]


def _most_waiting(waits: list[tuple[int, int]]) -> int:
    """The most blanks milled and not yet at the bench at any instant (each instant a blank is milled)."""
    return max(sum(1 for done, started in waits if done <= t < started) for t, _ in waits)


def test_the_bench_buffer_is_a_passage_from_the_mills(weekend_problem):
    (buffer,) = weekend_problem.buffers
    assert (buffer.name, buffer.capacity, len(buffer.passages)) == ("bench", ROOM, UNITS)
    names = {tuple(weekend_problem.operations[op].name for op in passage) for passage in buffer.passages}
    assert names == {("blank/mill", "blank/mill", "bracket/assemble")}


def test_the_rolling_sequence_never_plans_more_blanks_waiting_than_the_bench_buffer_holds(weekend_problem):
    schedule = rolling_sequence(weekend_problem)
    assert check(weekend_problem, schedule) == []
    assert overfilled(weekend_problem, schedule) == []
    assert _most_waiting(_waiting(weekend_problem, schedule)) == ROOM  # full when the bench opens on Monday


def test_over_the_bench_weekend_the_mills_make_what_its_buffer_holds_and_then_stop(weekend_problem):
    """The bench shuts on Friday at 14:00 and opens on Monday at 06:00: the mills, free all weekend (room for 32
    blanks), mill the blanks the buffer holds less those milled by Friday 14:00 and waiting then, and then none."""
    schedule = rolling_sequence(weekend_problem)
    epoch = FRIDAY.astimezone(UTC)
    shut = round((FRIDAY.replace(hour=14) - FRIDAY).total_seconds())
    opens = round((FRIDAY + timedelta(days=3)).replace(hour=6).astimezone(UTC).timestamp() - epoch.timestamp())
    waits = _waiting(weekend_problem, schedule)
    waiting_at_shut = sum(1 for done, started in waits if done <= shut < started)
    milled_over_weekend = sum(1 for done, _ in waits if shut < done <= opens)
    assert milled_over_weekend == ROOM - waiting_at_shut
    assert all(started >= opens for done, started in waits if done > shut)


def test_without_the_buffer_the_mills_fill_the_weekend(weekend_problem):
    """The same problem without its buffer: the rolling sequence mills on all weekend, and `overfilled` says by
    how much, which the count by hand agrees with."""
    unbounded = replace(weekend_problem, buffers=())
    schedule = rolling_sequence(unbounded)
    waits = _waiting(unbounded, schedule)
    (over,) = overfilled(weekend_problem, schedule)
    assert over.peak == _most_waiting(waits) > 3 * ROOM
    assert over.seconds > 24 * 3600


def test_a_schedule_that_overfills_a_buffer_loses_the_race_however_early(monkeypatch):
    """tests/data/two-partners-plant.yaml: 300 scooters for a fleet, then two due two days later. Earliest due
    first builds the two on time by welding the fleet's frames far ahead of the paced line, more than its buffer
    (10, the default) holds, which on the floor blocks the welders; the rolling sequence, late, keeps it and wins
    the race (without the buffer earliest due first wins: `test_calendar_span.py`)."""
    from factoryos.scheduling import plant_schedule

    monkeypatch.setattr(plant_schedule, "FULL_SOLVER_OPERATIONS", 10)
    monkeypatch.setattr(plant_schedule, "COMPARE_OPERATIONS", 10)
    plant = load_plant(Path(__file__).resolve().parents[2] / "data" / "two-partners-plant.yaml")
    eco = {"power": "eco", "seat": "none"}
    fleet = CustomerOrder("FLEET", plant.site.id, "acme", "acme-fleet", "acme-scooter", eco, 300,
                          datetime(2027, 1, 5, 7, tzinfo=UTC), date(2027, 6, 1))  # fmt: skip
    urgent = CustomerOrder("URGENT", plant.site.id, "acme", "acme-shop", "acme-scooter", eco, 2,
                           datetime(2027, 1, 6, 7, tzinfo=UTC), date(2027, 1, 8))  # fmt: skip
    scheduled = plant_schedule.schedule_plant(plant, [fleet, urgent], horizon_days=7)
    problem = scheduled.plant_problem.problem
    assert scheduled.method == "rolling sequence"
    assert overfilled(problem, scheduled.schedule) == []
    assert scheduled.figures.late_jobs > 0
    (over,) = overfilled(problem, dispatch(problem, "EDD"))
    assert (over.buffer, over.capacity) == ("line", 10)
    assert over.peak > 10


PING_PONG = """
      - {id: cut, capability: cut, run_minutes: 20}
      - {id: weld, capability: weld, run_minutes: 20}
      - {id: trim, capability: cut, run_minutes: 10}
      - {id: reweld, capability: weld, run_minutes: 10}
      - {id: paint, capability: paint, run_minutes: 20}"""


def test_a_route_back_and_forth_between_two_one_place_buffers_is_still_scheduled():
    """A carcass of tests/data/cabinet-plant.yaml cut, welded, trimmed on the saw again and welded again, each
    work center holding one unit in front of it: with three units in flow every place can be held by a unit
    waiting for the other's, and the kanban would wait for ever. The first of them in the sequence goes in over
    its place, so every operation is placed, and the checker accepts the schedule."""
    text = (Path(__file__).resolve().parents[2] / "data" / "cabinet-plant.yaml").read_text()
    route = text.split("  carcass:\n    operations:")[1].split("  door:")[0]
    text = text.replace(route, PING_PONG + "\n")
    for center in ("Saw", "Weld"):
        bounded = f"{{name: {center}, calendar: day, buffer_capacity: 1,"
        text = text.replace(f"{{name: {center}, calendar: day,", bounded)
    plant, issues = check_plant_text(text)
    assert issues == []
    assert plant is not None
    ordered = datetime(2027, 1, 4, 8, tzinfo=UTC)
    orders = [
        CustomerOrder(f"CO{n}", "cabinet-site", "owner", "store", "cabinet", {}, 3, ordered, date(2027, 1, 20))
        for n in range(12)
    ]
    problem = build_problem(plant, production_orders(plant, orders), datetime(2027, 1, 5, tzinfo=UTC), {}).problem
    assert {b.name: b.capacity for b in problem.buffers if b.capacity == 1} == {"saw": 1, "weld": 1}
    schedule = rolling_sequence(problem)
    assert len(schedule) == len(problem.operations)
    assert check(problem, schedule) == []
