import warnings

import numpy as np
import pytest
from scipy import stats

from factoryos.model.errors import FactoryosError
from factoryos.quality.capability import (
    SHAPIRO_WILK_MAX,
    anderson_darling,
    capability,
    cp_interval,
    cpk_interval,
    normality,
)


def test_cp_interval_montgomery_example():
    """Montgomery, Introduction to SQC (6th ed.), Example 8.5: n = 20, LSL 38, USL 62, s = 1.75, so Cp = 2.29;
    the 95 % interval is 2.29 sqrt(8.91/19) <= Cp <= 2.29 sqrt(32.85/19): 1.57 to 3.01."""
    interval = cp_interval(2.29, 20)
    assert (interval.lower, interval.upper) == pytest.approx((1.57, 3.01), abs=5e-3)


def test_cpk_interval_bissell_montgomery_example():
    """Montgomery Example 8.6: n = 20, Cpk = 1.33, Bissell's 95 % interval 0.88 to 1.78."""
    interval = cpk_interval(1.33, 20)
    assert (interval.lower, interval.upper) == pytest.approx((0.88, 1.78), abs=5e-3)


def test_indices_from_the_definitions():
    """Data with mean 50 and sample sd 1.75 exactly: Pp = 24 / 10.5; shifted to 53, Ppk = 9 / 5.25."""
    base = stats.norm.ppf((np.arange(1, 41) - 0.5) / 40)
    values = 50 + 1.75 * (base - base.mean()) / base.std(ddof=1)
    centred = capability(values, 38, 62)
    assert centred.pp.value == pytest.approx(24 / 10.5)
    assert centred.ppk.value == pytest.approx(centred.pp.value)
    shifted = capability(values + 3, 38, 62, sigma_within=1.5)
    assert shifted.ppk.value == pytest.approx(9 / 5.25)
    assert (shifted.cp.value, shifted.cpk.value) == pytest.approx((24 / 9, 9 / 4.5))
    assert shifted.normality.normal


def test_one_sided_indices_from_the_definitions():
    """Mean 50 and sd 1.75 exactly: against a USL of 55.25 alone, Ppu = 5.25 / 5.25 = 1 and a normal law puts
    Phi(-3) above it; against an LSL of 46.5 alone, Ppl = 3.5 / 5.25 and Phi(-2) below. Cp and Pp need both
    limits: there is none."""
    base = stats.norm.ppf((np.arange(1, 41) - 0.5) / 40)
    values = 50 + 1.75 * (base - base.mean()) / base.std(ddof=1)
    upper = capability(values, None, 55.25, sigma_within=1.5)
    assert (upper.cp, upper.pp, upper.side) == (None, None, "u")
    assert (upper.ppk.value, upper.cpk.value) == pytest.approx((1.0, 5.25 / 4.5))
    assert (upper.below_lsl, upper.above_usl) == (None, pytest.approx(stats.norm.cdf(-3)))
    lower = capability(values, 46.5, None)
    assert (lower.cp, lower.pp, lower.side) == (None, None, "l")
    assert lower.ppk.value == pytest.approx(3.5 / 5.25)
    assert (lower.below_lsl, lower.above_usl) == (pytest.approx(stats.norm.cdf(-2)), None)
    both = capability(values, 46.5, 55.25)
    assert both.side == "k"
    assert both.ppk.value == pytest.approx(lower.ppk.value)  # the nearer limit's
    assert (both.below_lsl, both.above_usl) == pytest.approx((lower.below_lsl, upper.above_usl))


def test_one_sided_interval_covers_the_true_value_as_promised():
    """Bissell's interval is that of a one-sided index: on normal data with a USL alone, the 95 % interval of
    Ppu covers the true (USL - mu) / (3 sigma) in about 95 % of samples (2,000 samples of 50, within 4 binomial
    standard deviations)."""
    rng = np.random.default_rng(12)
    true_ppu = (106 - 100) / (3 * 1.5)
    covered = 0
    for _ in range(2000):
        ppu = capability(rng.normal(100, 1.5, 50), None, 106).ppk
        covered += ppu.lower <= true_ppu <= ppu.upper
    assert abs(covered - 1900) <= 4 * np.sqrt(2000 * 0.95 * 0.05)


def test_cp_interval_covers_the_true_value_as_promised():
    """On normal data with known Pp, the 95 % chi-square interval covers it in 95 % of samples (2,000 samples of
    25, within 4 binomial standard deviations)."""
    rng = np.random.default_rng(4)
    true_pp = 12 / (6 * 1.5)
    covered = 0
    for _ in range(2000):
        pp = cp_interval(12 / (6 * rng.normal(100, 1.5, 25).std(ddof=1)), 25)
        covered += pp.lower <= true_pp <= pp.upper
    assert abs(covered - 1900) <= 4 * np.sqrt(2000 * 0.95 * 0.05)


def test_normality_check_tells_normal_from_skewed():
    rng = np.random.default_rng(8)
    assert capability(rng.normal(10, 1, 200), 5, 15).normality.normal
    skewed = capability(rng.exponential(1, 200), 0, 15).normality
    assert not skewed.normal
    assert skewed.shapiro_p < 0.01
    assert skewed.anderson_p < 0.01


@pytest.mark.filterwarnings("ignore::FutureWarning")  # scipy 1.17 asks for a p-value method; we read the statistic
def test_anderson_darling_statistic_is_scipys():
    values = np.random.default_rng(9).normal(size=60)
    statistic, p = anderson_darling(values)
    assert statistic == pytest.approx(stats.anderson(values, dist="norm").statistic)
    assert 0 <= p <= 1


@pytest.mark.parametrize(
    ("values", "lsl", "usl", "message"),
    [
        (np.arange(20.0), 10, 10, "must be below"),
        (np.arange(20.0), 12, 3, "must be below"),
        (np.arange(20.0), -np.inf, np.inf, "the lower specification limit must be a finite number, not -inf"),
        (np.arange(20.0), np.nan, 30, "the lower specification limit must be a finite number, not nan"),
        (np.arange(20.0), None, np.nan, "the upper specification limit must be a finite number, not nan"),
        (np.arange(20.0), None, None, "capability needs a specification limit"),
        (np.arange(5.0), 0, 10, "at least 10 values"),
        (np.full(20, 3.0), 0, 10, "no spread"),
        (np.append(np.arange(19.0), np.nan), 0, 30, "missing"),
    ],
)
def test_bad_input_is_a_clear_error(values, lsl, usl, message):
    with pytest.raises(FactoryosError, match=message):
        capability(values, lsl, usl)


def test_past_five_thousand_values_anderson_darling_alone_decides_and_nothing_warns():
    """Shapiro-Wilk's p-value is not accurate past 5,000 values (scipy warned on stderr on every such run)."""
    rng = np.random.default_rng(7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        normal = normality(rng.normal(10.0, 0.1, SHAPIRO_WILK_MAX + 1))
        skewed = normality(rng.exponential(1.0, SHAPIRO_WILK_MAX + 1))
    assert np.isnan(normal.shapiro_p)
    assert normal.normal == (normal.anderson_p >= 0.05)
    assert normal.normal
    assert not skewed.normal
    assert not np.isnan(normality(rng.normal(10.0, 0.1, SHAPIRO_WILK_MAX)).shapiro_p)
