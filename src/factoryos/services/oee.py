"""OEE over a window of floor data, one pipeline for every source: the demo's bus, the stored telemetry that
`factoryos oee` reads, and later the API. State changes and counts in, figures per equipment, line, shift
or day out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from factoryos.iot.oee import (
    OUTSIDE_SHIFTS,
    Counted,
    Cycles,
    Oee,
    Window,
    by_line,
    by_window,
    calendar_windows,
    combine,
    day_windows,
    equipment_oee,
    outside_shifts,
    shift_windows,
    state_intervals,
)
from factoryos.model.bus import EventStore
from factoryos.model.errors import FactoryosError
from factoryos.model.events import EventKind
from factoryos.model.plant import Plant

GROUPINGS = ("equipment", "line", "shift", "day")
MAX_WINDOWED_SPAN = timedelta(days=3653)
StateChange = tuple[datetime, str, str]


@dataclass(frozen=True)
class OeeQuery:
    """Which OEE figures: over [start, end), with ideal cycle seconds per equipment path (or one for all),
    grouped `by` equipment, line, shift or day. With the `plant`, days and shifts are on its site's clock and
    shifts are its calendars' unless `shifts` (name, start, end, every day) are given; without it, on the
    clock of `start`. By shift or day at most ten years at a time: a window is held per day.

    `start` and `end` are kept in UTC, the clock (`clock`) apart: two times on one site clock compare by their
    wall-clock readings (`model.shift_times.site_instant`), so an hour that autumn passes twice would not be in
    order."""

    start: datetime
    end: datetime
    cycles: Cycles
    by: str = "equipment"
    shifts: Sequence[tuple[str, time, time]] = ()
    plant: Plant | None = None
    clock: tzinfo = field(init=False)

    def __post_init__(self) -> None:
        clock = (self.start.tzinfo or UTC) if self.plant is None else ZoneInfo(self.plant.site.timezone)
        object.__setattr__(self, "clock", clock)
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if self.by not in GROUPINGS:
            raise FactoryosError(f"OEE by {self.by!r}: expected one of {', '.join(GROUPINGS)}")
        if self.start >= self.end:
            raise FactoryosError("an OEE window's start must be before its end")
        if self.by in ("shift", "day") and self.end - self.start > MAX_WINDOWED_SPAN:
            raise FactoryosError(
                f"OEE by {self.by} from {self.start.date().isoformat()} to {self.end.date().isoformat()} is "
                f"{(self.end - self.start).days:,} days; at most {MAX_WINDOWED_SPAN.days:,} days (ten years) at a time"
            )

    def windows(self) -> list[Window]:
        """The days, or the shifts and each day's time outside them, to group by, in UTC."""
        if self.by == "day":
            return day_windows(self.start, self.end, self.clock)
        if self.plant is not None and not self.shifts:
            shifts = calendar_windows(self.plant, self.start, self.end)
        else:
            shifts = shift_windows(self.start, self.end, self.shifts, self.clock)
        return shifts + outside_shifts(shifts, self.start, self.end, self.clock)


def oee_figures(
    changes: Sequence[StateChange], counts: Sequence[Counted], query: OeeQuery, now: datetime | None = None
) -> dict[str, Oee]:
    """OEE to ISO 22400-2 over the query's window, grouped as it asks. A count reports the units finished by its
    time, so the window's are those after its start up to its end, as its shifts and days take them
    (`iot.oee.counted_by_window`). With `now`, a window that reaches past it counts each equipment's last state
    up to now, not into the future."""
    known_until = query.end if now is None else min(query.end, now)
    intervals = state_intervals(changes, query.start, known_until)
    counts = [c for c in counts if query.start < c.ts <= query.end]
    per_equipment = equipment_oee(intervals, counts, query.cycles)
    if query.by == "equipment":
        return per_equipment
    if query.by == "line":
        return by_line(per_equipment)
    figures = by_window(intervals, counts, query.cycles, query.windows())
    return {key: f for key, f in figures.items() if not key.endswith(OUTSIDE_SHIFTS) or _worked(f)}


def _worked(figure: Oee) -> bool:
    """Planned busy time or units counted: time outside the shifts with neither is no row."""
    return bool(figure.planned_busy_s or figure.produced or figure.produced_without_state)


@dataclass(frozen=True)
class FloorStream:
    """The state changes and counts of an event stream (the twin's bus, or a replayed one), read once for every
    figure taken of it."""

    changes: list[StateChange]
    counts: list[Counted]

    @classmethod
    def read(cls, events: EventStore) -> FloorStream:
        changes = [(e.ts, e.equipment, e.payload["state"]) for e in events.read(EventKind.STATE)]
        counts = [Counted.of(e) for e in events.read(EventKind.COUNT)]
        return cls(changes, counts)

    @property
    def span(self) -> tuple[datetime, datetime] | None:
        """From the first state change to the last count (None: no time between them)."""
        if not self.changes or not self.counts:
            return None
        start, end = min(ts for ts, _, _ in self.changes), max(c.ts for c in self.counts)
        return (start, end) if start < end else None

    def of(self, wanted: Callable[[str], bool]) -> tuple[list[StateChange], list[Counted]]:
        """The state changes and counts of the `wanted` equipment."""
        return [c for c in self.changes if wanted(c[1])], [c for c in self.counts if wanted(c.equipment)]


def events_oee(floor: FloorStream, cycles: Cycles) -> tuple[dict[str, Oee], dict[str, Oee]]:
    """OEE per equipment and per line from an event stream alone, over its span."""
    span = floor.span
    if span is None:
        return {}, {}
    per_equipment = oee_figures(floor.changes, floor.counts, OeeQuery(*span, cycles))
    return per_equipment, by_line(per_equipment)


def events_oee_by_shift(
    floor: FloorStream, cycles: Cycles, plant: Plant, wanted: Callable[[str], bool]
) -> dict[str, Oee]:
    """OEE of the `wanted` equipment from an event stream, per shift of the plant's calendars, each shift's days
    combined ("a", "b", "lights-out"), over the span `events_oee` takes of the whole stream (so the shifts add
    up to its figures of that equipment)."""
    span = floor.span
    if span is None:
        return {}
    per_window = oee_figures(*floor.of(wanted), OeeQuery(*span, cycles, "shift", plant=plant))
    shifts: dict[str, list[Oee]] = {}
    for key, figure in per_window.items():
        shifts.setdefault(key.split(" ", 1)[-1], []).append(figure)
    return {name: combine(name, figures) for name, figures in shifts.items()}
