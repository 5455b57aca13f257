"""Sensor signals for a few kinds of equipment: realistic noise, and a fault that develops before a failure.

Before a breakdown that gives warning (`warning_share` of them), the signal drifts away from nominal over
the last `warning_hours` of operating time, growing with the square of the progress: slow at first, then
faster. That is the pattern anomaly detection is meant to catch before the machine stops.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from factoryos.model.plant import SensorLimits


@dataclass(frozen=True, slots=True)
class Signal:
    """One sensor signal: its nominal value and unit, the noise of a healthy reading, and how far it has drifted
    when a warned failure happens."""

    name: str
    unit: str
    nominal: float
    noise: float  # standard deviation of a healthy reading
    fault_shift: float  # how far the value has moved when the failure happens


@dataclass(frozen=True, slots=True)
class SensorKind:
    """Signals of one equipment kind; `per_cycle` sensors read once a cycle, the others every `interval` s."""

    signals: tuple[Signal, ...]
    per_cycle: bool = True
    interval: float = 300.0
    warning_hours: float = 8.0
    warning_share: float = 0.7


SENSOR_KINDS: dict[str, SensorKind] = {
    "weld": SensorKind((Signal("weld_current", "kA", 10.5, 0.15, -1.6),)),
    "press": SensorKind((Signal("press_tonnage", "kN", 7845.0, 59.0, 686.0),)),
    "spindle": SensorKind((Signal("spindle_vibration", "mm/s", 2.2, 0.18, 4.5),)),
    "paint_booth": SensorKind(
        (
            Signal("booth_temperature", "degC", 23.0, 0.25, 4.0),
            Signal("booth_humidity", "%RH", 55.0, 1.2, 14.0),
        ),
        per_cycle=False,
        interval=300.0,
        warning_hours=12.0,
    ),
}


def plant_sensor_kind(limits: Mapping[str, SensorLimits]) -> SensorKind | None:
    """The signals the plant file lets the twin simulate: every sensor with a unit and both ends of its range.

    Healthy readings scatter by a fortieth of the range around nominal; a developing fault moves them a
    quarter of the range, so a drifting sensor stays plausible and the ingester keeps its readings."""
    signals = tuple(
        Signal(
            name,
            bounds.unit,
            bounds.nominal if bounds.nominal is not None else (bounds.low + bounds.high) / 2,
            (bounds.high - bounds.low) / 40,
            (bounds.high - bounds.low) / 4,
        )
        for name, bounds in sorted(limits.items())
        if bounds.unit is not None and bounds.low is not None and bounds.high is not None
    )
    if not signals:
        return None
    intervals = [bounds.every_seconds for bounds in limits.values() if bounds.every_seconds is not None]
    return SensorKind(signals, per_cycle=not intervals, interval=min(intervals, default=300.0))


def reading(signal: Signal, rng: random.Random, progress: float) -> float:
    """One value; `progress` in [0, 1] is how far the developing fault has come (0 when healthy)."""
    return significant(signal.nominal + rng.gauss(0.0, signal.noise) + signal.fault_shift * progress * progress)


def significant(value: float, digits: int = 6) -> float:
    """A reading as an instrument reports it: to `digits` significant figures, whatever its magnitude (a leak
    rate of 2e-6 mbar.l/s keeps its figures, which rounding to decimal places would lose)."""
    return float(f"{value:.{digits}g}")
