"""`factoryos init` and `factoryos demo`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from factoryos.cli.common import DbOption, console, open_store, parse_day
from factoryos.model.errors import FactoryosError

DEMO_MAX_DAYS = 366
"""The demo runs the loop for at most a year: a month takes a minute and a gigabyte."""


def init(db: DbOption = None) -> None:
    """Create the database, or migrate it to the newest schema."""
    from factoryos.store.db import database_url, make_engine, migrate

    revision = migrate(make_engine(db))
    console.print(f"database {database_url(db)} is at revision {revision}")


def demo(
    plant: Annotated[Path | None, typer.Option(help="Plant file; default the EV plant example.")] = None,
    days: Annotated[int, typer.Option(help="Days of orders to run.")] = 30,
    seed: Annotated[int, typer.Option(min=0, help="Random seed.")] = 7,
    start: Annotated[
        str | None,
        typer.Option(
            help="The demo's first day, YYYY-MM-DD; default the plant's first day (the later of its ramp-up start "
            "and as_of)."
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the report.")] = Path("factoryos-report"),
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="An empty database to run on; default the demo's own SQLite file beside its report (OUT/demo.db, "
            "cleared each run), never $FACTORYOS_DATABASE_URL. A database that holds anything is refused.",
        ),
    ] = None,
) -> None:
    """Run the loop on a plant: orders, schedule, twin and OEE for its first ramp-up month, into one report.

    Its orders, plan and run go into a database of its own (OUT/demo.db, made afresh each run), never a plant's."""
    from factoryos.examples import example_plant
    from factoryos.report.html import Report
    from factoryos.services.demo import DemoContext, run_demo

    started = time.perf_counter()
    first_day = parse_day(start) if start is not None else None
    if not 1 <= days <= DEMO_MAX_DAYS:
        raise FactoryosError(f"--days must be 1 to {DEMO_MAX_DAYS} (a year of the loop), got {days:,}")
    plant_file = plant or example_plant("ev-plant")
    if not plant_file.is_file():
        raise FactoryosError(f"{plant_file}: no such plant file")
    if db is None:
        out.mkdir(parents=True, exist_ok=True)
        demo_db = out / "demo.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{demo_db}{suffix}").unlink(missing_ok=True)
        db = f"sqlite:///{demo_db}"
    report = Report(title="factoryos demo", subtitle=f"{plant_file.name}, {days} days, seed {seed}")
    ctx = DemoContext(open_store(db), plant_file, days, seed, console, report, start=first_day)
    console.rule("[bold]factoryos demo")
    path = run_demo(ctx, out)
    console.rule()
    console.print(f"report   {path.resolve()}  ({time.perf_counter() - started:.1f} s)")
