"""`factoryos serve`: the order API under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from factoryos.cli.common import DbOption, console


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (use PostgreSQL for more than one).", min=1)] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request (costs CPU under load).")] = False,
    db: DbOption = None,
) -> None:
    """Serve the order API (OpenAPI at /docs); keys come from `factoryos tenants key TENANT`."""
    import uvicorn

    from factoryos.store.db import database_url, make_engine, migrate

    url = database_url(db)
    migrate(make_engine(url))
    os.environ["FACTORYOS_DATABASE_URL"] = url  # the workers build the app from the environment
    console.print(f"factoryos API on http://{host}:{port}/docs ({workers} worker{'s' * (workers > 1)})")
    uvicorn.run(
        "factoryos.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log,
        loop="uvloop",
        http="httptools",
    )
