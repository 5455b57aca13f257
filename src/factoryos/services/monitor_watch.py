"""The multivariate monitor on the live event stream: per equipment, its sensors and tested characteristics
gathered into samples (`quality.monitor_watch`), normal operation learnt from the first of them, and an `alarm`
event on the bus when an episode begins and another (inactive) when it ends.

Like the SPC watch it subscribes to a bus (the twin's stream in the demo) or takes the ingestion pipeline's
stored batches (`take_batch`). Each alarm names the method, the statistic and its limit, and the sensors most to
blame, and says since when: the window whose output is suspect."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from factoryos.model.events import Event, EventKind
from factoryos.model.plant import Plant
from factoryos.quality.monitor_watch import Episode, MonitorWatch
from factoryos.services.spc_watch import Reading, StreamWatch, drifting_units, series_name

SOURCE = "monitor-watch"
LIMIT = 1.0  # the monitor's statistic is scaled so that its limit is 1 for every method


@dataclass(frozen=True)
class MonitorAlarm:
    """An episode the watch raised on an equipment, as it stands (ended or not)."""

    equipment: str
    episode: Episode


@dataclass
class MultivariateWatch(StreamWatch):
    """The live multivariate monitors of a stream, one per equipment; `alarms` keeps each episode raised, in
    order, updated when it ends. The settings are `MonitorWatch`'s."""

    method: str = "ewma-dpca"
    period: float = 300.0
    train: int = 200
    watches: dict[str, MonitorWatch] = field(default_factory=dict)
    alarms: list[MonitorAlarm] = field(default_factory=list)
    _open: dict[str, int] = field(default_factory=dict)
    _seq: int = 0

    def __post_init__(self) -> None:
        self._new_watch()  # the settings are checked before any event

    def _new_watch(self) -> MonitorWatch:
        return MonitorWatch(self.method, self.period, self.train)

    def watched(self) -> dict[str, MonitorWatch]:
        """The equipment monitored (learnt, with two or more series), by path."""
        return {path: w for path, w in self.watches.items() if w.watching}

    def unwatched(self) -> Counter[str]:
        """Why the equipment on the stream that is not monitored is not: how many for each reason."""
        return Counter(
            w.reason or f"fewer than {self.train} samples to learn from"
            for w in self.watches.values()
            if not w.watching
        )

    def standing(self) -> list[MonitorAlarm]:
        """Every episode raised, in order, an open one as it stands now (its samples and largest statistic)."""
        standing = list(self.alarms)
        for equipment, index in self._open.items():
            episode = self.watches[equipment].episode
            if episode is not None:
                standing[index] = MonitorAlarm(equipment, episode)
        return standing

    def _take(self, reading: Reading) -> None:
        """A tested characteristic is followed as its deviation from the nominal it was measured against: a
        tester shared by products with other nominals is one series, not one that jumps with the mix."""
        watch = self.watches.get(reading.equipment)
        if watch is None:
            watch = self.watches[reading.equipment] = self._new_watch()
        nominal = reading.spec[0]
        deviation = reading.value - nominal if nominal is not None else reading.value
        for episode in watch.add(series_name(reading.name, reading.test), deviation, reading.at):
            self._publish(reading.site, reading.equipment, episode)

    def _publish(self, site: str, equipment: str, episode: Episode) -> None:
        blamed = ", ".join(name for name, _ in episode.sensors[:3])
        since = f"{episode.start.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
        if episode.end is None:
            self._open[equipment] = len(self.alarms)
            self.alarms.append(MonitorAlarm(equipment, episode))
            at, message = (
                episode.raised,
                f"{self.method} statistic {episode.statistic:.2f} over its limit since {since}",
            )
            ended = {}
        else:
            self.alarms[self._open.pop(equipment)] = MonitorAlarm(equipment, episode)
            at = episode.cleared or episode.end
            span = f"from {since} to {episode.end:%Y-%m-%d %H:%M}"
            message = f"back to normal operation: {episode.samples} samples over the limit {span}"
            ended = {"until": episode.end.isoformat(), "samples": episode.samples}
        self.bus.publish(
            Event(
                ts=at,
                site=site,
                equipment=equipment,
                kind=EventKind.ALARM,
                payload={
                    "code": f"monitor-{self.method}",
                    "severity": "warning",
                    "message": f"{message}; most to blame: {blamed}",
                    "active": episode.end is None,
                    "method": self.method,
                    "statistic": round(episode.statistic, 4),
                    "limit": LIMIT,
                    "sensors": [[name, share] for name, share in episode.sensors],
                    "since": episode.start.isoformat(),
                    **ended,
                },
                source=f"{SOURCE}:{site}",
                seq=self._seq,
            )
        )
        self._seq += 1


@dataclass(frozen=True)
class MonitorFinding:
    """A work unit the plant file says drifts, as the multivariate watch saw it: when its drift began, and the
    first episode on it that began after that (None if none did)."""

    equipment: str
    began: datetime
    alarm: MonitorAlarm | None


def monitor_findings(plant: Plant, watch: MultivariateWatch, epoch: datetime, end: datetime) -> list[MonitorFinding]:
    """What the multivariate watch made of each work unit that drifts in the run from `epoch` to `end`."""
    return [
        MonitorFinding(
            path, began, next((a for a in watch.alarms if a.equipment == path and a.episode.start >= began), None)
        )
        for path, began in drifting_units(plant, epoch, end)
    ]
