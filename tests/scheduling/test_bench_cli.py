"""`factoryos bench scheduling`: one JSON line per instance, solution files numbered as in the input."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from factoryos.cli.bench import app


def test_json_lines_and_solution_files(instances, optimum, tmp_path):
    files = [str(instances / "jssp/ft06.txt"), str(instances / "fjsp/mk01.fjs")]
    outcome = CliRunner().invoke(
        app, ["scheduling", *files, "--time-limit", "20", "--json", "--solution-dir", str(tmp_path)]
    )
    assert outcome.exit_code == 0, outcome.output
    lines = [json.loads(line) for line in outcome.output.splitlines()]
    assert [line["instance"] for line in lines] == ["ft06", "mk01"]
    assert all(line["feasible"] for line in lines)
    assert [line["makespan"] for line in lines] == [optimum["ft06"], optimum["mk01"]]
    assert set(lines[0]) == {"instance", "makespan", "seconds", "feasible"}
    ft06 = json.loads((tmp_path / "ft06.json").read_text())
    assert ft06["makespan"] == optimum["ft06"]
    assert len(ft06["operations"]) == 36
    first = next(op for op in ft06["operations"] if op["job"] == 0 and op["index"] == 0)
    assert first["machine"] == 2
    assert first["end"] - first["start"] == 1
    mk01 = json.loads((tmp_path / "mk01.json").read_text())
    machines = {op["machine"] for op in mk01["operations"]}
    assert min(machines) >= 1
    assert max(machines) <= 6
    assert max(op["end"] for op in mk01["operations"]) == optimum["mk01"]


def test_a_malformed_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("2 2\n0 1 x\n")
    outcome = CliRunner().invoke(app, ["scheduling", str(bad)])
    assert outcome.exit_code != 0
    assert "line 2" in str(outcome.exception)
