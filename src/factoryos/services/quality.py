"""Quality use cases over files: read sensor tables and data columns from CSV, and run the multivariate
monitor, a control chart with its run rules, or a capability study on them."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from factoryos.model.errors import FactoryosError
from factoryos.model.estimate import Estimate
from factoryos.model.files import read_bounded
from factoryos.quality import spc
from factoryos.quality.capability import capability
from factoryos.quality.monitor import monitor
from factoryos.quality.rules import NELSON, WESTERN_ELECTRIC, check
from factoryos.quality.spc import ChartSet

CSV_BYTES = 64 * 2**20
"""A CSV of measurements larger than this is refused: about eight million values, a year of a sensor a
second, and its rows take some ten times that in memory."""


LARGEST = 1e150
"""No measurement comes near it, and the squares and sums of values up to it stay within a float."""


def _rows(path: Path) -> list[list[str]]:
    """The CSV's non-blank rows; a clear error when it cannot be read."""
    content = read_bounded(path, CSV_BYTES, "CSV of measurements")
    try:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    except UnicodeDecodeError as error:
        raise FactoryosError(f"{path}: not a UTF-8 text file") from error
    except csv.Error as error:
        raise FactoryosError(f"{path}: not a readable CSV: {error}") from error
    return [row for row in rows if any(cell.strip() for cell in row)]


def read_sensor_table(path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    """A CSV with a header row of sensor names and one sample per row, every cell a finite number."""
    rows = _rows(path)
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


def _header(path: Path, row: list[str], what: str = "sensor") -> tuple[str, ...]:
    sensors = tuple(name.strip() for name in row)
    if any(not name for name in sensors):
        raise FactoryosError(f"{path}: the header has an empty {what} name (column {sensors.index('') + 1})")
    if len(set(sensors)) != len(sensors):
        twice = next(name for name in sensors if sensors.count(name) > 1)
        raise FactoryosError(f"{path}: {what} {twice!r} appears twice in the header")
    return sensors


def read_columns(path: Path, *columns: str) -> list[np.ndarray]:
    """The named columns of a CSV with a header row, every cell of them a finite number (other columns may
    hold anything)."""
    rows = _rows(path)
    if not rows:
        raise FactoryosError(f"{path}: empty; expected a header row of column names and one value per row")
    header = _header(path, rows[0], "column")
    missing = [name for name in columns if name not in header]
    if missing:
        raise FactoryosError(f"{path}: no column {missing[0]!r}; the columns are {', '.join(header)}")
    if len(rows) < 2:
        raise FactoryosError(f"{path}: no values after the header")
    for line, row in enumerate(rows[1:], start=2):
        if len(row) > len(header):
            raise FactoryosError(f"{path}, line {line}: {len(row)} fields under a header of {len(header)} columns")
    found = []
    for name in columns:
        k = header.index(name)
        cells = [(line, row[k] if k < len(row) else "") for line, row in enumerate(rows[1:], start=2)]
        found.append(np.array([_number(f"{path}, line {line}: column {name!r}", cell) for line, cell in cells]))
    return found


def _number(where: str, cell: str) -> float:
    if not cell.strip():
        raise FactoryosError(f"{where} is empty, not a number")
    try:
        number = float(cell)
    except ValueError:
        raise FactoryosError(f"{where} has {cell.strip()!r}, not a number") from None
    if not math.isfinite(number):
        raise FactoryosError(f"{where} is {cell.strip()}, not a finite number")
    if abs(number) > LARGEST:
        raise FactoryosError(f"{where} is {cell.strip()}, beyond ±{LARGEST:g}: too large to chart")
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


CHARTS = ("xbar-r", "xbar-s", "imr", "p", "np", "c", "u", "ewma", "cusum")
CHART_NAMES = {"i-mr": "imr", "x-mr": "imr", "xbar/r": "xbar-r", "xbar/s": "xbar-s"}
"""The charts' names as SPC texts write them."""
RULE_SETS = {"we": WESTERN_ELECTRIC, "nelson": NELSON}
SHEWHART = {"xbar", "i", "p", "np", "c", "u"}
"""The charts whose points are independent and near normal, on which run rules apply; on ranges and deviations
only a point beyond a limit alarms, and EWMA and CUSUM alarm by their own rule (`ControlChart.own_rule`)."""


def _subgrouped(values: np.ndarray, size: int) -> np.ndarray:
    """The values in whole subgroups of `size`, a row each; a partial last subgroup (a log cut off mid-subgroup)
    is left out, as the caller says, rather than the file refused."""
    if size < 2:
        raise FactoryosError(f"an X-bar chart needs subgroups of 2 or more (--subgroup), not {size}")
    return values[: values.size - values.size % size].reshape(-1, size)


def _chart_data(
    chart: str, values: np.ndarray, subgroup: int, sizes: np.ndarray | None
) -> tuple[Callable[..., ChartSet], list[np.ndarray]]:
    """The chart function (options bound) and its data arrays, one row per subgroup."""
    if chart in ("xbar-r", "xbar-s"):
        return (spc.xbar_r if chart == "xbar-r" else spc.xbar_s), [_subgrouped(values, subgroup)]
    if chart in ("imr", "ewma", "cusum", "c"):
        function = {"imr": spc.individuals, "ewma": spc.ewma, "cusum": spc.cusum, "c": spc.c_chart}[chart]
        return function, [values]
    if sizes is None:
        raise FactoryosError(f"a {chart} chart needs the units inspected: --size N or --size-column NAME")
    if chart == "np":
        if np.unique(sizes).size != 1:
            raise FactoryosError("an np chart needs one sample size; with sizes that vary use a p chart")
        return partial(spc.np_chart, size=float(sizes[0])), [values]
    return (spc.p_chart if chart == "p" else spc.u_chart), [values, sizes]


def _phase_one_chart(chart: str, function: Callable[..., ChartSet]) -> Callable[..., ChartSet]:
    """The chart whose phase I sets the limits: an EWMA or CUSUM accumulates, so one shifted stretch puts
    every later point out of control and phase I would drop most of the baseline; their target and sigma come
    from the individuals chart's phase I instead (Montgomery, 9.1 and 9.2)."""
    return spc.individuals if chart in ("ewma", "cusum") else function


def _listed(array: np.ndarray) -> list[float | None]:
    return [None if math.isnan(v) else round(float(v), 9) for v in array]


def control_chart_study(
    values: np.ndarray,
    chart: str = "imr",
    rules: str = "nelson",
    *,
    subgroup: int = 5,
    sizes: np.ndarray | None = None,
    baseline: int | None = None,
) -> dict[str, Any]:
    """Phase I on the first `baseline` subgroups (all without it): limits estimated, out-of-control subgroups
    dropped and the limits re-estimated until none is left; then every subgroup charted against those limits
    (phase II for those after the baseline), with the alarms of the chosen run rules. `left_out`: the values of
    a partial last subgroup of an X-bar chart, not charted."""
    chart = CHART_NAMES.get(chart.strip().lower(), chart.strip().lower())
    if chart not in CHARTS:
        raise FactoryosError(f"unknown chart {chart!r}; the charts are {', '.join(CHARTS)}")
    if rules not in RULE_SETS:
        raise FactoryosError(f"unknown rule set {rules!r}; the rule sets are {', '.join(RULE_SETS)}")
    function, data = _chart_data(chart, values, subgroup, sizes)
    left_out = values.size - data[0].size
    count = len(data[0])
    if count < 2:
        raise FactoryosError(f"a control chart needs 2 subgroups or more; the data make {count}")
    learn = count if baseline is None else baseline
    if not 2 <= learn <= count:
        raise FactoryosError(f"the baseline must be between 2 and the {count} subgroups, not {learn}")
    study = spc.phase_one(_phase_one_chart(chart, function), *(array[:learn] for array in data))
    charts = function(*data, params=study.charts.params)
    chosen = RULE_SETS[rules]
    alarms = [
        (one.name, alarm)
        for one in charts.charts
        for alarm in check(one, chosen if one.name in SHEWHART else chosen[:1])
    ]
    return {
        "chart": chart,
        "rules": rules,
        "center": charts.params.center,
        "sigma": _finite(charts.params.sigma),
        "phase_one": {"subgroups": learn, "excluded": list(study.excluded), "rounds": study.rounds},
        "left_out": left_out,
        "charts": [
            {
                "name": one.name,
                "points": _listed(one.points),
                "center": _listed(one.center),
                "lower": _listed(one.lower),
                "upper": _listed(one.upper),
            }
            for one in charts.charts
        ],
        "alarms": [
            {"chart": name, "rule": a.rule, "meaning": a.meaning, "index": a.index, "points": list(a.points)}
            for name, a in alarms
        ],
    }


def spc_of_file(
    path: Path,
    column: str,
    chart: str = "imr",
    rules: str = "nelson",
    *,
    subgroup: int = 5,
    size: int | None = None,
    size_column: str | None = None,
    baseline: int | None = None,
) -> dict[str, Any]:
    """A control chart of a CSV column (see `control_chart_study`); sizes from a column or one for all rows."""
    if size is not None and size_column is not None:
        raise FactoryosError("give --size or --size-column, not both")
    columns = read_columns(path, column, *([size_column] if size_column else []))
    sizes = columns[1] if size_column else (None if size is None else np.full(columns[0].size, float(size)))
    return control_chart_study(columns[0], chart, rules, subgroup=subgroup, sizes=sizes, baseline=baseline)


def _finite(value: float) -> float | None:
    """A figure as JSON has it: null where there is none (NaN)."""
    return None if math.isnan(value) else value


def _index(index: Estimate | None) -> dict[str, float] | None:
    return None if index is None else {"value": index.value, "lower": index.lower, "upper": index.upper}


def _limit(option: str, limit: float | None) -> None:
    if limit is None:
        return
    if math.isnan(limit):
        raise FactoryosError(f"{option} is nan, not a number")
    if not abs(limit) <= LARGEST:
        raise FactoryosError(f"{option} is {limit:g}, beyond ±{LARGEST:g}: too large to compute with")


def capability_of_file(
    path: Path,
    column: str,
    lsl: float | None,
    usl: float | None,
    *,
    subgroup: int = 1,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Cp, Cpk, Pp, Ppk of a CSV column with confidence intervals and the normality tests (with one limit, Cp and
    Pp null and Cpk and Ppk the one-sided indices), and the fractions expected beyond each limit; the within
    sigma from the mean range of subgroups of `subgroup` consecutive values (the moving range when 1), a partial
    last subgroup left out of it (`left_out` values)."""
    if lsl is None and usl is None:
        raise FactoryosError("give --lsl, --usl or both: capability is judged against a specification limit")
    _limit("--lsl", lsl)
    _limit("--usl", usl)
    (values,) = read_columns(path, column)
    within, left_out = None, 0
    if subgroup > 1:
        subgroups = _subgrouped(values, subgroup)
        within, left_out = spc.xbar_r(subgroups).params.sigma, values.size - subgroups.size
    result = capability(values, lsl, usl, sigma_within=within, confidence=confidence)
    normal = result.normality
    return {
        "n": result.n,
        "mean": result.mean,
        "sigma_within": result.sigma_within,
        "sigma_overall": result.sigma_overall,
        "left_out": left_out,
        "lsl": lsl,
        "usl": usl,
        "cp": _index(result.cp),
        "cpk": _index(result.cpk),
        "pp": _index(result.pp),
        "ppk": _index(result.ppk),
        "expected_out_of_spec": {"below_lsl": result.below_lsl, "above_usl": result.above_usl},
        "confidence": result.confidence,
        "normality": {
            "shapiro_wilk": {"statistic": _finite(normal.shapiro_statistic), "p": _finite(normal.shapiro_p)},
            "anderson_darling": {"statistic": normal.anderson_statistic, "p": normal.anderson_p},
            "normal": normal.normal,
        },
    }
