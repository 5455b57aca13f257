import math

import numpy as np
import pytest
from scipy import stats

from factoryos.model.errors import FactoryosError
from factoryos.quality import constants
from factoryos.quality.spc import (
    Parameters,
    c_chart,
    cusum,
    ewma,
    individuals,
    np_chart,
    p_chart,
    phase_one,
    u_chart,
    xbar_r,
    xbar_s,
)

# Montgomery, Introduction to Statistical Quality Control (6th ed.), Example 7.1, Table 7.1: frozen orange
# juice concentrate cans, 30 samples of 50 cans, number nonconforming per sample.
ORANGE_JUICE = [
    12,
    15,
    8,
    10,
    4,
    7,
    16,
    9,
    14,
    10,
    5,
    6,
    17,
    12,
    22,
    8,
    10,
    5,
    13,
    11,
    20,
    18,
    24,
    15,
    9,
    12,
    7,
    13,
    9,
    6,
]

# Montgomery, same book, Table 9.1 (Examples 9.1 and 9.2): 30 observations, the first 20 from N(10, 1), the
# last 10 from N(11, 1). The same numbers are printed in the IMSL EWMA example that cites it.
MONTGOMERY_9_1 = [
    9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34,
    9.03, 11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84,
    10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52,
]  # fmt: skip

# NIST/SEMATECH e-Handbook of Statistical Methods, section 6.3.2.4 (EWMA control charts), the worked example:
# target 50, s = 2.0539, lambda = 0.3, k = 3.
NIST_EWMA = [52.0, 47.0, 53.0, 49.3, 50.1, 47.0, 51.0, 50.1, 51.2, 50.5,
             49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]  # fmt: skip


def test_p_chart_orange_juice_trial_limits_and_revision():
    """Montgomery Example 7.1: p-bar 0.2313, UCL 0.4102, LCL 0.0524, samples 15 and 23 out; without them
    p-bar 0.2150, UCL 0.3893, LCL 0.0407, where sample 21 is above the revised UCL."""
    trial = p_chart(ORANGE_JUICE, [50] * 30)["p"]
    assert (trial.center[0], trial.upper[0], trial.lower[0]) == pytest.approx((0.2313, 0.4102, 0.0524), abs=5e-5)
    assert trial.out_of_control == (14, 22)
    kept = [d for i, d in enumerate(ORANGE_JUICE) if i not in (14, 22)]
    revised = p_chart(kept, [50] * 28)["p"]
    assert (revised.center[0], revised.upper[0], revised.lower[0]) == pytest.approx((0.2150, 0.3893, 0.0407), abs=5e-5)
    assert revised.out_of_control == (19,)  # sample 21 of the 30, the 20th of the 28 kept


def test_phase_one_removes_until_stable_then_charts_every_subgroup():
    """Re-estimating until no point is out drops samples 23 (p 0.48), 15 (0.44), then 21 (0.40, above the UCL
    0.3994 of the other 29), the most extreme first, and a fourth estimate finds no other out (Montgomery keeps
    21, having found no assignable cause; the automatic procedure cannot know that)."""
    study = phase_one(p_chart, ORANGE_JUICE, [50] * 30)
    assert study.excluded == (14, 20, 22)
    assert study.rounds == 4
    kept = [d for i, d in enumerate(ORANGE_JUICE) if i not in study.excluded]
    assert study.charts.params.center == pytest.approx(sum(kept) / (50 * 27))
    assert len(study.charts["p"].points) == 30
    assert set(study.excluded) <= set(study.charts.out_of_control)


# An audit's defects a day: 20 ordinary days and a day when a batch of bad parts came through.
AUDIT_DAYS = [7, 8, 1, 2, 8, 6, 5, 7, 0, 7, 0, 4, 6, 2, 2, 8, 3, 0, 3, 8]


def test_one_wild_day_does_not_push_the_ordinary_low_days_out_of_the_baseline():
    """With the bad day (250 defects) c-bar is 16.05 and the lower limit 4.03, above the ordinary days with 0 to
    3 defects; dropping those with it left c-bar at 7. Removed alone, the limits are the 20 ordinary days':
    c-bar their mean, 4.35, and every one of them in control."""
    study = phase_one(c_chart, [*AUDIT_DAYS, 250])
    assert study.excluded == (20,)
    assert study.charts.params.center == pytest.approx(sum(AUDIT_DAYS) / len(AUDIT_DAYS))
    assert study.charts.out_of_control == (20,)


def test_one_wild_day_on_a_p_chart_leaves_the_zero_defect_days_in():
    """200 inspected a day, the bad day with 120 defectives: p-bar is the ordinary days' 87 / 4000, not raised by
    dropping their zero-defect days too."""
    study = phase_one(p_chart, [*AUDIT_DAYS, 120], [200] * 21)
    assert study.excluded == (20,)
    assert study.charts.params.center == pytest.approx(sum(AUDIT_DAYS) / (200 * len(AUDIT_DAYS)))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("family", ["c", "p", "i", "xbar-r"])
def test_phase_one_excludes_exactly_the_subgroups_outside_its_final_limits(seed, family):
    """Whatever the baseline (ordinary data with a few wild subgroups, high and low), the study ends where the
    subgroups it dropped are those beyond the limits it set: none it dropped is inside them, none it kept
    outside."""
    rng = np.random.default_rng(seed)
    wild = rng.choice(40, size=3, replace=False)
    if family in ("c", "p"):
        counts = rng.poisson(6, 40)
        counts[wild] = rng.choice([0, 30, 60], size=3)
        study = phase_one(c_chart, counts) if family == "c" else phase_one(p_chart, counts, [200] * 40)
    elif family == "i":
        values = rng.normal(10, 1, 40)
        values[wild] += rng.choice([-8.0, 6.0, 20.0], size=3)
        study = phase_one(individuals, values)
    else:
        subgroups = rng.normal(10, 1, (40, 5))
        subgroups[wild] += rng.choice([-4.0, 3.0, 9.0], size=(3, 1))
        study = phase_one(xbar_r, subgroups)
    assert study.excluded == study.charts.out_of_control
    assert set(wild) & set(study.excluded)


def test_xbar_r_limits_of_the_piston_ring_study():
    """Montgomery Example 6.1 (piston-ring inside diameter, 25 samples of 5): from x-double-bar 74.001 and
    R-bar 0.023 the X-bar limits are 73.988 and 74.014 and the R chart's 0 and 0.049. The raw table is not
    reproduced here: subgroups built to have exactly that grand mean and mean range give the same limits."""
    subgroups = np.array([[74.001 - 0.0115, 74.001, 74.001, 74.001, 74.001 + 0.0115]] * 25)
    charts = xbar_r(subgroups)
    xbar, r = charts["xbar"], charts["r"]
    assert (xbar.lower[0], xbar.center[0], xbar.upper[0]) == pytest.approx((73.988, 74.001, 74.014), abs=5e-4)
    assert (r.lower[0], r.center[0], r.upper[0]) == pytest.approx((0.0, 0.023, 0.049), abs=5e-4)
    assert xbar.upper[0] - xbar.center[0] == pytest.approx(constants.a2(5) * 0.023)


@pytest.mark.parametrize("family", [xbar_r, xbar_s])
def test_three_sigma_false_alarm_rate_of_xbar_is_0_0027(family):
    """In control, a point falls outside 3-sigma limits with probability 2 * Phi(-3) = 0.0027; 40,000 phase II
    subgroups at the true parameters land within 4 binomial standard deviations of it."""
    rng = np.random.default_rng(7)
    data = rng.normal(10.0, 2.0, size=(40_000, 5))
    xbar = family(data, Parameters(10.0, 2.0))["xbar"]
    p, m = 2 * stats.norm.cdf(-3), len(data)
    assert abs(len(xbar.out_of_control) - p * m) <= 4 * math.sqrt(m * p * (1 - p))


def test_sigma_estimates_are_unbiased():
    """R-bar/d2 and s-bar/c4 are unbiased estimates of sigma for normal data: their mean over many subgroups is
    sigma within 4 standard errors."""
    rng = np.random.default_rng(11)
    data = rng.normal(0.0, 3.0, size=(20_000, 4))
    for family in (xbar_r, xbar_s):
        assert family(data).params.sigma == pytest.approx(3.0, rel=0.01)
    assert individuals(rng.normal(0.0, 3.0, 20_000)).params.sigma == pytest.approx(3.0, rel=0.02)


def test_phase_two_holds_limits_fixed_and_catches_a_shift():
    rng = np.random.default_rng(3)
    baseline = phase_one(xbar_r, rng.normal(50, 1, size=(30, 5)))
    later = rng.normal(50, 1, size=(20, 5))
    later[10:] += 2.0  # a 2-sigma shift: the subgroup mean moves 4.5 of its sigmas
    monitored = xbar_r(later, params=baseline.charts.params)
    assert monitored.params == baseline.charts.params
    assert set(monitored["xbar"].out_of_control) == set(range(10, 20))


def test_phase_one_drops_assignable_causes_from_the_baseline():
    rng = np.random.default_rng(5)
    data = rng.normal(0.0, 1.0, size=(25, 4))
    data[[4, 17]] += 6.0
    study = phase_one(xbar_s, data)
    assert {4, 17} <= set(study.excluded)
    kept = np.delete(data, study.excluded, axis=0)
    assert study.charts.params.center == pytest.approx(kept.mean())
    assert xbar_s(kept).out_of_control == ()


def test_individuals_chart_limits_and_moving_range():
    values = np.array([10.0, 12.0, 11.0, 13.0, 12.0])
    charts = individuals(values)
    mr_bar = np.mean([2, 1, 2, 1])
    assert charts["i"].upper[0] - charts["i"].center[0] == pytest.approx(3 * mr_bar / constants.d2(2))
    assert math.isnan(charts["mr"].points[0])
    assert charts["mr"].upper[1] == pytest.approx(constants.d4_factor(2) * mr_bar)


def test_attribute_charts_agree_with_each_other():
    """With one subgroup size, the np chart is n times the p chart and the u chart of one unit is the c chart."""
    counts = np.array([3, 5, 2, 8, 4, 6, 1, 4])
    p, npc = p_chart(counts, [40] * 8)["p"], np_chart(counts, 40)["np"]
    assert npc.points == pytest.approx(40 * p.points)
    assert npc.upper == pytest.approx(40 * p.upper)
    c, u = c_chart(counts)["c"], u_chart(counts, np.ones(8))["u"]
    for line in ("center", "upper", "lower"):
        assert getattr(u, line) == pytest.approx(getattr(c, line))


def test_c_chart_printed_circuit_boards():
    """Montgomery Example 7.3: 516 nonconformities in 26 boards, c-bar 19.85, UCL 33.22, LCL 6.48."""
    counts = [20] * 25 + [16]
    chart = c_chart(counts)["c"]
    assert (chart.center[0], chart.upper[0], chart.lower[0]) == pytest.approx((19.85, 33.22, 6.48), abs=0.01)


def test_u_chart_limits_vary_with_the_units_inspected():
    """Inspection units may be a length or an area: 2.5 m of seam is 2.5 units."""
    chart = u_chart([4, 9, 2], [2.5, 5.0, 1.0])["u"]
    u = 15 / 8.5
    assert chart.upper == pytest.approx(u + 3 * np.sqrt(u / np.array([2.5, 5.0, 1.0])))


def test_cusum_montgomery_example_9_1():
    """Montgomery Table 9.2: mu0 10, sigma 1, K = 0.5, H = 5: C+ is 5.28 at period 29 and 5.30 at 30, the
    only periods beyond H; C- never signals."""
    chart = cusum(MONTGOMERY_9_1, Parameters(10.0, 1.0), slack=0.5, decision=5.0)
    upper = chart["cusum+"]
    assert upper.points[28] == pytest.approx(5.28, abs=5e-3)
    assert upper.points[29] == pytest.approx(5.30, abs=5e-3)
    assert upper.out_of_control == (28, 29)
    assert chart["cusum-"].out_of_control == ()
    assert upper.upper[0] == pytest.approx(5.0)


def test_ewma_montgomery_example_9_2():
    """Montgomery Example 9.2: lambda 0.1, L 2.7 on Table 9.1: z1 = 9.945, the first limits 10 +/- 0.27, the
    steady-state UCL 10.62, and the chart signals at periods 29 and 30."""
    chart = ewma(MONTGOMERY_9_1, Parameters(10.0, 1.0), weight=0.1, width=2.7)["ewma"]
    assert chart.points[0] == pytest.approx(9.945)
    assert chart.upper[0] == pytest.approx(10.27)
    assert chart.upper[-1] == pytest.approx(10.0 + 2.7 * math.sqrt(0.1 / 1.9), abs=1e-3)
    assert chart.upper[-1] == pytest.approx(10.62, abs=5e-3)
    assert chart.out_of_control == (28, 29)


def test_ewma_nist_example():
    """NIST/SEMATECH e-Handbook 6.3.2.4: UCL = 50 + 3(0.4201)(2.0539) = 52.5884, LCL = 47.4115, EWMAs 50.60,
    49.52, 50.56, ... and the process in control."""
    chart = ewma(NIST_EWMA, Parameters(50.0, 2.0539), weight=0.3, steady=True)["ewma"]
    assert chart.upper[0] == pytest.approx(52.5884, abs=1e-3)
    assert chart.lower[0] == pytest.approx(47.4115, abs=1e-3)
    assert chart.points[:3] == pytest.approx([50.60, 49.52, 50.56], abs=5e-3)
    assert chart.out_of_control == ()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: xbar_r([[1.0, 2.0, 3.0]]), "at least 2 subgroups"),
        (lambda: xbar_r([[1.0], [2.0]]), "subgroups x observations"),
        (lambda: xbar_r([[1.0, np.nan], [2.0, 3.0]]), "missing"),
        (lambda: xbar_r([[1.0, 1.0], [2.0, 2.0]]), "zero"),
        (lambda: individuals([4.0, 4.0, 4.0]), "zero"),
        (lambda: p_chart([3, 60], [50, 50]), "subgroup 2: 60 defectives of 50 units inspected"),
        (lambda: np_chart([3, 2, 51], 50), "subgroup 3: 51 defectives of 50 units inspected"),
        (lambda: u_chart([1, 2], [1, 0]), "subgroup 2: a sample size of 0; sizes are more than 0"),
        (lambda: c_chart([2, 1, -1]), "subgroup 3: a count of -1; counts are 0 or more"),
        (lambda: c_chart([2.0, 1.5, 3.0]), "subgroup 2: a count is a whole number, not 1.5"),
        (lambda: u_chart([2.0, 0.25], [1.0, 1.0]), "subgroup 2: a count is a whole number"),
        (lambda: np_chart([1, 2], 40.5), "subgroup 1: a sample size is a whole number, not 40.5"),
        (lambda: p_chart([1, 2], [50, 49.9]), "subgroup 2: a sample size"),
        (lambda: ewma([1.0, 2.0, 3.0], weight=0.0), "weight"),
        (lambda: phase_one(individuals, [0.0, 1.0] * 5 + [50.0], rounds=1), "unstable"),
    ],
)
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(FactoryosError, match=message):
        call()
