"""Control charts: Shewhart charts for variables (X-bar/R, X-bar/S, I-MR) and attributes (p, np, c, u), and the
EWMA and CUSUM charts for small shifts.

Every chart function takes the data (one row or value per subgroup, in time order) and optional `Parameters`.
Without parameters it estimates them from the data (a phase I trial); with parameters learnt earlier it
monitors new data against those fixed limits (phase II). `phase_one` repeats the trial, removing the
out-of-control subgroups one at a time and re-estimating, until the subgroups removed are those outside the
limits."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from factoryos.model.errors import FactoryosError
from factoryos.quality import constants

SIGMAS = 3.0


@dataclass(frozen=True)
class Parameters:
    """What phase I learns and phase II keeps fixed: the centre of the monitored quantity and the process
    standard deviation (`nan` for attribute charts, whose spread follows from the centre)."""

    center: float
    sigma: float


@dataclass(frozen=True)
class ControlChart:
    """One chart: a plotted point per subgroup, with the centre line, limits and one-sigma width at each point
    (they differ per point when subgroup sizes do); `nan` where a point is undefined (the first moving range).

    `own_rule` is the name and meaning of the alarm a point beyond the limits raises where the limits are the
    chart's own decision rule (a CUSUM's interval h, an EWMA's L sigmas of the average) rather than three sigmas
    of the point, so that the alarm says which; run rules do not apply to such a chart."""

    name: str
    points: np.ndarray
    center: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    sigma: np.ndarray
    own_rule: tuple[str, str] | None = None

    @property
    def z(self) -> np.ndarray:
        """The points in sigmas from the centre line (inf where a point leaves a zero-width centre, nan where
        it is undefined)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return (self.points - self.center) / self.sigma

    @property
    def out_of_control(self) -> tuple[int, ...]:
        """Points beyond a control limit."""
        with np.errstate(invalid="ignore"):
            beyond = (self.points > self.upper) | (self.points < self.lower)
        return tuple(int(i) for i in np.flatnonzero(beyond))


@dataclass(frozen=True)
class ChartSet:
    """The charts read together (X-bar with R, I with MR; one chart for the others) and their parameters."""

    params: Parameters
    charts: tuple[ControlChart, ...]

    @property
    def out_of_control(self) -> tuple[int, ...]:
        """Subgroups out of control on any of the charts."""
        return tuple(sorted({i for chart in self.charts for i in chart.out_of_control}))

    def __getitem__(self, name: str) -> ControlChart:
        return next(chart for chart in self.charts if chart.name == name)


def _chart(
    name: str,
    points: np.ndarray,
    center: object,
    sigma: object,
    lower_floor: float | None = None,
    own_rule: tuple[str, str] | None = None,
) -> ControlChart:
    points = np.asarray(points, dtype=float)
    center_a = np.broadcast_to(np.asarray(center, dtype=float), points.shape).copy()
    sigma_a = np.broadcast_to(np.asarray(sigma, dtype=float), points.shape).copy()
    lower = center_a - SIGMAS * sigma_a
    if lower_floor is not None:
        lower = np.maximum(lower, lower_floor)
    return ControlChart(name, points, center_a, lower, center_a + SIGMAS * sigma_a, sigma_a, own_rule)


def _subgroups(samples: object) -> np.ndarray:
    data = np.asarray(samples, dtype=float)
    if data.ndim != 2 or data.shape[1] < 2:
        raise FactoryosError(f"subgroup data must be a table of subgroups x observations (2 or more), got {data.shape}")
    if data.shape[0] < 2:
        raise FactoryosError(f"a control chart needs at least 2 subgroups, got {data.shape[0]}")
    if not np.isfinite(data).all():
        raise FactoryosError("subgroup data contains a missing or infinite value")
    return data


def _spread(sigma: float, what: str) -> None:
    if not sigma > 0:
        raise FactoryosError(f"the {what} is zero: every observation is the same, so there are no limits to set")


def xbar_r(samples: object, params: Parameters | None = None) -> ChartSet:
    """X-bar and R charts; sigma is estimated as R-bar / d2(n)."""
    data = _subgroups(samples)
    n = data.shape[1]
    means = data.mean(axis=1)
    ranges = np.ptp(data, axis=1)
    if params is None:
        params = xbar_r_parameters(means, ranges, n)
    _spread(params.sigma, "mean range")
    d2, d3 = constants.d2(n), constants.d3(n)
    return ChartSet(
        params,
        (
            _chart("xbar", means, params.center, params.sigma / math.sqrt(n)),
            _chart("r", ranges, d2 * params.sigma, d3 * params.sigma, lower_floor=0.0),
        ),
    )


def xbar_r_parameters(means: np.ndarray, ranges: np.ndarray, n: int) -> Parameters:
    """What the X-bar and R charts estimate from subgroups of `n` with these means and ranges: the grand mean,
    and sigma as R-bar / d2(n)."""
    return Parameters(float(means.mean()), float(ranges.mean()) / constants.d2(n))


def xbar_s(samples: object, params: Parameters | None = None) -> ChartSet:
    """X-bar and S charts; sigma is estimated as s-bar / c4(n)."""
    data = _subgroups(samples)
    n = data.shape[1]
    means = data.mean(axis=1)
    deviations = data.std(axis=1, ddof=1)
    c4 = constants.c4(n)
    if params is None:
        params = Parameters(float(means.mean()), float(deviations.mean()) / c4)
    _spread(params.sigma, "mean standard deviation")
    return ChartSet(
        params,
        (
            _chart("xbar", means, params.center, params.sigma / math.sqrt(n)),
            _chart("s", deviations, c4 * params.sigma, math.sqrt(1.0 - c4**2) * params.sigma, lower_floor=0.0),
        ),
    )


def _individuals(values: object, least: int = 2) -> np.ndarray:
    data = np.asarray(values, dtype=float)
    if data.ndim != 1:
        raise FactoryosError(f"individual values must be one series, got shape {data.shape}")
    if data.size < least:
        raise FactoryosError(f"a control chart needs at least {least} values, got {data.size}")
    if not np.isfinite(data).all():
        raise FactoryosError("the values contain a missing or infinite value")
    return data


def moving_range_sigma(values: object) -> float:
    """Short-term sigma of individual values: the mean moving range of two over d2(2)."""
    data = _individuals(values)
    return float(np.abs(np.diff(data)).mean()) / constants.d2(2)


def individuals(values: object, params: Parameters | None = None) -> ChartSet:
    """I and MR charts; the moving range of point i spans points i-1 and i (none at the first point)."""
    data = _individuals(values)
    if params is None:
        params = Parameters(float(data.mean()), moving_range_sigma(data))
    _spread(params.sigma, "mean moving range")
    moving = np.concatenate([[np.nan], np.abs(np.diff(data))])
    d2, d3 = constants.d2(2), constants.d3(2)
    return ChartSet(
        params,
        (
            _chart("i", data, params.center, params.sigma),
            _chart("mr", moving, d2 * params.sigma, d3 * params.sigma, lower_floor=0.0),
        ),
    )


def _counts(counts: object, sizes: object | None, whole_sizes: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Counts and sample sizes as arrays; a count (and, with `whole_sizes`, a sample of units) is a whole
    number, where a u chart's inspection units may be a length or an area."""
    found = np.asarray(counts, dtype=float)
    if found.ndim != 1 or found.size < 2:
        raise FactoryosError(f"an attribute chart needs a series of at least 2 counts, got shape {found.shape}")
    size = np.broadcast_to(np.asarray(1.0 if sizes is None else sizes, dtype=float), found.shape)
    if not (np.isfinite(found).all() and np.isfinite(size).all()):
        raise FactoryosError("the counts or sizes contain a missing or infinite value")
    _refuse_first(found < 0, lambda k: f"a count of {found[k]:g}; counts are 0 or more")
    _refuse_first(size <= 0, lambda k: f"a sample size of {size[k]:g}; sizes are more than 0")
    _refuse_first(found != np.floor(found), lambda k: f"a count is a whole number, not {found[k]:g}")
    if whole_sizes:
        _refuse_first(size != np.floor(size), lambda k: f"a sample size is a whole number, not {size[k]:g}")
    return found, size


def _refuse_first(wrong: np.ndarray, why: Callable[[int], str]) -> None:
    """A FactoryosError naming the first subgroup that is `wrong` and why, if any is."""
    where = np.flatnonzero(wrong)
    if where.size:
        raise FactoryosError(f"subgroup {where[0] + 1}: {why(int(where[0]))}")


def _no_more_than_inspected(found: np.ndarray, size: np.ndarray) -> None:
    _refuse_first(found > size, lambda k: f"{found[k]:g} defectives of {size[k]:g} units inspected")


def p_chart(defectives: object, sizes: object, params: Parameters | None = None) -> ChartSet:
    """Fraction nonconforming; limits per subgroup when sizes differ."""
    found, size = _counts(defectives, sizes)
    _no_more_than_inspected(found, size)
    if params is None:
        params = Parameters(float(found.sum() / size.sum()), math.nan)
    p = params.center
    return ChartSet(params, (_chart("p", found / size, p, np.sqrt(p * (1 - p) / size), lower_floor=0.0),))


def np_chart(defectives: object, size: float, params: Parameters | None = None) -> ChartSet:
    """Number nonconforming in subgroups of one (whole) size; the centre kept in `params` is the fraction p."""
    found, sizes = _counts(defectives, size)
    _no_more_than_inspected(found, sizes)
    if params is None:
        params = Parameters(float(found.mean() / size), math.nan)
    p = params.center
    return ChartSet(params, (_chart("np", found, size * p, math.sqrt(size * p * (1 - p)), lower_floor=0.0),))


def c_chart(defects: object, params: Parameters | None = None) -> ChartSet:
    """Nonconformities per inspection unit of constant size (Poisson)."""
    found, _ = _counts(defects, None)
    if params is None:
        params = Parameters(float(found.mean()), math.nan)
    c = params.center
    return ChartSet(params, (_chart("c", found, c, math.sqrt(c), lower_floor=0.0),))


def u_chart(defects: object, units: object, params: Parameters | None = None) -> ChartSet:
    """Nonconformities per unit when the number of units inspected varies."""
    found, size = _counts(defects, units, whole_sizes=False)
    if params is None:
        params = Parameters(float(found.sum() / size.sum()), math.nan)
    u = params.center
    return ChartSet(params, (_chart("u", found / size, u, np.sqrt(u / size), lower_floor=0.0),))


def _estimate(data: np.ndarray, params: Parameters | None) -> Parameters:
    if params is None:
        params = Parameters(float(data.mean()), moving_range_sigma(data))
    _spread(params.sigma, "process standard deviation")
    return params


def ewma(
    values: object, params: Parameters | None = None, weight: float = 0.2, width: float = 3.0, steady: bool = False
) -> ChartSet:
    """EWMA of individual values started at the target: z_i = weight x_i + (1 - weight) z_{i-1}.

    The limits widen over the first points to their steady state; `steady=True` uses the steady state from
    the start, as the NIST/SEMATECH e-Handbook does."""
    if not 0 < weight <= 1:
        raise FactoryosError(f"the EWMA weight must be in (0, 1], not {weight}")
    data = _individuals(values, least=1)
    params = _estimate(data, params)
    z = np.empty_like(data)
    level = params.center
    for i, x in enumerate(data):
        level = weight * x + (1 - weight) * level
        z[i] = level
    steps = np.arange(1, data.size + 1)
    growth = np.ones_like(z) if steady else 1 - (1 - weight) ** (2 * steps)
    spread = params.sigma * np.sqrt(weight / (2 - weight) * growth)
    rule = ("ewma", f"EWMA beyond {width:g} of its sigmas (weight {weight:g})")
    return ChartSet(params, (_chart("ewma", z, params.center, spread * width / SIGMAS, own_rule=rule),))


def cusum(values: object, params: Parameters | None = None, slack: float = 0.5, decision: float = 5.0) -> ChartSet:
    """Tabular two-sided CUSUM: C+_i = max(0, x_i - (target + K) + C+_{i-1}), C-_i = max(0, (target - K) - x_i
    + C-_{i-1}), with K = slack sigma, signalling when either exceeds H = decision sigma. Charted as C+ ("upper")
    and -C- ("lower") against the limits +H and -H."""
    data = _individuals(values, least=1)
    params = _estimate(data, params)
    k, h = slack * params.sigma, decision * params.sigma
    high, low = np.empty_like(data), np.empty_like(data)
    up = down = 0.0
    for i, x in enumerate(data):
        up = max(0.0, x - (params.center + k) + up)
        down = max(0.0, (params.center - k) - x + down)
        high[i], low[i] = up, -down
    sigma = h / SIGMAS
    interval = f"h = {decision:g} sigma (k = {slack:g} sigma)"
    return ChartSet(
        params,
        (
            _chart("cusum+", high, 0.0, sigma, own_rule=("cusum", f"upper sum beyond {interval}")),
            _chart("cusum-", low, 0.0, sigma, own_rule=("cusum", f"lower sum beyond {interval}")),
        ),
    )


@dataclass(frozen=True)
class PhaseOne:
    """A phase I study: the final parameters, the charts of every subgroup against them, the subgroups
    excluded as out of control (each of them outside the final limits, and no other), and how many estimates it
    took."""

    charts: ChartSet
    excluded: tuple[int, ...]
    rounds: int


def _most_extreme(charts: ChartSet, candidates: set[int]) -> int:
    """The candidate subgroup farthest from a centre line, in sigmas, on any of the charts (the earliest of a
    tie)."""
    sigmas = [np.abs(chart.z) for chart in charts.charts]
    distance = np.max(np.nan_to_num(sigmas, nan=-math.inf), axis=0)
    return max(sorted(candidates), key=lambda i: float(distance[i]))


def phase_one(chart: Callable[..., ChartSet], *data: object, rounds: int | None = None) -> PhaseOne:
    """Revised limits from a baseline (Montgomery, 6.3.1 and 7.2.1): estimate the limits from the subgroups kept,
    judge every subgroup of the baseline against them, drop the most extreme of the kept ones that is out of
    control and take back any dropped one now in control, until the subgroups dropped are exactly those out of
    control. One at a time, the most extreme first, because one wild subgroup drags the centre line and with it
    a limit past ordinary ones (one bad day lifts a c chart's lower limit over the normal low days); dropping
    them with it would leave the limits to the high ones.

    `chart` is one of the chart functions (with its options bound); `data` its arrays, sliced together by
    subgroup. Phase II is then `chart(*new_data, params=result.charts.params)`. `rounds` bounds the estimates,
    by default twice the subgroups, more than a study that settles needs."""
    arrays = [np.asarray(a, dtype=float) for a in data]
    count = len(arrays[0])
    limit = 2 * count if rounds is None else rounds
    excluded: set[int] = set()
    for done in range(1, limit + 1):
        keep = np.array(sorted(set(range(count)) - excluded), dtype=int)
        if keep.size < 2:
            raise FactoryosError("phase I removed nearly every subgroup as out of control: the baseline is unstable")
        judged = chart(*arrays, params=chart(*(a[keep] for a in arrays)).params)
        out = set(judged.out_of_control)
        if out == excluded:
            return PhaseOne(judged, tuple(sorted(excluded)), done)
        excluded &= out
        if out - excluded:
            excluded.add(_most_extreme(judged, out - excluded))
    raise FactoryosError(f"phase I limits did not settle within {limit} rounds: the baseline is unstable")
