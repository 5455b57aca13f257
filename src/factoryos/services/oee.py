"""OEE over a window of floor data, one pipeline for every source: the demo's bus, the stored telemetry that
`factoryos oee` reads, and later the API. State changes and counts in, figures per equipment, line, shift
or day out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, time, tzinfo

from factoryos.iot.oee import (
    Counted,
    Oee,
    by_line,
    by_window,
    day_windows,
    equipment_oee,
    shift_windows,
    state_intervals,
)
from factoryos.model.bus import EventStore
from factoryos.model.errors import FactoryosError
from factoryos.model.events import EventKind

GROUPINGS = ("equipment", "line", "shift", "day")
StateChange = tuple[datetime, str, str]


def oee_figures(
    changes: Sequence[StateChange],
    counts: Sequence[Counted],
    start: datetime,
    end: datetime,
    cycles: Mapping[str, float] | float,
    by: str = "equipment",
    shifts: Sequence[tuple[str, time, time]] = (),
    zone: tzinfo | None = None,
) -> dict[str, Oee]:
    """OEE to ISO 22400-2 between `start` and `end`, grouped `by` equipment, line, shift or day. Days and
    shifts are on the clock of `zone` (the site's), else of `start`: a shift is the site's wall-clock time."""
    if by not in GROUPINGS:
        raise FactoryosError(f"OEE by {by!r}: expected one of {', '.join(GROUPINGS)}")
    intervals = state_intervals(changes, start, end)
    per_equipment = equipment_oee(intervals, counts, cycles)
    if by == "equipment":
        return per_equipment
    if by == "line":
        return by_line(per_equipment)
    local = start.astimezone(zone) if zone is not None else start
    windows = day_windows(local, end) if by == "day" else shift_windows(local, end, shifts)
    return by_window(intervals, counts, cycles, windows)


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
    per_equipment = oee_figures(changes, counts, start, end, cycles)
    return per_equipment, by_line(per_equipment)


def _counts(events: Iterable) -> Iterable[Counted]:
    for e in events:
        yield Counted(e.ts, e.equipment, e.payload["good"], e.payload["scrap"], e.payload["rework"])
