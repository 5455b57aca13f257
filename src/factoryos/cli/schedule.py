"""`factoryos schedule`: a finite-capacity schedule of the loaded plant's open orders, stored; `schedule show`
prints the stored one."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from factoryos.cli.common import (
    DbOption,
    JsonOption,
    LimitOption,
    SiteOption,
    console,
    default_command,
    listing_size,
    on_clock,
    open_store,
)
from factoryos.model.orders import ScheduledOperation
from factoryos.report.wording import counted, listed

if TYPE_CHECKING:
    from factoryos.scheduling.plant_schedule import LateOrder

app = typer.Typer(help="Schedule the open orders; `schedule show` prints the stored schedule.")


@app.callback(invoke_without_command=True)
@default_command
def schedule(
    horizon: Annotated[int, typer.Option(help="Days of arriving orders to schedule.")] = 7,
    time_limit: Annotated[float, typer.Option(help="Seconds the solver may use on a small problem.")] = 10.0,
    objective: Annotated[
        str, typer.Option(help="tardiness, makespan, setups, or tardiness,setups (tardiness first).")
    ] = "tardiness,setups",
    compare: Annotated[bool, typer.Option(help="Also run the dispatching rules and show the best one.")] = True,
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Schedule the open orders of the loaded plant on its work units and store the schedule."""
    from factoryos.scheduling.plant_schedule import COMPARE_OPERATIONS
    from factoryos.services.plants import floor_clock
    from factoryos.services.schedule import on_the_floor, schedule_open_orders

    engine = open_store(db)
    with console.status("scheduling..."):
        schedule_id, plan = schedule_open_orders(
            engine, site, horizon_days=horizon, objective=objective, time_limit=time_limit, compare=compare
        )
    summary, late, floor = plan.summary(), plan.late_orders(), on_the_floor(engine, site)
    if as_json:
        document = {"id": schedule_id, "epoch": plan.plant_problem.epoch.isoformat()} | summary
        left_out = {
            "orders left out": list(plan.unsupplied),
            "orders left out, unfit": plan.unfit,
            "orders on the floor": floor,
        }
        typer.echo(json.dumps(document | left_out | {"late orders": [late_item(o) for o in late]}))
        return
    clock = floor_clock(engine, site)
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
        f"{counted(summary['production orders'], 'production order')}, {counted(summary['operations'], 'operation')} "
        f"from {plan.plant_problem.epoch.astimezone(clock):%Y-%m-%d} over "
        f"{counted(horizon, 'day')}, solved in {summary['seconds']} s"
    )
    console.print(table)
    if late:
        console.print(
            f"{counted(len(late), 'order')} finished after it is due, latest first: "
            + listed(
                [
                    f"{o.order} ({counted(o.units, 'unit')} due {on_clock(o.due, clock)}, done "
                    f"{on_clock(o.finished, clock)}: {o.hours_late:,.1f} h late)"
                    for o in late
                ],
                shown=10,
            )
        )
    if plan.unsupplied:
        console.print(
            f"{counted(len(plan.unsupplied), 'order')} left out, their bought material not in within two years: "
            + listed(plan.unsupplied)
        )
    if plan.unfit:
        console.print(
            f"{counted(len(plan.unfit), 'order')} left out, the plant no longer fits them: "
            + listed([f"{order} ({why})" for order, why in plan.unfit.items()])
        )
    if floor:
        console.print(
            f"{counted(len(floor), 'order')} released or in production left as the floor has them: " + listed(floor)
        )
    if compare and plan.dispatch_figures is None:
        console.print(
            f"dispatching rules are compared up to {COMPARE_OPERATIONS:,} operations; "
            "`factoryos bench plant` compares a month"
        )
    console.print(f"stored as schedule {schedule_id}")


def late_item(order: LateOrder) -> dict[str, object]:
    return {
        "order": order.order,
        "due": order.due.isoformat(),
        "finished": order.finished.isoformat(),
        "late_units": order.units,
        "hours_late": round(order.hours_late, 2),
    }


@app.command("show")
def show(
    equipment: Annotated[str, typer.Option(help="Only operations on equipment whose id starts with this.")] = "",
    limit: LimitOption = None,
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The newest stored schedule: its figures and its operations in schedule order, on the site's clock."""
    from factoryos.services.plants import floor_clock
    from factoryos.services.schedule import schedule_document, stored_schedule

    engine = open_store(db, create=False)
    stored = stored_schedule(engine, site)
    document = schedule_document(stored, equipment, listing_size(limit, as_json, 50))
    if as_json:
        typer.echo(json.dumps(document))
        return
    clock = floor_clock(engine, stored.site)
    console.print(
        f"schedule {stored.id} of {stored.site}: {stored.method}, {stored.objective}, "
        f"{on_clock(stored.start, clock)} to {on_clock(stored.end, clock)}, "
        f"{counted(document['operations_total'], 'operation')}"
    )
    table = Table(f"start ({clock.key})", "end", "equipment", "operation", "work order", "setup min")
    for op in [op for op in stored.operations if op.equipment.startswith(equipment)][: limit or None]:
        table.add_row(
            *span_cells(op, clock),
            op.equipment,
            op.operation,
            op.work_order,
            f"{op.setup_minutes:g}",
        )
    console.print(table)


def span_cells(op: ScheduledOperation, clock: ZoneInfo) -> tuple[str, str]:
    """An operation's start and end on the site's `clock` as the table shows them: the end's day too when it is
    not the start's."""
    start, end = op.start.astimezone(clock), op.end.astimezone(clock)
    return f"{start:%m-%d %H:%M}", f"{end:%H:%M}" if end.date() == start.date() else f"{end:%m-%d %H:%M}"
