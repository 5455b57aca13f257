"""The master production schedule: the ramp's capacity every day, due dates met whenever capacity allows
(checked against cumulative capacity, independently of the planner), hand-computed backward placement,
levelled option mix within the sequencing bound, and time fences, on the EV plant and a small plant with an
intermittent partner product."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from factoryos.c2m.demand import generate_orders
from factoryos.c2m.promise import PlantCapacity
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.plant import Plant, TimeFences
from factoryos.model.rampup import ramp_bound_products
from factoryos.model.validate import check_plant_text, load_plant
from factoryos.planning.mps import Beyond, Demand, heijunka, line_capacity, master_schedule
from factoryos.services.mps import order_demand

DATA = Path(__file__).resolve().parents[1] / "data"
START = date(2027, 3, 1)


@pytest.fixture(scope="module")
def small():
    return load_plant(DATA / "partner-ramp-plant.yaml")


def forecast_demands(plant, product: str, per_day: int, days: int, start: date = START) -> list[Demand]:
    return [Demand(f"F-{product}-{k}", product, start + timedelta(days=k), per_day) for k in range(days)]


def built_by_day(schedule, products) -> list[int]:
    out = [0] * schedule.days
    for row in schedule.rows:
        if row.product in products:
            out[(row.day - schedule.start).days] += row.quantity
    return out


def test_the_ramp_line_builds_its_months_planned_units_on_its_working_days(small):
    capacity = line_capacity(small, date(2027, 2, 22), 50)
    assert capacity[:7] == (0,) * 7  # before the ramp starts
    march = capacity[7:38]
    worked = [date(2027, 3, 1) + timedelta(k) for k in range(31)]
    for day, units in zip(worked, march, strict=True):
        if day.weekday() >= 5 or day == date(2027, 3, 26):  # weekend or the calendar's holiday
            assert units == 0
    # month 1: 12 units an hour x 7.5 h x 1 shift x 22 days x efficiency 0.3 = 594 < 600 target
    assert sum(march) == 594
    assert set(ramp_bound_products(small)) == {"scooter", "cargo-bike"}


def test_a_plant_without_a_ramp_is_bounded_by_its_constrained_line(small):
    """Without the ramp the paced line is still the limit: a unit every 300 s over two shifts of 7.5 working hours
    is 180 units a weekday, shared by both products; 500 scooters a day for a week cannot all be built."""
    plant = small.model_copy(update={"ramp_up": None})
    assert line_capacity(plant, START, 5) == (None,) * 5
    schedule = master_schedule(plant, forecast_demands(plant, "scooter", 500, 5), START, 5)
    assert schedule.bound_by() == {"scooter": "line", "cargo-bike": "line"}
    assert built_by_day(schedule, {"scooter"}) == [2 * 7.5 * 3600 // 300] * 5
    assert sum(schedule.unplanned.values()) == 5 * (500 - 180)


def test_demand_is_built_as_late_as_capacity_allows_and_never_after_its_due_day(small):
    # the line makes 27 a working day in March; 60 due on Thursday 4 March: 27 Thu, 27 Wed, 6 Tue
    schedule = master_schedule(small, [Demand("A", "scooter", date(2027, 3, 4), 60)], START, 10)
    assert {row.day: row.quantity for row in schedule.rows} == {
        date(2027, 3, 4): 27,
        date(2027, 3, 3): 27,
        date(2027, 3, 2): 6,
    }
    assert all(row.late_days == 0 for row in schedule.rows)


def test_what_cannot_be_built_in_time_is_built_late_or_left_unplanned(small):
    schedule = master_schedule(small, [Demand("A", "scooter", date(2027, 3, 2), 100)], START, 3)
    # 27 a day on Mon and Tue in time, 27 late on Wed, 19 beyond the three days
    assert sum(r.quantity for r in schedule.rows if r.late_days == 0) == 54
    assert sum(r.quantity for r in schedule.rows if r.late_days > 0) == 27
    assert schedule.unplanned == {"A": 19}


def test_demand_due_after_the_horizon_is_counted_per_product_never_dropped(small):
    """An order due on the horizon's last day is planned; one due the day after, or later, is not planned and is
    counted as beyond the horizon (units, orders, last due), and not in the horizon with what has no room."""
    end = START + timedelta(days=3)
    demands = [
        Demand("A", "scooter", end - timedelta(days=1), 5, "order", "CO-A"),
        Demand("B", "scooter", end, 7, "order", "CO-B"),
        Demand("C", "scooter", end + timedelta(days=40), 2, "order", "CO-C"),
        Demand("D", "cargo-bike", end + timedelta(days=1), 4, "order", "CO-D"),
        Demand("E", "cargo-bike", START + timedelta(days=1), 80, "order", "CO-E"),  # 27 a day: one left for A
    ]
    schedule = master_schedule(small, demands, START, 3)
    assert {r.demand for r in schedule.rows} == {"A", "E"}
    assert schedule.beyond == {
        "cargo-bike": Beyond(4, 1, end + timedelta(days=1)),
        "scooter": Beyond(9, 2, end + timedelta(days=40)),
    }
    planned = sum(r.quantity for r in schedule.rows)
    assert schedule.unplanned == {"A": 4}
    assert schedule.not_in_horizon == sum(schedule.unplanned.values()) + 13
    assert planned + schedule.not_in_horizon == sum(d.quantity for d in demands)


def test_firm_orders_go_before_the_forecast_when_capacity_is_short(small):
    due = date(2027, 3, 2)
    demands = [Demand("F", "scooter", due, 30), Demand("O", "cargo-bike", due, 30, "order", "CO1")]
    schedule = master_schedule(small, demands, START, 2)  # 27 + 27 units on Monday and Tuesday
    assert schedule.unplanned == {"F": 6}
    assert sum(r.quantity for r in schedule.rows if r.demand == "O") == 30


def check(plant, schedule, demands):
    """Independent checks: capacity every day, every unit accounted for, and, where the cumulative capacity
    covers the cumulative demand due, nothing late."""
    bound = frozenset(ramp_bound_products(plant))
    built = built_by_day(schedule, bound)
    for units, cap in zip(built, schedule.capacity, strict=True):
        assert cap is None or units <= cap
    planned = defaultdict(int)
    for row in schedule.rows:
        planned[row.demand] += row.quantity
    for demand in demands:
        assert planned[demand.id] + schedule.unplanned.get(demand.id, 0) == demand.quantity
    due = [0] * schedule.days
    for demand in demands:
        if demand.product in bound:
            due[min(schedule.days - 1, (demand.due - schedule.start).days)] += demand.quantity
    cum_due = cum_cap = 0
    feasible = True
    for units, cap in zip(due, schedule.capacity, strict=True):
        cum_due, cum_cap = cum_due + units, cum_cap + (cap or 0)
        feasible = feasible and cum_due <= cum_cap
    if feasible:
        assert not schedule.unplanned
        assert all(row.late_days == 0 for row in schedule.rows if row.product in bound)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 27), st.integers(1, 90), st.booleans()), min_size=1, max_size=25))
def test_capacity_holds_every_day_and_due_dates_are_met_whenever_capacity_allows(small, wanted):
    demands = [
        Demand(
            f"D{k}",
            "scooter" if scooter else "cargo-bike",
            START + timedelta(days=day),
            quantity,
            "order" if k % 3 == 0 else "forecast",
        )
        for k, (day, quantity, scooter) in enumerate(wanted)
    ]
    check(small, master_schedule(small, demands, START, 28), demands)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 20), st.integers(1, 60), st.booleans()), min_size=1, max_size=25))
def test_past_capacity_the_earliest_due_come_first_and_no_later_than_they_must(small, wanted):
    """More ordered than the line makes: checked against building the orders earliest due first from the
    first day, which minimises the latest any unit is (Jackson's rule): the MPS is never later than that,
    plans as many units, and leaves unplanned only what is due no earlier than anything it plans."""
    demands = [
        Demand(f"D{k}", "scooter" if scooter else "cargo-bike", START + timedelta(days=day), quantity, "order")
        for k, (day, quantity, scooter) in enumerate(wanted)
    ]
    schedule = master_schedule(small, demands, START, 21)
    room = [cap or 0 for cap in schedule.capacity]
    latest, placed = 0, 0
    for demand in sorted(demands, key=lambda d: d.due):
        need = demand.quantity
        for offset, free in enumerate(room):
            take = min(need, free)
            if take:
                room[offset] -= take
                need -= take
                placed += take
                latest = max(latest, (START + timedelta(days=offset) - demand.due).days)
    assert sum(row.quantity for row in schedule.rows) == placed
    assert max((row.late_days for row in schedule.rows), default=0) <= max(latest, 0)
    short = [d.due for d in demands if schedule.unplanned.get(d.id)]
    if short:
        assert all(row.due <= min(short) for row in schedule.rows)


def test_the_ev_plant_month_of_orders_and_forecast(ev_plant):
    orders = generate_orders(ev_plant, START - timedelta(days=30), 40, seed=3, volume=0.25)
    demands = [
        Demand(o.id, o.product, o.due_date, o.quantity, "order", o.id, o.configuration)
        for o in orders
        if START <= o.due_date < START + timedelta(days=42)
    ] + forecast_demands(ev_plant, "sedan", 40, 42)
    schedule = master_schedule(ev_plant, demands, START, 42)
    check(ev_plant, schedule, demands)
    configuration = {o.id: o.configuration for o in orders}
    for row in schedule.rows:
        if row.kind == "order":
            assert row.mix == {f: {o: row.quantity} for f, o in configuration[row.customer_order].items()}


def mix_bound(options: int) -> float:
    return 2 * (1 - 1 / (2 * options - 2)) if options > 1 else 0.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 10), min_size=1, max_size=8).filter(lambda w: sum(w) > 0.1), st.integers(1, 300))
def test_each_options_running_count_stays_within_tijdemans_bound(weights, units):
    shares = {f"o{k}": w for k, w in enumerate(weights)}
    total = sum(weights)
    active = [o for o, w in shares.items() if w > 0]
    delta = 1 - 1 / (2 * len(active) - 2) if len(active) > 1 else 0.0
    counts = dict.fromkeys(shares, 0)
    for n, option in enumerate(heijunka(shares, units), start=1):
        counts[option] += 1
        for o, w in shares.items():
            assert abs(w / total * n - counts[o]) <= delta + 1e-9


def test_each_days_forecast_mix_tracks_the_attach_rates_within_the_sequencing_bound(small):
    rates = {"scooter": {"colour": {"black": 0.5, "white": 0.3, "lime": 0.2}, "battery": {"small": 0.7, "large": 0.3}}}
    days = 28
    schedule = master_schedule(small, forecast_demands(small, "scooter", 23, days), START, days, rates)
    per_day: dict[date, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    units: dict[date, int] = defaultdict(int)
    for row in schedule.rows:
        units[row.day] += row.quantity
        for family, options in row.mix.items():
            assert sum(options.values()) == row.quantity
            for option, count in options.items():
                per_day[row.day][family][option] += count
    for day, q in units.items():
        for family, shares in rates["scooter"].items():
            for option, share in shares.items():
                assert abs(per_day[day][family][option] - share * q) <= mix_bound(len(shares)) + 1e-9


def test_frozen_days_keep_the_last_mps_and_slushy_days_move_within_their_share(small):
    fences = TimeFences(frozen_days=3, slushy_days=10, slushy_change=0.2)
    plant = small.model_copy(update={"time_fences": fences})
    first = master_schedule(plant, forecast_demands(plant, "scooter", 8, 21), START, 21)
    previous = first.quantities()
    # demand doubles (within capacity): unfenced, the first days would follow
    doubled = forecast_demands(plant, "scooter", 16, 21)
    free = master_schedule(plant, doubled, START, 21).quantities()
    assert any(
        free.get(("scooter", START + timedelta(k)), 0) != previous.get(("scooter", START + timedelta(k)), 0)
        for k in range(3)
    )
    now = master_schedule(plant, doubled, START, 21, previous=previous).quantities()
    for offset in range(21):
        day = START + timedelta(days=offset)
        before, after = previous.get(("scooter", day), 0), now.get(("scooter", day), 0)
        if offset < 3:
            assert after == before
        elif offset < 10:
            assert math.floor(before * 0.8) <= after <= math.ceil(before * 1.2)
    assert sum(now.values()) > sum(previous.values())  # the liquid days take more


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 20), st.integers(1, 60), st.booleans()), min_size=1, max_size=25))
@example([(0, 1, False), (0, 11, False), (0, 60, False), (0, 60, False), (0, 4, False), (-1, 4, False)])  # kept late
@example([(0, 1, False), (0, 15, False), (0, 60, False), (0, 60, False), (0, 1, False), (0, 4, False)])  # not kept
def test_the_last_mps_kept_as_it_was_plans_the_same_units_for_the_same_orders(small, wanted):
    """Re-planned against itself, within capacity or past it, the MPS moves no order: a kept day's units serve
    the orders they served."""
    plant = small.model_copy(update={"time_fences": TimeFences(frozen_days=3, slushy_days=10, slushy_change=0.2)})
    demands = [
        Demand(f"D{k}", "scooter" if scooter else "cargo-bike", START + timedelta(days=day), quantity, "order")
        for k, (day, quantity, scooter) in enumerate(wanted)
    ]
    first = master_schedule(plant, demands, START, 21)
    served: dict[tuple[str, date], int] = defaultdict(int)
    for row in first.rows:
        served[row.demand, row.day] += row.quantity
    again = master_schedule(plant, demands, START, 21, previous=first.quantities(), previous_demands=served)
    assert sorted((r.demand, r.day, r.quantity) for r in again.rows) == sorted(
        (r.demand, r.day, r.quantity) for r in first.rows
    )
    assert again.unplanned == first.unplanned


def test_bad_demand_and_fences_are_clear_errors(small):
    with pytest.raises(FactoryosError, match="unknown product 'nope'"):
        master_schedule(small, [Demand("X", "nope", START, 1)], START, 5)
    with pytest.raises(FactoryosError, match="at least one day"):
        master_schedule(small, [], START, 0)
    with pytest.raises(ValueError, match="slushy_days 2 ends before frozen_days 5"):
        TimeFences(frozen_days=5, slushy_days=2)
    product = next(iter(small.products))
    demand = [Demand("X", product, START, 3)]
    with pytest.raises(FactoryosError, match=f"plans -500 {product} on {START}: a day's units are 0 or more"):
        master_schedule(small, demand, START, 5, previous={(product, START): -500})  # it planned -500 units
    with pytest.raises(FactoryosError, match="plans 'gone' on .* a product the plant does not make"):
        master_schedule(small, demand, START, 5, previous={("gone", START): 5})  # it was left out in silence


def test_a_demand_is_built_on_the_latest_day_its_work_center_works_by_its_due_day():
    """The two-cells plant has no ramp-up; its shifts run on weekdays (a night shift Monday to Thursday, into the
    next morning) and 6 January 2027 is its holiday. Demand due over a weekend was planned on those very days
    (5,194 units on a Sunday); with room to spare it goes to the latest day on or before its due day on which its
    constrained work center (the assembly bench) works: the holiday's early hours, worked by the night shift
    before it, count; Saturday and Sunday have none."""
    plant = load_plant(DATA / "two-cells.yaml")
    assert plant.ramp_up is None
    start = date(2027, 1, 4)
    dues = [date(2027, 1, 6), date(2027, 1, 9), date(2027, 1, 10), date(2027, 1, 11)]
    demands = [Demand(f"d{k}", "stool", due, 50, "order") for k, due in enumerate(dues)]
    schedule = master_schedule(plant, demands, start, 14)
    capacity = PlantCapacity(plant)

    def works(day: date) -> bool:
        return capacity.minutes("assembly", day) > 0

    assert not works(date(2027, 1, 9))
    assert not works(date(2027, 1, 10))
    built = defaultdict(int)
    for row in schedule.rows:
        assert works(row.day), row
        latest = max(
            start + timedelta(days=k) for k in range((row.due - start).days + 1) if works(start + timedelta(days=k))
        )
        assert row.day == latest, row
        built[row.demand] += row.quantity
    assert built == {f"d{k}": 50 for k in range(len(dues))}
    assert not schedule.unplanned


def test_a_product_off_any_ramp_is_bounded_by_the_minutes_of_its_constrained_work_center():
    """The two-cells plant's stool takes 6 min at its one assembly bench, more of its working time than the oven's
    3.75 min (a 30 min bake for racks of 8) or the seats' cut on two saws: 5,000 stools due on Monday 11 January
    fill the bench's working minutes each day before it (none on the holiday or the weekend), the earliest
    orders first, and the rest is late or beyond the horizon. An order of stools without padding changes
    nothing at the bench: it takes the same 6 min."""
    plant = load_plant(DATA / "two-cells.yaml")
    capacity = PlantCapacity(plant)
    start, days = date(2027, 1, 4), 14
    demands = [Demand("big", "stool", date(2027, 1, 11), 5_000, "order", configuration={"padded": "no"})]
    schedule = master_schedule(plant, demands, start, days)
    assert schedule.bound_by() == {"stool": "assembly"}
    assert schedule.rough_cut is not None
    assert schedule.rough_cut.load("stool")["assembly"] == 6.0
    built = built_by_day(schedule, {"stool"})
    for offset, units in enumerate(built):
        minutes = capacity.minutes("assembly", start + timedelta(days=offset))
        assert units * 6.0 <= minutes + 1e-6
        assert minutes - units * 6.0 < 6.0  # the bench is full: no room for another stool that day
    assert built[5] == built[6] == 0  # the weekend: no shift (Thursday's night shift runs into Friday)
    assert sum(built) + sum(schedule.unplanned.values()) == 5_000
    assert sum(schedule.unplanned.values()) > 0


def _two_center_plant(alpha: tuple[float, float], beta: tuple[float, float], oven_minutes: float = 0.0) -> Plant:
    """Two products through a press and a paint booth, one unit each on weekday shifts of 450 working minutes;
    beta's `route: oven` option bakes it in an oven instead of painting it."""
    shift = {"name": "day", "start": "06:00", "end": "14:00", "breaks": [{"start": "10:00", "minutes": 30}]}
    centers = {
        name: {"calendar": "day", "work_units": {f"{name}-1": {"equipment_class": name}}}
        for name in ("press", "paint", "oven")
    }

    def routing(press: float, paint: float) -> dict:
        return {
            "operations": [
                {"id": "press", "capability": "press", "run_minutes": press},
                {"id": "paint", "capability": "paint", "run_minutes": paint},
            ]
        }

    beta_routing = routing(*beta)
    if oven_minutes:
        beta_routing["operations"][1]["when"] = {"route": ["booth"]}
        beta_routing["operations"].append(
            {"id": "bake", "capability": "oven", "run_minutes": oven_minutes, "when": {"route": ["oven"]}}
        )
    return Plant.model_validate(
        {
            "source": "test plant",
            "enterprise": {"id": "e", "name": "E"},
            "site": {"id": "s", "name": "S"},
            "tenants": {"e": {"role": "owner"}},
            "equipment_classes": {name: {"capabilities": [name]} for name in ("press", "paint", "oven")},
            "calendars": {"day": {"shifts": [shift]}},
            "areas": {"shop": {"work_centers": centers}},
            "materials": {
                "alpha": {"kind": "finished", "source": "make"},
                "beta": {"kind": "finished", "source": "make"},
            },
            "routings": {"alpha": routing(*alpha), "beta": beta_routing},
            "products": {
                "alpha": {"material": "alpha", "tenant": "e"},
                "beta": {
                    "material": "beta",
                    "tenant": "e",
                    "option_families": {
                        "route": {"default": "booth", "options": {"booth": {"mix": 0.9}, "oven": {"mix": 0.1}}}
                    },
                },
            },
        }
    )


@settings(max_examples=30, deadline=None)
@given(
    alpha=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    beta=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    units=st.tuples(st.integers(0, 400), st.integers(0, 400)),
)
@example(alpha=(10, 2), beta=(9, 12), units=(400, 400))  # a walk's plant: the press overloaded 174 % by one bound each
def test_no_day_asks_more_of_any_work_center_than_it_has(alpha, beta, units):
    """Every work center a unit loads is checked, not only the one each product is constrained on: a day's units
    take at most the press's and the booth's 450 minutes (one unit each, 06:00-14:00 less a 30-minute break)."""
    plant = _two_center_plant(alpha, beta)
    start = date(2027, 1, 4)
    demands = [
        Demand("A", "alpha", date(2027, 1, 15), units[0], "order", configuration={}),
        Demand("B", "beta", date(2027, 1, 15), units[1], "order", configuration={"route": "booth"}),
    ]
    schedule = master_schedule(plant, demands, start, 14)
    a, b = built_by_day(schedule, {"alpha"}), built_by_day(schedule, {"beta"})
    for offset in range(14):
        works = (start + timedelta(days=offset)).weekday() < 5
        assert a[offset] * alpha[0] + b[offset] * beta[0] <= (450 if works else 0)
        assert a[offset] * alpha[1] + b[offset] * beta[1] <= (450 if works else 0)
    assert sum(a) + schedule.unplanned.get("A", 0) == units[0]
    assert sum(b) + schedule.unplanned.get("B", 0) == units[1]


def test_an_order_routed_off_the_typical_work_center_is_bounded_where_it_goes():
    """Beta is typically painted, but an order for its oven route bakes 60 min a unit: 300 of them due in ten
    days get the oven's 450 minutes a working day (7 a day), where nothing bounded them before."""
    plant = _two_center_plant((10, 2), (1, 1), oven_minutes=60)
    start = date(2027, 1, 4)
    demands = [Demand("D2", "beta", date(2027, 1, 15), 300, "order", configuration={"route": "oven"})]
    schedule = master_schedule(plant, demands, start, 14)
    built = built_by_day(schedule, {"beta"})
    assert max(built) == 450 // 60
    assert sum(built) == 7 * 10  # ten working days in the horizon
    assert schedule.unplanned == {"D2": 300 - 70}


def test_the_forecast_is_loaded_by_its_option_mix_not_only_its_typical_option():
    """One beta in ten takes the oven route (60 min in an oven of 450 working minutes a day): the forecast of 100
    a day is bounded by what its mix puts in the oven, 6 min a unit on average, not by the typical (booth) route
    alone, which would let 450 a day through and fill the oven six times over. The options the MPS levels onto
    each day then fill the oven within the levelling's bound of two units."""
    plant = _two_center_plant((10, 2), (1, 1), oven_minutes=60)
    start = date(2027, 1, 4)
    schedule = master_schedule(plant, forecast_demands(plant, "beta", 100, 14, start), start, 14)
    assert schedule.rough_cut is not None
    assert schedule.rough_cut.load("beta") == pytest.approx({"press": 1.0, "paint": 0.9, "oven": 6.0})
    baked: dict[date, int] = defaultdict(int)
    for row in schedule.rows:
        baked[row.day] += row.mix.get("route", {}).get("oven", 0)
    assert max(baked.values()) * 60 <= 450 + 2 * 60
    assert max(built_by_day(schedule, {"beta"})) == 450 // 6


def test_an_order_promised_after_its_requested_date_is_planned_for_its_promise(small):
    """The desk promised 60 scooters asked for Thursday 4 March on Friday 12 March (its material comes then): the
    MPS builds them by the 12th, as late as capacity allows (27 a working day), not by the 4th."""
    placed = datetime(2027, 2, 20, tzinfo=UTC)
    order = CustomerOrder("CO1", small.site.id, small.owner(), "web-shop", "scooter", {}, 60, placed, date(2027, 3, 4))
    order = replace(order, state=CustomerOrderState.PROMISED, promised_date=date(2027, 3, 12))
    schedule = master_schedule(small, [order_demand(order)], START, 20)
    assert {row.day: row.quantity for row in schedule.rows} == {
        date(2027, 3, 12): 27,
        date(2027, 3, 11): 27,
        date(2027, 3, 10): 6,
    }


def test_each_day_names_the_units_what_bounds_the_product_can_build():
    """On the pooled-lines plant (every center one hour a day from 5 January 2027): a speaker goes down line A
    (120 a day at 30 s) or line B (ramping: its first month's 100 units over its 31 days), so the pool builds
    123.2 a day; a box takes 3 min of cells with three benches, 60 a day; a speaker is bound by the pool, not
    by the ramp (line A builds it too)."""
    plant = load_plant(Path(__file__).parents[1] / "data" / "pooled-lines-plant.yaml")
    day = date(2027, 1, 5)
    schedule = master_schedule(plant, [Demand("S", "speaker", day, 10), Demand("B", "box", day, 10)], day, 5)
    assert schedule.bound_by() | {"solo": ""} == {"speaker": "Line A + Line B", "box": "Cell 1 + Cell 2", "solo": ""}
    assert schedule.units_a_day("speaker", day) == pytest.approx(120 + 100 / 31)
    assert schedule.units_a_day("box", day) == pytest.approx(3 * 60 / 3)


@pytest.mark.parametrize(("minutes", "units"), [(100, 4.0), (200, 2.0), (240, 2.0), (300, 1.0)])
def test_a_days_capacity_counts_the_whole_jobs_a_shift_holds(minutes, units):
    """The cabinet shop works one shift of 480 minutes; its carcass is cut, welded and painted in jobs of
    `minutes` that the scheduler runs in one piece. By hand, a shift holds floor(480 / minutes) of them: the
    plan's units a day said 1.6 for 300-minute jobs and 4.8 for 100-minute ones."""
    text = (DATA / "cabinet-plant.yaml").read_text().replace("run_minutes: 240}", f"run_minutes: {minutes}}}")
    cabinets, issues = check_plant_text(text)
    assert issues == []
    assert cabinets is not None
    schedule = master_schedule(cabinets, [Demand("F", "cabinet", date(2027, 1, 20), 30)], date(2027, 1, 4), 10)
    assert set(schedule.capacities()["cabinet"]) == {units}
    assert max(built_by_day(schedule, {"cabinet"})) <= units
