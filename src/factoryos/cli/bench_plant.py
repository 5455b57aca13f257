"""`factoryos bench plant`: a month of a reference plant scheduled end to end, against dispatching rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from factoryos.cli.common import JsonOption, console, err_console, parse_day


def plant(
    file: Annotated[Path | None, typer.Option("--plant", help="Plant file; default the EV plant example.")] = None,
    units: Annotated[int, typer.Option(help="Units of generated orders to schedule.", min=1, max=1_000_000)] = 10_000,
    start: Annotated[str, typer.Option(help="First day of the month (YYYY-MM-DD).")] = "2027-03-01",
    seed: Annotated[int, typer.Option(help="Random seed of the orders.")] = 1,
    lead_scale: Annotated[float, typer.Option(help="Scale on the orders' lead times (tighter due dates).")] = 0.15,
    rules: Annotated[str, typer.Option(help="Dispatching rules to compare with, comma-separated.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Schedule a month of orders with the rolling decomposition, check it, compare with dispatching rules."""
    from factoryos.bench.plant import plant_month
    from factoryos.examples import example_plant
    from factoryos.model.validate import load_plant
    from factoryos.scheduling.dispatch import RULES

    chosen = tuple(r.strip() for r in rules.split(",") if r.strip()) or RULES
    result = plant_month(
        load_plant(file or example_plant("ev-plant")),
        start=parse_day(start),
        units=units,
        seed=seed,
        lead_scale=lead_scale,
        rules=chosen,
        progress=lambda rule: err_console.print(f"dispatching rule {rule}..."),
    )
    if as_json:
        typer.echo(json.dumps(result))
        return
    console.print_json(json.dumps(result))
