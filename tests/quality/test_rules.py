import numpy as np
import pytest

from factoryos.model.errors import FactoryosError
from factoryos.quality.rules import NELSON, RULES, WESTERN_ELECTRIC, check
from factoryos.quality.spc import ControlChart, Parameters, cusum, ewma, individuals

from .test_spc import MONTGOMERY_9_1


def chart(z: list[float]) -> ControlChart:
    """A chart with centre 0 and sigma 1, so the points are already in sigma units."""
    points = np.array(z, dtype=float)
    zeros, ones = np.zeros_like(points), np.ones_like(points)
    return ControlChart("test", points, zeros, -3 * ones, 3 * ones, ones)


# Each sequence triggers exactly one Nelson rule, at exactly one point, over exactly these points.
EXACTLY_ONE = {
    "nelson1": ([0.5, -0.5, 3.5, -0.5, 0.5], 2, (2,)),
    "nelson2": ([0.5, 0.3, 0.6, 0.2, 0.5, 0.4, 0.7, 0.3, 0.5], 8, tuple(range(9))),
    "nelson3": ([-0.5, -0.3, -0.1, 0.1, 0.3, 0.5], 5, tuple(range(6))),
    "nelson4": ([0.5, -0.5] * 7, 13, tuple(range(14))),
    "nelson5": ([0.5, 2.5, 2.5], 2, (0, 1, 2)),
    "nelson6": ([1.5, 1.5, 0.5, 1.5, 1.5], 4, tuple(range(5))),
    "nelson7": ([0.2, 0.3, -0.2, -0.3] * 3 + [0.2, 0.3, -0.2], 14, tuple(range(15))),
    "nelson8": ([1.5, -1.5] * 4, 7, tuple(range(8))),
}


@pytest.mark.parametrize("rule", NELSON)
def test_each_nelson_rule_fires_alone_on_its_pattern(rule):
    z, index, points = EXACTLY_ONE[rule]
    alarms = check(chart(z), NELSON)
    assert [(a.rule, a.index, a.points) for a in alarms] == [(rule, index, points)]
    assert alarms[0].meaning == RULES[rule][0]


@pytest.mark.parametrize("rule", NELSON)
def test_each_pattern_one_step_short_does_not_fire(rule):
    """Drop the completing point (or, for the single point, shrink it inside the limit): no alarm."""
    z, index, _ = EXACTLY_ONE[rule]
    shorter = list(z[:index]) if rule != "nelson1" else [0.5, -0.5, 2.9, -0.5, 0.5]
    assert check(chart(shorter), NELSON) == []


def test_western_electric_rules():
    eight_above = [0.5] * 8  # equal values: a run on one side, not a trend
    assert [(a.rule, a.index) for a in check(chart(eight_above), WESTERN_ELECTRIC)] == [("we4", 7)]
    assert check(chart(eight_above), NELSON) == []  # Nelson asks for nine
    assert [a.rule for a in check(chart([0.0, 2.5, 2.1]), WESTERN_ELECTRIC)] == ["we2"]
    assert [a.rule for a in check(chart([1.2, 1.5, 0.0, 1.1, 1.9]), WESTERN_ELECTRIC)] == ["we3"]
    assert [a.rule for a in check(chart([0.0, -3.2]), WESTERN_ELECTRIC)] == ["we1"]


def test_rules_are_selectable_and_a_run_keeps_alarming():
    z = [0.5] * 10 + [3.5]
    assert [(a.rule, a.index) for a in check(chart(z), ["nelson1"])] == [("nelson1", 10)]
    run = check(chart(z), ["nelson2"])
    assert [a.index for a in run] == [8, 9, 10]


def test_points_on_the_other_side_or_on_the_centre_break_a_run():
    assert check(chart([0.5] * 4 + [0.0] + [0.5] * 8), ["nelson2"]) == []
    assert check(chart([0.5] * 4 + [-0.5] + [0.5] * 8), ["nelson2"]) == []


def test_undefined_points_break_every_run():
    """The moving-range chart has no first point; rules still run on it."""
    values = np.array([10.0, 10.5, 11.0, 11.5, 12.0, 12.5, 13.0])
    alarms = check(individuals(values)["mr"], NELSON)
    assert all(0 not in alarm.points for alarm in alarms)
    assert [a.rule for a in check(individuals(values)["i"], ["nelson3"])] == ["nelson3", "nelson3"]


def test_in_control_data_rarely_breaks_rule_one():
    """Rule 1 on in-control normal data fires at 2 * Phi(-3) = 0.27 % of points; on 20,000 points the count is
    within 4 binomial standard deviations of 54."""
    rng = np.random.default_rng(2)
    alarms = check(chart(list(rng.normal(size=20_000))), ["nelson1"])
    assert abs(len(alarms) - 54) <= 4 * np.sqrt(54)


def test_unknown_rule_is_a_clear_error():
    with pytest.raises(FactoryosError, match="unknown run rule nelson9"):
        check(chart([0.0]), ["nelson9"])


def test_a_cusum_or_ewma_alarms_by_its_own_limits_whatever_the_rule_set():
    """Montgomery Examples 9.1 and 9.2 signal at periods 29 and 30: the CUSUM's upper sum beyond H = 5 sigma,
    the EWMA (lambda 0.1) beyond L = 2.7 of its sigmas; those limits are not three sigmas of a point, so the
    alarm names the chart's rule, never Western Electric's or Nelson's first."""
    sums = cusum(MONTGOMERY_9_1, Parameters(10.0, 1.0), slack=0.5, decision=5.0)
    average = ewma(MONTGOMERY_9_1, Parameters(10.0, 1.0), weight=0.1, width=2.7)["ewma"]
    for rules in (NELSON, WESTERN_ELECTRIC):
        upper = check(sums["cusum+"], rules)
        assert [(a.rule, a.index, a.meaning) for a in upper] == [
            ("cusum", i, "upper sum beyond h = 5 sigma (k = 0.5 sigma)") for i in (28, 29)
        ]
        assert check(sums["cusum-"], rules) == []
        assert [(a.rule, a.index) for a in check(average, rules)] == [("ewma", 28), ("ewma", 29)]
        assert check(average, rules)[0].meaning == "EWMA beyond 2.7 of its sigmas (weight 0.1)"
