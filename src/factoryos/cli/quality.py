"""`factoryos quality monitor`: multivariate process monitoring of sensor tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from factoryos.cli.common import console

app = typer.Typer(help="Quality: multivariate process monitoring.", no_args_is_help=True)


@app.command("monitor")
def monitor(
    train: Annotated[Path, typer.Option(help="CSV of normal operation: a header of sensor names, a sample a row.")],
    test: Annotated[Path, typer.Option(help="CSV of the samples to judge, with the same sensors.")],
    method: Annotated[
        str,
        typer.Option(
            help="Model of normal operation: pca, dpca (dynamic PCA) or ewma-dpca (dynamic PCA of smoothed samples, "
            "sharpest on slow drifts)."
        ),
    ] = "pca",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Learn normal operation from TRAIN, flag abnormal rows of TEST and name the sensors behind each alarm."""
    from factoryos.services.quality import monitor_files

    result = monitor_files(train, test, method)
    if as_json:
        typer.echo(json.dumps(result))
        return
    alarms = result["alarms"]
    console.print(
        f"{result['method']}: {sum(alarms)} of {len(alarms)} rows alarmed (limit {result['limit']:.3f})",
        highlight=False,
    )
    for item in result["contributions"]:
        top = ", ".join(f"{name} {share:.0%}" for name, share in item["sensors"][:3])
        console.print(f"  row {item['row'] + 1}: {top}", highlight=False)
