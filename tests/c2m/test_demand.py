from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from unittest.mock import patch
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factoryos.c2m import configurator, demand
from factoryos.c2m.demand import generate_orders, ramp_volume
from factoryos.model.errors import FactoryosError
from factoryos.model.rampup import ramp_bound_products, ramp_curve
from factoryos.model.shift_times import site_day
from factoryos.model.validate import load_plant

START = date(2027, 1, 4)  # a Monday


def test_the_same_seed_gives_the_same_orders_and_another_seed_does_not(ev_plant):
    first = generate_orders(ev_plant, START, 7, seed=3)
    assert first == generate_orders(ev_plant, START, 7, seed=3)
    assert first != generate_orders(ev_plant, START, 7, seed=4)


def test_every_generated_configuration_is_valid_and_complete(ev_plant):
    for order in generate_orders(ev_plant, START, 5, seed=1):
        product = ev_plant.products[order.product]
        assert configurator.check(product, order.configuration).valid
        assert order.ordered_at.date() <= order.due_date


def test_volume_and_option_mix_follow_the_plant_file(ev_plant):
    days = 28
    orders = generate_orders(ev_plant, START, days, seed=11)
    for product_id, product in ev_plant.products.items():
        mine = [o for o in orders if o.product == product_id]
        if product.demand is None:
            assert not mine
            continue
        expected = product.demand.units_per_day * sum(product.demand.weekday_profile) / 7 * days
        assert sum(o.quantity for o in mine) == pytest.approx(expected, rel=0.15)
        for family_id, family in product.option_families.items():
            shares = Counter(o.configuration[family_id] for o in mine)
            for option_id, option in family.options.items():
                assert shares[option_id] / len(mine) == pytest.approx(option.mix, abs=0.04), (family_id, option_id)


def test_orders_follow_the_weekday_profile(ev_plant):
    orders = generate_orders(ev_plant, START, 28, seed=5)
    per_weekday = Counter(o.ordered_at.weekday() for o in orders)
    product = next(p for p in ev_plant.products.values() if p.demand)
    profile = product.demand.weekday_profile
    busiest, quietest = profile.index(max(profile)), profile.index(min(profile))
    assert per_weekday[busiest] > per_weekday[quietest]


def test_partners_get_their_own_volumes_in_the_shared_plant(appliance_plant):
    orders = generate_orders(appliance_plant, START, 14, seed=2)
    tenants = Counter(o.tenant for o in orders)
    partners = [t for t, spec in appliance_plant.tenants.items() if spec.role == "partner"]
    assert len(partners) >= 2
    for partner in partners:
        assert tenants[partner] > 0
        assert all(appliance_plant.products[o.product].tenant == partner for o in orders if o.tenant == partner)
        assert all(appliance_plant.customers[o.customer].tenant == partner for o in orders if o.tenant == partner)


def test_order_ids_continue_from_the_given_number(ev_plant):
    orders = generate_orders(ev_plant, START, 1, seed=1, first_number=501)
    assert orders[0].id == "CO0000501"
    assert len({o.id for o in orders}) == len(orders)


def test_zero_days_is_refused(ev_plant):
    with pytest.raises(FactoryosError, match="--days"):
        generate_orders(ev_plant, START, 0, seed=1)


def test_more_than_ten_years_of_orders_is_refused_at_once(ev_plant) -> None:
    with pytest.raises(FactoryosError, match="--days must be 1 to 3,650 .ten years., got 100,000,000"):
        generate_orders(ev_plant, date(2027, 1, 1), 10**8, 1)


def test_orders_that_follow_the_ramp_sell_what_each_ramp_month_builds():
    """On the partner-ramp plant the line plans 594 units in March and 1,200 in April, past its curve it runs
    at mature demand. Drawn over whole weeks of each month, the ramp-limited products' units come to the month's
    planned units a day (a 30-day month's) times 28, then to mature demand; without `ramp_volume`, to mature
    demand throughout."""
    plant = load_plant(Path(__file__).parents[1] / "data" / "partner-ramp-plant.yaml")
    bound = set(ramp_bound_products(plant))
    demands = [plant.products[p].demand for p in bound]
    mature = sum(d.units_per_day * sum(d.weekday_profile) / 7 for d in demands)
    planned = [month.planned_units / 30 for month in ramp_curve(plant)] + [mature]
    for follow, per_day in ((True, planned), (False, [mature] * 3)):
        drawn = [
            generate_orders(plant, date(2027, 3, 1), 92, seed, volume=ramp_volume(plant) if follow else 1.0)
            for seed in range(3)
        ]
        orders = [o for seed_orders in drawn for o in seed_orders]
        for first, expected in zip((date(2027, 3, 1), date(2027, 4, 1), date(2027, 5, 1)), per_day, strict=True):
            weeks = [o for o in orders if o.product in bound and first <= o.ordered_at.date() < first + timedelta(28)]
            assert sum(o.quantity for o in weeks) / 3 == pytest.approx(28 * expected, rel=0.1), (follow, first)


WEEKDAYS_ONLY = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
OFFICE_HOURS = np.array([1.0 if 9 <= hour < 17 else 0.0 for hour in range(24)]) / 8
"""Orders placed from 09:00 to 17:00 only, so that an order's hour tells whose clock it was drawn on."""
FAR_ZONES = ("America/Los_Angeles", "Pacific/Honolulu", "Pacific/Auckland", "Asia/Kolkata")


def _sold_on_weekdays(plant, zone: str):
    """`plant` moved to `zone`, each product with demand sold Monday to Friday only."""
    products = {
        pid: p.model_copy(update={"demand": p.demand.model_copy(update={"weekday_profile": WEEKDAYS_ONLY})})
        for pid, p in plant.products.items()
        if p.demand is not None
    }
    site = plant.site.model_copy(update={"timezone": zone})
    return plant.model_copy(update={"site": site, "products": plant.products | products})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    zone=st.sampled_from(FAR_ZONES),
    seed=st.integers(0, 10_000),
    weeks_in=st.integers(0, 52),  # from a Monday of 2027: Auckland's and Los Angeles' clock changes among them
)
def test_orders_fall_on_the_sites_working_weekdays_and_hours(kiln_plant, zone, seed, weeks_in):
    """A product sold on weekdays in office hours gets its orders on the site's weekdays, in its office hours,
    within the site days asked for, wherever the site is and across a clock change (a walk's Ohio shop got orders
    on Sunday evening: they were drawn on UTC's Monday)."""
    plant, site = _sold_on_weekdays(kiln_plant, zone), ZoneInfo(zone)
    start = date(2027, 1, 4) + timedelta(weeks=weeks_in)
    with patch.object(demand, "HOURLY_PROFILE", OFFICE_HOURS):
        orders = generate_orders(plant, start, 14, seed)
    assert orders
    local = [o.ordered_at.astimezone(site) for o in orders]
    assert all(at.weekday() < 5 and 9 <= at.hour < 17 for at in local), min(local, key=lambda at: at.hour)
    first, end = site_day(start, site)[0], site_day(start + timedelta(days=13), site)[1]
    assert all(first <= o.ordered_at < end for o in orders)
    assert all(o.placed_on(site) <= o.due_date for o in orders)
