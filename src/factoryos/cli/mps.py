"""`factoryos mps`: the master production schedule under the ramp-up, per product and day."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from factoryos.cli.common import DbOption, DemandOption, HorizonDaysOption, JsonOption, SiteOption, console
from factoryos.cli.forecast import HistoryStartOption, history
from factoryos.model.errors import FactoryosError
from factoryos.model.files import read_bounded
from factoryos.report.wording import counted

if TYPE_CHECKING:
    from factoryos.services.mps import MpsRun

PREVIOUS_MPS_BYTES = 64 * 2**20
"""An `mps --json` document of two years' days and a hundred products is a few MB."""


def mps(
    file: Annotated[
        Path | None,
        typer.Option(
            "--plant",
            help="Plant file: plan a generated year of orders drawn from its demand (not an order book: their ids "
            "name no stored order) instead of the loaded plant's stored orders.",
        ),
    ] = None,
    horizon_days: HorizonDaysOption = 28,
    demand: DemandOption = "both",
    start: HistoryStartOption = None,
    previous: Annotated[
        Path | None, typer.Option(help="The last MPS (`mps --json` output), kept inside the time fences.")
    ] = None,
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Plan units per finished product and day: as late as the ramp-up line allows before each due day, the
    forecast's options levelled across days, frozen and slushy days kept from --previous."""
    from factoryos.services.mps import mps_document, plan_mps, previous_quantities

    kept = None
    if previous is not None:
        content = read_bounded(previous, PREVIOUS_MPS_BYTES, "previous MPS (`mps --json` output)")
        try:
            kept = previous_quantities(json.loads(content.decode("utf-8")))
        except ValueError as error:
            raise FactoryosError(f"--previous {previous}: {error}") from None
    run = plan_mps(history(file, start, site, db, to_forecast=demand != "orders"), horizon_days, demand, kept)
    document = mps_document(run)
    if as_json:
        typer.echo(json.dumps(document))
        return
    units: dict[tuple[str, str], int] = defaultdict(int)
    late: dict[tuple[str, str], int] = defaultdict(int)
    for row in run.schedule.rows:
        units[row.day.isoformat(), row.product] += row.quantity
        late[row.day.isoformat(), row.product] += row.quantity if row.late_days else 0
    bound_by = document["bound_by"]
    columns = ("day", "product", "units", "of which late", "capacity (units)", "bound by")
    table = Table(*columns, title=f"MPS ({run.demand}{GENERATED if _plans_generated(run) else ''})")
    for (day, product), quantity in sorted(units.items()):
        capacity = run.schedule.units_a_day(product, date.fromisoformat(day))
        table.add_row(
            day,
            product,
            str(quantity),
            str(late[day, product] or ""),
            "-" if capacity is None else f"{capacity:,.0f}",
            bound_by.get(product, "-"),
        )
    console.print(table)
    _print_notes(run, file is not None)


GENERATED = "; its orders generated from the plant's demand, not an order book"


def _plans_generated(run: MpsRun) -> bool:
    """Whether the orders the MPS plans are a generated year's (from --plant, or a store without orders)."""
    return run.history.source == "generated" and run.demand != "forecast"


def _print_notes(run: MpsRun, from_file: bool) -> None:
    """Below the table: the forecast's warnings, every unit of demand the table does not show, and where its
    orders came from when they are not an order book (`from_file`: --plant gave them)."""
    from factoryos.report.mps import beyond_text

    for product, forecast in run.forecast.forecast.products.items() if run.forecast else ():
        if forecast.warning:
            console.print(f"warning: forecast of {product}: {forecast.warning}")
    if run.schedule.unplanned:
        console.print(f"unplanned in the horizon: {counted(sum(run.schedule.unplanned.values()), 'unit')}")
    if run.schedule.beyond:
        end = run.schedule.start + timedelta(days=run.schedule.days)
        console.print(f"due on or after {end}, beyond the horizon and not planned: {beyond_text(run.schedule)}")
    if _plans_generated(run):
        console.print(
            "note: the orders here were drawn from the plant's demand (a generated year; their ids name no stored "
            "order), not an order book: "
            + ("without --plant the MPS plans the loaded plant's stored orders" if from_file else "none is stored")
        )
    if run.history.later:
        console.print(
            f"{counted(run.history.later, 'stored order')} placed on or after {run.schedule.start} left out: "
            "this MPS plans the order book as it stood at its start"
        )
