"""What every command shares: the console, the database option, and turning user errors into one line."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from factoryos.model.errors import FactoryosError

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL; default $FACTORYOS_DATABASE_URL or sqlite:///factoryos.db."),
]


def run(app: typer.Typer) -> None:
    try:
        app(standalone_mode=False)
    except FactoryosError as error:
        err_console.print(f"[bold red]error:[/] {error}", highlight=False, markup=True)
        sys.exit(1)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except (typer.Exit, SystemExit) as done:
        sys.exit(getattr(done, "exit_code", None) or getattr(done, "code", 0) or 0)
    except Exception as error:  # click usage errors carry their own exit code
        from click import ClickException

        if isinstance(error, ClickException):
            error.show()
            sys.exit(error.exit_code)
        raise


def open_store(db: str | None):
    """An engine on the chosen database, migrated to the newest schema (a no-op when it already is)."""
    from factoryos.store.db import make_engine, migrate

    engine = make_engine(db)
    migrate(engine)
    return engine
