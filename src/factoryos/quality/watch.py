"""A live X-bar chart of one characteristic: values arrive one at a time and an alarm is raised the moment a
run rule fires.

Consecutive values form subgroups of `subgroup` (rational subgroups: units made close together). The first
`baseline` subgroups are a phase I study (limits estimated, out-of-control subgroups dropped, re-estimated);
after that each full subgroup is judged at once against those fixed limits (phase II). Alarms come in
episodes: within one, a rule that has fired does not alarm again, so a drift gives an alarm when it is first
seen and another as each further rule confirms it (a shift growing into a point beyond 3 sigma), not one a
point; `rearm` quiet subgroups in a row end the episode."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from factoryos.model.errors import FactoryosError
from factoryos.quality import spc
from factoryos.quality.rules import LONGEST, WESTERN_ELECTRIC, Alarm, alarms_at


@dataclass(frozen=True)
class Signal:
    """An alarm of the watch: the rules that fired at a subgroup, when it closed and when its pattern's first
    subgroup began, and the subgroup mean."""

    alarms: tuple[Alarm, ...]
    subgroup: int
    at: datetime
    since: datetime
    mean: float


@dataclass
class Watch:
    """The live chart of one characteristic."""

    rules: tuple[str, ...] = WESTERN_ELECTRIC
    subgroup: int = 5
    baseline: int = 25
    rearm: int = 3
    params: spc.Parameters | None = None
    means: list[float] = field(default_factory=list)
    starts: list[datetime] = field(default_factory=list)
    _open: list[float] = field(default_factory=list)
    _learning: list[list[float]] = field(default_factory=list)
    _episode: set[str] = field(default_factory=set)
    _quiet: int = 0

    def __post_init__(self) -> None:
        if self.subgroup < 2 or self.baseline < 2 or self.rearm < 1:
            raise FactoryosError("a live chart needs subgroups of 2 or more, a baseline of 2 or more and rearm >= 1")

    def add(self, value: float, at: datetime) -> Signal | None:
        """Take one value; a signal when it closes a subgroup that completes a rule's pattern while armed."""
        if not self._open:
            self.starts.append(at)
        self._open.append(value)
        if len(self._open) < self.subgroup:
            return None
        group, self._open = self._open, []
        if self.params is None:
            self._learn(group)
            return None
        self.means.append(sum(group) / len(group))
        return self._judge(at)

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
            self.params = spc.phase_one(spc.xbar_r, np.array(self._learning)).charts.params
        except FactoryosError:
            self._learning = self._learning[len(self._learning) // 2 :]
            return
        self._learning = []

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
