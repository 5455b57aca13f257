"""Multivariate process monitoring of a machine or cell with many correlated sensors.

A model of normal operation is learnt from training data: principal components (PCA) of the standardised
sensors, or of the sensors with their recent past (dynamic PCA, Ku, Storer and Georgakis 1995), which also
captures how one sensor follows another in time (a temperature lagging the power). Each new sample is scored
by Hotelling's T^2 (how far it lies within the model's plane) and Q, the squared prediction error (how far off
the plane: a broken correlation), each over its own limit, put on one scale as max(T^2 / T^2_limit, Q / Q_limit).

A slow drift moves a sample only a little at a time, less than the noise. The third method, `ewma-dpca`, also
scores the exponentially weighted moving average of the standardised samples (the multivariate EWMA of Lowry
et al. 1992, in the dynamic PCA model), which accumulates a small persistent shift until it shows, and alarms
when either view is out, as a combined Shewhart-EWMA chart does: the average alone would smooth away a fast
oscillation.

Each statistic's limit comes from its distribution on normal data learnt from the whole training set: an F for
T^2 (Tracy, Young and Mason 1992), Jackson and Mudholkar's (1979) approximation for Q, the smoothed view's
variances from the EWMA's (Lowry et al. 1992; Lu and Reynolds 1999 for an autocorrelated direction). Set on a
hundred-odd rows, a quantile would rest on the one or two largest of them. The statistic reported is the
largest view's value over its limit, so the limit is 1 for every method.

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
FOLDS = 5
# Rows a feature, at least, for its mean, spread and correlations to be learnt (and each fold's model with them).
ROWS_PER_FEATURE = 5


@dataclass(frozen=True)
class View:
    """One way of looking at the samples (as they are or smoothed): each principal direction's variance in it
    relative to the samples' (`spread`, the kept ones then the rest), the limits of T^2 and Q, and each sensor's
    usual part in them on normal data."""

    weight: float
    spread: np.ndarray
    t2_limit: float
    q_limit: float
    t2_usual: np.ndarray
    q_usual: np.ndarray


@dataclass(frozen=True)
class Model:
    """The principal components of normal operation: standardisation, the kept loadings and their variances,
    the variances of the directions left out (what Q sums), and how many lagged rows it was learnt from."""

    sensors: tuple[str, ...]
    lags: int
    mean: np.ndarray
    scale: np.ndarray
    loadings: np.ndarray
    eigenvalues: np.ndarray
    residual_eigenvalues: np.ndarray
    rows: int


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


def _components(block: np.ndarray, sensors: tuple[str, ...], lags: int, variance: float) -> tuple[Model, np.ndarray]:
    """The model learnt from lagged rows, and every row's scores on all its principal directions. The left-out
    directions' variances are scaled to Q's mean on rows a model did not learn from (`_unseen_q`): in-sample they
    are the smallest the rows allow, about half the true ones for six features and a hundred rows, which put
    three times the asked-for share of fresh normal samples over a limit drawn from them."""
    mean, scale = block.mean(axis=0), block.std(axis=0, ddof=1)
    if (scale == 0).any():
        flat = sensors[int(np.flatnonzero(scale == 0)[0]) % len(sensors)]
        raise FactoryosError(f"sensor {flat!r} is constant in the training data: it carries no information")
    standard = (block - mean) / scale
    eigenvalues, directions = _principal(standard)
    kept = int(np.searchsorted(np.cumsum(eigenvalues) / eigenvalues.sum(), variance) + 1)
    kept = min(kept, block.shape[1] - 1)
    left_out = eigenvalues[kept:]
    unseen = _unseen_q(block, kept)
    left_out = left_out * max(1.0, unseen / float(left_out.sum()))
    model = Model(sensors, lags, mean, scale, directions[:, :kept], eigenvalues[:kept], left_out, standard.shape[0])
    return model, standard @ directions


def _principal(standard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The variances along the principal directions of standardised rows, largest first, and the directions."""
    _, singular, vt = np.linalg.svd(standard, full_matrices=False)
    return singular**2 / (standard.shape[0] - 1), vt.T


def _unseen_q(block: np.ndarray, kept: int) -> float:
    """Q's mean on rows a model did not learn from: each of `FOLDS` consecutive parts of the rows judged by the
    model learnt from the others (cross-validation, as Wold 1978 chose components)."""
    q = []
    for fold in np.array_split(np.arange(block.shape[0]), FOLDS):
        rest = np.delete(block, fold, axis=0)
        mean, scale = rest.mean(axis=0), rest.std(axis=0, ddof=1)
        scale = np.where(scale > 0, scale, 1.0)
        _, directions = _principal((rest - mean) / scale)
        unseen = (block[fold] - mean) / scale
        q.append(np.sum((unseen - unseen @ directions[:, :kept] @ directions[:, :kept].T) ** 2, axis=1))
    return float(np.mean(np.concatenate(q)))


def fit(
    train: np.ndarray,
    sensors: tuple[str, ...],
    method: str = "pca",
    variance: float = 0.95,
    false_alarm: float = 0.01,
) -> Monitor:
    """Learn normal operation from `train` (rows in time order), keeping the components that explain `variance`
    of it, and give each view's T^2 and Q a limit at `false_alarm` shared among them (Bonferroni).

    The limits come from the statistics' distributions, not from quantiles of held-back rows: a hundred rows
    put an empirical 99.9th percentile on one or two of them, and one limit on max(T^2/median, Q/median) let Q's
    single residual direction, far longer-tailed, set T^2's limit too, leaving a shift in the model's plane
    unseen. T^2 of a new sample follows a scaled F (Tracy, Young and Mason 1992); Q, a weighted sum of the left-out
    directions' squared scores, Jackson and Mudholkar's (1979) normal approximation."""
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
    needed = ROWS_PER_FEATURE * features + lags + 1
    if data.shape[0] < needed:
        raise FactoryosError(
            f"too few training rows ({data.shape[0]}) for {len(sensors)} sensors with method {method}: "
            f"it needs at least {needed}, more than {ROWS_PER_FEATURE} per model feature"
        )
    block = _lagged(data, lags)
    model, scores = _components(block, sensors, lags, variance)
    alpha = false_alarm / (2 * len(weights))
    views = []
    for weight in weights:
        spread = _spread(scores, weight)
        t2_limit, q_limit = _limits(model, spread, alpha)
        _, _, standard, residual = _raw(model, block, weight, spread)
        t2_parts, q_parts = _sensor_parts(model, standard, residual)
        views.append(View(weight, spread, t2_limit, q_limit, t2_parts.mean(axis=0), q_parts.mean(axis=0)))
    return Monitor(method, model, tuple(views))


def _spread(scores: np.ndarray, weight: float) -> np.ndarray:
    """Each principal direction's variance in a view relative to the samples'. The EWMA of independent samples
    has w / (2 - w) of their variance (Lowry et al. 1992); of a direction that is autocorrelated, taken as AR(1)
    with lag-one autocorrelation phi (negative taken as none), (w / (2 - w)) (1 + phi (1 - w)) / (1 - phi (1 - w))
    (the EWMA of an AR(1) process, Lu and Reynolds 1999): a slow direction's average moves nearly as much as
    its samples. The training mean's own error, 1/n of the variance, adds to the average's as it does not to a
    sample's, whose limit's F already counts it (Jones, Champ and Rigdon 2001: limits that leave it out alarm
    far more often than asked)."""
    if weight == 1:
        return np.ones(scores.shape[1])
    centred = scores - scores.mean(axis=0)
    phi = np.clip(np.sum(centred[1:] * centred[:-1], axis=0) / np.sum(centred**2, axis=0), 0.0, 0.99)
    carried = phi * (1 - weight)
    return weight / (2 - weight) * (1 + carried) / (1 - carried) + 1 / scores.shape[0]


def _limits(model: Model, spread: np.ndarray, alpha: float) -> tuple[float, float]:
    """A view's T^2 limit, the scaled F of a new sample's T^2 over `kept` components estimated from n rows
    (Tracy, Young and Mason 1992), and its Q limit by Jackson and Mudholkar (1979) over the left-out directions'
    variances in the view."""
    n, kept = model.rows, len(model.eigenvalues)
    t2_limit = kept * (n * n - 1) / (n * (n - kept)) * float(stats.f.ppf(1 - alpha, kept, n - kept))
    left_out = model.residual_eigenvalues * spread[kept : kept + len(model.residual_eigenvalues)]
    return t2_limit, _q_limit(left_out, alpha)


def _q_limit(variances: np.ndarray, alpha: float) -> float:
    """The (1 - alpha) quantile of a weighted sum of independent squared normals of these `variances`, by
    Jackson and Mudholkar's (1979) approximation."""
    theta1, theta2, theta3 = (float(np.sum(variances**power)) for power in (1, 2, 3))
    h0 = 1 - 2 * theta1 * theta3 / (3 * theta2**2)
    normal = float(stats.norm.ppf(1 - alpha))
    root = normal * math.sqrt(2 * theta2 * h0**2) / theta1 + 1 + theta2 * h0 * (h0 - 1) / theta1**2
    return theta1 * root ** (1 / h0)


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
    model: Model, block: np.ndarray, weight: float, spread: np.ndarray, average: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """T^2 (each kept direction scaled by its variance in the view, `spread`), Q, the (smoothed) standardised rows
    and their residuals; a smoothed view goes on from `average`, the one before the block's first row (None: from
    the training mean)."""
    standard = (block - model.mean) / model.scale
    if weight < 1:  # z_t = w x_t + (1 - w) z_{t-1}, from z = 0: the training mean
        before = np.zeros(block.shape[1]) if average is None else average
        initial = ((1.0 - weight) * before)[None, :]
        standard, _ = signal.lfilter([weight], [1.0, weight - 1.0], standard, axis=0, zi=initial)
    scores = standard @ model.loadings
    residual = standard - scores @ model.loadings.T
    t2 = np.sum(scores**2 / (model.eigenvalues * spread[: len(model.eigenvalues)]), axis=1)
    q = np.sum(residual**2, axis=1)
    return t2, q, standard, residual


def _parts(model: Model, view: View, raw: tuple[np.ndarray, ...]) -> np.ndarray:
    """Each sensor's part in a view's statistic relative to its usual part on normal data (a noisy sensor that
    always contributes much is not blamed for it; one contributing unusually much is)."""
    t2, q, standard, residual = raw
    t2_parts, q_parts = _sensor_parts(model, standard, residual)
    return np.where((q / view.q_limit >= t2 / view.t2_limit)[:, None], q_parts / view.q_usual, t2_parts / view.t2_usual)


Raw = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""A view's T^2, Q, (smoothed) standardised rows and residuals (`_raw`)."""


def _judge(
    monitor: Monitor, block: np.ndarray, averages: tuple[np.ndarray | None, ...]
) -> tuple[np.ndarray, list[Raw], tuple[np.ndarray, ...]]:
    """Per view and lagged row, the statistic over the view's limit; each view's raw parts, which say each
    sensor's share (`_shares`); and each view's last (smoothed) standardised row, which the next block goes on
    from."""
    model, views = monitor.model, monitor.views
    raws = [
        _raw(model, block, view.weight, view.spread, average) for view, average in zip(views, averages, strict=True)
    ]
    values_by_view = np.array(
        [np.maximum(t2 / view.t2_limit, q / view.q_limit) for view, (t2, q, _, _) in zip(views, raws, strict=True)]
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
