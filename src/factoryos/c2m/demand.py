"""A realistic, seeded stream of configured customer orders to work with before real orders flow.

Per product and site day (the days, weekdays and hours are the site's, `plant.site.timezone`; the orders'
times are UTC instants): the number of orders is Poisson around the product's daily demand shaped by its
weekday profile; each order arrives at a time of day drawn from a daytime-heavy profile, from a customer
of the product's tenant drawn by its order share (fleet and dealer customers order several units), with
a valid configuration drawn so that option shares follow the planned mix (see `factoryos.c2m.mix`), and a
due date within the product's order lead time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from factoryos.c2m.mix import option_mix
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.model.rampup import demand_share, ramp_bound_products, ramp_month
from factoryos.model.shift_times import site_instant

MAX_DAYS = 3_650
"""Orders are generated for at most ten years at a time (order dates must stay within 2000-2099)."""
HOURLY_PROFILE = np.array([1, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 10, 9, 9, 10, 10, 9, 9, 10, 11, 10, 7, 4, 2], float)
HOURLY_PROFILE /= HOURLY_PROFILE.sum()
"""The share of a day's orders placed in each hour of the site's clock."""


Volume = Callable[[str, date], float]
"""The share of a product's demand it sells on a day."""


def generate_orders(
    plant: Plant,
    start: date,
    days: int,
    seed: int,
    first_number: int = 1,
    volume: float | Volume = 1.0,
    prefix: str = "CO",
) -> list[CustomerOrder]:
    """Orders for the `days` site days from `start`, numbered `prefix`0000001 on from `first_number`; `volume`
    scales every product's demand (a ramp-up sells less), or each product's each day (`ramp_volume`)."""
    if not 1 <= days <= MAX_DAYS:
        raise FactoryosError(f"--days must be 1 to {MAX_DAYS:,} (ten years), got {days:,}")
    if not callable(volume) and volume <= 0:
        raise FactoryosError(f"volume must be positive (got {volume})")
    share = volume if callable(volume) else lambda _product, _day: volume
    rng = np.random.default_rng(seed)
    zone = ZoneInfo(plant.site.timezone)
    orders: list[CustomerOrder] = []
    for product_id, product in plant.products.items():
        if product.demand is None:
            continue
        customers = sorted(cid for cid, c in plant.customers.items() if c.tenant == product.tenant)
        if not customers:
            raise FactoryosError(f"product {product_id!r} has demand but tenant {product.tenant!r} has no customers")
        demand = product.demand
        mix = option_mix(product)
        shares = np.array([plant.customers[c].order_share for c in customers], float)
        shares /= shares.sum()
        sizes = [
            1.0 if plant.customers[c].segment == "retail" else float(np.mean(demand.units_per_order)) for c in customers
        ]
        mean_per_order = float(np.dot(shares, sizes))
        for day in range(days):
            today = start + timedelta(days=day)
            expected_units = share(product_id, today) * demand.units_per_day * demand.weekday_profile[today.weekday()]
            for _ in range(rng.poisson(expected_units / mean_per_order)):
                customer = customers[rng.choice(len(customers), p=shares)]
                segment = plant.customers[customer].segment
                quantity = 1 if segment == "retail" else int(rng.choice(demand.units_per_order))
                hour, minute = int(rng.choice(24, p=HOURLY_PROFILE)), int(rng.integers(60))
                ordered_at = site_instant(datetime.combine(today, time(hour, minute)), zone)
                low, high = demand.lead_time_days
                due = today + timedelta(days=int(rng.integers(int(low), int(high) + 1)))
                orders.append(
                    CustomerOrder(
                        id="",
                        site=plant.site.id,
                        tenant=product.tenant,
                        customer=customer,
                        product=product_id,
                        configuration=mix.draw(rng),
                        quantity=quantity,
                        ordered_at=ordered_at,
                        due_date=due,
                    )
                )
    orders.sort(key=lambda o: (o.ordered_at, o.product, o.customer))
    for number, order in enumerate(orders, start=first_number):
        order.id = f"{prefix}{number:07d}"
    return orders


def ramp_volume(plant: Plant) -> Volume:
    """Each day's volume as the ramp-up builds it: the products it limits sell the share of their mature demand
    that the day's ramp month builds (`rampup.demand_share`; the first month's before the ramp starts), the
    others all of theirs. A run over the ramp then does not take mature demand on a line that builds a fifth
    of it."""
    ramp = plant.ramp_up
    limited = set(ramp_bound_products(plant))
    by_month: dict[int, float] = {}

    def volume(product: str, day: date) -> float:
        if ramp is None or product not in limited:
            return 1.0
        month = max(0, ramp_month(ramp, day) or 0)
        return by_month.setdefault(month, demand_share(plant, month))

    return volume
