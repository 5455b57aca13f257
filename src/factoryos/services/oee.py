"""OEE over a window of floor data, one pipeline for every source: the demo's bus, the stored telemetry that
`factoryos oee` reads, and later the API. State changes and counts in, figures per equipment, line, shift
or day out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from factoryos.iot.oee import (
    Counted,
    Oee,
    Window,
    by_line,
    by_window,
    calendar_windows,
    day_windows,
    equipment_oee,
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
    clock of `start`. By shift or day at most ten years at a time: a window is held per day."""

    start: datetime
    end: datetime
    cycles: Mapping[str, float] | float
    by: str = "equipment"
    shifts: Sequence[tuple[str, time, time]] = ()
    plant: Plant | None = None

    def __post_init__(self) -> None:
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
        """The days or shifts to group by."""
        local = self.start if self.plant is None else self.start.astimezone(ZoneInfo(self.plant.site.timezone))
        if self.by == "day":
            return day_windows(local, self.end)
        if self.plant is not None and not self.shifts:
            return calendar_windows(self.plant, self.start, self.end)
        return shift_windows(local, self.end, self.shifts)


def oee_figures(changes: Sequence[StateChange], counts: Sequence[Counted], query: OeeQuery) -> dict[str, Oee]:
    """OEE to ISO 22400-2 over the query's window, grouped as it asks."""
    intervals = state_intervals(changes, query.start, query.end)
    per_equipment = equipment_oee(intervals, counts, query.cycles)
    if query.by == "equipment":
        return per_equipment
    if query.by == "line":
        return by_line(per_equipment)
    return by_window(intervals, counts, query.cycles, query.windows())


def events_oee(
    events: EventStore, cycles: Mapping[str, float] | float, wanted: Callable[[str], bool] = lambda _: True
) -> tuple[dict[str, Oee], dict[str, Oee]]:
    """OEE per equipment and per line from an event stream alone (the twin's bus, or a replayed one), over the
    span from its first state change to its last count."""
    changes = [(e.ts, e.equipment, e.payload["state"]) for e in events.read(EventKind.STATE) if wanted(e.equipment)]
    counts = list(_counts(e for e in events.read(EventKind.COUNT) if wanted(e.equipment)))
    if not changes or not counts:
        return {}, {}
    start, end = min(ts for ts, _, _ in changes), max(c.ts for c in counts)
    if start >= end:
        return {}, {}
    per_equipment = oee_figures(changes, counts, OeeQuery(start, end, cycles))
    return per_equipment, by_line(per_equipment)


def _counts(events: Iterable) -> Iterable[Counted]:
    for e in events:
        yield Counted(e.ts, e.equipment, e.payload["good"], e.payload["scrap"], e.payload["rework"])
