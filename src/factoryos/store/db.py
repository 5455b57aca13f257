"""Engines, sessions and migrations. The database is chosen by `FACTORYOS_DATABASE_URL` (or `--db`)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from sqlalchemy import Engine, MetaData, Table, create_engine, event
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from factoryos.model.errors import FactoryosError

T = TypeVar("T")

DEFAULT_URL = "sqlite:///factoryos.db"
MIGRATIONS = Path(__file__).parent / "migrations"
POOL_SIZE = 16
"""Connections a server process keeps open: as many as the order API has requests in flight under load, so
that none is opened and closed per request."""

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every table, with constraint names that migrations can refer to."""

    metadata = MetaData(naming_convention=NAMING)
    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # SQLAlchemy types it as any FromClause; every class here maps one table


class DatabaseError(FactoryosError):
    """The database cannot be reached, opened or created: a bad URL, a missing database, an unwritable path."""


def database_url(url: str | None = None) -> str:
    return url or os.environ.get("FACTORYOS_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None, create: bool = True) -> Engine:
    """An engine on the database at `url`; with `create=False` a SQLite file must already exist, so that a
    read-only command never leaves an empty database behind."""
    url = database_url(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            _check_sqlite_path(parsed.database, create)
        sqlite = parsed.get_backend_name() == "sqlite"
        pooled = {} if sqlite else {"pool_size": POOL_SIZE, "max_overflow": 2 * POOL_SIZE}
        engine = create_engine(url, future=True, **pooled)
    except ArgumentError as error:
        raise DatabaseError(f"{url}: not a database URL ({error})") from None
    except ImportError as error:
        raise DatabaseError(f"{url}: no driver for this database ({error})") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _check_sqlite_path(database: str | None, create: bool) -> None:
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.exists():
        if path.is_dir():
            raise DatabaseError(f"{path}: is a folder, not a database file")
        return
    if not create:
        raise DatabaseError(f"{path}: no such database; `factoryos init` or `factoryos plant load` creates it")
    if not path.parent.is_dir():
        raise DatabaseError(f"{path}: the folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK):
        raise DatabaseError(f"{path}: the folder {path.parent} is not writable")


def affected(result: Result[Any]) -> int:
    """The rows a DELETE or UPDATE matched. SQLAlchemy types what `Session.execute` returns as a plain `Result`,
    which has no row count; for these statements it is a `CursorResult`."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"a {type(result).__name__} has no row count")
    return result.rowcount


def describe(error: BaseException) -> str:
    """One line for a database error: the driver's own first line, without SQLAlchemy's boilerplate."""
    message = str(getattr(error, "orig", None) or error).strip()
    return message.splitlines()[0] if message else type(error).__name__


def tables_with_rows(engine: Engine) -> list[str]:
    """The tables of the database behind `engine` that hold at least one row (the migrations' own bookkeeping
    aside): what a command that must start on an empty database refuses."""
    from sqlalchemy import inspect, literal, select, table

    names = sorted(set(inspect(engine).get_table_names()) - {"alembic_version"})
    with engine.connect() as connection:
        return [
            name
            for name in names
            if connection.execute(select(literal(1)).select_from(table(name)).limit(1)).first() is not None
        ]


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")  # a second writer waits for the first rather than failing
    cursor.close()


def migrate(engine: Engine) -> str:
    """Create or upgrade the schema to the newest migration; returns the revision now in place."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")  # one migration at a time; the next finds it done
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() or "base"
    except SQLAlchemyError as error:
        raise DatabaseError(f"{engine.url.render_as_string(hide_password=True)}: {describe(error)}") from None


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back whole on any error."""
    with sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
        yield session


def row_of(table: type[Base], source: object, **values: Any) -> dict[str, Any]:
    """A row of `table` from `source`: each column takes `values[column]` where given, else `source`'s attribute
    of the same name (an enum as its value); a column that neither has (a generated id) is left to the table."""
    row: dict[str, Any] = {}
    for column in (c.key for c in table.__table__.columns):
        if column in values:
            row[column] = values[column]
        elif hasattr(source, column):
            value = getattr(source, column)
            row[column] = value.value if isinstance(value, Enum) else value
    return row


def as_utc(moment: datetime) -> datetime:
    """A moment read back from the database: SQLite keeps no zone, so one without it is the UTC it was written in."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def like_prefix(prefix: str) -> str:
    """`prefix` as the start of a LIKE pattern with the escape character backslash. SQLite's LIKE ignores the
    case of ASCII letters and PostgreSQL's does not: where case matters, an exact prefix comparison goes beside
    the LIKE."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def record_as(cls: type[T], record: object, **values: Any) -> T:
    """The dataclass `cls` of a stored `record`: each field takes `values[field]` where given, else the record's
    column of the same name (a moment stored without its zone read back as the UTC it was written in); a field
    the record has no column for keeps its default."""
    arguments: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in values:
            arguments[field.name] = values[field.name]
        elif hasattr(record, field.name):
            value = getattr(record, field.name)
            arguments[field.name] = as_utc(value) if isinstance(value, datetime) else value
    return cls(**arguments)
