"""`factoryos bench trace`: backward and forward trace times on a generated genealogy (`factoryos.bench.trace`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from factoryos.cli.common import JsonOption, console, open_store
from factoryos.report.wording import counted


def trace(
    serials: Annotated[int, typer.Option(min=1, help="Finished serials in the generated history.")] = 10_000,
    components: Annotated[
        int, typer.Option(min=1, help="Components per serial (a tenth of them sub-assemblies).")
    ] = 50,
    backward: Annotated[int, typer.Option(min=1, help="Backward traces timed.")] = 300,
    forward: Annotated[int, typer.Option(min=1, help="Forward traces of supplier lots timed.")] = 50,
    seed: Annotated[int, typer.Option(help="Seed of the serials and lots traced.")] = 1,
    as_json: JsonOption = False,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the generated history in the store.")] = False,
    reuse: Annotated[
        bool, typer.Option("--reuse", help="Time the history a --keep run left, without loading it again.")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            "--database-url",
            help="Database URL (a fresh one: the genealogy must be empty); default $FACTORYOS_DATABASE_URL.",
        ),
    ] = None,
) -> None:
    """Generate N serials x C components, load them (COPY on PostgreSQL), and time traces back and forward."""
    from factoryos.bench.trace import trace_benchmark
    from factoryos.services.trace import trace_lot, trace_serial

    engine = open_store(db, create=not reuse)
    figures = trace_benchmark(
        engine, serials, components, (trace_serial, trace_lot), (backward, forward), seed=seed, keep=keep, reuse=reuse
    )
    if as_json:
        print(json.dumps(figures))
        return
    loaded = "reused" if figures["load_seconds"] is None else f"loaded in {figures['load_seconds']} s"
    console.print(
        f"{counted(figures['serials'], 'serial')} x {counted(figures['components'], 'component')} "
        f"({counted(figures['links'], 'link')}) on "
        f"{figures['database']}, {loaded}; backward p50 {figures['backward_ms_p50']} ms, "
        f"p99 {figures['backward_ms_p99']} ms; forward (a lot in {figures['forward_units_mean']:.0f} units) p50 "
        f"{figures['forward_ms_p50']} ms, p99 {figures['forward_ms_p99']} ms",
        highlight=False,
    )
