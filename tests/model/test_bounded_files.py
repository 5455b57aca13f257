"""Every file a user names is read within its limit: one past it is refused before it is read (a sparse file of
8 GB costs nothing to make and would take 8 GB to read), one that claims to be small is read no further than
the limit, and a device or a folder is refused by name, each in one line that says which file and why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factoryos.model.errors import FactoryosError
from factoryos.model.files import FileTooLarge, read_bounded
from factoryos.model.validate import check_plant_file
from factoryos.model.yamlfile import MAX_BYTES
from tests.cli.test_cli import factoryos

DARK_LIMIT = 1024


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


@given(st.binary(max_size=2 * DARK_LIMIT))
def test_a_file_within_its_limit_reads_whole_and_one_past_it_is_refused(content: bytes) -> None:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bounded-{os.getpid()}.bin"
    path.write_bytes(content)
    try:
        if len(content) <= DARK_LIMIT:
            assert read_bounded(path, DARK_LIMIT, "test file") == content
        else:
            with pytest.raises(FileTooLarge, match="larger than"):
                read_bounded(path, DARK_LIMIT, "test file")
    finally:
        path.unlink()


def test_a_file_that_says_it_is_empty_is_read_no_further_than_the_limit() -> None:
    status = Path("/proc/self/status")  # st_size 0, content of about a kilobyte
    assert status.stat().st_size == 0
    with pytest.raises(FileTooLarge):
        read_bounded(status, 16, "status file")


def test_a_device_a_folder_and_a_missing_file_are_named(tmp_path) -> None:
    with pytest.raises(FactoryosError, match="/dev/zero: not a regular file"):
        read_bounded(Path("/dev/zero"), 10, "plant file")
    with pytest.raises(FactoryosError, match="not a regular file"):
        read_bounded(tmp_path, 10, "plant file")
    with pytest.raises(FactoryosError, match="no such plant file"):
        read_bounded(tmp_path / "gone.yaml", 10, "plant file")


def test_a_huge_plant_file_is_an_issue_with_its_line_not_a_memory_error(tmp_path) -> None:
    plant, issues = check_plant_file(sparse(tmp_path / "huge.yaml", 8 * 2**30))
    assert plant is None
    [issue] = issues
    assert issue.line == 1
    assert f"larger than {MAX_BYTES / 2**20:g} MB, the limit for a plant file" in issue.message


@pytest.mark.parametrize(
    ("command", "file", "kind"),
    [
        (("simulate", "--days", "1", "--plant"), "huge.yaml", "plant file"),
        (("orders", "import"), "huge.jsonl", "file of orders"),
        (("mps", "--plant", "PLANT", "--previous"), "huge.json", "previous MPS"),
    ],
)
def test_each_command_refuses_a_huge_file_in_one_line(tmp_path, command, file, kind) -> None:
    plant = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"
    args = [str(plant) if a == "PLANT" else a for a in command]
    db = f"sqlite:///{tmp_path / 'f.db'}"
    if command[0] == "orders":
        assert factoryos("plant", "load", str(plant), "--db", db, cwd=tmp_path).returncode == 0
        args += [str(sparse(tmp_path / file, 8 * 2**30)), "--db", db]
    else:
        args += [str(sparse(tmp_path / file, 8 * 2**30))]
    result = factoryos(*args, cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert file in line
    assert f"the limit for a {kind}" in line
