"""Shared fixtures: the example plants, the benchmark folder, and databases on SQLite and PostgreSQL.

Services are found through environment variables with the local defaults, so the suite runs the same on
a laptop with the services installed and in CI.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from factoryos.examples import example_plant
from factoryos.model.validate import load_plant
from factoryos.store.db import make_engine, migrate

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("FACTORYOS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def ev_plant():
    return load_plant(example_plant("ev-plant"))


@pytest.fixture(scope="session")
def appliance_plant():
    return load_plant(example_plant("appliance-plant"))


@pytest.fixture(scope="session")
def kiln_plant():
    """Our own plant beside the examples: lights-out cells, a batch kiln, parallel glazing lines."""
    return load_plant(ROOT / "tests" / "data" / "kiln-plant.yaml")


@pytest.fixture(scope="session")
def weekday_cell_plant():
    """Our own plant with a lights-out cell on a calendar of weekdays around the clock with a public holiday."""
    return load_plant(ROOT / "tests" / "data" / "weekday-cell-plant.yaml")


@pytest.fixture(scope="session")
def benchmarks_dir() -> Path:
    return Path(os.environ.get("FACTORYOS_BENCHMARKS", ROOT.parent / "shared" / "benchmarks"))


def _fresh_postgres_database(template: str | None = None):
    """A new database on the test server, empty or a copy of `template`; dropped again by the caller."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"factoryos_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    url = admin.url.set(database=name)
    return admin, name, url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite database migrated once a session (each worker's), which each test that wants an empty one copies:
    running the migrations for every test would take a good part of the suite."""
    path = tmp_path_factory.mktemp("migrated") / "factoryos.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres():
    """A PostgreSQL database migrated once a session, the template each test's empty database is created from."""
    admin, name, url = _fresh_postgres_database()
    engine = make_engine(url.render_as_string(hide_password=False))
    migrate(engine)
    engine.dispose()  # a template may have no connections while it is copied
    yield name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _copied_sqlite(migrated: Path, folder: Path) -> str:
    path = folder / "factoryos.db"
    shutil.copyfile(migrated, path)
    return f"sqlite:///{path}"


def _at_once(call, times: int = 2) -> list[object]:
    """Run `call` in `times` threads released together; what each returned, or the exception it raised."""
    barrier = threading.Barrier(times)
    outcomes: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            outcomes.append(call())
        except Exception as error:  # noqa: BLE001  (the test reports whatever went wrong)
            outcomes.append(error)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def at_once():
    """Run a call in several threads at the same moment (two writers racing), collecting the outcomes."""
    return _at_once


@pytest.fixture
def sqlite_url(migrated_sqlite, tmp_path) -> str:
    """The URL of a migrated, empty SQLite database in the test's own folder."""
    return _copied_sqlite(migrated_sqlite, tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        engine = make_engine(_copied_sqlite(request.getfixturevalue("migrated_sqlite"), tmp_path))
        yield engine
        engine.dispose()
        return
    yield from _postgres_engine(request.getfixturevalue("migrated_postgres"))


@pytest.fixture
def postgres_engine(migrated_postgres):
    """A migrated, empty PostgreSQL database, for what only PostgreSQL does."""
    yield from _postgres_engine(migrated_postgres)


def _postgres_engine(template: str):
    admin, name, url = _fresh_postgres_database(template)
    engine = make_engine(url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()
