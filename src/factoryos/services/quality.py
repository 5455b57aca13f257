"""Quality use cases over files: read sensor tables from CSV and run the multivariate monitor on them."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from factoryos.model.errors import FactoryosError
from factoryos.quality.monitor import monitor


def read_sensor_table(path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    """A CSV with a header row of sensor names and one sample per row, every cell a finite number."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except OSError as error:
        raise FactoryosError(f"{path}: cannot read: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise FactoryosError(f"{path}: not a UTF-8 text file") from error
    except csv.Error as error:
        raise FactoryosError(f"{path}: not a readable CSV: {error}") from error
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise FactoryosError(f"{path}: empty; expected a header row of sensor names and one sample per row")
    sensors = _header(path, rows[0])
    values = np.empty((len(rows) - 1, len(sensors)))
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(sensors):
            raise FactoryosError(f"{path}, line {line}: {len(row)} values for {len(sensors)} sensors")
        values[line - 2] = [
            _number(f"{path}, line {line}: sensor {name!r}", cell) for name, cell in zip(sensors, row, strict=True)
        ]
    return sensors, values


def _header(path: Path, row: list[str]) -> tuple[str, ...]:
    sensors = tuple(name.strip() for name in row)
    if any(not name for name in sensors):
        raise FactoryosError(f"{path}: the header has an empty sensor name (column {sensors.index('') + 1})")
    if len(set(sensors)) != len(sensors):
        twice = next(name for name in sensors if sensors.count(name) > 1)
        raise FactoryosError(f"{path}: sensor {twice!r} appears twice in the header")
    return sensors


def _number(where: str, cell: str) -> float:
    try:
        number = float(cell)
    except ValueError:
        raise FactoryosError(f"{where} has {cell.strip()!r}, not a number") from None
    if not math.isfinite(number):
        raise FactoryosError(f"{where} is {cell.strip()}, not a finite number")
    return number


def monitor_files(train: Path, test: Path, method: str = "pca") -> dict[str, Any]:
    """Learn normal operation from the training CSV and judge every row of the test CSV; the answer as plain
    data: method, an alarm (0 or 1) and the statistic per test row (null for the first rows of a lagged model,
    which lack a past), the limit, and the top sensors of each alarmed row."""
    sensors, learn = read_sensor_table(train)
    test_sensors, judge = read_sensor_table(test)
    if test_sensors != sensors:
        missing = [name for name in sensors if name not in test_sensors]
        extra = [name for name in test_sensors if name not in sensors]
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"not in training {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise FactoryosError(
            f"{test}: its sensors differ from the training file's ({detail or 'the same names in another order'})"
        )
    if judge.shape[0] == 0:
        raise FactoryosError(f"{test}: no samples after the header")
    verdict = monitor(learn, judge, sensors, method)
    return {
        "method": verdict.method,
        "alarms": list(verdict.alarms),
        "statistic": [None if value is None else round(value, 6) for value in verdict.statistic],
        "limit": round(verdict.limit, 6),
        "contributions": [
            {"row": row, "sensors": [[name, share] for name, share in blamed]} for row, blamed in verdict.contributions
        ],
    }
