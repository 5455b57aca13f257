"""The edge around plant scheduling: store a plan, and the demo's scheduling stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine

from factoryos.scheduling.plant_schedule import PlantSchedule, schedule_plant

if TYPE_CHECKING:
    from factoryos.demo import DemoContext


def store_plan(engine: Engine, plan: PlantSchedule) -> int:
    """Store the plan's production and work orders and its operations schedule; returns the schedule id."""
    from factoryos.store.schedule import save_schedule

    problem = plan.plant_problem
    end = max((op.end for op in plan.operations), default=problem.epoch)
    return save_schedule(
        engine,
        problem.production_orders[0].site,
        plan.operations,
        production_orders=problem.production_orders,
        start=problem.epoch,
        end=end,
        objective=plan.objective,
        method=plan.method,
        figures=plan.summary(),
    )


def schedule_stage(ctx: DemoContext) -> None:
    """Schedule the demo's month of orders on the plant, store the schedule and show it."""
    from factoryos.scheduling.gantt import schedule_section

    plan = schedule_plant(ctx.plant, ctx.orders, horizon_days=ctx.days, time_limit=2, compare=False)
    store_plan(ctx.engine, plan)
    summary = plan.summary()
    ctx.report.add(schedule_section(ctx.plant, plan.operations, summary))
    ctx.results["schedule"] = plan.operations
    ctx.console.print(
        f"schedule {summary['operations']:,} operations of {summary['jobs']:,} units and lots over "
        f"{ctx.days} days in {summary['seconds']} s: setup {summary['setup h']} h, "
        f"{summary['late units']} late"
    )
