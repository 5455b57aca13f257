"""`factoryos bench ...`: speed and quality figures, measured, never asserted in tests."""

import typer

app = typer.Typer(help="Benchmarks: scheduling, the twin engine, ingestion.", no_args_is_help=True)
