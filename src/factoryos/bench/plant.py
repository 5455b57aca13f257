"""The plant-month benchmark: a month of a plant's orders (10,000 EV sedans with every operation of their
sub-assemblies, colour changeovers in paint, die changes in stamping, shifts), scheduled by the rolling
decomposition, checked by the core's checker, and compared with the dispatching rules.

The generated orders carry the plant's own lead times (three to eight weeks), which no sensible schedule
misses; `lead_scale` shortens each order's lead time (0.15: three days to a week, a C2M express promise)
so that tardiness measures something. Every dispatching rule runs on the whole month, as one problem.
The plant is scheduled as built, at full rate (`at_full_rate`): a month on a line ramping up would measure the
ramp-up curve (10,000 sedans on a first month's 2,000) and its supply, not the scheduler.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from factoryos.c2m.demand import generate_orders
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.scheduling.checker import check
from factoryos.scheduling.dispatch import RULES, dispatch
from factoryos.scheduling.objectives import total_setup_time, weighted_tardiness
from factoryos.scheduling.plant import build_problem, production_orders, scheduled_operations
from factoryos.scheduling.rolling import rolling_sequence


def at_full_rate(plant: Plant) -> Plant:
    """The plant without its ramp-up, as the scale benchmarks measure it: every line works its calendar, and its
    bought parts are supplied on call, as a plant at full rate buys them; the file's stock and purchase orders
    are sized for the ramp-up (a fifth of the coil a full month's panel lots draw), and a lot waits for its bought
    parts (`scheduling.bought_parts`), so the month would measure the ramp-up's supply, not the scheduler."""
    on_call = {
        material_id: material.model_copy(update={"on_call": True, "safety_stock": 0})
        for material_id, material in plant.materials.items()
        if material.source == "buy"
    }
    return plant.model_copy(update={"ramp_up": None, "materials": {**plant.materials, **on_call}})


def month_orders(plant: Plant, start: date, units: int, seed: int, lead_scale: float) -> list[CustomerOrder]:
    """Generated orders from `start` until `units` units are ordered, lead times scaled by `lead_scale`."""
    orders: list[CustomerOrder] = []
    days = 31
    while sum(o.quantity for o in orders) < units:
        orders = generate_orders(plant, start, days, seed)
        days += 7
    chosen, total = [], 0
    for order in orders:
        if total >= units:
            break
        chosen.append(order)
        total += order.quantity
    for order in chosen:
        lead = (order.due_date - order.ordered_at.date()).days
        order.due_date = order.ordered_at.date() + timedelta(days=max(1, round(lead * lead_scale)))
    return chosen


def plant_month(
    plant: Plant,
    *,
    start: date = date(2027, 3, 1),
    units: int = 10_000,
    seed: int = 1,
    lead_scale: float = 0.15,
    rules: Sequence[str] = RULES,
    progress=None,
) -> dict:
    """Schedule a month end to end (orders to checked operations schedule) and compare with each of
    `rules` dispatching the whole month; plain figures."""
    plant = at_full_rate(plant)
    orders = month_orders(plant, start, units, seed, lead_scale)
    epoch = datetime.combine(start, datetime.min.time(), UTC)
    started = time.perf_counter()
    productions = production_orders(plant, orders)
    arrivals = {o.id: o.ordered_at for o in orders}
    releases = {p.id: arrivals[p.customer_order] for p in productions if p.customer_order in arrivals}
    plant_problem = build_problem(plant, productions, epoch, releases, calendar_days=60)
    problem = plant_problem.problem
    built = time.perf_counter()
    schedule = rolling_sequence(problem)
    lines = scheduled_operations(plant_problem, schedule)
    solved = time.perf_counter()
    violations = check(problem, schedule)
    checked = time.perf_counter()
    result: dict[str, Any] = {
        "plant": plant.site.id,
        "units": sum(o.quantity for o in orders),
        "customer orders": len(orders),
        "production orders": len(productions),
        "jobs": len(problem.jobs),
        "operations": len(problem.operations),
        "scheduled operations": len(lines),
        "lead scale": lead_scale,
        "seconds": round(solved - started, 1),
        "seconds build": round(built - started, 1),
        "seconds check": round(checked - solved, 1),
        "violations": len(violations),
        "weighted tardiness h": round(weighted_tardiness(problem, schedule) / 3600, 1),
        "setup h": round(total_setup_time(problem, schedule) / 3600, 1),
        "rules": {},
    }
    for rule in rules:
        if progress:
            progress(rule)
        began = time.perf_counter()
        dispatched = dispatch(problem, rule)
        seconds = round(time.perf_counter() - began, 1)
        result["rules"][rule] = _figures(problem, dispatched) | {"seconds": seconds}
    feasible = {rule: figures for rule, figures in result["rules"].items() if not figures["violations"]}
    if feasible:
        for measure in ("weighted tardiness h", "setup h"):
            best = min(feasible, key=lambda rule: feasible[rule][measure])
            value = feasible[best][measure]
            result[f"best rule {measure}"] = {"rule": best, "value": value}
            result[f"{measure} below best rule %"] = (
                round(100 * (1 - result[measure] / value), 1) if value else (0.0 if not result[measure] else None)
            )
    return result


def _figures(problem, schedule) -> dict:
    return {
        "weighted tardiness h": round(weighted_tardiness(problem, schedule) / 3600, 1),
        "setup h": round(total_setup_time(problem, schedule) / 3600, 1),
        "violations": len(check(problem, schedule)),
    }
