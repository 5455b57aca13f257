"""What every command shares: the console, the database, site, JSON, limit, horizon and demand options, and turning
user errors into one line."""

from __future__ import annotations

import functools
import inspect
import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape

from factoryos.model.errors import FactoryosError

if TYPE_CHECKING:
    from sqlalchemy import Engine

# Piped into a file or another program, output keeps whole lines instead of rich's 80 columns. Errors are
# lines, never tables: they are not wrapped at all, so that a long one stays the one line a script reads.
WIDE = 240
console = Console(emoji=False, width=None if sys.stdout.isatty() else WIDE)
err_console = Console(stderr=True, emoji=False, width=None if sys.stderr.isatty() else WIDE, soft_wrap=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL; default $FACTORYOS_DATABASE_URL or sqlite:///factoryos.db."),
]
SiteOption = Annotated[str | None, typer.Option(help="Which plant, when several are loaded.")]
JsonOption = Annotated[bool, typer.Option("--json", help='Print JSON (a listing as {"items": [...]}) instead of text.')]
LimitOption = Annotated[
    int | None, typer.Option(min=0, help="Show at most this many (0: all); default a page in a table, all with --json.")
]
HorizonDaysOption = Annotated[int, typer.Option("--horizon-days", help="Days in the horizon.", min=1, max=730)]
DemandOption = Annotated[
    str, typer.Option(help="Plan the firm `orders` alone, the `forecast`, or `both` (the forecast net of the orders).")
]


def listing_size(limit: int | None, as_json: bool, page: int = 20) -> int | None:
    """How many rows a listing shows (None: all): `--limit` when given (0: all), else a page in a table and all
    with --json, so that a script reads everything and a person a screenful."""
    if limit is None:
        return None if as_json else page
    return limit or None


def print_items(items: list[dict[str, Any]]) -> None:
    """A listing as JSON, the same shape from every command: `{"items": [...]}`."""
    typer.echo(json.dumps({"items": items}, ensure_ascii=False))


def default_command(action: Callable[..., None]) -> Callable[..., None]:
    """A group's callback that is also its command (`schedule`, beside `schedule show`): `action` runs only
    when no subcommand follows. Its options stay its own; the callback takes the context first."""

    @functools.wraps(action)
    def callback(ctx: typer.Context, **options: Any) -> None:
        if ctx.invoked_subcommand is None:
            action(**options)

    signature = inspect.signature(action, eval_str=True)
    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    callback.__signature__ = signature.replace(parameters=[context, *signature.parameters.values()])  # type: ignore[attr-defined]
    return callback


def run(app: typer.Typer) -> None:
    """Run the command; a user error becomes one line on stderr and exit code 1, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except FactoryosError as error:
        err_console.print("[bold red]error:[/]", escape(str(error)), highlight=False)
        sys.exit(1)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except UnicodeEncodeError as error:  # an argument's bytes were not UTF-8 (the shell passes them through)
        text = ascii(error.object[error.start : error.end])
        err_console.print("[bold red]error:[/]", escape(f"{text} in an argument is not UTF-8 text"), highlight=False)
        sys.exit(1)
    except OSError as error:  # a path or a connection the system refused: a name too long, no permission
        err_console.print("[bold red]error:[/]", escape(str(error)), highlight=False)
        sys.exit(1)
    except typer.TyperException as error:  # a usage error: wrong option, bad value
        context = getattr(error, "ctx", None)
        see = f" (see `{context.command_path} --help`)" if context is not None else ""
        err_console.print("[bold red]error:[/]", escape(error.format_message() + see), highlight=False)
        sys.exit(1)
    except Exception as error:
        if not type(error).__module__.startswith("sqlalchemy"):
            raise
        from factoryos.store.db import describe

        err_console.print("[bold red]database error:[/]", escape(describe(error)), highlight=False)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


def parse_day(text: str, option: str = "--start") -> date:
    """A day given on the command line, or a one-line error naming the option and the format."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FactoryosError(f"{option} {text!r}: expected a date as YYYY-MM-DD") from None
    if not 1970 <= day.year <= 2200:
        raise FactoryosError(f"{option} {text}: the year {day.year} is outside 1970-2200")
    return day


def parse_time(text: str, option: str, clock: ZoneInfo | None = None) -> datetime:
    """A moment given on the command line (ISO 8601; on `clock`, else UTC, when it names no zone), or a one-line
    error."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FactoryosError(f"{option} {text!r}: expected a time as ISO 8601, e.g. 2027-01-04T06:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=clock or UTC)


def on_clock(moment: datetime | str, clock: ZoneInfo, seconds: bool = False) -> str:
    """A stored moment (a datetime or ISO 8601) as the site's people read it: on its clock, its zone named."""
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return f"{at.astimezone(clock):%Y-%m-%d %H:%M{':%S' if seconds else ''} %Z}"


def open_store(db: str | None, create: bool = True) -> Engine:
    """An engine on the chosen database, migrated to the newest schema (a no-op when it already is).

    Read-only commands pass `create=False`: they say there is no database rather than make an empty one."""
    from factoryos.store.db import make_engine, migrate

    engine = make_engine(db, create=create)
    migrate(engine)
    return engine
