from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrderState
from factoryos.scheduling.checker import check
from factoryos.scheduling.objectives import SETUP_TIME, total_setup_time
from factoryos.scheduling.plant import build_problem, production_orders, scheduled_operations
from factoryos.scheduling.plant_schedule import best_rule, orders_in_horizon, schedule_plant
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.scheduling.schedule import setup_times
from factoryos.store.plants import store_plant
from factoryos.store.schedule import latest_schedule, list_production_orders

from .conftest import EPOCH, MONDAY


@pytest.fixture(scope="module")
def rolled(ev_problem):
    return rolling_sequence(ev_problem.problem)


def test_the_rolling_sequence_gives_a_schedule_the_checker_accepts(ev_problem, rolled):
    assert check(ev_problem.problem, rolled) == []


def test_sequencing_in_colour_blocks_changes_over_less_than_any_dispatching_rule(ev_plant):
    """Where setups follow a customer's option (paint colour), the day's colour blocks change over far less
    than the best dispatching rule; die changes on the presses (lots of a material) at least no more."""
    orders = generate_orders(ev_plant, MONDAY, 1, seed=2)[:40]
    productions = production_orders(ev_plant, orders)
    problem = build_problem(ev_plant, productions, EPOCH, calendar_days=20).problem
    rolled, (_, dispatched) = rolling_sequence(problem), best_rule(problem, SETUP_TIME)
    assert check(problem, rolled) == []
    assert check(problem, dispatched) == []
    chosen = {family for product in ev_plant.products.values() for family in product.option_families}
    by_option = {
        unit
        for routing in ev_plant.routings.values()
        for op in routing.operations
        if op.changeover_group and ev_plant.changeovers[op.changeover_group].attribute in chosen
        for unit in ev_plant.eligible_units(op)
    }
    on_option = {m for m, machine in enumerate(problem.machines) if machine.name in by_option}

    def setups(schedule, machines) -> int:
        return sum(time for m, _, _, time in setup_times(problem, schedule) if m in machines)

    everywhere = set(range(len(problem.machines)))
    assert on_option
    assert setups(rolled, on_option) < 0.8 * setups(dispatched, on_option)
    assert total_setup_time(problem, rolled) < total_setup_time(problem, dispatched)
    assert setups(rolled, everywhere - on_option) <= setups(dispatched, everywhere - on_option)


def test_the_schedule_maps_back_to_work_order_operations_in_utc(ev_problem, rolled):
    lines = scheduled_operations(ev_problem, rolled)
    assert len(lines) == len(ev_problem.problem.operations)
    work_orders = {w.id for p in ev_problem.production_orders for w in p.work_orders}
    assert {line.work_order for line in lines} == work_orders
    assert all(line.start.tzinfo == UTC and line.start >= EPOCH and line.end > line.start for line in lines)
    assert [line.start for line in lines] == sorted(line.start for line in lines)
    vehicle = [line for line in lines if line.serial]
    assert {line.serial.rsplit("-", 1)[0] for line in vehicle} <= {p.id for p in ev_problem.production_orders}
    assert all(line.serial is None for line in lines if line.production_order.startswith("LOT"))
    setups = [line for line in lines if line.setup_minutes]
    assert setups
    assert all(line.equipment in {"booth-1", "booth-2", "pl1-tandem", "pl2-servo"} for line in setups)


def test_schedule_plant_solves_small_problems_with_the_full_solver_and_compares(ev_plant, ev_orders):
    plan = schedule_plant(ev_plant, ev_orders[:2], horizon_days=1, time_limit=2)
    assert check(plan.plant_problem.problem, plan.schedule) == []
    assert plan.dispatch_figures is not None
    assert plan.dispatch_rule
    summary = plan.summary()
    assert summary["operations"] == len(plan.operations)
    assert plan.figures.weighted_tardiness <= plan.dispatch_figures.weighted_tardiness


def test_schedule_plant_sequences_larger_problems_and_compares_them_with_the_rules(ev_plant):
    orders = generate_orders(ev_plant, MONDAY, 1, seed=2)[:40]
    plan = schedule_plant(ev_plant, orders, horizon_days=1, objective="setups")
    assert plan.method == "rolling sequence"
    assert plan.dispatch_rule
    assert plan.figures.setup_time < plan.dispatch_figures.setup_time


def test_the_horizon_picks_the_orders_that_arrive_in_it(ev_plant, ev_orders):
    """The plan starts at the site's midnight of the first order's day (the orders are drawn on the site's days;
    it was UTC's midnight, an hour into Berlin's day)."""
    zone = ZoneInfo(ev_plant.site.timezone)
    chosen, epoch = orders_in_horizon(ev_orders, 1, zone)
    assert epoch == datetime.combine(MONDAY, datetime.min.time(), zone)
    assert chosen == ev_orders
    assert orders_in_horizon(ev_orders, 1, zone, EPOCH - timedelta(days=3))[0] == []


@pytest.mark.parametrize(
    ("zone", "first_day"),
    [("America/Los_Angeles", date(2027, 3, 1)), ("Pacific/Auckland", date(2027, 4, 4))],  # Auckland: clocks go back
)
def test_a_horizon_of_site_days_holds_the_orders_placed_on_them(ev_orders, zone, first_day):
    """A day's horizon holds the orders of the site's day from its midnight to the next (25 hours in Auckland on
    the day its clocks go back), and none of the next day's: counted from UTC's midnight, both lost the evening's
    orders, placed on UTC's next day, and 24 hours from Auckland's midnight ended at 23:00 on its wall clock."""
    site = ZoneInfo(zone)

    def at(day: date, hours: float):  # on the site's wall clock
        wall = datetime.combine(day, datetime.min.time(), site) + timedelta(hours=hours)
        return replace(ev_orders[0], ordered_at=wall)

    morning, evening, next_morning = at(first_day, 9), at(first_day, 23.5), at(first_day + timedelta(days=1), 9)
    chosen, epoch = orders_in_horizon([evening, morning, next_morning], 1, site)
    assert epoch == datetime.combine(first_day, datetime.min.time(), site)
    assert chosen == [evening, morning]


def test_clear_errors_for_nothing_to_schedule_and_bad_input(ev_plant, ev_orders):
    with pytest.raises(FactoryosError, match="no open customer orders"):
        schedule_plant(ev_plant, [])
    with pytest.raises(FactoryosError, match="--objective"):
        schedule_plant(ev_plant, ev_orders, objective="cost")
    with pytest.raises(FactoryosError, match="--horizon"):
        schedule_plant(ev_plant, ev_orders, horizon_days=0)


def test_the_schedule_and_its_orders_are_stored_and_read_back(engine, ev_plant, ev_orders, ev_problem, rolled):
    from factoryos.scheduling.plant_schedule import Figures, PlantSchedule
    from factoryos.services.schedule import store_plan
    from factoryos.store.orders import save_orders

    store_plant(engine, ev_plant, "ev.yaml")
    save_orders(engine, ev_orders)
    lines = scheduled_operations(ev_problem, rolled)
    plan = PlantSchedule(
        ev_problem,
        rolled,
        "rolling sequence",
        0.1,
        Figures.of(ev_problem.problem, rolled),
        "tardiness",
        operations=lines,
    )
    first = store_plan(engine, plan)
    second = store_plan(engine, plan)  # scheduling the same orders again replaces them, keeps both schedules
    stored = latest_schedule(engine, ev_plant.site.id)
    assert stored.id == second != first
    assert stored.operations == lines
    assert stored.start == EPOCH
    assert stored.figures["operations"] == len(lines)
    productions = list_production_orders(engine, ev_plant.site.id)
    assert {p.id for p in productions} == {p.id for p in ev_problem.production_orders}
    assert sum(len(p.work_orders) for p in productions) == sum(len(p.work_orders) for p in ev_problem.production_orders)
    with pytest.raises(FactoryosError, match="no schedule"):
        latest_schedule(engine, "elsewhere")


def test_the_month_benchmark_runs_end_to_end_on_a_few_units(ev_plant):
    from factoryos.bench.plant import plant_month

    result = plant_month(ev_plant, units=30, rules=("EDD",))
    assert result["units"] >= 30
    assert result["violations"] == 0
    assert result["rules"]["EDD"]["violations"] == 0
    assert result["best rule setup h"]["rule"] == "EDD"


def test_the_plant_at_full_rate_has_its_bought_parts_on_call(ev_plant):
    """The ramp-up's coil holds the EV plant's first panel lots back; at full rate nothing waits for material."""
    from factoryos.bench.plant import at_full_rate

    def waits(plant) -> int:
        orders = generate_orders(plant, MONDAY, 2, seed=1)
        problem = build_problem(plant, production_orders(plant, orders), EPOCH, calendar_days=20).problem
        return max(op.not_before for op in problem.operations)

    assert waits(ev_plant) > 0
    assert waits(at_full_rate(ev_plant)) == 0


def test_boards_released_together_are_printed_program_by_program(appliance_plant):
    orders = generate_orders(appliance_plant, MONDAY, 1, seed=3)
    problem = build_problem(
        appliance_plant, production_orders(appliance_plant, orders), EPOCH, calendar_days=20
    ).problem
    schedule = rolling_sequence(problem)
    assert check(problem, schedule) == []
    units = sum(1 for job in problem.jobs if job.weight)
    assert total_setup_time(problem, schedule) < 10 * units  # per unit, not one changeover per board


def _kiln_order(kiln_plant, **changes):
    """A kiln plant order (the plant's stock counted on 2027-05-03, its `as_of`), changed as asked."""
    (first, *_) = generate_orders(kiln_plant, kiln_plant.as_of, 1, seed=1)
    return replace(first, quantity=1, **changes)


def test_an_order_taken_before_the_plant_opens_is_built_from_its_first_day(kiln_plant):
    """An order placed today for a plant whose file starts it in May is scheduled from May, when its stock was
    counted, from midnight at the site (the kiln plant is in India, +05:30); it used to start the day the order
    came, months before."""
    early = _kiln_order(kiln_plant, ordered_at=datetime(2026, 12, 6, 9, tzinfo=UTC), due_date=date(2026, 12, 22))
    plan = schedule_plant(kiln_plant, [early], horizon_days=7, compare=False)
    opening = datetime(2027, 5, 3, tzinfo=ZoneInfo(kiln_plant.site.timezone))
    assert plan.plant_problem.epoch == opening
    assert opening.utcoffset() == timedelta(hours=5, minutes=30)
    assert min(op.start for op in plan.operations) >= opening
    later = _kiln_order(kiln_plant, ordered_at=datetime(2027, 5, 5, 9, tzinfo=UTC))
    site_midnight = datetime(2027, 5, 5, tzinfo=opening.tzinfo)  # the order's day at the site, not UTC's
    assert orders_in_horizon([later], 7, opening.tzinfo, opening=opening)[1] == site_midnight


def test_orders_are_due_when_asked_or_promised_if_later_and_released_in_that_order(kiln_plant):
    """The schedule answers for what the order desk told the customer: an order promised later than asked is due
    on its promise (not on a date the desk already said it cannot make); one promised sooner than asked, or not
    promised yet, is due when asked."""

    def promised(order_id: str, asked: date, answered: date):
        return _kiln_order(
            kiln_plant, id=order_id, due_date=asked, promised_date=answered, state=CustomerOrderState.PROMISED
        )

    promised_late = promised("CO-A", date(2027, 5, 4), date(2027, 5, 20))
    promised_early = promised("CO-B", date(2027, 5, 10), date(2027, 5, 6))
    waiting = _kiln_order(kiln_plant, id="CO-C", due_date=date(2027, 5, 8))
    productions = production_orders(kiln_plant, [promised_late, promised_early, waiting])
    units = [p for p in productions if p.customer_order]
    assert [(p.customer_order, p.due_date) for p in units] == [
        ("CO-C", date(2027, 5, 8)),
        ("CO-B", date(2027, 5, 10)),
        ("CO-A", date(2027, 5, 20)),
    ]


def test_an_order_the_reloaded_plant_no_longer_fits_is_left_out_and_named(kiln_plant):
    """A mug ordered glossy, then glossy withdrawn from the plant file: the schedule leaves the order out and says
    why (it used to build it), and schedules the order that still fits."""
    (mug,) = [p for p in kiln_plant.products if p == "mug"]
    withdrawn = kiln_plant.model_copy(deep=True)
    del withdrawn.products[mug].option_families["finish"].options["glossy"]
    glossy = _kiln_order(kiln_plant, id="CO-GLOSSY", product=mug, configuration={"finish": "glossy"})
    matte = _kiln_order(kiln_plant, id="CO-MATTE", product=mug, configuration={"finish": "matte"})
    plan = schedule_plant(withdrawn, [glossy, matte], horizon_days=7, compare=False)
    assert list(plan.unfit) == ["CO-GLOSSY"]
    assert "glossy" in plan.unfit["CO-GLOSSY"]
    assert {p.customer_order for p in plan.plant_problem.production_orders if p.customer_order} == {"CO-MATTE"}
    assert plan.summary()["orders the plant no longer fits"] == 1
    gone = withdrawn.model_copy(update={"products": {k: v for k, v in withdrawn.products.items() if k != mug}})
    with pytest.raises(FactoryosError, match="the plant no longer fits 2 of them"):
        schedule_plant(gone, [glossy, matte], horizon_days=7, compare=False)
