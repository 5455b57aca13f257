from datetime import UTC, date, datetime

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.scheduling.plant import build_problem, production_orders

MONDAY = date(2027, 3, 1)
EPOCH = datetime(2027, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def ev_orders(ev_plant):
    """A few real orders: three single units and one fleet order."""
    orders = generate_orders(ev_plant, MONDAY, 1, seed=1)
    singles = [o for o in orders if o.quantity == 1][:3]
    fleet = next(o for o in orders if o.quantity > 1)
    return [*singles, fleet]


@pytest.fixture(scope="session")
def ev_problem(ev_plant, ev_orders):
    productions = production_orders(ev_plant, ev_orders)
    arrivals = {o.id: o.ordered_at for o in ev_orders}
    releases = {p.id: arrivals[p.customer_order] for p in productions if p.customer_order}
    return build_problem(ev_plant, productions, EPOCH, releases, calendar_days=40)
