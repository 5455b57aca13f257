"""Plotly figures of OEE for the HTML report: the three factors per line, equipment or window, and where the
planned busy time went (the six big losses). Where there are many lines, one chart carries a selector with a
button per line instead of one chart per line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from textwrap import wrap

import plotly.graph_objects as go

from factoryos.iot.oee import MINOR_STOPS_LOSS, Losses, Oee, ideal_cycle_times, line_of
from factoryos.model.orders import ScheduledOperation
from factoryos.model.plant import Plant
from factoryos.report.html import Section, selector, share_axis, style, with_selector

FACTORS = ("availability", "performance", "quality", "oee")
COLOURS = ("#3f7cac", "#f0ad4e", "#2e8540", "#14324f")


def _factor_axis(figures: Iterable[Oee]) -> dict[str, object]:
    """A share axis to 105 %, or past the highest factor: performance is ISO 22400's effectiveness against the
    planned run time, which a run faster than planned takes past 100 %."""
    top = max((max(f.performance, f.oee) for f in figures), default=0.0)
    return {**share_axis("share (each factor and OEE)"), "range": [0, max(1.05, top * 1.03)]}


def short(key: str) -> str:
    """An equipment or line path without its site: area/work-center[/work-unit]."""
    return key.split("/", 1)[-1]


def _factor_traces(
    figures: Mapping[str, Oee], visible: bool = True, label: Callable[[str], str] = short
) -> list[go.Bar]:
    keys = list(figures)
    return [
        go.Bar(
            name=factor.upper() if factor == "oee" else factor,
            x=[label(k) for k in keys],
            y=[getattr(figures[k], factor) for k in keys],
            marker_color=colour,
            visible=visible,
        )
        for factor, colour in zip(FACTORS, COLOURS, strict=True)
    ]


def factor_bars(figures: Mapping[str, Oee], title: str, category: str = "line") -> go.Figure:
    """Availability, performance, quality and OEE side by side for each key (equipment, line, shift, day)."""
    figure = go.Figure(_factor_traces(figures))
    style(figure, title, 360)
    figure.update_layout(barmode="group", yaxis=_factor_axis(figures.values()), xaxis_title=category)
    return figure


def equipment_bars(per_equipment: Mapping[str, Oee], order: Sequence[str] = ()) -> go.Figure:
    """The factors of each line's equipment, one line at a time (a button per line, the lines in `order`
    first)."""
    lines: dict[str, dict[str, Oee]] = {line: {} for line in order}
    for key, figure in sorted(per_equipment.items()):
        lines.setdefault(line_of(key), {})[key] = figure
    lines = {line: members for line, members in lines.items() if members}
    chart = go.Figure()
    for index, members in enumerate(lines.values()):
        chart.add_traces(_factor_traces(members, index == 0, lambda key: key.rsplit("/", 1)[-1]))
    style(chart, "OEE by equipment", 340)
    chart.update_layout(
        barmode="group", yaxis=_factor_axis(per_equipment.values()), xaxis_title="equipment of the line"
    )
    if len(lines) > 1:
        with_selector(chart, selector([short(line) for line in lines], len(FACTORS)))
    return chart


LABEL_WIDTH = 18
"""Characters a line of the loss chart's step names: wrapped, ten of them sit level under a page-wide chart."""
MINOR_STOP_CAUSES = {"blocked": "blocked by the next station", "starved": "starved for parts from upstream"}
"""What each cause of idling and minor stops (`Losses.minor_stops`) tells a plant manager to look at."""


def loss_steps(losses: Losses) -> dict[str, float]:
    """The big losses in seconds as the loss chart steps down by them: idling and minor stops as its causes, each
    labelled with the loss it is part of."""
    steps: dict[str, float] = {}
    for name, seconds in losses.as_dict().items():
        if name == MINOR_STOPS_LOSS:
            steps |= {f"{name}: {MINOR_STOP_CAUSES[c]}": s for c, s in losses.minor_stops().items()}
        else:
            steps[name] = seconds
    return steps


def loss_waterfall(per_line: Mapping[str, Oee]) -> go.Figure:
    """From planned busy time, minus each big loss, down to the ideal time of the good units (hours summed
    over the line's equipment), one line at a time (a button per line)."""
    chart = go.Figure()
    titles = []
    for index, figure in enumerate(per_line.values()):
        losses = loss_steps(figure.losses)
        hours = [figure.planned_busy_s / 3600] + [-v / 3600 for v in losses.values()]
        steps = ["planned busy time", *losses, "fully productive time"]
        chart.add_trace(
            go.Waterfall(
                x=["<br>".join(wrap(step, LABEL_WIDTH)) for step in steps],
                y=[*hours, sum(hours)],
                measure=["absolute"] + ["relative"] * len(losses) + ["total"],
                visible=index == 0,
                name=short(figure.key),
                hovertemplate="%{x}: %{y:,.1f} h<extra></extra>",
            )
        )
        titles.append(f"Big losses of {short(figure.key)}: where its planned busy time went")
    style(chart, titles[0] if titles else "Big losses", 380)
    chart.update_layout(
        yaxis_title="hours, summed over the line's equipment",
        xaxis={"title": "time category", "tickangle": 0},
        showlegend=False,
    )
    if len(titles) > 1:
        with_selector(chart, selector([short(k) for k in per_line], 1, titles))
    return chart


def oee_figures(
    per_equipment: Mapping[str, Oee], per_line: Mapping[str, Oee], per_shift: Mapping[str, Oee] | None = None
) -> list[go.Figure]:
    """The OEE section's charts: by line, by equipment (a line at a time), the first line's by shift, the losses
    of each line; the selectors list the lines in `per_line`'s order."""
    figures = [
        factor_bars(dict(sorted(per_line.items())), "OEE by line"),
        equipment_bars(per_equipment, list(per_line)),
    ]
    if per_shift:
        first = short(next(iter(per_line)))
        figures.append(factor_bars(per_shift, f"OEE of {first} by shift", "shift of its calendar, its days combined"))
    figures.append(loss_waterfall(per_line))
    return figures


def _covered_s(intervals: list[tuple[datetime, datetime]]) -> float:
    """Seconds covered by the union of the intervals (a batch resource runs several at once)."""
    covered, reach = 0.0, None
    for lo, hi in sorted(intervals):
        if reach is not None and lo < reach:
            lo = reach
        if hi > lo:
            covered += (hi - lo).total_seconds()
            reach = hi
    return covered


def scheduled_loading(
    plant: Plant,
    operations: Sequence[ScheduledOperation],
    per_equipment: Mapping[str, Oee],
    start: datetime,
    end: datetime,
) -> dict[str, float]:
    """Each line's loading: the work the schedule gives its equipment between `start` and `end`, over the
    planned busy time the event stream shows for that equipment. An equipment's work is the time its
    operations cover; a paced line that reports as a whole makes one unit per takt, so its work is the takt
    times the units scheduled on its stations."""
    cycles = ideal_cycle_times(plant)
    covered: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    units_on_line: dict[str, set[str]] = defaultdict(set)
    for op in operations:
        if not start <= op.start < end or op.equipment not in plant.work_units():
            continue
        path = plant.equipment_path(op.equipment)
        covered[path].append((op.start, min(op.end, end)))
        units_on_line[line_of(path)].add(op.serial or op.work_order)
    work: dict[str, float] = defaultdict(float)
    busy: dict[str, float] = defaultdict(float)
    for key, figure in per_equipment.items():
        line = line_of(key)
        busy[line] += figure.planned_busy_s
        if key == line:  # the line reports as a whole
            work[line] += cycles.get(key, 0.0) * len(units_on_line[line])
        else:
            work[line] += _covered_s(covered[key])
    return {line: work[line] / busy[line] for line in busy if busy[line]}


def _shift(figure: Oee) -> str:
    busy_h = figure.planned_busy_s / 3600
    return f"{figure.oee:.0%} ({figure.produced:,.0f} units in {busy_h:,.0f} planned busy hours)"


def _largest_loss(figure: Oee) -> str:
    """Its largest loss, in hours and as a share of its planned busy time, idling and minor stops by cause; ""
    where it lost nothing."""
    losses = figure.losses.as_dict()
    largest = max(losses, key=losses.__getitem__)
    if not figure.planned_busy_s or losses[largest] <= 0:
        return ""
    hours, share = losses[largest] / 3600, losses[largest] / figure.planned_busy_s
    text = f"{largest}: {hours:,.0f} h, {share:.0%} of its planned busy time"
    if largest == MINOR_STOPS_LOSS:
        causes = [(cause, s) for cause, s in figure.losses.minor_stops().items() if s > 0]
        text += ", of which " + " and ".join(f"{MINOR_STOP_CAUSES[c]} {s / 3600:,.0f} h" for c, s in causes)
    return text


def oee_section(
    per_equipment: Mapping[str, Oee],
    per_line: Mapping[str, Oee],
    headline: str,
    loading: Mapping[str, float],
    per_shift: Mapping[str, Oee] | None = None,
    ramp_opened: tuple[float, float] | None = None,
) -> Section:
    """OEE once, from the event stream: the headline line's figures and why they are what they are, then
    every line and its equipment. `loading` is each line's scheduled work over its planned busy time;
    `per_shift`, the headline line's figures by shift of its calendar; `ramp_opened`, when the headline line
    is ramping up, the hours the ramp-up plan opened it and the hours of its crew's shifts."""
    line = per_line[headline]
    name = short(headline)
    members = sum(1 for key in per_equipment if line_of(key) == headline)
    busy_h = line.planned_busy_s / 3600
    text = (
        f"OEE to ISO 22400-2 is computed once, from the floor's state and count events alone, as for a real "
        f"plant's stream: availability x performance x quality. {name} reached {line.oee:.0%} "
        f"({line.availability:.0%} x {line.performance:.0%} x {line.quality:.0%}) over {busy_h:,.0f} planned busy "
        "hours" + (f" (summed over its {members} pieces of equipment)" if members > 1 else "") + ": the time it was "
        "on shift with work planned, or waiting for a unit late against the plan. Waiting with nothing planned "
        "is idle and counts in no factor, so a line given little work is judged on the work it has."
    )
    opened_share = ramp_opened[0] / ramp_opened[1] if ramp_opened is not None and ramp_opened[1] > 0 else None
    if ramp_opened is not None and opened_share is not None:
        text += (
            f" It is ramping up: the ramp-up plan opened it {ramp_opened[0]:,.0f} of the {ramp_opened[1]:,.0f} hours "
            f"its crew was on shift ({opened_share:.0%}, the month's output at takt where the learning curve makes "
            "less); the rest is the ramp's, not an OEE loss (see the ramp-up section)."
        )
    load = loading.get(headline)
    if load is not None:
        text += (
            f" The schedule's own operations fill {load:.0%} of that time; the rest is the floor behind the plan "
            "(units late, slower runs, stops, empty places on a paced line)."
        )
    if largest := _largest_loss(line):
        text += f" Its largest loss is {largest}."
    facts: dict[str, str | int] = {
        f"OEE of {name}": f"{line.oee:.0%}",
        "availability": f"{line.availability:.0%}",
        "performance": f"{line.performance:.0%}",
        "quality": f"{line.quality:.0%}",
    }
    if headline in loading:
        facts["loading by the schedule"] = f"{loading[headline]:.0%}"
    if opened_share is not None:
        facts["shift hours the ramp-up opened"] = f"{opened_share:.0%}"
    worked = {shift: f for shift, f in (per_shift or {}).items() if f.planned_busy_s}
    idle = [shift for shift in per_shift or {} if shift not in worked]
    if worked and idle:
        text += f" Its {' and '.join(idle)} shift{'s' if len(idle) > 1 else ''} had no work planned."
    if len(worked) > 1:
        best, worst = max(worked, key=lambda k: worked[k].oee), min(worked, key=lambda k: worked[k].oee)
        text += (
            " By shift, counting the units each counted (a unit begun in one shift and finished in the next is the"
            f" next one's, as ISO 22400-2 counts it), {best} reached {_shift(worked[best])} and {worst}"
            f" {_shift(worked[worst])}."
        )
    text += _lowest_line(per_line, headline)
    headline_first = {headline: line, **{key: f for key, f in per_line.items() if key != headline}}
    figures = oee_figures(per_equipment, headline_first, worked)
    return Section(title="OEE", text=text, facts=facts, figures=figures)


def _lowest_line(per_line: Mapping[str, Oee], headline: str) -> str:
    """The line of lowest OEE, where it is below the headline line's, and its largest loss: where to look next."""
    others = {key: f for key, f in per_line.items() if key != headline and f.planned_busy_s}
    lowest = min(others, key=lambda key: others[key].oee, default=None)
    if lowest is None or others[lowest].oee >= per_line[headline].oee:
        return ""
    largest = _largest_loss(others[lowest])
    return f" The lowest line is {short(lowest)}, at {others[lowest].oee:.0%}" + (
        f"; its largest loss is {largest}." if largest else "."
    )
