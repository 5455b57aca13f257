"""Malformed benchmark files get an error that names the file and the line."""

from __future__ import annotations

import pytest

from factoryos.model.errors import FactoryosError
from factoryos.scheduling import read_fjsp, read_instance, read_jssp


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_jssp_reads_routes_in_order(tmp_path):
    problem = read_jssp(write(tmp_path, "tiny.txt", "2 2\n0 3 1 2\n1 4 0 1\n"))
    assert [problem.operations[op].modes[0].machine for op in problem.jobs[1].operations] == [1, 0]
    assert (0, 1) in problem.precedences
    assert (2, 3) in problem.precedences


def test_fjsp_machines_are_one_based_in_the_file(tmp_path):
    problem = read_fjsp(write(tmp_path, "tiny.fjs", "1 2 1.5\n2 2 1 3 2 4 1 2 5\n"))
    assert [(m.machine, m.duration) for m in problem.operations[0].modes] == [(0, 3), (1, 4)]
    assert [(m.machine, m.duration) for m in problem.operations[1].modes] == [(1, 5)]


@pytest.mark.parametrize(
    ("name", "text", "line", "words"),
    [
        ("bad.txt", "2 2\n0 3 1 x\n1 4 0 1\n", 2, "whole numbers"),
        ("odd.txt", "2 2\n0 3 1\n1 4 0 1\n", 2, "pairs"),
        ("machine.txt", "2 2\n0 3 1 2\n5 4 0 1\n", 3, "machine 5"),
        ("short.txt", "3 2\n0 3 1 2\n1 4 0 1\n", 1, "expected 3 job lines"),
        ("zero.fjs", "1 2 1\n1 1 0 3\n", 2, "machine 0"),
        ("cut.fjs", "1 2 1\n2 1 1 3\n", 2, "line ends"),
        ("extra.fjs", "1 2 1\n1 1 1 3 9\n", 2, "extra numbers"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path, name, text, line, words):
    path = write(tmp_path, name, text)
    with pytest.raises(FactoryosError) as error:
        read_instance(path)
    assert str(path) in str(error.value)
    assert f"line {line}" in str(error.value)
    assert words in str(error.value)


def test_a_missing_huge_or_binary_file_is_named(tmp_path):
    with pytest.raises(FactoryosError, match="nope.txt: no such scheduling instance"):
        read_instance(tmp_path / "nope.txt")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(8 * 2**30)
    with pytest.raises(FactoryosError, match="huge.txt: larger than 16 MB"):
        read_instance(huge)
    binary = tmp_path / "ft06.txt"
    binary.write_bytes(b"6 6\n\xff\xfe")
    with pytest.raises(FactoryosError, match="ft06.txt: not UTF-8 text"):
        read_instance(binary)
