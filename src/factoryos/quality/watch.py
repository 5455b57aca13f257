"""A live X-bar chart of one characteristic: values arrive one at a time and an alarm is raised the moment a
run rule fires.

Consecutive values form subgroups of `subgroup` (rational subgroups: units made close together). The first
`baseline` subgroups are a phase I study (limits estimated, out-of-control subgroups dropped, re-estimated);
after that each full subgroup is judged at once against those limits (phase II). Limits from a short baseline
carry their own error, which shows as false alarms: from 20 subgroups of 5 the four Western Electric rules
alarm about twice as often as with the true limits (one subgroup in ~43 against ~88), some charts five
times. Quesenberry (J. Quality Technology 25(4), 1993) asks for 400 / (n - 1) subgroups, 100 of 5, which a
slow station takes days to make; so the chart starts on the short baseline's trial limits and revises them
with each subgroup judged in control (no rule fired, no episode open) until `revise` subgroups back them,
then keeps them fixed. A drift alarms before it can move limits resting on that many subgroups. Alarms come in
episodes: within one, a rule that has fired does not alarm again, so a drift gives an alarm when it is first
seen and another as each further rule confirms it (a shift growing into a point beyond 3 sigma), not one a
point; `rearm` quiet subgroups in a row end the episode.

Every value is charted, conforming or not: leaving out the values beyond a limit would cut off the tail a drift
pushes out, and the chart would see the drift later. A value out of specification is besides a reaction of its
own, whatever the chart says (rule `oos`, outside the episodes: each one alarms): a sampled unit out of
specification says the units made since the last sample in specification, never measured, may be too, so its
alarm says since when, for a hold to start there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from factoryos.model.errors import FactoryosError
from factoryos.quality import spc
from factoryos.quality.rules import LONGEST, WESTERN_ELECTRIC, Alarm, alarms_at

REVISE = 100
"""Subgroups of 5 behind limits that behave as the true ones: Quesenberry's 400 / (n - 1)."""

OUT_OF_SPECIFICATION = "oos"
"""The rule of a value beyond a specification limit, beside the chart's run rules."""


@dataclass
class Basis:
    """The subgroups a live chart's limits rest on, kept as each one's mean and range: their limits are those
    `spc.xbar_r` fits to the subgroups themselves, and revising them with one more costs two means of at most
    `revise` numbers, not a chart of every subgroup again."""

    subgroup: int
    means: list[float] = field(default_factory=list)
    ranges: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.means)

    def add(self, groups: np.ndarray) -> None:
        """Rest the limits on these subgroups too (a table of subgroups x observations)."""
        self.means.extend(groups.mean(axis=1).tolist())
        self.ranges.extend(np.ptp(groups, axis=1).tolist())

    @property
    def params(self) -> spc.Parameters:
        return spc.xbar_r_parameters(np.array(self.means), np.array(self.ranges), self.subgroup)


@dataclass(frozen=True)
class Signal:
    """An alarm of the watch: the rules that fired at a subgroup, when, and since when its output is suspect
    (for a run rule, when its pattern's first subgroup began; for a value out of specification, when the last
    value in specification before it was measured); and the subgroup mean, or the value out of specification
    while its subgroup is still open. A value that is out of specification and closes a subgroup on which a
    run rule fires gives one signal with both, suspect since the earlier."""

    alarms: tuple[Alarm, ...]
    subgroup: int
    at: datetime
    since: datetime
    mean: float


@dataclass
class Watch:
    """The live chart of one characteristic; `revise` 0 (or up to the baseline) keeps the baseline's limits."""

    rules: tuple[str, ...] = WESTERN_ELECTRIC
    subgroup: int = 5
    baseline: int = 25
    revise: int = REVISE
    rearm: int = 3
    params: spc.Parameters | None = None
    means: list[float] = field(default_factory=list)
    starts: list[datetime] = field(default_factory=list)
    _open: list[float] = field(default_factory=list)
    _learning: list[list[float]] = field(default_factory=list)  # the baseline's subgroups, while it is collected
    _basis: Basis = field(init=False)
    _episode: set[str] = field(default_factory=set)
    _quiet: int = 0
    _last_good: datetime | None = None  # when the last value in specification was measured

    def __post_init__(self) -> None:
        if self.subgroup < 2 or self.baseline < 2 or self.revise < 0 or self.rearm < 1:
            raise FactoryosError(
                "a live chart needs subgroups of 2 or more, a baseline of 2 or more, revise >= 0 and rearm >= 1"
            )
        self._basis = Basis(self.subgroup)

    def add(self, value: float, at: datetime, conforming: bool = True) -> Signal | None:
        """Take one value and whether it is in specification; a signal when it is not, or when it closes a
        subgroup that completes a rule's pattern while armed."""
        out = None if conforming else self._out_of_specification(value, at)
        if conforming:
            self._last_good = at
        if not self._open:
            self.starts.append(at)
        self._open.append(value)
        if len(self._open) < self.subgroup:
            return out
        group, self._open = self._open, []
        if self.params is None:
            self._learn(group)
            return out
        self.means.append(sum(group) / len(group))
        signal = self._judge(at)
        if len(self._basis) < self.revise and self._quiet and not self._episode:
            self._basis.add(np.array([group]))
            self.params = self._basis.params
        return _together(out, signal)

    def chart(self, start: int = 0, end: int | None = None) -> spc.ControlChart:
        """The X-bar chart of the charted subgroups `start` to `end` against the watch's limits."""
        if self.params is None:
            raise FactoryosError("the live chart is still learning its limits: nothing is charted yet")
        points = np.array(self.means[start:end])
        scale = np.full(points.shape, self.params.sigma / np.sqrt(self.subgroup))
        center = np.full(points.shape, self.params.center)
        return spc.ControlChart("xbar", points, center, center - spc.SIGMAS * scale, center + spc.SIGMAS * scale, scale)

    def _learn(self, group: list[float]) -> None:
        """Collect the baseline; once full, estimate the limits (an unstable or flat baseline starts over on
        its newer half)."""
        self.starts.pop()
        self._learning.append(group)
        if len(self._learning) < self.baseline:
            return
        try:
            study = spc.phase_one(spc.xbar_r, np.array(self._learning))
        except FactoryosError:
            self._learning = self._learning[len(self._learning) // 2 :]
            return
        self.params = study.charts.params
        self._basis.add(np.array([group for k, group in enumerate(self._learning) if k not in study.excluded]))
        self._learning = []

    def _out_of_specification(self, value: float, at: datetime) -> Signal:
        """The alarm of a value out of specification, on the subgroup it is charted in (while the baseline is
        collected, the first charted one), suspect since the last value in specification (none: since itself,
        the watch knowing nothing earlier)."""
        index = len(self.means)
        alarm = Alarm(OUT_OF_SPECIFICATION, "a value out of specification", index, (index,))
        since = self._last_good if self._last_good is not None else at
        return Signal((alarm,), index, at, since, value)

    def _judge(self, at: datetime) -> Signal | None:
        assert self.params is not None
        scale = self.params.sigma / np.sqrt(self.subgroup)
        recent = np.array(self.means[-LONGEST:])
        z = (recent - self.params.center) / scale
        fired = alarms_at(z, z.size - 1, self.rules)
        if not fired:
            self._quiet += 1
            if self._quiet >= self.rearm:
                self._episode.clear()
            return None
        self._quiet = 0
        fired = [alarm for alarm in fired if alarm.rule not in self._episode]
        if not fired:
            return None
        self._episode.update(alarm.rule for alarm in fired)
        offset = len(self.means) - z.size
        alarms = tuple(Alarm(a.rule, a.meaning, a.index + offset, tuple(p + offset for p in a.points)) for a in fired)
        first = min(a.points[0] for a in alarms)
        return Signal(alarms, len(self.means) - 1, at, self.starts[first], self.means[-1])


def _together(out: Signal | None, judged: Signal | None) -> Signal | None:
    """A value's signal out of specification and its subgroup's from the run rules as one, suspect since the
    earlier of the two."""
    if out is None or judged is None:
        return out or judged
    return Signal(out.alarms + judged.alarms, judged.subgroup, judged.at, min(out.since, judged.since), judged.mean)
