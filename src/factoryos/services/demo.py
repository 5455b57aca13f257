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

from factoryos.model.bus import EventBus
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.report import Report, Section


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
    bus: EventBus = field(default_factory=EventBus)
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


def first_month_volume(plant: Plant, days: int) -> float:
    """The share of full demand a new plant sells in its first month: the ramp-up's plan over the demand."""
    from factoryos.model.rampup import ramp_curve

    plans = ramp_curve(plant)
    demand = sum(
        p.demand.units_per_day * sum(p.demand.weekday_profile) / 7 for p in plant.products.values() if p.demand
    )
    if not plans or not demand:
        return 1.0
    return min(1.0, plans[0].planned_units * days / 30 / (demand * days))


def orders_stage(ctx: DemoContext) -> None:
    from factoryos.c2m.demand import generate_orders
    from factoryos.report.foundation import orders_section
    from factoryos.store.orders import next_order_number, save_orders

    volume = first_month_volume(ctx.plant, ctx.days)
    number = next_order_number(ctx.engine)
    ctx.orders = generate_orders(ctx.plant, ctx.start, ctx.days, ctx.seed, number, volume)
    save_orders(ctx.engine, ctx.orders)
    ctx.report.add(orders_section(ctx.plant, ctx.orders))
    units = sum(o.quantity for o in ctx.orders)
    ctx.console.print(
        f"orders   {len(ctx.orders):,} configured orders, {units:,} units over {ctx.days} days "
        f"(the ramp's first month: {volume:.0%} of mature demand)"
    )


def rampup_stage(ctx: DemoContext) -> None:
    from factoryos.report.foundation import rampup_section

    section = rampup_section(ctx.plant)
    if section:
        ctx.report.add(section)
        ctx.console.print(f"ramp-up  {section.facts['first month']} in month 1 to {section.facts['last month']}")


def schedule_stage(ctx: DemoContext) -> None:
    """Schedule the demo's month of orders on the plant, store the schedule and show it."""
    from factoryos.report.gantt import schedule_section
    from factoryos.services.schedule import schedule_orders

    _, plan = schedule_orders(ctx.engine, ctx.plant, ctx.orders, horizon_days=ctx.days, time_limit=2, compare=False)
    summary = plan.summary()
    ctx.report.add(schedule_section(ctx.plant, plan.operations, summary))
    ctx.results["schedule"] = plan.operations
    ctx.console.print(
        f"schedule {summary['operations']:,} operations of {summary['jobs']:,} units and lots over "
        f"{ctx.days} days in {summary['seconds']} s: setup {summary['setup h']} h, "
        f"{summary['late units']} late"
    )


def twin_stage(ctx: DemoContext) -> None:
    """Run the scheduled month on the twin; its event stream is the floor's, on the demo's bus."""
    from factoryos.report.twin import simulation_section
    from factoryos.twin.simulation import simulate_plant

    simulation = simulate_plant(
        ctx.plant, ctx.days, "smart", ctx.seed, orders=ctx.orders, schedule=ctx.results["schedule"], bus=ctx.bus
    )
    ctx.report.add(simulation_section(simulation))
    ctx.results["simulation"] = simulation
    f = simulation.figures_of_merit
    ctx.console.print(
        f"twin     {f['completed']:,} units built in {f['days']:g} days, {len(ctx.bus.store):,} floor events, "
        f"on time {f['on_time_rate']:.0%}, lead time {f['avg_lead_time_days'] * 24:.1f} h"
    )


def oee_stage(ctx: DemoContext) -> None:
    """OEE to ISO 22400-2 from the event stream alone, as the ingestion side computes it for a real plant."""
    from factoryos.iot.oee import ideal_cycle_times
    from factoryos.report.oee import oee_figures
    from factoryos.services.oee import events_oee

    per_equipment, per_line = events_oee(ctx.bus.store, ideal_cycle_times(ctx.plant))
    if not per_line:
        return
    ramp_line = ctx.plant.ramp_up.line if ctx.plant.ramp_up else None
    headline = next((f for line, f in per_line.items() if line.endswith(f"/{ramp_line}")), None) or max(
        per_line.values(), key=lambda f: f.planned_busy_s
    )
    ctx.report.add(
        Section(
            title="OEE",
            text="OEE to ISO 22400-2 (availability x performance x quality) and the six big losses, computed "
            "from the floor's state and count events alone, as for a real plant's stream.",
            facts={line.split("/", 1)[-1]: f"{figure.oee:.0%}" for line, figure in per_line.items()},
            figures=oee_figures(per_equipment, per_line),
        )
    )
    ctx.console.print(
        f"oee      {len(per_line)} lines; {headline.key.split('/', 1)[-1]}: OEE {headline.oee:.0%} "
        f"(availability {headline.availability:.0%}, performance {headline.performance:.0%}, "
        f"quality {headline.quality:.0%})"
    )


STAGES: list[Callable[[DemoContext], None]] = [
    load_plant_stage,
    orders_stage,
    rampup_stage,
    schedule_stage,
    twin_stage,
    oee_stage,
]


def run_demo(ctx: DemoContext, out: Path) -> Path:
    for stage in STAGES:
        started = time.perf_counter()
        stage(ctx)
        ctx.results.setdefault("seconds", {})[stage.__name__] = time.perf_counter() - started
    return ctx.report.write(out)
