"""The database as a new user meets it: every way of pointing at a wrong one is one line, never a traceback,
and a command that only reads leaves no database behind."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from factoryos import __version__

from .test_cli import factoryos

POSTGRES_URL = os.environ.get("FACTORYOS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not a database URL"),
        ("sqlite:////no/such/folder/f.db", "does not exist"),
        ("nosuchdialect://x@y/z", "not a database URL"),
    ],
)
def test_a_bad_database_is_named_in_one_line(tmp_path, url, expected):
    line = one_line_error(factoryos("init", "--db", url, cwd=tmp_path))
    assert expected in line


def test_an_unwritable_folder_is_named(tmp_path):
    if os.geteuid() == 0:
        folder = tmp_path / "a-file"
        folder.write_text("")
        url = f"sqlite:///{folder}/f.db"  # a path under a file: no user can create it
    else:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o500)
        url = f"sqlite:///{folder}/f.db"
    line = one_line_error(factoryos("init", "--db", url, cwd=tmp_path))
    assert str(folder) in line


@pytest.mark.postgres
def test_a_missing_postgres_database_is_one_line(tmp_path):
    missing = POSTGRES_URL.rsplit("/", 1)[0] + f"/missing_{uuid.uuid4().hex[:8]}"
    line = one_line_error(factoryos("init", "--db", missing, cwd=tmp_path))
    assert "does not exist" in line


def test_a_read_only_command_creates_no_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'never.db'}"
    line = one_line_error(factoryos("schedule", "show", "--db", url, cwd=tmp_path))
    assert "no such database" in line
    assert not list(tmp_path.glob("never.db*"))


def test_version(tmp_path):
    result = factoryos("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"factoryos {__version__}"
    assert __version__ != "0+unknown"


def test_piped_output_keeps_long_lines_whole(tmp_path):
    deep = tmp_path / ("a-folder-with-a-long-name-" * 4)
    deep.mkdir()
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}  # no COLUMNS: as a pipe sees it
    result = subprocess.run(
        [sys.executable, "-c", "from factoryos.cli import main; main()", "init", "--db", f"sqlite:///{deep}/f.db"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    assert str(deep) in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ("plant", "show"),
        ("orders", "list"),
        ("orders", "rejected"),
        ("iot", "dead-letters"),
        ("iot", "stats"),
        ("iot", "retention"),
        ("oee", "--ideal-cycle", "60"),
        ("tenants", "list"),
        ("iot", "prune"),
        ("iot", "rollup", "--from", "2027-01-01T00:00:00+00:00", "--to", "2027-01-02T00:00:00+00:00"),
        ("bench", "trace", "--reuse"),
    ],
)
def test_no_command_on_stored_data_creates_a_database(tmp_path, command):
    """Reading, pruning and recomputing work on data that must already be there: a mistyped URL is an error."""
    url = f"sqlite:///{tmp_path / 'never.db'}"
    line = one_line_error(factoryos(*command, "--db", url, cwd=tmp_path))
    assert "no such database" in line
    assert not list(tmp_path.glob("never.db*"))
