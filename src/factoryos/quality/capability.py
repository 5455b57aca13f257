"""Process capability: Cp and Cpk from the within-subgroup (short-term) sigma, Pp and Ppk from the overall
sample standard deviation, each with a confidence interval, and a normality check, since all four indices
assume normal data. A one-sided specification (a leakage current's maximum, a torque's minimum) has no Cp or
Pp, there being no tolerance width; its Cpk and Ppk are the one-sided Cpu and Ppu, or Cpl and Ppl.

Intervals: Cp (and Pp) from the chi-square law of the sample variance, Cp * sqrt(chi2_{a/2, n-1} / (n-1)) to
Cp * sqrt(chi2_{1-a/2, n-1} / (n-1)); Cpk (and Ppk) by Bissell's (1990) normal approximation,
Cpk +/- z_{1-a/2} sqrt(1/(9n) + Cpk^2 / (2(n-1))), which is that of a one-sided index, so it serves Cpu and
Cpl as it is. Both are exact in law for the overall sigma and approximate for the within sigma."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from factoryos.model.errors import FactoryosError
from factoryos.model.estimate import Estimate
from factoryos.quality.spc import moving_range_sigma

LEAST_POINTS = 10


@dataclass(frozen=True)
class Normality:
    """Shapiro-Wilk and Anderson-Darling (with the mean and sigma estimated) statistics and p-values."""

    shapiro_statistic: float
    shapiro_p: float
    anderson_statistic: float
    anderson_p: float
    normal: bool


@dataclass(frozen=True)
class Capability:
    """Capability of a characteristic against its specification limits, one of which may be missing (`None`).

    Then `cp` and `pp` are `None` and `cpk` and `ppk` are the one-sided indices of the limit given. `below_lsl`
    and `above_usl` are the fractions expected out of specification on each side (`None` without the limit),
    of a normal law with the mean and the overall sigma: what the indices promise, in parts."""

    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    lsl: float | None
    usl: float | None
    cp: Estimate | None
    cpk: Estimate
    pp: Estimate | None
    ppk: Estimate
    below_lsl: float | None
    above_usl: float | None
    normality: Normality
    confidence: float

    @property
    def side(self) -> str:
        """Which index `cpk` and `ppk` are, as it is written after C or P: "k" with both limits, "u" with the
        USL only, "l" with the LSL only."""
        if self.lsl is not None and self.usl is not None:
            return "k"
        return "u" if self.usl is not None else "l"


def cp_interval(value: float, n: int, confidence: float = 0.95) -> Estimate:
    """Chi-square interval of Cp (or Pp) from n observations."""
    alpha = 1 - confidence
    dof = n - 1
    low = value * math.sqrt(float(stats.chi2.ppf(alpha / 2, dof)) / dof)
    high = value * math.sqrt(float(stats.chi2.ppf(1 - alpha / 2, dof)) / dof)
    return Estimate(value, low, high)


def cpk_interval(value: float, n: int, confidence: float = 0.95) -> Estimate:
    """Bissell's approximate interval of Cpk (or Ppk) from n observations."""
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    half = z * math.sqrt(1 / (9 * n) + value**2 / (2 * (n - 1)))
    return Estimate(value, value - half, value + half)


def anderson_darling(values: np.ndarray) -> tuple[float, float]:
    """Anderson-Darling statistic of normality with the mean and sigma estimated, adjusted by
    (1 + 0.75/n + 2.25/n^2), and its p-value from D'Agostino and Stephens (1986), table 4.9."""
    data = np.sort(values)
    n = data.size
    z = (data - data.mean()) / data.std(ddof=1)
    i = np.arange(1, n + 1)
    a2 = -n - float(np.sum((2 * i - 1) * (stats.norm.logcdf(z) + stats.norm.logsf(z[::-1])))) / n
    a = a2 * (1 + 0.75 / n + 2.25 / n**2)
    if a >= 0.6:
        p = math.exp(1.2937 - 5.709 * a + 0.0186 * a**2)
    elif a >= 0.34:
        p = math.exp(0.9177 - 4.279 * a - 1.38 * a**2)
    elif a >= 0.2:
        p = 1 - math.exp(-8.318 + 42.796 * a - 59.938 * a**2)
    else:
        p = 1 - math.exp(-13.436 + 101.14 * a - 223.73 * a**2)
    return a2, min(1.0, max(0.0, p))


SHAPIRO_WILK_MAX = 5000
"""Shapiro-Wilk's p-value is not accurate past this many values (scipy warns); Anderson-Darling's is."""


def normality(values: np.ndarray, level: float = 0.05) -> Normality:
    """Shapiro-Wilk and Anderson-Darling tests of normality; `normal` when neither rejects at `level`. Past
    `SHAPIRO_WILK_MAX` values Shapiro-Wilk is not run (its figures are NaN) and Anderson-Darling decides."""
    ad, ad_p = anderson_darling(values)
    if len(values) > SHAPIRO_WILK_MAX:
        return Normality(math.nan, math.nan, ad, ad_p, bool(ad_p >= level))
    shapiro = stats.shapiro(values)
    normal = bool(shapiro.pvalue >= level and ad_p >= level)
    return Normality(float(shapiro.statistic), float(shapiro.pvalue), ad, ad_p, normal)


def _specification(lsl: float | None, usl: float | None) -> None:
    if lsl is None and usl is None:
        raise FactoryosError("capability needs a specification limit: a lower one (LSL), an upper one (USL) or both")
    for name, limit in (("lower", lsl), ("upper", usl)):
        if limit is not None and not math.isfinite(limit):
            raise FactoryosError(f"the {name} specification limit must be a finite number, not {limit}")
    if lsl is not None and usl is not None and not lsl < usl:
        raise FactoryosError(f"the lower specification limit ({lsl}) must be below the upper one ({usl})")


def capability(
    values: object,
    lsl: float | None,
    usl: float | None,
    sigma_within: float | None = None,
    confidence: float = 0.95,
) -> Capability:
    """Cp, Cpk, Pp, Ppk of individual values (in time order) against LSL and USL, or Cpu and Ppu against a USL
    alone, Cpl and Ppl against an LSL alone.

    `sigma_within` is the short-term sigma, e.g. R-bar/d2 from the X-bar/R chart's parameters; without it the
    values are taken as individuals and it is the mean moving range over d2(2)."""
    data = np.asarray(values, dtype=float).ravel()
    _specification(lsl, usl)
    if not 0 < confidence < 1:
        raise FactoryosError(f"the confidence level must be between 0 and 1, not {confidence}")
    if data.size < LEAST_POINTS:
        raise FactoryosError(f"capability needs at least {LEAST_POINTS} values, got {data.size}")
    if not np.isfinite(data).all():
        raise FactoryosError("the values contain a missing or infinite value")
    overall = float(data.std(ddof=1))
    within = moving_range_sigma(data) if sigma_within is None else float(sigma_within)
    if not (overall > 0 and within > 0):
        raise FactoryosError("the values have no spread (zero standard deviation): capability is undefined")
    mean, n = float(data.mean()), int(data.size)
    nearest = min(([] if usl is None else [usl - mean]) + ([] if lsl is None else [mean - lsl]))

    def indices(sigma: float) -> tuple[Estimate | None, Estimate]:
        actual = cpk_interval(nearest / (3 * sigma), n, confidence)
        if lsl is None or usl is None:
            return None, actual
        return cp_interval((usl - lsl) / (6 * sigma), n, confidence), actual

    cp, cpk = indices(within)
    pp, ppk = indices(overall)
    below = None if lsl is None else float(stats.norm.cdf(lsl, mean, overall))
    above = None if usl is None else float(stats.norm.sf(usl, mean, overall))
    return Capability(n, mean, within, overall, lsl, usl, cp, cpk, pp, ppk, below, above, normality(data), confidence)
