"""`factoryos simulate`: run the plant's digital twin for a scenario, with replications and intervals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from factoryos.cli.common import JsonOption, console
from factoryos.model.errors import FactoryosError
from factoryos.report.wording import counted

FEW_RUNS = 5
"""Fewer replications than this give 95 % intervals made wide by Student's t alone (12.7 with one degree of
freedom, 4.3 with two, against 2.8 with four): say so, lest the band be read as the plant's variability."""


def simulate(
    plant: Annotated[Path, typer.Option("--plant", help="A plant file (YAML), e.g. examples/ev-plant.yaml.")],
    days: Annotated[float, typer.Option(help="Days to measure (after a two-day warm-up).")] = 30,
    scenario: Annotated[
        str, typer.Option(help="traditional (make-to-stock, manned) or smart (C2M, lights-out).")
    ] = "smart",
    replications: Annotated[int, typer.Option(help="Independent runs (seeds seed, seed+1, ...).")] = 1,
    seed: Annotated[int, typer.Option(min=0, help="Random seed of the first replication.")] = 0,
    events: Annotated[bool, typer.Option(help="Publish the floor's event stream (with sensors).")] = True,
    dask: Annotated[str | None, typer.Option("--dask", help="Dask scheduler address for the replications.")] = None,
    broker: Annotated[
        str | None,
        typer.Option(
            "--broker",
            help="Also publish the events to MQTT (mqtt://host:port, JSON layout), stamped in simulated time: an "
            "ingester takes them with --clock-ahead inf --backlog-days inf.",
        ),
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Local worker processes (default: one per core).")] = None,
    schedule: Annotated[
        float,
        typer.Option(
            "--schedule",
            help="Smart: schedule each replication's orders with factoryos.scheduling in this many seconds and "
            "run the schedule (0: release and dispatch them).",
        ),
    ] = 0.0,
    as_json: JsonOption = False,
) -> None:
    """Run the plant's digital twin for a scenario: throughput, WIP, lead time, labour, stock, OEE.

    Replications give 95 % confidence intervals; they run in parallel (local processes, or Dask)."""
    from factoryos.iot.publisher import BrokerTap
    from factoryos.model.validate import read_plant_text
    from factoryos.twin.experiment import FIGURES, Experiment, run_experiment

    text, issue = read_plant_text(plant)
    if issue is not None:
        raise FactoryosError(str(issue))
    experiment = Experiment(
        text or "",
        scenario,
        days,
        events=events,
        tap=BrokerTap(broker) if broker else None,
        schedule_seconds=schedule,
    )
    result = run_experiment(experiment, replications, seed, workers=workers, dask_address=dask)
    result["plant"] = str(plant)
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(
        "figure",
        "mean",
        "95 % interval",
        title=f"{plant.name}: {scenario}, {counted(days, 'day')}, {counted(replications, 'run')}",
    )
    for figure in FIGURES:
        value = result[figure]
        interval = result["ci95"].get(figure)
        band = f"{_shown(figure, interval['low'])} .. {_shown(figure, interval['high'])}" if interval else ""
        table.add_row(figure, _shown(figure, value), band if replications > 1 else "")
    console.print(table)
    if 1 < replications < FEW_RUNS:
        console.print(
            f"[yellow]{counted(replications, 'run')} give wide intervals (Student's t with "
            f"{counted(replications - 1, 'degree')} of freedom): {FEW_RUNS} or more narrow them[/]"
        )
    lines = Table("line", "OEE", title="OEE by line")
    for line, oee in result["oee"].items():
        lines.add_row(line, f"{oee:.1%}")
    console.print(lines)
    console.print(f"bottleneck: {result['bottleneck']}; {counted(result['events'], 'event')} published")
    if broker:
        console.print(
            "the events are stamped in simulated time: an ingester takes them with --clock-ahead inf --backlog-days inf"
        )


def _shown(figure: str, value: float | None) -> str:
    """A figure as a plant manager reads it: a share in per cent, units completed whole, the rest to 0.001."""
    from factoryos.twin.experiment import SHARES

    if value is None:
        return "-"
    if figure in SHARES:
        return f"{value:.1%}"
    if figure == "completed":
        return f"{value:,.0f}"
    return f"{value:,.3f}"
