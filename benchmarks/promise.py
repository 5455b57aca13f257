"""A promise with capacity and material on the EV plant with a month of orders already promised.

    python benchmarks/promise.py [--plant FILE] [--days 30] [--promises 1000] [--out benchmarks/results/promise.json]

Loads the plant into a fresh SQLite database (a temporary folder), places `--days` of its full demand at the
order desk in one go (each order promised and booked: capacity, material, what was bought for it and the
supplier capacity that took), then times `--promises` promises of configurations drawn uniformly
(`order_desk.promise`: the configurator's check and completion, the reads of booked capacity and of what
earlier promises hold of the material, the engine), and, apart, the engine alone (`c2m.promise`: the material
check and the walk along every work center it loads). Prints p50/p99/max per promise in ms, what bound the
promises, and the load average (the figures are only as quiet as the machine). Not a test.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from harness import plant_database, write_result

from factoryos.c2m import promise as capable_to_promise
from factoryos.c2m.configurator import sample
from factoryos.c2m.demand import generate_orders
from factoryos.examples import example_plant
from factoryos.services import order_desk
from factoryos.services.order_desk import OrderInput
from factoryos.services.tenants import Caller
from factoryos.store.order_desk import booked_minutes, commitments

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plant", type=Path, default=example_plant("ev-plant"))
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--promises", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "promise.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        result = run(args, f"sqlite:///{Path(folder) / 'promise.db'}")
    result["load_average_before"] = [round(x, 2) for x in load_before]
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    write_result(result, args.out)


def run(args: argparse.Namespace, url: str) -> dict:
    plant, engine = plant_database(args.plant, url)
    start = plant.first_day()
    owner = Caller("bench", plant.site.id, plant.owner(), "planner", owner=True)
    month = sorted(generate_orders(plant, start, args.days, seed=5), key=lambda o: o.ordered_at)
    requests = [
        (OrderInput(o.customer, o.product, o.configuration, o.quantity, o.due_date), o.ordered_at) for o in month
    ]
    placing = time.perf_counter()
    placed = order_desk.place_orders(engine, owner, requests)
    placing = time.perf_counter() - placing

    now = datetime.combine(start + timedelta(days=args.days), clock_time(8), UTC)
    products = [p for p in plant.products if plant.products[p].demand]
    asks = [
        OrderInput("", products[n % len(products)], options, 1, now.date())
        for n, options in enumerate(
            c for p in products for c in sample(plant.products[p], args.promises // len(products) + 1, seed=9)
        )
    ][: args.promises]
    whole, engine_only = [], []
    here = order_desk.desk(engine, plant.site.id)
    bound: Counter[str] = Counter()
    with engine.connect() as connection:
        held = commitments(connection, plant.site.id, now.date())
        booked = booked_minutes(
            connection, plant.site.id, here.capacity.members, now.date(), now.date() + timedelta(days=730)
        )
    for ask in asks:
        started = time.perf_counter()
        quote = order_desk.promise(engine, owner, ask, now)
        whole.append(time.perf_counter() - started)
        bound[quote.constraint] += 1
        configuration = dict(quote_configuration(here.plant, owner, ask))
        load = here.capacity.load(ask.product, configuration)
        needs = here.material.needs(ask.product, configuration)
        first = here.capacity.first_day(now)
        started = time.perf_counter()
        check = here.material.check(needs, 1, first, held)
        capable_to_promise.promise(here.capacity, load, 1, first, here.capacity.booked_on(load, booked), check)
        engine_only.append(time.perf_counter() - started)
    engine.dispose()
    return {
        "plant": plant.site.id,
        "database": "sqlite",
        "orders_booked": len(placed),
        "units_booked": sum(o.quantity for o, _ in placed),
        "days_booked": args.days,
        "seconds_to_place_them": round(placing, 2),
        "promises": len(asks),
        "promise_ms": _percentiles(whole),
        "engine_only_ms": _percentiles(engine_only),
        "binding_constraints": dict(bound.most_common()),
    }


def quote_configuration(plant, caller, ask):
    """The configuration the desk promises for (the customer's choices, completed)."""
    return order_desk.complete_configuration(plant, caller, ask.product, ask.options).configuration or {}


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)

    def at(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))], 3)

    return {"p50": at(0.5), "p99": at(0.99), "max": at(1.0)}


if __name__ == "__main__":
    main()
