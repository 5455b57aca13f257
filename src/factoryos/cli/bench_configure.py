"""`factoryos bench configure`: the configurator's latency per call and its time to count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from factoryos.cli.common import JsonOption, console
from factoryos.report.wording import counted


def configure(
    file: Annotated[Path | None, typer.Option("--plant", help="Plant file; default the EV plant example.")] = None,
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="Also a synthetic product of 60 families x 8 options, 400 rules.")
    ] = False,
    reach: Annotated[int, typer.Option(help="Synthetic rules tie a family to one of its REACH nearest.")] = 3,
    requests: Annotated[int, typer.Option(help="Random partial configurations per product.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Check, complete and explode random partial configurations of every product; count each product."""
    from factoryos.bench.configure import bench_configure
    from factoryos.examples import example_plant
    from factoryos.model.validate import load_plant

    plant = load_plant(file or example_plant("ev-plant"))
    result = bench_configure(plant, synthetic=synthetic, requests=requests, seed=seed, reach=reach)
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(
        "product",
        "configurations",
        "count s",
        "check p50/p99 ms",
        "complete p50/p99 ms",
        "complete+explode p50/p99 ms",
        "selectable p50/p99 ms",
        title=f"configurator, {counted(requests, 'request')} per product; milliseconds of CPU per call (--json: wall "
        "clock too)",
    )
    rows = dict(result["products"])
    if "synthetic" in result:
        rows["synthetic"] = result["synthetic"]
    for name, figures in rows.items():
        if "count_error" in figures:
            table.add_row(name, f"not counted in {figures['count_cpu_seconds']:.1f} s: {figures['count_error']}")
            continue
        both = figures.get("complete_explode")
        table.add_row(
            name,
            f"{int(figures['configurations']):.3g}",
            f"{figures['count_seconds']:.3f}",
            _pair(figures["check"]),
            _pair(figures["complete"]),
            _pair(both) if both else "-",
            _pair(figures["selectable"]),
        )
    console.print(table)


def _pair(figures: dict[str, float]) -> str:
    return f"{figures['cpu_p50_ms']:.3f} / {figures['cpu_p99_ms']:.3f}"
