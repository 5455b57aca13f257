"""The promise waits for the flow of the build, on tests/data/cabinet-plant.yaml: a carcass cut, welded and
painted (240 min each) while its door is pressed (120), then the cabinet assembled (120) and tested (60), each on
a work center of its own working 480 minutes a day. By hand, in working days from the unit's start: the saw works
0-0.5, the welder 0.5-1, the booth 1-1.5, the press 0-0.25, the bench 1.5-1.75 and the tester 1.75-1.875. The
booth, the bench and the tester first see a unit a whole day in (lead 1); the rest of the route after each is the
route's end less its finish. A cabinet ordered alone is therefore done on its second working day, not its first.
The scheduler, run on the promised orders, is the independent check: it finishes every order by its promise."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.c2m.flow import Offset, Stage, Step, route_flow
from factoryos.c2m.promise import PlantCapacity
from factoryos.c2m.replay import quote_book
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.validate import check_plant_text, load_plant
from factoryos.scheduling import check, dispatch
from factoryos.scheduling.plant import build_problem, production_orders
from factoryos.scheduling.schedule import job_completion

PLANT_FILE = Path(__file__).parents[1] / "data" / "cabinet-plant.yaml"
PLACED = datetime(2027, 1, 4, 9, tzinfo=UTC)
START = date(2027, 1, 5)
"""The day after the orders are placed: the first day they can be worked on."""


@pytest.fixture(scope="module")
def plant():
    return load_plant(PLANT_FILE)


def _order(n: int, quantity: int, requested: date = START) -> CustomerOrder:
    return CustomerOrder(f"CO{n:03}", "cabinet-site", "owner", "store", "cabinet", {}, quantity, PLACED, requested)


def _late(plant, orders: list[CustomerOrder]) -> list[str]:
    """The units the scheduler (earliest due date first) finishes after the day their order was promised."""
    quotes = quote_book(plant, orders)
    promised = [
        CustomerOrder(**{**o.__dict__, "state": CustomerOrderState.PROMISED, "promised_date": quotes[o.id].promised})
        for o in orders
    ]
    epoch = datetime.combine(START, datetime.min.time(), UTC)
    problem = build_problem(plant, production_orders(plant, promised), epoch, calendar_days=90).problem
    schedule = dispatch(problem, "EDD")
    assert check(problem, schedule) == []
    return [job.name for j, job in enumerate(problem.jobs) if job_completion(problem, schedule, j) > job.due]


def test_offsets_of_a_route_of_two_branches():
    """A stage starts when its slowest input is done; a work center used twice leads at its first use and tails
    from its last, and the longest job in one piece is kept per work center. By hand: the frame welds 0-0.5 and
    paints 0.5-1.25, the wheels turn 0-1.5; the bike starts at 1.5 on the line (to 1.75), welds to 2.0 and tests
    to 2.1."""
    frame = Stage((Step("weld", 0.5, 120.0), Step("paint", 0.75)))
    wheels = Stage((Step("lathe", 1.5, 90.0),))
    bike = Stage((Step("line", 0.25), Step("weld", 0.25, 60.0), Step("test", 0.1)), (frame, wheels))
    flow = route_flow(bike)
    assert flow.finish == "test"
    assert flow.jobs == {"weld": 120.0, "lathe": 90.0}
    assert flow.offsets["weld"] == Offset(0, pytest.approx(0.1))
    assert flow.offsets["paint"] == Offset(0, pytest.approx(0.85))
    assert flow.offsets["line"] == Offset(1, pytest.approx(0.35))
    assert flow.offsets["test"] == Offset(2, 0.0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.floats(0.0, 3.0)), min_size=1, max_size=8))
def test_a_chain_of_operations_adds_up_to_the_route(steps):
    """On one chain, every work center's lead is at most the days before its first step, and its tail plus its
    last step's finish is the whole route."""
    flow = route_flow(Stage(tuple(Step(center, days) for center, days in steps)))
    end = sum(days for _, days in steps)
    for center in {c for c, _ in steps}:
        first = next(k for k, (c, _) in enumerate(steps) if c == center)
        last = max(k for k, (c, _) in enumerate(steps) if c == center)
        assert flow.lead(center) <= sum(d for _, d in steps[:first]) + 1e-9
        assert flow.tail(center) + sum(d for _, d in steps[: last + 1]) == pytest.approx(end)
        assert flow.days_after(center, 1.0) >= flow.days_after(center, 0.5) >= 0


def test_the_cabinets_offsets_are_its_route_by_hand(plant):
    flow = PlantCapacity(plant).flow("cabinet", {})
    leads = {c: o.lead for c, o in flow.offsets.items()}
    tails = {c: o.tail for c, o in flow.offsets.items()}
    assert leads == {"saw": 0, "weld": 0, "press": 0, "paint": 1, "assembly": 1, "test": 1}
    assert tails == pytest.approx(
        {"saw": 1.375, "weld": 0.875, "press": 1.625, "paint": 0.375, "assembly": 0.125, "test": 0.0}
    )
    assert flow.finish == "test"


def test_a_cabinet_alone_is_promised_the_day_its_route_ends(plant):
    quote = quote_book(plant, [_order(1, 1)])["CO001"]
    assert quote.promised == START + timedelta(days=1)
    assert set(quote.allocation["saw"]) == {START}
    assert set(quote.allocation["paint"]) == {START + timedelta(days=1)}
    assert "1 working day of the route before it" in quote.explanation


def test_a_cabinet_asked_for_later_is_painted_the_day_before_its_assembly_cannot_wait(plant):
    """Asked for on day 6, the booth's minutes go as late as the rest of the route leaves them: painted as a day
    ends, the cabinet is assembled and tested the next (0.375 working days after the booth), so the booth books
    day 5; the tester, last in the route, books day 6 itself."""
    requested = START + timedelta(days=5)
    quote = quote_book(plant, [_order(1, 1, requested)])["CO001"]
    assert quote.promised == requested
    assert set(quote.allocation["paint"]) == {requested - timedelta(days=1)}
    assert set(quote.allocation["test"]) == {requested}


@pytest.mark.parametrize(("orders", "quantity"), [(10, 1), (30, 1), (8, 3)])
def test_the_schedule_of_the_promised_orders_keeps_every_promise(plant, orders, quantity):
    """Promised each on its own days, every order placed at once for the first day: the booth paints two a day
    and the scheduler finishes each cabinet by the day its order was promised."""
    assert _late(plant, [_order(n, quantity) for n in range(orders)]) == []


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(0, 10)), min_size=1, max_size=12))
def test_a_stream_asked_for_different_days_is_kept_by_the_schedule(plant, stream):
    orders = [_order(n, quantity, START + timedelta(days=day)) for n, (quantity, day) in enumerate(stream)]
    assert _late(plant, orders) == []


@pytest.mark.parametrize(
    ("job", "minutes"), [(0.0, 480.0), (100.0, 400.0), (240.0, 480.0), (300.0, 300.0), (500.0, 0.0)]
)
def test_a_shift_holds_whole_jobs(plant, job, minutes):
    """08:00 to 16:00: four 100-minute jobs, two of 240, one of 300, none of 500 (a job runs in one piece)."""
    assert PlantCapacity(plant).whole_job_minutes("paint", START, job) == pytest.approx(minutes)


def test_whole_jobs_run_on_across_midnight_until_a_holiday(weekday_cell_plant):
    """Two mills around the clock Monday to Friday, Thursday 6 May 2027 a holiday. On Wednesday the working window
    runs from Tuesday 00:00 to the holiday (2,880 min): nine 300-minute jobs, 2,700 of its minutes, half of them
    Wednesday's, on each mill."""
    capacity = PlantCapacity(weekday_cell_plant)
    assert capacity.whole_job_minutes("mill-cell", date(2027, 5, 5), 300.0) == pytest.approx(2 * 2700 / 2)


def test_a_unit_made_per_unit_keeps_its_longest_job_and_a_lot_none(plant):
    jobs = PlantCapacity(plant).flow("cabinet", {}).jobs
    assert jobs == {"saw": 240.0, "weld": 240.0, "paint": 240.0, "press": 120.0, "assembly": 120.0, "test": 60.0}


@pytest.mark.parametrize(("orders", "quantity"), [(10, 1), (8, 3)])
def test_five_hour_jobs_in_an_eight_hour_shift_are_promised_one_a_day(plant, orders, quantity):
    """With the carcass's three operations at 300 minutes, a shift holds one of each (the scheduler runs a unit's
    operation in one piece): the old promise counted 1.6 a day and the scheduler finished 9 of 10 orders late."""
    text = PLANT_FILE.read_text().replace("run_minutes: 240}", "run_minutes: 300}")
    longer, issues = check_plant_text(text)
    assert issues == []
    assert longer is not None
    quotes = quote_book(longer, [_order(n, quantity) for n in range(orders)])
    paint = Counter(day for q in quotes.values() for day in q.allocation["paint"])
    assert max(paint.values()) == 1
    assert _late(longer, [_order(n, quantity) for n in range(orders)]) == []
