"""`factoryos demo`: the whole loop on a fresh machine, one stage after another, into one HTML report.

Each capability adds a stage: a function that takes the demo's context, does its part (reading what the
earlier stages left), prints one line and adds its section to the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine

from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.report import Report

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass
class DemoContext:
    engine: Engine
    plant_file: Path
    days: int
    seed: int
    console: Console
    report: Report
    plant: Plant | None = None
    start: date | None = None
    orders: list[CustomerOrder] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)


def load_plant_stage(ctx: DemoContext) -> None:
    from factoryos.model.validate import load_plant
    from factoryos.report.foundation import plant_section
    from factoryos.store.plants import store_plant

    ctx.plant = load_plant(ctx.plant_file)
    store_plant(ctx.engine, ctx.plant, str(ctx.plant_file))
    ctx.start = ctx.plant.ramp_up.start if ctx.plant.ramp_up else date.today()
    section = ctx.report.add(plant_section(ctx.plant))
    ctx.console.print(
        f"plant    {ctx.plant.site.name}: {section.facts['work units']} work units, "
        f"{section.facts['materials']} materials over {section.facts['BOM levels']} BOM levels"
    )


def orders_stage(ctx: DemoContext) -> None:
    from factoryos.c2m.demand import generate_orders
    from factoryos.report.foundation import orders_section
    from factoryos.store.orders import next_order_number, save_orders

    ctx.orders = generate_orders(ctx.plant, ctx.start, ctx.days, ctx.seed, next_order_number(ctx.engine))
    save_orders(ctx.engine, ctx.orders)
    ctx.report.add(orders_section(ctx.plant, ctx.orders))
    units = sum(o.quantity for o in ctx.orders)
    ctx.console.print(f"orders   {len(ctx.orders):,} configured orders, {units:,} units over {ctx.days} days")


def rampup_stage(ctx: DemoContext) -> None:
    from factoryos.report.foundation import rampup_section

    section = rampup_section(ctx.plant)
    if section:
        ctx.report.add(section)
        ctx.console.print(f"ramp-up  {section.facts['first month']} in month 1 to {section.facts['last month']}")


def schedule_stage(ctx: DemoContext) -> None:
    from factoryos.scheduling.plant_demo import schedule_stage as run

    run(ctx)


STAGES: list[Callable[[DemoContext], None]] = [load_plant_stage, orders_stage, rampup_stage, schedule_stage]


def run_demo(ctx: DemoContext, out: Path) -> Path:
    for stage in STAGES:
        started = time.perf_counter()
        stage(ctx)
        ctx.results.setdefault("seconds", {})[stage.__name__] = time.perf_counter() - started
    return ctx.report.write(out)
