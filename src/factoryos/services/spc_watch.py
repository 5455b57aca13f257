"""SPC on the live event stream: a live X-bar chart per equipment and characteristic, fed by `test` events
(each measured characteristic) and `measurement` events (each sensor), raising `alarm` events on the bus.

A chart holds one population, as rational subgrouping asks: a characteristic measured against another
nominal or other limits (another product on the same tester) has a chart of its own; and only first tests are
charted (a retest measures the repair, not the process). Every first test's value is charted, in
specification or not, and one out of specification alarms at once besides (`quality.watch`): the units made
since the last sample in specification are suspect, unmeasured as most are under a sampling plan.

Subscribed to a bus, it sees the twin's stream in the demo; for a real plant the ingestion pipeline hands it
each stored batch (`take_batch`) and its alarms go to a bus over the stored events. An alarm names the rule,
the characteristic and the equipment, and says since when the output is suspect: since the rule's pattern
began, or since the last value in specification before one out of it."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Self

from factoryos.model.bus import EventBus, Subscription
from factoryos.model.errors import FactoryosError
from factoryos.model.events import Event, EventKind
from factoryos.model.plant import Plant
from factoryos.model.readings import from_us
from factoryos.quality.rules import NELSON, WESTERN_ELECTRIC
from factoryos.quality.watch import OUT_OF_SPECIFICATION, Signal, Watch
from factoryos.store.timeseries import Batch

RULE_SETS = {"we": WESTERN_ELECTRIC, "nelson": NELSON}
SOURCE = "spc-watch"


def series_name(characteristic: str, test: str | None) -> str:
    """A sensor by its name, a tested characteristic with its test's."""
    return f"{characteristic} ({test})" if test else characteristic


Spec = tuple[float | None, float | None, float | None]
"""The nominal and the lower and upper specification limits a value was measured against."""
SENSOR: Spec = (None, None, None)


@dataclass(frozen=True, slots=True)
class Reading:
    """One value a live watch takes: where and when, a sensor's (no test) or a first test's characteristic with
    the nominal and limits it was measured against (`spec`), and whether it conformed."""

    site: str
    equipment: str
    at: datetime
    test: str | None
    name: str
    value: float
    spec: Spec = SENSOR
    conforming: bool = True


@dataclass(frozen=True)
class SpcAlarm:
    """One alarm the watch raised: where, on what, which rules, when, and since when; `spec` tells the
    characteristic's chart from another product's."""

    equipment: str
    characteristic: str
    test: str | None
    signal: Signal
    spec: Spec = SENSOR

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(alarm.rule for alarm in self.signal.alarms)


@dataclass
class StreamReadings:
    """What the live watches take from the stream, decoded: a measurement event's sensor value, and each
    characteristic a unit's first test measured, with the nominal and limits it was measured against and whether
    it conformed. One decodes the stream for every watch fed from it (it remembers the units that failed a test
    until they are tested again: a retest measures the repair, not the process)."""

    _retests: set[tuple[str, str]] = field(default_factory=set)  # (serial, test) failed, not retested

    def of_event(self, event: Event) -> list[Reading]:
        payload = event.payload
        if event.kind == EventKind.MEASUREMENT:
            return [Reading(event.site, event.equipment, event.ts, None, payload["name"], payload["value"])]
        if event.kind != EventKind.TEST or not self._first_test(payload):
            return []
        return [
            Reading(
                event.site,
                event.equipment,
                event.ts,
                payload["test"],
                measured["name"],
                measured["value"],
                (measured.get("nominal"), measured.get("low"), measured.get("high")),
                measured.get("result") != "fail",
            )
            for measured in payload.get("measurements", ())
        ]

    def of_batch(self, batch: Batch) -> list[Reading]:
        """What the ingestion pipeline stored, in time order: its sensor readings merged with its events' by
        time, each kind in the order stored. The batch keeps its readings apart from its events; handed one
        after the other, a large batch's tested characteristics came after the monitor had closed their sample
        periods, so what it saw depended on how the ingester cut the stream."""
        sensors = (
            Reading(site, equipment, from_us(ts_us), None, name, value)
            for ts_us, site, equipment, name, value, *_ in batch.measurements  # MeasurementRows or plain tuples
        )
        tested = (reading for event in batch.events for reading in self.of_event(event))
        return list(heapq.merge(sensors, tested, key=attrgetter("at")))

    def _first_test(self, payload: dict) -> bool:
        """Whether a test event is the unit's first at that test (a failed unit is remembered until retested)."""
        unit = (payload["serial"], payload["test"])
        first = unit not in self._retests
        if payload["result"] == "fail":
            self._retests.add(unit)
        else:
            self._retests.discard(unit)
        return first


@dataclass
class StreamWatch:
    """A live watch of the readings on a stream: subscribed to a bus's test and measurement events, handed what
    the ingestion pipeline stored (`take_batch`), or handed readings decoded once for several watches (`take`);
    each kind of watch says what it does with a reading."""

    bus: EventBus
    _subscription: Subscription | None = field(default=None, init=False)
    _readings: StreamReadings = field(default_factory=StreamReadings, init=False)

    def start(self) -> Self:
        """Subscribe to the bus's test and measurement events."""
        self._subscription = self.bus.subscribe(self.handle, [EventKind.TEST, EventKind.MEASUREMENT])
        return self

    def stop(self) -> None:
        if self._subscription is not None:
            self.bus.unsubscribe(self._subscription)
            self._subscription = None

    def handle(self, event: Event) -> None:
        """Take a sensor's value, or a unit's first test's measured characteristics."""
        self.take(self._readings.of_event(event))

    def take_batch(self, batch: Batch) -> None:
        """Take what the ingestion pipeline stored, its sensor readings and its events' in time order."""
        self.take(self._readings.of_batch(batch))

    def take(self, readings: Iterable[Reading]) -> None:
        """Take readings decoded from the stream (`StreamReadings`), in order."""
        for reading in readings:
            self._take(reading)

    def _take(self, reading: Reading) -> None:
        raise NotImplementedError


@dataclass
class SpcWatch(StreamWatch):
    """The live charts of a stream; `alarms` keeps what it raised, in order."""

    rules: str = "we"
    subgroup: int = 5
    baseline: int = 20
    watches: dict[tuple[str, str | None, str, Spec], Watch] = field(default_factory=dict)
    alarms: list[SpcAlarm] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.rules not in RULE_SETS:
            raise FactoryosError(f"unknown rule set {self.rules!r}; the rule sets are {', '.join(RULE_SETS)}")
        Watch(subgroup=self.subgroup, baseline=self.baseline)  # the settings are checked before any event

    def _take(self, reading: Reading) -> None:
        """Chart a value on its product's chart (equipment, characteristic, nominal and limits)."""
        key = (reading.equipment, reading.test, reading.name, reading.spec)
        watch = self.watches.get(key)
        if watch is None:
            watch = self.watches[key] = Watch(RULE_SETS[self.rules], self.subgroup, self.baseline)
        signal = watch.add(reading.value, reading.at, reading.conforming)
        if signal is not None:
            alarm = SpcAlarm(reading.equipment, reading.name, reading.test, signal, reading.spec)
            self._raise(alarm, reading.site)

    def _raise(self, alarm: SpcAlarm, site: str) -> None:
        self.alarms.append(alarm)
        signal = alarm.signal
        where = series_name(alarm.characteristic, alarm.test)
        first = signal.alarms[0]
        rules = ", ".join(alarm.rules)
        since = f"{signal.since.astimezone(UTC):%Y-%m-%d %H:%M} UTC"  # a stream's time: sites may differ
        self.bus.publish(
            Event(
                ts=signal.at,
                site=site,
                equipment=alarm.equipment,
                kind=EventKind.ALARM,
                payload={
                    "code": f"spc-{first.rule}",
                    "severity": "warning",
                    "message": f"{where}: {first.meaning} ({rules}), since {since}",
                    "characteristic": alarm.characteristic,
                    "test": alarm.test,
                    "rules": list(alarm.rules),
                    "since": signal.since.isoformat(),
                },
                source=f"{SOURCE}:{site}",
                seq=len(self.alarms) - 1,
            )
        )


@dataclass(frozen=True)
class DriftFinding:
    """A work unit the plant file says drifts: when its drift began in the run, the first alarm on it raised after
    that (None if none came), and the live chart that raised it."""

    equipment: str
    began: datetime
    alarm: SpcAlarm | None
    watch: Watch | None


def drifting_units(plant: Plant, epoch: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """The work units the plant file says drift, by path, with when their drift begins in the run from `epoch`
    to `end` (those that begin after it are left out)."""
    found = []
    for unit, (_, _, work_unit) in plant.work_units().items():
        if work_unit.drift is None:
            continue
        began = epoch + timedelta(hours=work_unit.drift.after_hours)
        if began < end:
            found.append((plant.equipment_path(unit), began))
    return found


def drift_findings(plant: Plant, watch: SpcWatch, epoch: datetime, end: datetime) -> list[DriftFinding]:
    """What the live charts made of each work unit of the plant that drifts in the run from `epoch` to `end`: the
    first alarm of a run rule raised after the drift began on a characteristic its tests measure, which the drift
    moves (a sensor's chart at that unit alarming then has another cause, a breakdown's warning or chance). A lone
    value out of specification is not the catch: a unit failing its test at random gives one as readily as a
    drift, and where units fail every day the first after the drift began is chance. Its pattern may have begun
    before the drift: a subgroup, or a run of points on one side, that straddles its start holds drifted values
    too, and a hold from where the pattern began covers every unit the drift made."""
    findings = []
    for path, began in drifting_units(plant, epoch, end):
        alarm = next(
            (
                a
                for a in watch.alarms
                if a.equipment == path
                and a.test is not None
                and a.signal.at >= began
                and OUT_OF_SPECIFICATION not in a.rules
            ),
            None,
        )
        chart = watch.watches.get((path, alarm.test, alarm.characteristic, alarm.spec)) if alarm is not None else None
        findings.append(DriftFinding(path, began, alarm, chart))
    return findings
