"""Run rules on a control chart: the four Western Electric rules and the eight Nelson rules.

Each rule looks at the points in standard units, z = (point - centre) / sigma, and raises an alarm at the point
that completes its pattern, naming the rule and every point of the pattern. A pattern that goes on raises an
alarm at each further point (a run of 10 above the centre alarms at its 9th and 10th points). Points exactly
on the centre line belong to neither side; undefined points (`nan`, the first moving range) break every run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from factoryos.model.errors import FactoryosError
from factoryos.quality.spc import ControlChart


@dataclass(frozen=True)
class Alarm:
    """A rule that fired: its name, what it means, the point that completed the pattern and all its points."""

    rule: str
    meaning: str
    index: int
    points: tuple[int, ...]


Detector = Callable[[np.ndarray, int], tuple[int, ...] | None]
"""Given the standardised points and an index, the points of the pattern that index completes, if any."""


def _beyond(limit: float) -> Detector:
    def detect(z: np.ndarray, i: int) -> tuple[int, ...] | None:
        return (i,) if abs(z[i]) > limit else None

    return detect


def _k_of_m(k: int, m: int, limit: float) -> Detector:
    """k of m points in a row beyond `limit` sigma on one side, the completing point among them."""

    def detect(z: np.ndarray, i: int) -> tuple[int, ...] | None:
        if i < m - 1:
            return None
        window = z[i - m + 1 : i + 1]
        if np.isnan(window).any():
            return None
        side = 1.0 if z[i] > 0 else -1.0
        if side * z[i] > limit and int((side * window > limit).sum()) >= k:
            return tuple(range(i - m + 1, i + 1))
        return None

    return detect


def _run(length: int, holds: Callable[[np.ndarray], bool]) -> Detector:
    """`length` points in a row for which `holds` is true of the window."""

    def detect(z: np.ndarray, i: int) -> tuple[int, ...] | None:
        if i < length - 1:
            return None
        window = z[i - length + 1 : i + 1]
        if not np.isnan(window).any() and holds(window):
            return tuple(range(i - length + 1, i + 1))
        return None

    return detect


def _one_side(w: np.ndarray) -> bool:
    return bool((w > 0).all() or (w < 0).all())


def _trend(w: np.ndarray) -> bool:
    steps = np.diff(w)
    return bool((steps > 0).all() or (steps < 0).all())


def _alternating(w: np.ndarray) -> bool:
    signs = np.sign(np.diff(w))
    return bool((signs != 0).all() and (signs[1:] == -signs[:-1]).all())


def _hugging(w: np.ndarray) -> bool:
    return bool((np.abs(w) < 1).all())


def _avoiding(w: np.ndarray) -> bool:
    return bool((np.abs(w) > 1).all())


RULES: dict[str, tuple[str, Detector]] = {
    "we1": ("one point beyond 3 sigma", _beyond(3)),
    "we2": ("2 of 3 points in a row beyond 2 sigma on one side", _k_of_m(2, 3, 2)),
    "we3": ("4 of 5 points in a row beyond 1 sigma on one side", _k_of_m(4, 5, 1)),
    "we4": ("8 points in a row on one side of the centre", _run(8, _one_side)),
    "nelson1": ("one point beyond 3 sigma", _beyond(3)),
    "nelson2": ("9 points in a row on one side of the centre", _run(9, _one_side)),
    "nelson3": ("6 points in a row steadily increasing or decreasing", _run(6, _trend)),
    "nelson4": ("14 points in a row alternating up and down", _run(14, _alternating)),
    "nelson5": ("2 of 3 points in a row beyond 2 sigma on one side", _k_of_m(2, 3, 2)),
    "nelson6": ("4 of 5 points in a row beyond 1 sigma on one side", _k_of_m(4, 5, 1)),
    "nelson7": ("15 points in a row within 1 sigma of the centre", _run(15, _hugging)),
    "nelson8": ("8 points in a row beyond 1 sigma, on either side", _run(8, _avoiding)),
}
WESTERN_ELECTRIC = ("we1", "we2", "we3", "we4")
NELSON = tuple(f"nelson{i}" for i in range(1, 9))


def standardise(chart: ControlChart) -> np.ndarray:
    """The chart's points in sigma units from its centre line (nan where that is not finite)."""
    z = chart.z
    return np.where(np.isfinite(z), z, np.nan)


LONGEST = 15
"""The most points a rule looks back over (Nelson's rule 7): a live check needs no more."""


def _chosen(rules: Iterable[str]) -> list[str]:
    chosen = list(rules)
    unknown = [rule for rule in chosen if rule not in RULES]
    if unknown:
        raise FactoryosError(f"unknown run rule {', '.join(unknown)}; the rules are {', '.join(RULES)}")
    return chosen


def alarms_at(z: np.ndarray, i: int, rules: Iterable[str] = NELSON) -> list[Alarm]:
    """The alarms of the chosen rules whose pattern point `i` of the standardised points completes."""
    found = []
    for rule in _chosen(rules):
        meaning, detect = RULES[rule]
        points = detect(z, i)
        if points is not None:
            found.append(Alarm(rule, meaning, i, points))
    return found


def check(chart: ControlChart, rules: Iterable[str] = NELSON) -> list[Alarm]:
    """Every alarm of the chosen rules on a chart, in order of the completing point, then of the rule; on a
    chart with its own decision rule (EWMA, CUSUM) the alarms of that rule instead, at each point beyond its
    limits."""
    chosen = _chosen(rules)
    if chart.own_rule is not None:
        rule, meaning = chart.own_rule
        return [Alarm(rule, meaning, i, (i,)) for i in chart.out_of_control]
    z = standardise(chart)
    return [alarm for i in range(z.size) for alarm in alarms_at(z, i, chosen)]
