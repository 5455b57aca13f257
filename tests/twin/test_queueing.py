"""The engine against queueing theory: replications give a confidence interval that must hold the truth."""

from __future__ import annotations

import math
import statistics

from scipy import stats


def confidence_interval(samples: list[float], level: float = 0.95) -> tuple[float, float]:
    mean = statistics.fmean(samples)
    half = stats.t.ppf((1 + level) / 2, len(samples) - 1) * statistics.stdev(samples) / math.sqrt(len(samples))
    return mean - half, mean + half


def mean_flow_times(line, replications: int, **options: object) -> list[float]:
    return [line(seed, **options).run().avg_lead_time for seed in range(replications)]


def test_mm1_mean_sojourn_time_agrees_with_theory(line) -> None:
    low, high = confidence_interval(mean_flow_times(line, 10, parts=20_000, service=0.8, warmup=500.0))
    assert low <= 0.8 / (1 - 0.8) <= high  # W = 1 / (mu - lambda) = 4


def test_serial_line_flow_time_is_the_sum_of_its_stations(line) -> None:
    low, high = confidence_interval(mean_flow_times(line, 10, stations=3, parts=10_000, service=0.7, warmup=500.0))
    assert low <= 3 * 0.7 / (1 - 0.7) <= high  # Jackson network: three M/M/1 queues, 7 in all


def test_mm2_agrees_with_erlang_c(line) -> None:
    lam, mu, c = 1.0, 1 / 1.6, 2
    a = lam / mu
    rho = a / c
    p_wait = (a**c / math.factorial(c) / (1 - rho)) / (
        sum(a**k / math.factorial(k) for k in range(c)) + a**c / math.factorial(c) / (1 - rho)
    )
    theory = p_wait / (c * mu - lam) + 1 / mu
    low, high = confidence_interval(mean_flow_times(line, 10, parts=20_000, service=1.6, servers=2, warmup=500.0))
    assert low <= theory <= high


def test_littles_law_holds_on_the_output(line) -> None:
    metrics = line(7, stations=3, parts=30_000, service=0.7, warmup=1_000.0).run(until=30_000.0)
    assert math.isclose(metrics.avg_wip, metrics.throughput * metrics.avg_lead_time, rel_tol=0.03)


def test_utilisation_matches_the_offered_load(line) -> None:
    metrics = line(3, parts=40_000, service=0.8).run(until=None)
    working = metrics.equipment[0].state_fraction["working"]
    assert math.isclose(working, 0.8, rel_tol=0.03)
