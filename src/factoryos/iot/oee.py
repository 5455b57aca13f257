"""Overall equipment effectiveness to ISO 22400-2, and the six big losses. Pure functions, no database.

The time model, per equipment, from its state changes (each state lasts until the next change):

- planned busy time PBT = the time inside the planned windows (shifts) whose state is known, minus
  planned downtime (state ``maintenance``) and time with no work to do (``idle``: nothing was scheduled
  on the equipment, so it is not busy time and not the equipment's loss);
- actual production time APT = PBT less breakdowns (``down``), setups (``setup``) and waiting for bought
  parts that are not at the line (``starved-material``): the time the equipment was available for
  production, running or held up by its neighbours (``blocked``, ``starved``). A material shortage is an
  unplanned stop, as oee.com's availability loss counts it, not a minor stop: it lasts as long as the
  delivery is late and is no neighbour's doing;
- availability = APT / PBT; performance (ISO 22400 "effectiveness") = ideal time of what was produced / APT,
  each unit at the ideal cycle time of its material on that equipment (`IdealCycles`);
  quality rate = good / produced, produced = good + scrap + rework; OEE = the product = ideal time of the
  good units / PBT.

The six big losses and material shortage (``starved-material``, kept apart so that a late supplier is not
booked as the equipment's breakdown), as time, add up with the ideal time of the good units to PBT:
breakdowns (``down``), setup and adjustments (``setup``), idling and minor stops (``blocked``, ``starved``,
each kept within it: `Losses.minor_stops`), reduced speed (time ``running`` less the ideal time of everything
produced), process defects (ideal time of scrap and rework) and reduced yield (ideal time of scrap counted within
`startup_s` of a start after setup, down or maintenance).

A line (work center), a shift or a day combines its equipment by adding times and units, so its OEE is
the ideal time of all good units over all planned busy time.

Units counted while their equipment's state is unknown (before its first state change, or from equipment that
never reports one) are kept apart as counted without a known state (`known_state`): in no factor, but shown.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import accumulate

from factoryos.model.events import EquipmentState, Event
from factoryos.model.plant import Calendar, Plant
from factoryos.model.readings import CountRow, from_us
from factoryos.model.shift_times import shift_times, site_day, site_instant

RUNNING = "running"
MATERIAL_SHORTAGE = "starved-material"
UNKNOWN = EquipmentState.UNKNOWN.value
BLOCKED, STARVED = "blocked", "starved"
MINOR_STOPS = frozenset({BLOCKED, STARVED})
NOT_BUSY = frozenset({"maintenance", "idle"})
RESTARTS_AFTER = frozenset({"setup", "down", "maintenance"})


@dataclass(frozen=True)
class StateInterval:
    """One piece of equipment in one state from `start` to `end`."""

    equipment: str
    state: str
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True)
class Counted:
    """Units an equipment counted at `ts`: good, scrapped and reworked."""

    ts: datetime
    equipment: str
    good: int = 0
    scrap: int = 0
    rework: int = 0
    material: str | None = None

    @classmethod
    def of(cls, event: Event) -> Counted:
        """A count event's units."""
        p = event.payload
        return cls(
            event.ts, event.equipment, p.get("good", 0), p.get("scrap", 0), p.get("rework", 0), p.get("material")
        )

    @classmethod
    def of_row(cls, row: CountRow) -> Counted:
        """A stored count's units."""
        return cls(from_us(row.ts_us), row.equipment, row.good, row.scrap, row.rework, row.material)


class IdealCycles(dict[str, float]):
    """Ideal seconds per unit of each equipment (by path), and `by_material` of each material it makes, where
    that differs: a count of a material the equipment has its own time for is taken at that time, any other
    at the equipment's."""

    def __init__(self, per_equipment: Mapping[str, float], by_material: Mapping[str, Mapping[str, float]]) -> None:
        super().__init__(per_equipment)
        self.by_material = {equipment: dict(times) for equipment, times in by_material.items()}


Cycles = Mapping[str, float] | float
"""Ideal seconds per unit: one for all equipment, per equipment, or `IdealCycles` per equipment and material."""


def cycle_of(cycles: Cycles, equipment: str, material: str | None = None) -> float:
    """The ideal seconds of one unit of `material` (None: not known) on `equipment`."""
    if isinstance(cycles, int | float):
        return float(cycles)
    if material is not None and isinstance(cycles, IdealCycles):
        own = cycles.by_material.get(equipment, {}).get(material)
        if own is not None:
            return own
    return cycles.get(equipment, 0.0)


@dataclass(frozen=True)
class Window:
    """A named planned window (a shift, a day) that OEE is computed over: of the work centers `lines` (their
    paths) alone, where a plant's calendars plan it for them, or of all equipment."""

    name: str
    start: datetime
    end: datetime
    lines: frozenset[str] | None = None

    def covers(self, equipment: str) -> bool:
        return self.lines is None or line_of(equipment) in self.lines


MINOR_STOPS_LOSS = "idling and minor stops"
DOMINANT = 0.8
"""The share of a loss one cause makes up for it to name the loss: most of it (a Pareto's 80 %), so that acting
on that cause is acting on the loss."""


@dataclass(frozen=True)
class Losses:
    """The six big losses and material shortage, as seconds. Idling and minor stops is kept as its two causes,
    which a plant manager acts on apart: blocked (output the next station does not take: the flow after it) and
    starved (waiting for a part from the station before, or on shift for an operator: the flow before it)."""

    breakdowns_s: float = 0.0
    setup_s: float = 0.0
    blocked_s: float = 0.0
    starved_s: float = 0.0
    reduced_speed_s: float = 0.0
    defects_s: float = 0.0
    startup_rejects_s: float = 0.0
    material_shortage_s: float = 0.0

    @property
    def minor_stops_s(self) -> float:
        """Idling and minor stops: blocked and starved."""
        return self.blocked_s + self.starved_s

    def __add__(self, other: Losses) -> Losses:
        return Losses(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def as_tuple(self) -> tuple[float, ...]:
        """The six big losses and material shortage, in `as_dict`'s order: with the ideal time of the good units
        they add up to the planned busy time."""
        return (
            self.breakdowns_s,
            self.setup_s,
            self.minor_stops_s,
            self.reduced_speed_s,
            self.defects_s,
            self.startup_rejects_s,
            self.material_shortage_s,
        )

    def as_dict(self) -> dict[str, float]:
        names = (
            "breakdowns",
            "setup and adjustments",
            MINOR_STOPS_LOSS,
            "reduced speed",
            "process defects",
            "reduced yield (startup)",
            "material shortage",
        )
        return dict(zip(names, self.as_tuple(), strict=True))

    def minor_stops(self) -> dict[str, float]:
        """Idling and minor stops by cause, named as the equipment states on the stream: blocked, starved."""
        return {BLOCKED: self.blocked_s, STARVED: self.starved_s}

    def dominant_minor_stop(self) -> str | None:
        """The cause of at least `DOMINANT` of the idling and minor stops, if one is: the one to act on."""
        total = self.minor_stops_s
        return next((cause for cause, s in self.minor_stops().items() if total and s >= DOMINANT * total), None)


OVERCOUNTED = 1.05
"""A performance past this is more than the run time makes at the ideal cycle: a count is wrong, or the plant
file's ideal cycle is slower than the equipment (a few per cent over is rounding at a window's edges). A shift's or
day's run time here includes the work carried in from before it (`Oee.carried_in_s`)."""


@dataclass(frozen=True)
class Oee:
    """OEE of one equipment, line, shift or day (`key`): planned busy and production time, ideal time of what was
    produced, units produced and good (a shift's or day's those counted in it), the losses, the units produced
    and good that were counted without a known state (`known_state`), in no factor, and of a shift or day the
    production time its equipment spent before it on the first units it counted (`carried_in_s`), by which its
    performance may rightly read over 100 % (`by_window`)."""

    key: str
    planned_busy_s: float
    production_s: float
    ideal_s: float  # ideal cycle time x produced
    produced: float
    good: float
    losses: Losses
    produced_without_state: float = 0.0
    good_without_state: float = 0.0
    carried_in_s: float = 0.0

    @property
    def availability(self) -> float:
        return self.production_s / self.planned_busy_s if self.planned_busy_s else 0.0

    @property
    def performance(self) -> float:
        return self.ideal_s / self.production_s if self.production_s else 0.0

    @property
    def quality(self) -> float:
        return self.good / self.produced if self.produced else 0.0

    @property
    def oee(self) -> float:
        return self.availability * self.performance * self.quality

    @property
    def overcounted(self) -> bool:
        """More units counted than its run time, and that carried in, makes at their ideal cycle (`OVERCOUNTED`)."""
        run = self.production_s + self.carried_in_s
        return bool(run) and self.ideal_s > OVERCOUNTED * run

    def as_dict(self) -> dict[str, float | str | int | bool | dict[str, float] | None]:
        """Plain figures; the factors are None without planned busy time (idle or in maintenance throughout)."""
        planned = bool(self.planned_busy_s)
        return {
            "key": self.key,
            "availability": self.availability if planned else None,
            "performance": self.performance if planned else None,
            "quality": self.quality if planned and self.produced else None,
            "oee": self.oee if planned else None,
            "overcounted": self.overcounted,
            "planned_busy_s": self.planned_busy_s,
            "production_s": self.production_s,
            "carried_in_s": self.carried_in_s,
            "produced": self.produced,
            "good": self.good,
            "losses_s": self.losses.as_dict(),
            "idling_and_minor_stops_s": self.losses.minor_stops(),
            "counted_without_known_state": {"produced": self.produced_without_state, "good": self.good_without_state},
        }


def state_intervals(
    changes: Iterable[tuple[datetime, str, str]], start: datetime, end: datetime
) -> list[StateInterval]:
    """(ts, equipment, state) changes -> intervals within [start, end), in UTC (`site_instant` says why). A change
    before `start` gives the state at the start; before an equipment's first change, and while it is "unknown"
    (its edge node died, its session was lost, the stream ended), its state is not known and its time not counted."""
    by_equipment: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for ts, equipment, state in changes:
        by_equipment[equipment].append((ts.astimezone(UTC), state))
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    intervals = []
    for equipment, seq in by_equipment.items():
        seq.sort(key=lambda c: c[0])
        for (ts, state), (next_ts, _) in zip(seq, [*seq[1:], (end, "")], strict=True):
            lo, hi = max(ts, start), min(next_ts, end)
            if lo < hi and state != UNKNOWN:
                intervals.append(StateInterval(equipment, state, lo, hi))
    return intervals


def clip(intervals: Iterable[StateInterval], windows: Sequence[Window]) -> list[StateInterval]:
    """The parts of the intervals inside the windows (planned time)."""
    clipped = []
    for interval in intervals:
        for window in windows:
            lo, hi = max(interval.start, window.start), min(interval.end, window.end)
            if lo < hi:
                clipped.append(StateInterval(interval.equipment, interval.state, lo, hi))
    return clipped


def known_state(
    intervals: Iterable[StateInterval], counts: Iterable[Counted], timelines: Timelines | None = None
) -> tuple[list[Counted], list[Counted]]:
    """The counts made while their equipment's state was known (inside one of its state intervals, or at its end),
    and those counted without a known state: up to its first state change (a count reports the units finished
    by its time, `counted_by_window`, so one at that instant has no known time behind it), while it was unknown
    (`state_intervals`), or from equipment that reports none.

    ISO 22400 measures performance against the actual production time, and unknown-state time is in none of
    the times, so a unit counted then has no production time behind it: taken into performance it lifts it
    past 100 % (a packer counting 900 units an hour before its first state), dropped it is product the plant
    made that the figures lose without a word. Neither is what a plant manager can act on, so such units are
    kept out of every factor and reported beside them, per equipment, line, shift or day, for the missing
    state to be looked into. `timelines`: the intervals' `_timelines`, where the caller has them."""
    counts = list(counts)
    if not counts:
        return [], []
    timelines = _timelines(intervals) if timelines is None else timelines
    starts = {equipment: [i.start for i in ordered] for equipment, (ordered, _) in timelines.items()}
    known: list[Counted] = []
    unknown: list[Counted] = []
    for c in counts:
        begun = bisect_left(starts[c.equipment], c.ts) if c.equipment in timelines else 0
        (known if begun and timelines[c.equipment][1][begun - 1] >= c.ts else unknown).append(c)
    return known, unknown


def equipment_oee(
    intervals: Iterable[StateInterval],
    counts: Iterable[Counted],
    ideal_cycle_s: Cycles,
    startup_s: float = 600.0,
    counted: Mapping[str, Sequence[float]] | None = None,
) -> dict[str, Oee]:
    """OEE of each equipment over the given (already clipped) intervals and the units counted in them, or
    `counted` (per equipment, the `_tally` of its units: a window's, `counted_by_window`); either way the counts
    without a known state (`known_state`) apart, an equipment that has only those with no times."""
    times: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_equipment: dict[str, list[StateInterval]] = defaultdict(list)
    for interval in intervals:
        times[interval.equipment][interval.state] += interval.seconds
        per_equipment[interval.equipment].append(interval)
    known, unknown = known_state((i for own in per_equipment.values() for i in own), counts)
    units = counted if counted is not None else _counted_units(per_equipment, known, ideal_cycle_s, startup_s)
    without: dict[str, tuple[float, float]] = {}
    for c in unknown:
        produced, good = without.get(c.equipment, (0.0, 0.0))
        without[c.equipment] = (produced + c.good + c.scrap + c.rework, good + c.good)
    result = {}
    for equipment in [*times, *(e for e in without if e not in times)]:
        spent = times[equipment]
        good, scrap, rework, _, ideal, defects, startup_rejects, carried = units.get(equipment, NOTHING_COUNTED)
        produced = good + scrap + rework
        production = spent[RUNNING] + sum(spent[s] for s in MINOR_STOPS)
        losses = Losses(
            breakdowns_s=spent["down"],
            setup_s=spent["setup"],
            blocked_s=spent[BLOCKED],
            starved_s=spent[STARVED],
            reduced_speed_s=max(0.0, spent[RUNNING] - ideal),
            defects_s=defects,
            startup_rejects_s=startup_rejects,
            material_shortage_s=spent[MATERIAL_SHORTAGE],
        )
        planned = sum(spent.values()) - sum(spent[s] for s in NOT_BUSY)
        unstated = without.get(equipment, (0.0, 0.0))
        result[equipment] = Oee(equipment, planned, production, ideal, produced, good, losses, *unstated, carried)
    return result


NOTHING_COUNTED = (0.0,) * 8
"""A `_tally` added up, and the production time carried in before the units (`counted_by_window`)."""


def _counted_units(
    intervals: Mapping[str, list[StateInterval]], counts: Iterable[Counted], cycles: Cycles, startup_s: float
) -> dict[str, list[float]]:
    """Per equipment, the `_tally` of the units counted while its state was known (`known_state`; start-up
    scrap: scrap counted within `startup_s` of a start after setup, down or maintenance)."""
    by_equipment: dict[str, list[Counted]] = defaultdict(list)
    for c in counts:
        by_equipment[c.equipment].append(c)
    return {
        equipment: _tallied(own, _startup_windows(intervals[equipment], startup_s), cycles)
        for equipment, own in by_equipment.items()
    }


def _tallied(counts: Iterable[Counted], startups: Sequence[tuple[datetime, datetime]], cycles: Cycles) -> list[float]:
    """The `_tally` of one equipment's counts added up."""
    tally = list(NOTHING_COUNTED)
    for c in counts:
        for n, quantity in enumerate(_tally(c, startups, cycles)):
            tally[n] += quantity
    return tally


def _tally(count: Counted, startups: Sequence[tuple[datetime, datetime]], cycles: Cycles) -> tuple[float, ...]:
    """A count's good, scrap, rework and start-up scrap units (its scrap when counted in a start-up window),
    then the ideal seconds of all it produced, of its defects (scrap and rework but start-up scrap) and of its
    start-up scrap, at its material's ideal cycle time."""
    startup = count.scrap if count.scrap and any(lo <= count.ts < hi for lo, hi in startups) else 0
    cycle = cycle_of(cycles, count.equipment, count.material)
    produced = count.good + count.scrap + count.rework
    defects = count.scrap - startup + count.rework
    return count.good, count.scrap, count.rework, startup, cycle * produced, cycle * defects, cycle * startup


def counted_by_window(
    intervals: Sequence[StateInterval],
    counts: Sequence[Counted],
    windows: Sequence[Window],
    cycles: Cycles,
    startup_s: float = 600.0,
) -> dict[int, dict[str, list[float]]]:
    """Window by window and equipment by equipment, the `_tally` of the units counted there while the
    equipment's state was known (`known_state`), and the production time carried in: what the equipment spent
    on the window's first count before the window began, since its count before (or its first known state).
    A count is in the window holding its timestamp, as ISO 22400-2 takes a produced quantity when it is reported,
    so windows that do not overlap count each unit once. It reports the units finished by its time, so the window
    is (start, end]: one stamped at a shift's end (a shift-end booking, a unit finished as the shift stops) is
    that shift's. Its start-up scrap is judged on the equipment's whole timeline, as over the whole span. Window
    index (its place in `windows`) -> equipment -> tally."""
    tallies: dict[int, dict[str, list[float]]] = defaultdict(dict)
    counted: dict[str, list[Counted]] = defaultdict(list)
    timelines = _timelines(intervals)
    for c in sorted(known_state(intervals, counts, timelines)[0], key=lambda c: c.ts):
        counted[c.equipment].append(c)
    for equipment, own in counted.items():
        moments = [c.ts for c in own]
        timeline = timelines[equipment]
        startups = _startup_windows(timeline[0], startup_s)
        for k, window in enumerate(windows):
            first, end = bisect_right(moments, window.start), bisect_right(moments, window.end)
            if first < end and window.covers(equipment):
                tally = tallies[k][equipment] = _tallied(own[first:end], startups, cycles)
                since = moments[first - 1] if first else timeline[0][0].start
                tally[-1] = _production_s(timeline, since, window.start)
    return tallies


def _production_s(timeline: tuple[list[StateInterval], list[datetime]], start: datetime, end: datetime) -> float:
    """An equipment's production time (running, minor stops) in [start, end), of its `_timelines` entry."""
    if start >= end:
        return 0.0
    span = Window("", start, end)
    return sum(
        i.seconds for i in clip(_overlapping(*timeline, span), [span]) if i.state == RUNNING or i.state in MINOR_STOPS
    )


def combine(key: str, figures: Iterable[Oee]) -> Oee:
    figures = list(figures)
    losses = Losses()
    for f in figures:
        losses += f.losses
    return Oee(
        key,
        sum(f.planned_busy_s for f in figures),
        sum(f.production_s for f in figures),
        sum(f.ideal_s for f in figures),
        sum(f.produced for f in figures),
        sum(f.good for f in figures),
        losses,
        sum(f.produced_without_state for f in figures),
        sum(f.good_without_state for f in figures),
        sum(f.carried_in_s for f in figures),
    )


def line_of(equipment: str) -> str:
    """The work center of an ISA-95 path site/area/work-center/work-unit."""
    return "/".join(equipment.split("/")[:3])


def by_line(figures: Mapping[str, Oee]) -> dict[str, Oee]:
    lines: dict[str, list[Oee]] = defaultdict(list)
    for equipment, figure in figures.items():
        lines[line_of(equipment)].append(figure)
    return {line: combine(line, members) for line, members in sorted(lines.items())}


def by_window(
    intervals: Sequence[StateInterval],
    counts: Sequence[Counted],
    ideal_cycle_s: Cycles,
    windows: Sequence[Window],
    startup_s: float = 600.0,
) -> dict[str, Oee]:
    """One combined figure per window (a shift, a day) over all the equipment given; a window in which no
    equipment's state is known has none, as an equipment without a known state has none. Its time is the time
    inside it; its units are those counted in it (`counted_by_window`), whole, as ISO 22400-2 counts a produced
    quantity in the period it is reported in, and those counted in it without a known state (`known_state`) are
    beside them. So windows that cover a span without overlapping add up to its figures, unit for unit. Windows of
    one name (a day's stretches outside its shifts, `outside_shifts`) are one figure.

    A unit begun in one shift and counted in the next is the next one's, with all its ideal time, while the
    time spent on it before the change stays in the shift before: that one's performance reads low by as much,
    and the next one's may read over 100 % by the work carried in (`Oee.carried_in_s`: at most what its equipment
    produced since its last count before the change), a long cycle across a change more than a short one. That is
    the counting ISO prescribes, not a wrong count: `Oee.overcounted` allows for it."""
    counted = counted_by_window(intervals, counts, windows, ideal_cycle_s, startup_s)
    timelines = _timelines(intervals)
    unknown = sorted(known_state(intervals, counts, timelines)[1], key=lambda c: c.ts)
    moments = [c.ts for c in unknown]
    per_name: dict[str, list[Oee]] = defaultdict(list)
    for k, window in enumerate(windows):
        inside = [
            clipped
            for equipment, (ordered, reach) in timelines.items()
            if window.covers(equipment)
            for clipped in clip(_overlapping(ordered, reach, window), [window])
        ]
        unstated = [
            c
            for c in unknown[bisect_right(moments, window.start) : bisect_right(moments, window.end)]
            if window.covers(c.equipment)
        ]
        per_name[window.name] += equipment_oee(inside, unstated, ideal_cycle_s, startup_s, counted.get(k, {})).values()
    return {name: combine(name, figures) for name, figures in per_name.items() if figures}


Timelines = dict[str, tuple[list[StateInterval], list[datetime]]]
"""Per equipment, its intervals in start order and how far they reach (`_timelines`)."""


def _timelines(intervals: Iterable[StateInterval]) -> Timelines:
    """Each equipment's intervals in start order, and how far they reach (the latest end so far): the intervals
    that can overlap a window start after the last one whose reach is at most the window's start."""
    by_equipment: dict[str, list[StateInterval]] = defaultdict(list)
    for interval in intervals:
        by_equipment[interval.equipment].append(interval)
    timelines = {}
    for equipment, own in by_equipment.items():
        own.sort(key=lambda i: i.start)
        timelines[equipment] = (own, list(accumulate((i.end for i in own), max)))
    return timelines


def _overlapping(ordered: list[StateInterval], reach: list[datetime], window: Window) -> Iterator[StateInterval]:
    """Of one equipment's intervals in start order (`_timelines`), those that may overlap the window."""
    k = bisect_right(reach, window.start)
    while k < len(ordered) and ordered[k].start < window.end:
        yield ordered[k]
        k += 1


def day_windows(start: datetime, end: datetime, zone: tzinfo = UTC) -> list[Window]:
    """The days on the clock of `zone` covering [start, end), in UTC (`site_instant`): 23 h or 25 h on a
    daylight-saving day."""
    windows: list[Window] = []
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    day = start.astimezone(zone).date()
    while True:
        lo, hi = site_day(day, zone)
        if lo >= end:
            return windows
        windows.append(Window(day.isoformat(), max(lo, start), min(hi, end)))
        day += timedelta(days=1)


def shift_windows(
    start: datetime, end: datetime, shifts: Sequence[tuple[str, time, time]], zone: tzinfo = UTC
) -> list[Window]:
    """Each shift (name, start, end on the clock of `zone`; an end not after the start crosses midnight) on each
    day of [start, end), in UTC (`site_instant`): a night shift over a daylight-saving change is as long as the
    wall clock says."""
    windows = []
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    day = start.astimezone(zone).date() - timedelta(days=1)
    while site_day(day, zone)[0] < end:
        for name, begins, ends in shifts:
            lo = site_instant(datetime.combine(day, begins), zone)
            hi = site_instant(datetime.combine(day + timedelta(days=int(ends <= begins)), ends), zone)
            lo, hi = max(lo, start), min(hi, end)
            if lo < hi:
                windows.append(Window(f"{day.isoformat()} {name}", lo, hi))
        day += timedelta(days=1)
    return sorted(windows, key=lambda w: w.start)


OUTSIDE_SHIFTS = "outside shifts"


def outside_shifts(windows: Sequence[Window], start: datetime, end: datetime, zone: tzinfo = UTC) -> list[Window]:
    """The stretches of [start, end) that no shift of `windows` covers, per work center (or for all equipment, where
    the shifts are everyone's), split by day on the clock of `zone` and named "<day> outside shifts": overtime, and
    work or counts that run on past a shift's end, which no shift would take, so that the shifts and these add up
    to the whole span."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    spans: dict[str | None, list[tuple[datetime, datetime]]]
    if not windows or any(w.lines is None for w in windows):
        spans = {None: [(w.start, w.end) for w in windows]}
    else:
        lines = {line for w in windows for line in w.lines or ()}
        spans = {line: [(w.start, w.end) for w in windows if w.covers(line)] for line in lines}
    by_gaps: dict[tuple[tuple[datetime, datetime], ...], set[str | None]] = defaultdict(set)
    for line, covered in spans.items():
        by_gaps[tuple(_gaps(sorted(covered), start, end))].add(line)
    outside = []
    for gaps, group in by_gaps.items():
        covers = None if None in group else frozenset(line for line in group if line is not None)
        for lo, hi in gaps:
            outside += [Window(f"{d.name} {OUTSIDE_SHIFTS}", d.start, d.end, covers) for d in day_windows(lo, hi, zone)]
    return sorted(outside, key=lambda w: (w.start, w.name))


def _gaps(
    covered: Sequence[tuple[datetime, datetime]], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) outside the sorted spans."""
    gaps, reach = [], start
    for lo, hi in covered:
        if lo > reach:
            gaps.append((reach, min(lo, end)))
        reach = max(reach, hi)
    if reach < end:
        gaps.append((reach, end))
    return [(lo, hi) for lo, hi in gaps if lo < hi]


def calendar_windows(plant: Plant, start: datetime, end: datetime) -> list[Window]:
    """The shifts the plant's calendars plan in [start, end), each over the work centers on its calendar, as
    the scheduler plans them: on the site's clock, none on a holiday. A lights-out work center's shifts are
    kept apart from the crews' and named "lights-out" ("shift lights-out" where its calendar has several), so a
    24/7 calendar gives its whole site day as one window. A shift of one name that two calendars time
    differently is named with its calendar ("calendar/shift"); one they time alike is one window over both."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)  # a time plus seconds on a site clock is a wall time
    on_calendar: dict[tuple[str, bool], set[str]] = defaultdict(set)
    for wc_id, (area_id, work_center) in plant.work_centers().items():
        on_calendar[work_center.calendar, work_center.lights_out].add(f"{plant.site.id}/{area_id}/{wc_id}")
    days = (end - start).total_seconds() / 86400
    planned: dict[tuple[date, str, datetime, datetime], dict[str, set[str]]] = defaultdict(dict)
    for (calendar_id, lights_out), lines in on_calendar.items():
        calendar = plant.calendars[calendar_id]
        for shift in shift_times(calendar, plant.site.timezone, start, days):
            if not shift.cancelled:
                span = (start + timedelta(seconds=shift.start), start + timedelta(seconds=shift.end))
                name = _lights_out_shift(shift.name, calendar) if lights_out else shift.name
                planned[(shift.day, name, *span)][calendar_id] = lines
    timings = Counter((day, name) for day, name, _, _ in planned)
    windows = []
    for (day, name, lo, hi), calendars in planned.items():
        if timings[day, name] == 1:
            windows.append(Window(f"{day.isoformat()} {name}", lo, hi, frozenset().union(*calendars.values())))
        else:
            windows += [
                Window(f"{day.isoformat()} {calendar_id}/{name}", lo, hi, frozenset(lines))
                for calendar_id, lines in calendars.items()
            ]
    return sorted(windows, key=lambda w: (w.start, w.name))


def _lights_out_shift(shift: str, calendar: Calendar) -> str:
    """What a lights-out work center's shift is called: "lights-out", or "<shift> lights-out" on a calendar of
    several shifts (a day's windows keep apart)."""
    return "lights-out" if len(calendar.shifts) == 1 else f"{shift} lights-out"


def _startup_windows(intervals: list[StateInterval], startup_s: float) -> list[tuple[datetime, datetime]]:
    ordered = sorted(intervals, key=lambda i: i.start)
    return [
        (cur.start, cur.start + timedelta(seconds=startup_s))
        for prev, cur in zip(ordered, ordered[1:], strict=False)
        if cur.state == RUNNING and prev.state in RESTARTS_AFTER
    ]


def ideal_cycle_times(plant: Plant) -> IdealCycles:
    """Ideal seconds per unit of each work unit (by equipment path) at its speed factor: of each material it
    makes, the mean of that material's operations it may run (run time per unit, or per batch over the batch
    size; each is one count), and of an unnamed material the fastest of them, or its line's takt time. A paced
    line reporting as a whole (its work center's path) makes one unit per takt."""
    cycles: dict[str, float] = {}
    by_material: dict[str, dict[str, float]] = {}
    for wu_id, (_, wc_id, unit) in plant.work_units().items():
        runs: dict[str, list[float]] = defaultdict(list)
        for material, routing in plant.routings.items():
            for op in routing.operations:
                if wu_id in plant.eligible_units(op):
                    runs[material].append(op.run_minutes * 60 / (op.batch_size or 1) / unit.speed_factor)
        takt = plant.work_centers()[wc_id][1].takt_seconds
        path = plant.equipment_path(wu_id)
        if runs:
            cycles[path] = min(min(times) for times in runs.values())
            by_material[path] = {material: sum(times) / len(times) for material, times in runs.items()}
        elif takt:
            cycles[path] = takt
    for wc_id, (area_id, work_center) in plant.work_centers().items():
        if work_center.kind == "paced-line" and work_center.takt_seconds:
            cycles[f"{plant.site.id}/{area_id}/{wc_id}"] = work_center.takt_seconds
    return IdealCycles(cycles, by_material)
