"""`factoryos schedule`: a finite-capacity schedule of the loaded plant's open orders, stored."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from factoryos.cli.common import DbOption, console, open_store


def schedule(
    horizon: Annotated[int, typer.Option(help="Days of arriving orders to schedule.")] = 7,
    time_limit: Annotated[float, typer.Option(help="Seconds the solver may use on a small problem.")] = 10.0,
    objective: Annotated[
        str, typer.Option(help="tardiness, makespan, setups, or tardiness,setups (tardiness first).")
    ] = "tardiness,setups",
    compare: Annotated[bool, typer.Option(help="Also run the dispatching rules and show the best one.")] = True,
    site: Annotated[str | None, typer.Option(help="Which plant, when several are loaded.")] = None,
    db: DbOption = None,
) -> None:
    """Schedule the open orders of the loaded plant on its work units and store the schedule."""
    from factoryos.scheduling.plant_schedule import COMPARE_OPERATIONS, schedule_plant
    from factoryos.services.schedule import store_plan
    from factoryos.store.orders import list_orders
    from factoryos.store.plants import read_plant

    engine = open_store(db)
    plant = read_plant(engine, site)
    orders = list_orders(engine, site=plant.site.id)
    with console.status("scheduling..."):
        plan = schedule_plant(
            plant, orders, horizon_days=horizon, objective=objective, time_limit=time_limit, compare=compare
        )
    schedule_id = store_plan(engine, plan)
    summary = plan.summary()
    table = Table("", "weighted tardiness (h)", "late units", "setup time (h)", "makespan (h)")
    table.add_row(
        plan.method,
        f"{summary['weighted tardiness h']:,}",
        f"{summary['late units']:,}",
        f"{summary['setup h']:,}",
        f"{summary['makespan h']:,}",
    )
    if plan.dispatch_figures is not None:
        rule = plan.dispatch_figures
        table.add_row(
            f"dispatch:{plan.dispatch_rule}",
            f"{rule.weighted_tardiness / 3600:,.1f}",
            f"{rule.late_jobs:,}",
            f"{rule.setup_time / 3600:,.1f}",
            f"{rule.makespan / 3600:,.1f}",
        )
    console.print(
        f"{summary['production orders']:,} production orders, {summary['operations']:,} operations "
        f"from {plan.plant_problem.epoch:%Y-%m-%d} over {horizon} days, solved in {summary['seconds']} s"
    )
    console.print(table)
    if compare and plan.dispatch_figures is None:
        console.print(
            f"dispatching rules are compared up to {COMPARE_OPERATIONS:,} operations; "
            "`factoryos bench plant` compares a month"
        )
    console.print(f"stored as schedule {schedule_id}")
