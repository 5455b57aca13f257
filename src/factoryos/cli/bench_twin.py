"""`factoryos bench twin`: the twin engine's speed on a serial M/M/1 line, next to bare SimPy."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from factoryos.cli.common import JsonOption, console
from factoryos.report.wording import counted


def twin(
    stations: Annotated[int, typer.Option(help="Stations in the serial line.", min=1, max=1_000)] = 10,
    parts: Annotated[
        int, typer.Option(help="Parts released (Poisson arrivals, mean interarrival 1.0).", min=1, max=10_000_000)
    ] = 100_000,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Run the line through the twin's Station and Buffer classes, then as a bare SimPy model."""
    from factoryos.bench.twin import bare_simpy_line, twin_line

    result = twin_line(stations, parts, seed=seed)
    bare = bare_simpy_line(stations, parts, seed=seed)
    report = result.to_dict() | {
        "theory_mean_flow_time": round(stations * 0.8 / (1 - 0.8), 9),
        "bare_simpy": bare.to_dict(),
        "ratio_to_bare_simpy": result.ops_per_s / bare.ops_per_s,
    }
    if as_json:
        typer.echo(json.dumps(report))
        return
    table = Table(
        "model",
        "operations",
        "seconds",
        "ops/s",
        "mean flow time",
        title=f"serial line, {counted(stations, 'station')}",
    )
    for name, r in (("twin", result), ("bare SimPy", bare)):
        table.add_row(name, f"{r.operations:,}", f"{r.seconds:.2f}", f"{r.ops_per_s:,.0f}", f"{r.mean_flow_time:.2f}")
    console.print(table)
    ratio, theory = report["ratio_to_bare_simpy"], report["theory_mean_flow_time"]
    console.print(f"twin / bare SimPy: {ratio:.2f}x; theory mean flow time {theory:.0f}")
