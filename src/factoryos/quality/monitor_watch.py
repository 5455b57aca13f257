"""The multivariate monitor live on one equipment's series (its sensors and the characteristics tested on it):
readings arrive one at a time and alarms come in episodes.

Samples. Time is cut into periods of `period` seconds; a sample is each series' mean over one period in which
the equipment reported (a period without a reading, a night or a stop, is no sample). A period closes, and its
sample is judged, once a reading `late` periods newer arrives, so readings may come out of order within that
window; a reading for a period already closed is counted in `late_readings` and left out of the samples (the
store keeps it all the same). A series missing from a period (a characteristic measured every fifth unit, a
sensor that skipped a beat) stands at its last value for up to `hold` periods; a sample still missing a series
after that is not judged but counted in `incomplete`. A value that is not a finite number is counted in
`not_finite` and left out.

Learning. The first `train` samples say which series the equipment has: those reported (not held) in at least
half of them, less any that stayed constant, which carries no information. With fewer than two the
univariate SPC watch is the tool, and the equipment is not watched (`reason` says why, as it does when the
monitor cannot be fitted). The complete samples among the first `train` (and later ones, until there are
`train`) are normal operation: `monitor.fit` learns from them and sets the limits on their held-back last part.

Episodes. Consecutive samples over the limit are one episode, however long the excursion. It is raised once
`persist` samples in a row are over (a limit at the 99th percentile puts one normal sample in a hundred over
it, a few an equipment each day at 5-minute samples: a lone one is noise, a run of them is not), not counting
the lags of a dynamic model (one odd sample is in the lagged rows of `lags + 1` judgements in a row, so a run
that short is one sample's evidence, and on the demo it made most of the false episodes), dated from
the run's first sample and naming the sensors most to blame there; it ends after `rearm` samples in a row
within the limit, with its last alarmed sample's end, its largest statistic and the sensors most to blame over
all its samples."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from factoryos.model.errors import FactoryosError
from factoryos.quality.monitor import METHODS, Stream, blame, fit


@dataclass(frozen=True)
class Episode:
    """Consecutive alarmed samples of one equipment. `start` is the first one's period start, `raised` its end
    (when the alarm went out). While open, `end` and `cleared` are None and `sensors` are the most to blame at
    the first sample; once ended, `end` is the last alarmed sample's period end, `cleared` when the episode was
    seen to be over, `sensors` the most to blame over its `samples`, and `statistic` its largest."""

    start: datetime
    raised: datetime
    statistic: float
    sensors: tuple[tuple[str, float], ...]
    samples: int = 1
    end: datetime | None = None
    cleared: datetime | None = None


@dataclass
class MonitorWatch:
    """The live multivariate monitor of one equipment; `sensors` are its model's series once it has learnt."""

    method: str = "ewma-dpca"
    period: float = 300.0
    train: int = 200
    late: int = 1
    hold: int = 2
    persist: int = 2
    rearm: int = 3
    sensors: tuple[str, ...] | None = None
    reason: str | None = None
    judged: int = 0
    alarmed: int = 0
    incomplete: int = 0
    late_readings: int = 0
    not_finite: int = 0
    _stream: Stream | None = None
    _periods: dict[int, dict[str, list[float]]] = field(default_factory=dict)
    _closed: int | None = None
    _last: dict[str, tuple[int, float]] = field(default_factory=dict)
    _learning: list[tuple[frozenset[str], dict[str, float]]] = field(default_factory=list)
    _rows: list[list[float]] = field(default_factory=list)
    _open: Episode | None = None
    _run: list[tuple[int, float, np.ndarray]] = field(default_factory=list)
    _shares: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _last_alarm: datetime | None = None
    _quiet: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise FactoryosError(f"unknown monitoring method {self.method!r}; the methods are {', '.join(METHODS)}")
        if not (math.isfinite(self.period) and self.period > 0):
            raise FactoryosError(
                f"a live monitor's sample period must be a positive number of seconds, got {self.period}"
            )
        if self.train < 2 or self.late < 0 or self.hold < 0 or self.persist < 1 or self.rearm < 1:
            raise FactoryosError(
                "a live monitor needs train >= 2 samples, late >= 0, hold >= 0, persist >= 1 and rearm >= 1"
            )

    @property
    def episode(self) -> Episode | None:
        """The episode under way, if one is: its samples and largest statistic so far."""
        return self._open

    @property
    def watching(self) -> bool:
        """Whether it has learnt normal operation and judges each sample."""
        return self._stream is not None

    def add(self, series: str, value: float, at: datetime) -> list[Episode]:
        """Take one reading; the episodes raised or ended by the samples it closes."""
        if not math.isfinite(value):
            self.not_finite += 1
            return []
        index = math.floor(at.timestamp() / self.period)
        if self._closed is not None and index <= self._closed:
            self.late_readings += 1
            return []
        self._periods.setdefault(index, {}).setdefault(series, []).append(value)
        changed = []
        for due in sorted(p for p in self._periods if p < index - self.late):
            changed.extend(self._close(due))
        return changed

    def _close(self, index: int) -> list[Episode]:
        reported = {series: sum(values) / len(values) for series, values in self._periods.pop(index).items()}
        self._closed = index
        self._last.update((series, (index, value)) for series, value in reported.items())
        if self.reason is not None:
            return []
        if self._stream is None:
            self._learn(index, frozenset(reported))
            return []
        row = self._row(index)
        if row is None:
            self.incomplete += 1
            return []
        judged = self._stream.judge(np.array(row))
        return [] if judged is None else self._judge(index, *judged)

    def _held(self, index: int) -> dict[str, float]:
        """Every series' value standing at a period: reported then, or at most `hold` periods before."""
        return {series: value for series, (seen, value) in self._last.items() if index - seen <= self.hold}

    def _row(self, index: int) -> list[float] | None:
        assert self.sensors is not None
        held = self._held(index)
        return [held[s] for s in self.sensors] if all(s in held for s in self.sensors) else None

    def _learn(self, index: int, reported: frozenset[str]) -> None:
        if self.sensors is None:
            self._learning.append((reported, self._held(index)))
            if len(self._learning) < self.train:
                return
            counts = Counter(series for seen, _ in self._learning for series in seen)
            self.sensors = tuple(sorted(series for series, n in counts.items() if 2 * n >= self.train))
            self._rows = [
                [held[s] for s in self.sensors] for _, held in self._learning if set(self.sensors) <= set(held)
            ]
            self._learning = []
        else:
            row = self._row(index)
            if row is None:
                self.incomplete += 1
            else:
                self._rows.append(row)
        if len(self._rows) >= self.train or len(self.sensors) < 2:
            self._fit()

    def _fit(self) -> None:
        assert self.sensors is not None
        data = np.array(self._rows, dtype=float).reshape(len(self._rows), len(self.sensors))
        varying = [j for j in range(len(self.sensors)) if np.unique(data[:, j]).size > 1]
        self.sensors = tuple(self.sensors[j] for j in varying)
        self._rows = []
        if len(self.sensors) < 2:
            varying_count = f"{len(self.sensors)} varying series in its first {self.train} samples"
            self.reason = f"{varying_count}: that is for SPC, not a multivariate monitor"
            return
        try:
            self._stream = Stream(fit(data[:, varying], self.sensors, self.method))
        except FactoryosError as error:
            self.reason = str(error)

    def _judge(self, index: int, statistic: float, shares: np.ndarray) -> list[Episode]:
        """Count the sample, and raise, grow or end an episode."""
        assert self.sensors is not None
        self.judged += 1
        if statistic > 1.0:
            self.alarmed += 1
            return self._alarmed(index, statistic, shares)
        self._run = []
        if self._open is None:
            return []
        self._quiet += 1
        if self._quiet < self.rearm:
            return []
        episode, self._open = self._open, None
        over_all = blame(self.sensors, self._shares / episode.samples)
        return [dataclasses.replace(episode, sensors=over_all, end=self._last_alarm, cleared=self._time(index + 1))]

    def _alarmed(self, index: int, statistic: float, shares: np.ndarray) -> list[Episode]:
        assert self.sensors is not None
        self._quiet = 0
        self._last_alarm = self._time(index + 1)
        if self._open is None:
            self._run.append((index, statistic, shares))
            if len(self._run) < self.persist + METHODS[self.method][0]:
                return []
            (first, _, first_shares), run = self._run[0], self._run
            self._run = []
            largest = max(over for _, over, _ in run)
            self._open = Episode(
                self._time(first), self._last_alarm, largest, blame(self.sensors, first_shares), len(run)
            )
            self._shares = sum((over_shares for _, _, over_shares in run), np.zeros_like(shares))
            return [self._open]
        self._shares = self._shares + shares
        self._open = dataclasses.replace(
            self._open, statistic=max(self._open.statistic, statistic), samples=self._open.samples + 1
        )
        return []

    def _time(self, index: int) -> datetime:
        return datetime.fromtimestamp(index * self.period, UTC)
