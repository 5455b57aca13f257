"""The `factoryos` command. Each area's commands live in their own module and are registered here."""

from __future__ import annotations

from typing import Annotated

import typer

from factoryos.cli import (
    bench,
    common,
    forecast,
    iot,
    mps,
    orders,
    plan,
    plant,
    quality,
    schedule,
    serve,
    simulate,
    system,
    tenants,
    trace,
)


def _version(value: bool) -> None:
    if value:
        from factoryos import __version__

        typer.echo(f"factoryos {__version__}")
        raise typer.Exit()


app = typer.Typer(
    name="factoryos",
    help="factoryos: configure, plan, schedule, run, sense and assure a smart C2M factory.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """factoryos: configure, plan, schedule, run, sense and assure a smart C2M factory."""


app.command("init")(system.init)
app.command("demo")(system.demo)
app.add_typer(plant.app, name="plant")
app.add_typer(orders.app, name="orders")
app.add_typer(schedule.app, name="schedule")
app.command("forecast")(forecast.forecast)
app.command("mps")(mps.mps)
app.add_typer(plan.app, name="plan")
app.command("simulate")(simulate.simulate)
app.command("ingest")(iot.ingest)
app.command("oee")(iot.oee)
app.add_typer(iot.app, name="iot")
app.add_typer(bench.app, name="bench")
app.add_typer(tenants.app, name="tenants")
app.add_typer(quality.app, name="quality")
app.command("trace")(trace.trace)
app.add_typer(trace.hold_app, name="hold")
app.command("serve")(serve.serve)


def main() -> None:
    common.run(app)
