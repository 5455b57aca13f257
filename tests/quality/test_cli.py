import json
import sys

import numpy as np
import pytest

from factoryos.cli import main

from .cell import SENSORS, simulate_cell


def write(path, sensors, rows):
    path.write_text(",".join(sensors) + "\n" + "\n".join(",".join(str(v) for v in row) for row in rows) + "\n")
    return path


def run(monkeypatch, capsys, *args):
    """The command in-process, through the same entry point that turns user errors into one line."""
    monkeypatch.setattr(sys, "argv", ["factoryos", *args])
    with pytest.raises(SystemExit) as stopped:
        main()
    out = capsys.readouterr()
    return stopped.value.code, out.out, out.err


@pytest.fixture(scope="module")
def data():
    return simulate_cell(600, seed=31), simulate_cell(300, seed=32, drift_from=100, drift_per_row=0.02)


def test_monitor_prints_the_documented_json(tmp_path, monkeypatch, capsys, data):
    train = write(tmp_path / "train.csv", SENSORS, data[0])
    test = write(tmp_path / "test.csv", SENSORS, data[1])
    code, out, _ = run(monkeypatch, capsys, "quality", "monitor", "--train", str(train), "--test", str(test), "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"method", "alarms", "statistic", "limit", "contributions"}
    assert result["method"] == "pca"
    assert len(result["alarms"]) == len(result["statistic"]) == 300
    assert set(result["alarms"]) <= {0, 1}
    assert np.mean(result["alarms"][200:]) > 0.5
    alarmed = [i for i, a in enumerate(result["alarms"]) if a]
    assert [item["row"] for item in result["contributions"]] == alarmed
    assert all(
        name in SENSORS and 0 <= share <= 1 for item in result["contributions"] for name, share in item["sensors"]
    )


def test_monitor_table_output_and_methods(tmp_path, monkeypatch, capsys, data):
    train = write(tmp_path / "train.csv", SENSORS, data[0])
    test = write(tmp_path / "test.csv", SENSORS, data[1])
    code, out, _ = run(
        monkeypatch, capsys, "quality", "monitor", "--train", str(train), "--test", str(test), "--method", "dpca"
    )
    assert code == 0
    assert out.startswith("dpca: ")


@pytest.mark.parametrize(
    ("test_header", "edit", "message"),
    [
        (SENSORS[:-1], lambda rows: rows[:, :-1], "missing coolant_pressure"),
        (SENSORS[:-1] + ("flow_2",), lambda rows: rows, "not in training flow_2"),
        (
            SENSORS,
            lambda rows: rows.astype(object).tolist()[:5] + [["abc"] + list(rows[5, 1:])],
            "line 7: sensor 'spindle_power' has 'abc'",
        ),
        (SENSORS, lambda rows: rows.astype(object).tolist()[:5] + [[float("nan")] + list(rows[5, 1:])], "is nan"),
        (SENSORS, lambda rows: [list(rows[0, :-1])], "line 2: 7 values for 8 sensors"),
        (SENSORS, lambda rows: [], "no samples"),
    ],
)
def test_bad_test_file_is_one_line(tmp_path, monkeypatch, capsys, data, test_header, edit, message):
    train = write(tmp_path / "train.csv", SENSORS, data[0])
    test = write(tmp_path / "test.csv", test_header, edit(data[1]))
    code, out, err = run(monkeypatch, capsys, "quality", "monitor", "--train", str(train), "--test", str(test))
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_too_few_training_rows_and_bad_method_are_one_line(tmp_path, monkeypatch, capsys, data):
    short = write(tmp_path / "short.csv", SENSORS, data[0][:30])
    test = write(tmp_path / "test.csv", SENSORS, data[1])
    code, _, err = run(monkeypatch, capsys, "quality", "monitor", "--train", str(short), "--test", str(test))
    assert code == 1
    assert "too few training rows" in err
    train = write(tmp_path / "train.csv", SENSORS, data[0])
    code, _, err = run(
        monkeypatch, capsys, "quality", "monitor", "--train", str(train), "--test", str(test), "--method", "x"
    )
    assert code == 1
    assert "unknown monitoring method 'x'" in err
