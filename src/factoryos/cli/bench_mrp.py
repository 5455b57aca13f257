"""`factoryos bench mrp`: plan a generated problem of frePPLe's scalability-test shape and time it."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from factoryos.cli.common import JsonOption, console
from factoryos.report.wording import counted


def mrp(
    items: Annotated[int, typer.Option(help="Items over five bill levels.")] = 25_000,
    seed: Annotated[int, typer.Option(help="Random seed of the generated problem.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Plan ITEMS items (3 components each from the level below, 3 demands per end item over 90 days, 50
    suppliers, mixed lot rules, safety stock on a fifth, stock on half); print the seconds one plan takes."""
    from factoryos.bench.mrp import bench_mrp
    from factoryos.model.errors import FactoryosError

    if items < 5:
        raise FactoryosError(f"--items must be at least 5 (one per bill level), got {items}")
    result = bench_mrp(items, seed)
    if as_json:
        typer.echo(json.dumps(result))
        return
    console.print(
        f"{counted(result['items'], 'item')}, {counted(result['demands'], 'demand')}: "
        f"{counted(result['planned_orders'], 'planned order')} in {result['seconds']:.2f} s; "
        f"{counted(result['exceptions'], 'exception')} "
        f"in {result['exceptions_seconds']:.2f} s more"
    )
