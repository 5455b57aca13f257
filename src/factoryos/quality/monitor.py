"""Multivariate process monitoring of a machine or cell with many correlated sensors.

A model of normal operation is learnt from training data: principal components (PCA) of the standardised
sensors, or of the sensors with their recent past (dynamic PCA, Ku, Storer and Georgakis 1995), which also
captures how one sensor follows another in time (a temperature lagging the power). Each new sample is scored
by Hotelling's T^2 (how far it lies within the model's plane) and Q, the squared prediction error (how far off
the plane: a broken correlation), put on one scale as max(T^2 / T^2_ref, Q / Q_ref).

A slow drift moves a sample only a little at a time, less than the noise. The third method, `ewma-dpca`, also
scores the exponentially weighted moving average of the standardised samples (the multivariate EWMA of Lowry
et al. 1992, in the dynamic PCA model), which accumulates a small persistent shift until it shows, and alarms
when either view is out, as a combined Shewhart-EWMA chart does: the average alone would smooth away a fast
oscillation.

Each view's control limit is a quantile on held-back normal data: the last part of the training set, never the
data being monitored, so the false-alarm rate is the one asked for (split between the views) rather than the one
a normality assumption would give. The statistic reported is the largest view's value over its limit, so the
limit is 1 for every method.

`Stream` judges samples one at a time as they come (the live watch on the ingested stream), carrying the
lagged samples and each smoothed view's average from one to the next, so that each sample gets the statistic
`score` gives it within the whole series."""

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import signal, stats

from factoryos.model.errors import FactoryosError

# Each method: the lags of every sensor added to a sample, and the EWMA weights of its views (1: the samples).
METHODS = {"pca": (0, (1.0,)), "dpca": (2, (1.0,)), "ewma-dpca": (2, (1.0, 0.1))}
TOP_SENSORS = 5
HELD_BACK = 20


@dataclass(frozen=True)
class View:
    """One way of looking at the samples (as they are or smoothed), with its scale and limit on normal data."""

    weight: float
    t2_ref: float
    q_ref: float
    limit: float
    t2_usual: np.ndarray
    q_usual: np.ndarray


@dataclass(frozen=True)
class Model:
    """The principal components of normal operation: standardisation, loadings and their variances."""

    sensors: tuple[str, ...]
    lags: int
    mean: np.ndarray
    scale: np.ndarray
    loadings: np.ndarray
    eigenvalues: np.ndarray


@dataclass(frozen=True)
class Monitor:
    """A learnt model of normal operation and its views, each with its control limit."""

    method: str
    model: Model
    views: tuple[View, ...]


@dataclass(frozen=True)
class Scores:
    """Per sample: the statistic (the largest view's value over its limit; alarm above 1) and each sensor's
    share of it (rows x sensors)."""

    statistic: np.ndarray
    contributions: np.ndarray


@dataclass(frozen=True)
class Verdict:
    """The monitor's answer for each test sample (`None` statistic: a row without the past a lagged model
    needs) and, for the alarmed ones, the sensors most to blame."""

    method: str
    alarms: tuple[int, ...]
    statistic: tuple[float | None, ...]
    limit: float
    contributions: tuple[tuple[int, tuple[tuple[str, float], ...]], ...]


def _lagged(data: np.ndarray, lags: int) -> np.ndarray:
    """Each row followed by the `lags` rows before it: [x_t, x_{t-1}, ..., x_{t-lags}], from row `lags` on."""
    rows = data.shape[0] - lags
    return np.hstack([data[lags - k : lags - k + rows] for k in range(lags + 1)])


def _check(data: np.ndarray, sensors: tuple[str, ...], what: str) -> None:
    if data.ndim != 2 or data.shape[1] != len(sensors):
        raise FactoryosError(f"the {what} data must have one column per sensor ({len(sensors)}), got {data.shape}")
    if not np.isfinite(data).all():
        row = int(np.flatnonzero(~np.isfinite(data).all(axis=1))[0])
        raise FactoryosError(f"the {what} data has a missing or infinite value in row {row + 1}")


def _components(data: np.ndarray, sensors: tuple[str, ...], lags: int, variance: float) -> Model:
    block = _lagged(data, lags)
    mean, scale = block.mean(axis=0), block.std(axis=0, ddof=1)
    if (scale == 0).any():
        flat = sensors[int(np.flatnonzero(scale == 0)[0]) % len(sensors)]
        raise FactoryosError(f"sensor {flat!r} is constant in the training data: it carries no information")
    standard = (block - mean) / scale
    _, singular, vt = np.linalg.svd(standard, full_matrices=False)
    eigenvalues = singular**2 / (standard.shape[0] - 1)
    kept = int(np.searchsorted(np.cumsum(eigenvalues) / eigenvalues.sum(), variance) + 1)
    kept = min(kept, block.shape[1] - 1)
    return Model(sensors, lags, mean, scale, vt[:kept].T, eigenvalues[:kept])


def fit(
    train: np.ndarray,
    sensors: tuple[str, ...],
    method: str = "pca",
    variance: float = 0.95,
    false_alarm: float = 0.005,
    holdout: float = 0.3,
) -> Monitor:
    """Learn normal operation from the first part of `train` (rows in time order), keeping the components that
    explain `variance` of it, and set each view's limit on the last `holdout` share, at its
    (1 - false_alarm / views) quantile there. The nominal rate is set well below the 5 % a plant tolerates:
    measured on fresh normal data it runs higher, since the held-back part is short and autocorrelated."""
    if method not in METHODS:
        raise FactoryosError(f"unknown monitoring method {method!r}; the methods are {', '.join(METHODS)}")
    if len(sensors) < 2:
        raise FactoryosError(
            f"a multivariate monitor needs two sensors or more, got {len(sensors)} ({', '.join(sensors) or 'none'}): "
            "chart one sensor with `factoryos quality spc`"
        )
    data = np.asarray(train, dtype=float)
    _check(data, sensors, "training")
    lags, weights = METHODS[method]
    features = len(sensors) * (lags + 1)
    learn = int(round(data.shape[0] * (1 - holdout)))
    needed = max(math.ceil((2 * features + lags + 1) / (1 - holdout)), math.ceil(HELD_BACK / holdout))
    if data.shape[0] < needed or learn - lags < 2 * features or data.shape[0] - learn < HELD_BACK:
        raise FactoryosError(
            f"too few training rows ({data.shape[0]}) for {len(sensors)} sensors with method {method}: "
            f"it needs at least {needed}, twice as many per model feature and {HELD_BACK} to hold back for the limit"
        )
    model = _components(data[:learn], sensors, lags, variance)
    held_back = _lagged(data[learn - lags :], lags)
    views = []
    for weight in weights:
        # A smoothed view starts low while its average warms up; its limit is set after that.
        settled = 0 if weight == 1 else math.ceil(3 / weight)
        t2, q, standard, residual = (part[settled:] for part in _raw(model, held_back, weight))
        if t2.size < HELD_BACK:
            raise FactoryosError(f"too few training rows ({data.shape[0]}) to hold back {HELD_BACK} for the limit")
        t2_ref, q_ref = float(np.median(t2)), float(np.median(q))
        limit = _limit(np.maximum(t2 / t2_ref, q / q_ref), false_alarm / len(weights))
        t2_parts, q_parts = _sensor_parts(model, standard, residual)
        views.append(View(weight, t2_ref, q_ref, limit, t2_parts.mean(axis=0), q_parts.mean(axis=0)))
    return Monitor(method, model, tuple(views))


def _limit(statistic: np.ndarray, false_alarm: float) -> float:
    """The (1 - false_alarm) quantile of a scaled chi-square g chi2_h fitted to the statistic's mean and variance
    (Box 1954), or its empirical quantile if that is higher. The moments of an autocorrelated series, such as a
    smoothed one, are estimated far more steadily than its extreme quantiles."""
    mean, var = float(statistic.mean()), float(statistic.var(ddof=1))
    fitted = var / (2 * mean) * stats.chi2.ppf(1 - false_alarm, 2 * mean**2 / var)
    return max(float(fitted), float(np.quantile(statistic, 1 - false_alarm)))


def _sensor_parts(model: Model, standard: np.ndarray, residual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each sensor's part in T^2 and in Q (rows x sensors, its lags summed), as reconstruction-based
    contributions (Alcala and Qin 2009): how much of the statistic goes away when feature j is reconstructed
    from the others, (M x)_j^2 / M_jj, with M = P diag(1/lambda) P' for T^2 and I - P P' for Q."""
    loadings = model.loadings
    t2_matrix = (loadings / model.eigenvalues) @ loadings.T
    t2_parts = (standard @ t2_matrix) ** 2 / np.diag(t2_matrix)
    q_parts = residual**2 / np.maximum(1.0 - np.sum(loadings**2, axis=1), 1e-12)
    width = len(model.sensors)
    return (
        t2_parts.reshape(len(t2_parts), model.lags + 1, width).sum(axis=1),
        q_parts.reshape(len(q_parts), model.lags + 1, width).sum(axis=1),
    )


def _raw(
    model: Model, block: np.ndarray, weight: float, average: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """T^2, Q, the (smoothed) standardised rows and their residuals; a smoothed view goes on from `average`, the
    one before the block's first row (None: from the training mean)."""
    standard = (block - model.mean) / model.scale
    if weight < 1:  # z_t = w x_t + (1 - w) z_{t-1}, from z = 0: the training mean
        before = np.zeros(block.shape[1]) if average is None else average
        initial = ((1.0 - weight) * before)[None, :]
        standard, _ = signal.lfilter([weight], [1.0, weight - 1.0], standard, axis=0, zi=initial)
    scores = standard @ model.loadings
    residual = standard - scores @ model.loadings.T
    t2 = np.sum(scores**2 / model.eigenvalues, axis=1)
    q = np.sum(residual**2, axis=1)
    return t2, q, standard, residual


def _parts(model: Model, view: View, raw: tuple[np.ndarray, ...]) -> np.ndarray:
    """Each sensor's part in a view's statistic relative to its usual part on normal data (a noisy sensor that
    always contributes much is not blamed for it; one contributing unusually much is)."""
    t2, q, standard, residual = raw
    t2_parts, q_parts = _sensor_parts(model, standard, residual)
    return np.where((q / view.q_ref >= t2 / view.t2_ref)[:, None], q_parts / view.q_usual, t2_parts / view.t2_usual)


Raw = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""A view's T^2, Q, (smoothed) standardised rows and residuals (`_raw`)."""


def _judge(
    monitor: Monitor, block: np.ndarray, averages: tuple[np.ndarray | None, ...]
) -> tuple[np.ndarray, list[Raw], tuple[np.ndarray, ...]]:
    """Per view and lagged row, the statistic over the view's limit; each view's raw parts, which say each
    sensor's share (`_shares`); and each view's last (smoothed) standardised row, which the next block goes on
    from."""
    model, views = monitor.model, monitor.views
    raws = [_raw(model, block, view.weight, average) for view, average in zip(views, averages, strict=True)]
    values_by_view = np.array(
        [
            np.maximum(t2 / view.t2_ref, q / view.q_ref) / view.limit
            for view, (t2, q, _, _) in zip(views, raws, strict=True)
        ]
    )
    return values_by_view, raws, tuple(standard[-1] for _, _, standard, _ in raws)


def _shares(monitor: Monitor, values_by_view: np.ndarray, raws: list[Raw]) -> np.ndarray:
    """Per lagged row, each sensor's share of the statistic of the view that gives it."""
    worst = np.argmax(values_by_view, axis=0)
    per_sensor = np.stack([_parts(monitor.model, view, raw) for view, raw in zip(monitor.views, raws, strict=True)])[
        worst, np.arange(len(worst))
    ]
    totals = per_sensor.sum(axis=1, keepdims=True)
    return np.divide(per_sensor, totals, out=np.zeros_like(per_sensor), where=totals > 0)


def score(monitor: Monitor, data: np.ndarray) -> Scores:
    """Score samples (rows in time order). With lags, the first `lags` rows have no past to be judged with:
    their statistic is `nan` and their contributions zero."""
    model = monitor.model
    values = np.asarray(data, dtype=float)
    _check(values, model.sensors, "test")
    rows, width = values.shape
    statistic, shares = np.full(rows, np.nan), np.zeros((rows, width))
    if rows <= model.lags:
        return Scores(statistic, shares)
    scored = slice(model.lags, rows)
    values_by_view, raws, _ = _judge(monitor, _lagged(values, model.lags), (None,) * len(monitor.views))
    statistic[scored], shares[scored] = values_by_view.max(axis=0), _shares(monitor, values_by_view, raws)
    return Scores(statistic, shares)


@dataclass
class Stream:
    """A learnt monitor judging samples one at a time, as they come: it keeps the last samples a lagged model
    needs and each smoothed view's average."""

    monitor: Monitor
    _past: list[np.ndarray] = field(default_factory=list)
    _averages: tuple[np.ndarray | None, ...] = ()

    def judge(self, sample: np.ndarray) -> tuple[float, np.ndarray] | None:
        """One more sample's statistic (alarm above 1) and, for an alarm, each sensor's share of it (zeros
        otherwise); None while a lagged model still lacks the past it needs."""
        model = self.monitor.model
        row = np.asarray(sample, dtype=float).reshape(1, -1)
        _check(row, model.sensors, "live")
        self._past = [*self._past, row][-(model.lags + 1) :]
        if len(self._past) <= model.lags:
            return None
        before = self._averages or (None,) * len(self.monitor.views)
        block = _lagged(np.vstack(self._past), model.lags)
        values_by_view, raws, self._averages = _judge(self.monitor, block, before)
        statistic = float(values_by_view.max(axis=0)[0])
        if statistic <= 1.0:  # the shares are only wanted for an alarm: most samples are spared them
            return statistic, np.zeros(len(model.sensors))
        return statistic, _shares(self.monitor, values_by_view, raws)[0]


def blame(sensors: tuple[str, ...], shares: np.ndarray) -> tuple[tuple[str, float], ...]:
    """The sensors contributing most to a sample's statistic, with their shares, largest first."""
    order = np.argsort(-shares)[:TOP_SENSORS]
    return tuple((sensors[j], round(float(shares[j]), 4)) for j in order)


def monitor(train: np.ndarray, test: np.ndarray, sensors: tuple[str, ...], method: str = "pca") -> Verdict:
    """Learn from `train`, then flag each row of `test` whose statistic exceeds the limit, naming for each
    alarm the sensors that contribute most."""
    learnt = fit(train, sensors, method)
    scores = score(learnt, test)
    with np.errstate(invalid="ignore"):
        alarms = scores.statistic > 1.0
    blamed = [(int(row), blame(sensors, scores.contributions[row])) for row in np.flatnonzero(alarms)]
    return Verdict(
        method,
        tuple(int(a) for a in alarms),
        tuple(None if math.isnan(s) else float(s) for s in scores.statistic),
        1.0,
        tuple(blamed),
    )
