"""The MRP benchmark: a generated problem of frePPLe's scalability-test shape, planned and timed.

`items` items over five bill levels (a fifth each); every made item has three components drawn from the
level below; the lowest level is bought from 50 suppliers with 5-60 day lead times; each end item has
three demands over a 90-day horizon; lot-size rules are mixed (lot-for-lot, fixed, multiple, minimum,
period order quantity, EOQ); a fifth of the items carry safety stock and half have stock on hand. The
figure is the wall clock (and CPU time, steadier on a shared machine) of one `plan` call after a warm-up
run on a small problem (so Numba's compile or cache load is not counted).
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np

from factoryos.planning.mrp import plan
from factoryos.planning.problem import BomLine, Demand, Item, Problem, Stock, Supplier, one_rule_of_each, working_days

LEVELS = 5
SUPPLIERS = 50
HORIZON_DAYS = 90
DEMANDS_PER_END_ITEM = 3
START = date(2027, 1, 4)


def generated_problem(items: int, seed: int = 1) -> Problem:
    """The benchmark's problem with `items` items (at least one per level)."""
    if items < LEVELS:
        raise ValueError(f"--items must be at least {LEVELS}")
    rng = np.random.default_rng(seed)
    per_level = np.array_split(np.arange(items), LEVELS)
    suppliers = tuple(
        Supplier(
            f"S{k:02d}",
            int(rng.integers(5, 61)),
            min_order=float(rng.choice([0, 50, 100])),
            order_multiple=float(rng.choice([1, 10, 25])),
        )
        for k in range(SUPPLIERS)
    )
    rules = one_rule_of_each(fixed=200.0, multiple=50.0, minimum=100.0, periods=7, order_cost=100.0)
    bought = set(per_level[-1].tolist())
    built = []
    for k in range(items):
        buy = k in bought
        built.append(
            Item(
                id=f"I{k:06d}",
                source="buy" if buy else "make",
                lead_time_days=0 if buy else int(rng.integers(1, 6)),
                lot=rules[int(rng.integers(len(rules)))],
                safety_stock=float(rng.integers(10, 50)) if rng.random() < 0.2 else 0.0,
                unit_cost=float(rng.uniform(1, 100)),
                suppliers=(suppliers[int(rng.integers(SUPPLIERS))].id,) if buy else (),
            )
        )
    bom = tuple(
        BomLine(f"I{parent:06d}", f"I{child:06d}", float(rng.integers(1, 4)))
        for level in range(LEVELS - 1)
        for parent in per_level[level].tolist()
        for child in rng.choice(per_level[level + 1], size=min(3, len(per_level[level + 1])), replace=False).tolist()
    )
    stock = tuple(
        Stock(item.id, "store", f"L{k}", float(rng.integers(50, 500)))
        for k, item in enumerate(built)
        if rng.random() < 0.5
    )
    demands = tuple(
        Demand(
            f"D{end:06d}-{n}",
            f"I{end:06d}",
            START + timedelta(days=int(rng.integers(0, HORIZON_DAYS))),
            float(rng.integers(1, 100)),
            "order",
            f"CO{end:06d}-{n}",
        )
        for end in per_level[0].tolist()
        for n in range(DEMANDS_PER_END_ITEM)
    )
    return Problem(
        START,
        HORIZON_DAYS,
        working_days(START, HORIZON_DAYS + 120),
        tuple(built),
        bom,
        suppliers,
        stock,
        demands=demands,
    )


def bench_mrp(items: int, seed: int = 1) -> dict[str, float | int]:
    """Plan the generated problem: {"items", "demands", "planned_orders", "seconds"}, then find its exceptions
    (the customer orders each hurts traced up the pegging), timed apart as frePPLe reports its problems apart."""
    plan(generated_problem(LEVELS * 4, seed))
    problem = generated_problem(items, seed)
    began, cpu = time.perf_counter(), time.process_time()
    result = plan(problem)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    exceptions = len(result.exceptions)
    return {
        "items": items,
        "demands": len(problem.demands),
        "planned_orders": len(result.lot_qty),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "exceptions": exceptions,
        "exceptions_seconds": round(time.perf_counter() - began - seconds, 3),
    }
