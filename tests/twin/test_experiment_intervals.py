"""An experiment's intervals stay within what its figures can be: a few replications of a skewed figure (hours
starved for material on two seeds of five) give a Student-t interval reaching below zero, which no plant can
stand; a share stays within 0 and 1. The mean and the interval's other end are the t-interval's."""

from __future__ import annotations

import math
import statistics

from scipy import stats

from factoryos.twin.experiment import FIGURES, aggregate, confidence_interval


def run(seed: int, shortage: float, on_time: float) -> dict:
    figures = dict.fromkeys(FIGURES, 1.0) | {"material_shortage_hours": shortage, "on_time_rate": on_time}
    return figures | {
        "scenario": "smart",
        "days": 30.0,
        "oee": {},
        "bottleneck": "line",
        "purchasing": "mrp",
        "events": 0,
        "wall_seconds": 1.0,
        "peak_rss_mib": 1.0,
        "seed": seed,
    }


def t_half_width(samples: list[float]) -> float:
    return float(stats.t.ppf(0.975, len(samples) - 1)) * statistics.stdev(samples) / math.sqrt(len(samples))


def test_a_skewed_count_keeps_its_interval_at_zero_or_above_and_a_share_within_one() -> None:
    shortage = [0.1, 0.1, 0.1, 14.2, 14.2]
    on_time = [1.0, 1.0, 1.0, 0.9, 1.0]
    result = aggregate([run(k, s, o) for k, (s, o) in enumerate(zip(shortage, on_time, strict=True))])
    starved = result["ci95"]["material_shortage_hours"]
    assert statistics.fmean(shortage) - t_half_width(shortage) < 0  # the t-interval alone would go below zero
    assert starved["low"] == 0.0
    assert math.isclose(starved["high"], statistics.fmean(shortage) + t_half_width(shortage))
    share = result["ci95"]["on_time_rate"]
    assert statistics.fmean(on_time) + t_half_width(on_time) > 1
    assert share["high"] == 1.0
    assert math.isclose(share["low"], statistics.fmean(on_time) - t_half_width(on_time))


def test_without_bounds_the_interval_is_students_t() -> None:
    samples = [2.0, 4.0, 9.0]
    estimate = confidence_interval(samples)
    assert math.isclose(estimate.lower, statistics.fmean(samples) - t_half_width(samples))
    assert math.isclose(estimate.upper, statistics.fmean(samples) + t_half_width(samples))
