"""The promise books whole batches, on tests/data/bakery-plant.yaml: the deck oven bakes 4 loaves at once in 45
minutes, white and rye never share a bake, and the oven works 480 minutes a day (ten bakes; the 30 minutes left
hold no eleventh). By hand: q loaves of one bread are ceil(q / 4) bakes; orders of one bread whose loaves fit a bake
book one bake between them; rye opens a bake of its own; the shaping bench (5 minutes a white loaf, no batches)
books 5 minutes a loaf as before. The scheduler, run on the promised orders with the oven as the only constraint,
then finishes every order by its promised day: each day's bakes as booked fit the day, and it bakes no more
batches than were booked (it fills a batch with the units due within a week, the promise only with a day's)."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.c2m.promise import (
    Commitments,
    PlantCapacity,
    PlantMaterial,
    Quote,
    book,
    fill,
    order_build,
    promise_build,
)
from factoryos.c2m.replay import quote_book
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.validate import check_plant_text, load_plant
from factoryos.scheduling import check, dispatch
from factoryos.scheduling.plant import build_problem, production_orders
from factoryos.scheduling.schedule import job_completion, machine_batches

PLANT_FILE = Path(__file__).parents[1] / "data" / "bakery-plant.yaml"
START = date(2027, 1, 5)
PLACED = datetime(2027, 1, 4, 9, tzinfo=UTC)
BAKE, LOAVES = 45.0, 4


@pytest.fixture(scope="module")
def plant():
    return load_plant(PLANT_FILE)


@pytest.fixture(scope="module")
def models(plant):
    return PlantCapacity(plant), PlantMaterial(plant)


def _stream(models, orders, requested: date | None = None) -> list[Quote]:
    """Each (bread, loaves) promised in turn from START on what the ones before it booked."""
    capacity, material = models
    booked: dict[str, dict[date, float]] = {}
    filled: dict[tuple[str, date, str], int] = {}
    quotes = []
    for bread, loaves in orders:
        build = order_build(capacity, material, bread, {}, loaves)
        on_load = capacity.booked_on(build.load, booked)
        quote = promise_build(capacity, material, build, START, on_load, Commitments(), requested, filled)
        book(booked, quote.allocation)
        fill(filled, quote.batches)
        quotes.append(quote)
    return quotes


def _oven(quote: Quote) -> float:
    return sum(quote.allocation.get("oven", {}).values())


@pytest.mark.parametrize("loaves", [1, 3, 4, 5, 9, 12])
def test_an_order_books_whole_bakes(models, loaves):
    (quote,) = _stream(models, [("white", loaves)])
    assert quote.promised == START
    assert quote.allocation["oven"] == {START: BAKE * math.ceil(loaves / LOAVES)}
    assert quote.allocation["bench"] == {START: 5.0 * loaves}
    assert quote.minutes == max(BAKE * math.ceil(loaves / LOAVES), 5.0 * loaves)


def test_orders_of_one_bread_share_a_bake_and_another_bread_opens_its_own(models):
    quotes = _stream(models, [("white", 1), ("white", 2), ("white", 1), ("rye", 1), ("white", 1)])
    assert [_oven(q) for q in quotes] == [BAKE, 0.0, 0.0, BAKE, BAKE]
    assert all(q.promised == START for q in quotes)


def test_a_bake_is_booked_whole_on_one_day(models):
    """44 loaves are eleven bakes: ten fill the first day (450 of its 480 minutes), the eleventh the next."""
    (quote,) = _stream(models, [("white", 44)])
    assert quote.allocation["oven"] == {START: 10 * BAKE, START + timedelta(days=1): BAKE}
    assert quote.promised == START + timedelta(days=1)


def test_an_order_for_a_later_day_joins_the_bake_booked_for_it(models):
    later = START + timedelta(days=4)
    quotes = _stream(models, [("rye", 3), ("rye", 1)], requested=later)
    assert [q.allocation["oven"] for q in quotes] == [{later: BAKE}, {later: 0.0}]
    assert [q.promised for q in quotes] == [later, later]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["white", "rye"]), st.integers(1, 3)), min_size=1, max_size=8))
def test_a_day_of_orders_books_the_bakes_of_its_loaves(models, orders):
    """At most 24 loaves: eight bakes, within the day. Whatever the order of the stream, the bakes booked are the
    loaves of each bread in full bakes."""
    quotes = _stream(models, orders)
    loaves = Counter()
    for bread, count in orders:
        loaves[bread] += count
    assert all(q.promised == START for q in quotes)
    assert sum(_oven(q) for q in quotes) == BAKE * sum(math.ceil(n / LOAVES) for n in loaves.values())


def test_the_schedule_of_the_promised_orders_keeps_every_promise(plant):
    """Sixty small orders (one to three loaves, white and rye in turn) placed at once: the old promise booked a
    quarter bake a loaf, four days' worth of bakes on the first; booked whole, each day's bakes fit it, and the
    scheduler (earliest due date first) bakes no more batches than were booked and finishes each order by its
    promised day."""
    orders = [
        CustomerOrder(
            f"CO{k:02}", plant.site.id, "owner", "cafe", ("white", "rye")[k % 2], {}, 1 + k % 3, PLACED, START
        )
        for k in range(60)
    ]
    quotes = quote_book(plant, orders)
    promised = [
        CustomerOrder(**{**o.__dict__, "state": CustomerOrderState.PROMISED, "promised_date": quotes[o.id].promised})
        for o in orders
    ]
    booked = sum(_oven(q) for q in quotes.values())
    epoch = datetime(2027, 1, 5, tzinfo=UTC)
    problem = build_problem(plant, production_orders(plant, promised), epoch, calendar_days=40).problem
    schedule = dispatch(problem, "EDD")
    assert check(problem, schedule) == []
    oven = next(m for m, machine in enumerate(problem.machines) if machine.name == "deck-1")
    assert len(machine_batches(problem, schedule)[oven]) * BAKE <= booked
    late = [job.name for j, job in enumerate(problem.jobs) if job_completion(problem, schedule, j) > job.due]
    assert late == []


def test_a_cycle_longer_than_a_day_is_booked_as_its_share_across_days():
    """A furnace on a 24/7 calendar whose charge takes 30 hours (1,800 minutes, longer than any day's 1,440)
    cannot be booked whole within a day: it is promised, at its units' share of a charge (as before whole batches:
    two of four places, 900 minutes), where booking it whole would have found no day to hold it."""
    text = PLANT_FILE.read_text().replace('start: "08:00", end: "16:00"', 'start: "00:00", end: "00:00"')
    text = text.replace("run_minutes: 45, batch_size: 4", "run_minutes: 1800, batch_size: 4")
    furnace, issues = check_plant_text(text)
    assert issues == []
    assert furnace is not None
    capacity, material = PlantCapacity(furnace), PlantMaterial(furnace)
    build = order_build(capacity, material, "rye", {}, 2)
    quote = promise_build(capacity, material, build, START, {}, Commitments())
    assert quote.promised == START
    assert quote.allocation["oven"] == {START: pytest.approx(2 * 1800 / LOAVES)}
