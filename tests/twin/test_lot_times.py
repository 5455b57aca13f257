"""A lot's time is the sum of its cycles, each drawn on its own: checked against the central limit theorem and
against summing the draws one by one."""

from __future__ import annotations

import random
import statistics

import pytest

from factoryos.twin.distributions import lognormal, lognormal_sum

CYCLE, CV, CYCLES, LOTS = 60.0, 0.1, 400, 4_000


def test_a_lots_time_spreads_as_the_sum_of_its_cycles_not_as_one_cycle():
    rng = random.Random(7)
    lot = lognormal_sum(CYCLE, CV, CYCLES)
    times = [lot.sample(rng) for _ in range(LOTS)]
    mean, cv = statistics.fmean(times), statistics.stdev(times) / statistics.fmean(times)
    spread = CV / CYCLES**0.5  # 0.5 %: the central limit theorem's, a twentieth of one cycle's
    assert mean == pytest.approx(CYCLE * CYCLES, rel=5 * spread / LOTS**0.5)
    assert cv == pytest.approx(spread, rel=0.1)


def test_it_matches_drawing_every_cycle():
    rng = random.Random(11)
    cycle = lognormal(CYCLE, CV)
    summed = [sum(cycle.sample(rng) for _ in range(CYCLES)) for _ in range(400)]
    drawn = [lognormal_sum(CYCLE, CV, CYCLES).sample(rng) for _ in range(400)]
    assert statistics.fmean(drawn) == pytest.approx(statistics.fmean(summed), rel=0.002)
    assert statistics.stdev(drawn) == pytest.approx(statistics.stdev(summed), rel=0.25)


def test_one_cycle_or_less_is_one_draw():
    assert lognormal_sum(CYCLE, CV, 1) == lognormal(CYCLE, CV)
    assert lognormal_sum(CYCLE, CV, 0.5) == lognormal(CYCLE / 2, CV)
