"""`factoryos bench forecast`: WAPE of the chosen models against a weekly seasonal naive on held-back weeks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from factoryos.cli.common import JsonOption, console, parse_day
from factoryos.report.wording import counted


def forecast(
    file: Annotated[Path | None, typer.Option("--plant", help="Plant file; default the EV plant example.")] = None,
    days: Annotated[int, typer.Option(help="Days of generated orders.")] = 364,
    weeks: Annotated[int, typer.Option(help="Held-back weeks at the end, each forecast from its start.")] = 8,
    start: Annotated[str, typer.Option(help="First day of the generated year (YYYY-MM-DD).")] = "2026-01-05",
    seed: Annotated[int, typer.Option(help="Random seed of the orders.")] = 1,
    basis: Annotated[
        str, typer.Option(help="Count units on the day orders are `due` or the day they were `ordered`.")
    ] = "due",
    as_json: JsonOption = False,
) -> None:
    """Generate a year of orders, hold back the last weeks, and compare both WAPEs per product and overall."""
    from factoryos.bench.forecast import bench_forecast
    from factoryos.examples import example_plant
    from factoryos.model.errors import FactoryosError
    from factoryos.model.validate import load_plant

    if basis not in ("due", "ordered"):
        raise FactoryosError(f"--basis {basis!r}: expected due or ordered")
    chosen: Literal["due", "ordered"] = "due" if basis == "due" else "ordered"
    plant = load_plant(file or example_plant("ev-plant"))
    result = bench_forecast(plant, parse_day(start), days=days, weeks=weeks, seed=seed, basis=chosen)
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(
        "product",
        "model",
        "units",
        "WAPE",
        "seasonal naive WAPE",
        "better by",
        title=f"forecast WAPE on the last {counted(weeks, 'week')} of {counted(days, 'generated day')} ({basis} day), "
        f"{result['seconds']} s",
    )
    rows = [(p, f["model"], f) for p, f in result["products"].items()] + [("overall", "", result["overall"])]
    for name, model, f in rows:
        table.add_row(
            name,
            model,
            f"{f['units']:,.0f}",
            f"{f['wape']:.1%}",
            f"{f['seasonal_naive_wape']:.1%}",
            f"{f['improvement']:.1%}",
        )
    console.print(table)
