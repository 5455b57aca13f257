"""`factoryos bench ...`: speed and quality figures, measured, never asserted in tests."""

import typer

from factoryos.cli import (
    bench_configure,
    bench_forecast,
    bench_ingest,
    bench_mrp,
    bench_plant,
    bench_scheduling,
    bench_trace,
    bench_twin,
)

app = typer.Typer(
    help="Benchmarks: scheduling, the twin engine, ingestion, the forecast, MRP, trace.", no_args_is_help=True
)
app.command("twin")(bench_twin.twin)
app.command("scheduling")(bench_scheduling.scheduling)
app.command("ingest")(bench_ingest.ingest)
app.command("plant")(bench_plant.plant)
app.command("configure")(bench_configure.configure)
app.command("forecast")(bench_forecast.forecast)
app.command("mrp")(bench_mrp.mrp)
app.command("trace")(bench_trace.trace)
