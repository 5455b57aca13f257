"""Checks on decoded readings before they are stored: what the database can hold, units, ranges (the
plant's sensor limits among them), known equipment, and a timestamp near the time the reading arrived.

Decoders already enforce each field's type; these rules are about meaning and storability. A reading that
fails is not stored; its message goes to the dead letters with the reason, so that a reading the database
would refuse never reaches it (and never blocks the readings after it).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from factoryos.iot.messages import Row
from factoryos.model.errors import FactoryosError
from factoryos.model.events import EquipmentState, Event
from factoryos.model.plant import Plant
from factoryos.model.readings import (
    SEQ_MAX,
    TS_MAX_US,
    TS_MIN_US,
    VALUE_MAX,
    CountRow,
    MeasurementRow,
    StateChangeRow,
    from_us,
    to_us,
    unstorable,
)
from factoryos.model.units import PHYSICAL_MINIMUM, UNITS

STATES = frozenset(s.value for s in EquipmentState)


@dataclass(frozen=True)
class Clock:
    """How far a reading's timestamp may stand from the moment it arrived. A device whose clock was reset
    (to 1970) or set wrong (a year ahead) would otherwise file its readings where no OEE window or chart
    looks; `behind_s` leaves room for an edge node's store-and-forward backlog."""

    ahead_s: float = 600.0
    behind_s: float = 30 * 86_400.0

    def __post_init__(self) -> None:
        for name, seconds in (("ahead_s", self.ahead_s), ("behind_s", self.behind_s)):
            if not seconds >= 0:  # NaN too
                raise FactoryosError(f"clock {name} {seconds}: expected seconds >= 0 (inf: no bound)")

    def window(self, now_us: int) -> tuple[int, int]:
        """The timestamps accepted at `now_us`, [low, high), within what the database can hold."""
        span = TS_MAX_US - TS_MIN_US  # a bound past it (up to inf) is no bound
        return (
            max(TS_MIN_US, now_us - round(min(self.behind_s * 1e6, span))),
            min(TS_MAX_US, now_us + round(min(self.ahead_s * 1e6, span))),
        )


@dataclass(frozen=True)
class Limits:
    """What a measurement of this name may be: its unit and its plausible range."""

    unit: str | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Rules:
    """What readings are accepted.

    limits: by reading name, for any equipment. sensor_limits: by (equipment path, reading name), from the
    plant's equipment classes; they take precedence. equipment: the paths accepted (None: any). clock: how
    far from its arrival a reading may be stamped (None: anywhere the database can hold, as for a replay).
    """

    limits: Mapping[str, Limits] = field(default_factory=dict)
    equipment: Collection[str] | None = None
    units: Collection[str] = UNITS
    sensor_limits: Mapping[tuple[str, str], Limits] = field(default_factory=dict)
    clock: Clock | None = None

    def limits_of(self, equipment: str, name: str) -> Limits | None:
        return self.sensor_limits.get((equipment, name)) or self.limits.get(name)

    @classmethod
    def for_plant(cls, plant: Plant, limits: Mapping[str, Limits] | None = None, clock: Clock | None = None) -> Rules:
        """Accept readings of the plant's areas, work centers and work units only, and a work unit's sensor
        readings within its equipment class's `sensor_limits`."""
        site = plant.site.id
        paths = set()
        sensor_limits = {}
        for area_id, area in plant.areas.items():
            paths.add(f"{site}/{area_id}")
            for wc_id, wc in area.work_centers.items():
                paths.add(f"{site}/{area_id}/{wc_id}")
                for wu_id, unit in wc.work_units.items():
                    path = f"{site}/{area_id}/{wc_id}/{wu_id}"
                    paths.add(path)
                    for sensor, bounds in plant.equipment_classes[unit.equipment_class].sensor_limits.items():
                        sensor_limits[(path, sensor)] = Limits(bounds.unit, bounds.low, bounds.high)
        return cls(limits=limits or {}, equipment=frozenset(paths), sensor_limits=sensor_limits, clock=clock)


def check(rules: Rules, row: Row, now_us: int | None = None) -> str | None:
    """Why the reading, arrived at `now_us` (None: its arrival is not known), must not be stored, or None if
    it is fine."""
    problem = unstorable(row)
    if problem is not None:
        return f"{_short(row.equipment)}: {problem}"
    if rules.clock is not None and now_us is not None:
        problem = _off_clock(rules.clock, to_us(row.ts) if isinstance(row, Event) else row.ts_us, now_us)
        if problem is not None:
            return f"{_short(row.equipment)}: {problem}"
    if rules.equipment is not None and row.equipment not in rules.equipment:
        return f"unknown equipment {row.equipment!r}"
    if isinstance(row, MeasurementRow):
        return _measurement(rules, row)
    if isinstance(row, StateChangeRow):
        return None if row.state in STATES else f"{row.equipment}: unknown state {row.state!r}"
    if isinstance(row, CountRow) and min(row.good, row.scrap, row.rework) < 0:
        return f"{row.equipment}: negative count"
    return None


def _off_clock(clock: Clock, ts_us: int, now_us: int) -> str | None:
    low, high = clock.window(now_us)
    if low <= ts_us < high:
        return None
    stamped = from_us(ts_us).isoformat(timespec="seconds")
    arrived = from_us(now_us).isoformat(timespec="seconds")
    if ts_us < low:
        return f"stamped {stamped}, more than {clock.behind_s / 86_400:g} days before it arrived ({arrived})"
    return f"stamped {stamped}, more than {clock.ahead_s:g} s after it arrived ({arrived}): is the device's clock set?"


def _short(text: str, length: int = 80) -> str:
    return text if len(text) <= length else f"{text[:length]}..."


def _measurement(rules: Rules, row: MeasurementRow) -> str | None:
    value, unit = row.value, row.unit
    where = f"{row.equipment} {row.name}"
    if not math.isfinite(value):
        return f"{where}: value {value} is not finite"
    if abs(value) > VALUE_MAX:
        return f"{where}: value {value:g} is beyond ±{VALUE_MAX:g}, past which a rollup's sum could overflow"
    if unit not in rules.units:
        return f"{where}: unknown unit {unit!r}"
    floor = PHYSICAL_MINIMUM.get(unit)
    if floor is not None and value < floor:
        return f"{where}: {value} {unit} is below the physical minimum {floor}"
    limits = rules.limits_of(row.equipment, row.name)
    if limits is None:
        return None
    if limits.unit is not None and unit != limits.unit:
        return f"{where}: unit {unit!r}, expected {limits.unit!r}"
    if (limits.low is not None and value < limits.low) or (limits.high is not None and value > limits.high):
        return f"{where}: {value} {unit} is outside [{limits.low}, {limits.high}]"
    return None


class Checker:
    """`check` for a stream: what depends only on a measurement's series (site, equipment, name, unit,
    source) — text the store takes, known equipment, known unit, its limits — is worked out once per series,
    leaving range tests (value, timestamp, seq) per reading.
    Anything outside the fast path gets the full `check`, so the reasons are the same."""

    def __init__(self, rules: Rules, max_series: int = 100_000) -> None:
        self.rules = rules
        self.max_series = max_series
        self._bounds: dict[tuple[str, str, str, str, str], tuple[float, float]] = {}
        self._now_us: int | None = None
        self._stamps = TS_MIN_US, TS_MAX_US

    def arrived(self, now_us: int) -> None:
        """The readings checked next arrived at `now_us`: with a `Clock`, their timestamps must be near it."""
        self._now_us = now_us
        if self.rules.clock is not None:
            self._stamps = self.rules.clock.window(now_us)

    def __call__(self, row: Row) -> str | None:
        """Why `row` is refused, or None."""
        if type(row) is not MeasurementRow:
            return check(self.rules, row, self._now_us)
        problems: list[str] = []
        self.measurements((row,), [], problems)
        return problems[0] if problems else None

    def sort(self, rows: list[Row], measurements: list[tuple], others: list[Row], problems: list[str]) -> None:
        """Check a message's rows in one call: measurements that pass go to `measurements`, other rows that
        pass to `others`, the reasons for the rest to `problems`."""
        self.measurements([row for row in rows if type(row) is MeasurementRow], measurements, problems)
        for row in rows:
            if type(row) is not MeasurementRow:
                reason = check(self.rules, row, self._now_us)
                if reason is None:
                    others.append(row)
                else:
                    problems.append(reason)

    def measurements(self, rows: Iterable[tuple], accepted: list[tuple], problems: list[str]) -> None:
        """Check measurements (MeasurementRows, or plain tuples in their column order; a Sparkplug payload
        carries many): range tests per reading, the full `check` for what falls outside them."""
        bounds_of = self._bounds.get
        first, end = self._stamps
        for row in rows:
            bounds = bounds_of((row[1], row[2], row[3], row[5], row[6])) or self._learn(MeasurementRow._make(row))
            # never true for NaN, nor for a series that is refused
            if bounds[0] <= row[4] <= bounds[1] and first <= row[0] < end and 0 <= row[7] <= SEQ_MAX:
                accepted.append(row)
                continue
            reason = check(self.rules, MeasurementRow._make(row), self._now_us)
            if reason is None:
                accepted.append(row)
            else:
                problems.append(reason)

    def _learn(self, row: MeasurementRow) -> tuple[float, float]:
        if len(self._bounds) >= self.max_series:
            self._bounds.clear()
        bounds = self._bounds[(row.site, row.equipment, row.name, row.unit, row.source)] = self._series_bounds(row)
        return bounds

    def _series_bounds(self, row: MeasurementRow) -> tuple[float, float]:
        rules = self.rules
        limits = rules.limits_of(row.equipment, row.name) or Limits()
        if (
            unstorable(row._replace(ts_us=TS_MIN_US, seq=0)) is not None
            or (rules.equipment is not None and row.equipment not in rules.equipment)
            or row.unit not in rules.units
            or (limits.unit is not None and row.unit != limits.unit)
        ):
            return math.inf, -math.inf
        # values beyond VALUE_MAX (infinities among them) fail the range test and get the full check
        low = max(
            -VALUE_MAX, PHYSICAL_MINIMUM.get(row.unit, -VALUE_MAX), -VALUE_MAX if limits.low is None else limits.low
        )
        return low, VALUE_MAX if limits.high is None else min(VALUE_MAX, limits.high)
