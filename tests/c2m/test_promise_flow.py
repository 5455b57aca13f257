"""The promise waits for the flow of the build, on tests/data/cabinet-plant.yaml: a carcass cut, welded and
painted (240 min each) while its door is pressed (120), then the cabinet assembled (120) and tested (60), each on
a work center of its own working 08:00 to 16:00. By hand, one unit walked from its first day: the saw cuts it
08:00-12:00, the welder welds 12:00-16:00, the booth paints the next day 08:00-12:00 (lead 1), the bench assembles
12:00-14:00 and the tester tests 14:00-15:00; the press presses the door on the first day 08:00-10:00. A cabinet
ordered alone is therefore done on its second working day, not its first. The scheduler, run on the promised
orders, is the independent check: it finishes every order by its promise."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.c2m.flow import Clock, Offset, Stage, Step, route_flow
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


ROUND_THE_CLOCK = ((0.0, 1440.0),)
ONE_SHIFT_WITH_A_BREAK = ((480.0, 720.0), (750.0, 960.0))
"""08:00 to 16:00 less a break at noon: a window of 240 minutes, then one of 210."""


def test_offsets_of_a_route_of_two_branches():
    """A stage starts when its slowest input is done; a work center used twice leads at its first use and its
    minutes after count from its last, and the longest job in one piece is kept per work center. By hand, round
    the clock: the frame welds 0-720 and paints 720-1800, the wheels turn 0-2160; the bike starts at 2160 on the
    line (to 2520, day 1), welds to 2880 and tests to 3024 (day 2)."""
    frame = Stage((Step("weld", 720.0, True), Step("paint", 1080.0)))
    wheels = Stage((Step("lathe", 2160.0, True),))
    bike = Stage((Step("line", 360.0), Step("weld", 360.0, True), Step("test", 144.0)), (frame, wheels))
    flow = route_flow(bike, Clock(dict.fromkeys(["weld", "paint", "lathe", "line", "test"], ROUND_THE_CLOCK)))
    assert flow.finish == "test"
    assert flow.jobs == {"weld": 720.0, "lathe": 2160.0}
    assert flow.offsets == {
        "weld": Offset(0, pytest.approx(144.0)),
        "paint": Offset(0, pytest.approx(1224.0)),
        "lathe": Offset(0, pytest.approx(864.0)),
        "line": Offset(1, pytest.approx(504.0)),
        "test": Offset(2, 0.0),
    }


def test_a_job_in_one_piece_waits_for_a_window_that_holds_it():
    """On one shift with a break at noon, a 240-minute job fits the morning only: the second waits for the next
    morning; work that may pause runs on from the afternoon across the night."""
    flow = route_flow(
        Stage((Step("a", 240.0, True), Step("b", 240.0, True), Step("c", 240.0))),
        Clock(dict.fromkeys("abc", ONE_SHIFT_WITH_A_BREAK)),
    )
    assert {c: o.lead for c, o in flow.offsets.items()} == {"a": 0, "b": 1, "c": 1}
    assert flow.offsets["c"].after == 0.0
    assert flow.offsets["a"].after == pytest.approx(3390.0 - 720.0)  # c ends day 2 at 08:30
    assert flow.days_after("a", 1.0) == flow.days_after("a", 0.5) == 2
    assert flow.days_after("b", 0.5) == 1  # c from 12:30 to 16:00 and on the next morning
    assert flow.days_after("c", 1.0) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.floats(0.0, 3000.0), st.booleans()), min_size=1, max_size=8))
def test_a_chain_of_operations_adds_up_to_the_route(steps):
    """Round the clock, on one chain: every work center's lead is the day its first step starts, its minutes
    after and its last step's end make the whole route, and work ending later on its day is done no earlier."""
    flow = route_flow(
        Stage(tuple(Step(center, minutes, whole) for center, minutes, whole in steps)),
        Clock(dict.fromkeys("abcd", ROUND_THE_CLOCK)),
    )
    ends = [sum(m for _, m, _ in steps[: k + 1]) for k in range(len(steps))]
    for center in {c for c, _, _ in steps}:
        first = next(k for k, (c, _, _) in enumerate(steps) if c == center)
        last = max(k for k, (c, _, _) in enumerate(steps) if c == center)
        before = ends[first - 1] if first else 0.0
        assert flow.lead(center) == int((before + 1e-9) // 1440)
        assert flow.offsets[center].after + ends[last] == pytest.approx(ends[-1])
        assert flow.days_after(center, 1.0) >= flow.days_after(center, 0.5) >= flow.days_after(center, 0.0) >= 0


def test_the_cabinets_offsets_are_its_route_by_hand(plant):
    flow = PlantCapacity(plant).flow("cabinet", {})
    leads = {c: o.lead for c, o in flow.offsets.items()}
    after = {c: o.after for c, o in flow.offsets.items()}
    assert leads == {"saw": 0, "weld": 0, "press": 0, "paint": 1, "assembly": 1, "test": 1}
    day = 1440.0
    assert after == pytest.approx(
        {
            "saw": day + 900 - 720,
            "weld": day + 900 - 960,
            "press": day + 900 - 600,
            "paint": 900 - 720,
            "assembly": 900 - 840,
            "test": 0.0,
        }
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
    ends, the cabinet is assembled and tested the next (3 h of the route after the booth), so the booth books
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


@pytest.mark.parametrize(("orders", "quantity"), [(10, 1), (8, 3)])
def test_a_break_at_noon_is_walked_as_the_scheduler_runs_the_jobs(orders, quantity):
    """With half an hour off at noon, a 240-minute job fits the morning only: the welder welds a cabinet the
    morning after its cut, the booth paints it the morning after that. Counted as a continuous day the route took
    two days and the scheduler finished all ten orders late."""
    shift = '{name: day, start: "08:00", end: "16:00", days: [mon, tue, wed, thu, fri, sat, sun]}'
    noon = shift[:-1] + ', breaks: [{start: "12:00", minutes: 30}]}'
    broken, issues = check_plant_text(PLANT_FILE.read_text().replace(shift, noon))
    assert issues == []
    assert broken is not None
    assert {c: o.lead for c, o in PlantCapacity(broken).flow("cabinet", {}).offsets.items()}["paint"] == 2
    assert _late(broken, [_order(n, quantity) for n in range(orders)]) == []


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
