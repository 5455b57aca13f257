"""The report's quality sections: first-pass and rolled throughput yield, defect Paretos and the cost of poor
quality; the live SPC charts' catch of a drifting station, and what the live multivariate monitor flagged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from factoryos.quality.figures import ParetoBar, QualityFigures
from factoryos.quality.genealogy import STATUSES, in_number_order
from factoryos.quality.holds import Hold
from factoryos.quality.rules import Alarm
from factoryos.quality.spc import ControlChart
from factoryos.report.html import Section, share_axis, style
from factoryos.report.oee import short
from factoryos.report.spc import LIMITS, LINES, POINTS, control_chart_figure
from factoryos.report.wording import reworked, scrapped, share

TOP = 15


def fpy_figure(figures: QualityFigures) -> go.Figure:
    """First-pass yield of each test."""
    tests = list(figures.by_test)
    figure = go.Figure(
        go.Bar(
            x=tests,
            y=[figures.by_test[t].fpy for t in tests],
            marker_color=POINTS,
            text=[f"{figures.by_test[t].units:,} units" for t in tests],
        )
    )
    style(figure, f"first-pass yield per test; rolled throughput yield {share(figures.rty)}", 360)
    figure.update_layout(yaxis=share_axis("first-pass yield"), xaxis_title="test")
    return figure


def pareto_figure(bars: Sequence[ParetoBar], title: str, category: str) -> go.Figure:
    """Defects per key, most frequent first, with the cumulative share on a second axis."""
    shown = list(bars[:TOP])
    labels = [" / ".join(short(part) if "/" in part else part for part in bar.key) for bar in shown]
    figure = go.Figure(go.Bar(x=labels, y=[bar.defects for bar in shown], name="defects", marker_color=LIMITS))
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=[bar.cumulative for bar in shown],
            name="cumulative share",
            yaxis="y2",
            mode="lines+markers",
            line={"color": LINES},
        )
    )
    style(figure, title, 380)
    figure.update_layout(
        xaxis_title=category,
        yaxis={"title": {"text": "defects found (units out of specification)"}},
        yaxis2={**share_axis("cumulative share"), "overlaying": "y", "side": "right", "range": [0, 1.05]},
    )
    return figure


def quality_section(figures: QualityFigures, currency: str = "") -> Section:
    """Yields, Paretos and costs of a run or of a plant's stored events."""
    costs = figures.costs
    worst = min(figures.by_test.items(), key=lambda item: item[1].fpy, default=None)
    section = Section(
        "Quality",
        text=(
            "Every tested unit counts once per test, by its first result: the first-pass yield. The rolled "
            "throughput yield, their product, is the chance a unit passes every test first time. The Paretos "
            "count each characteristic found out of specification, retests included."
        ),
        facts={
            "rolled throughput yield": share(figures.rty),
            "lowest first-pass yield": f"{worst[0]} {worst[1].fpy:.1%}" if worst else "-",
            "scrap": scrapped(costs.scrap_units, costs.scrap_cost, currency),
            "rework": reworked(costs.rework_units, costs.rework_hours, costs.rework_cost, currency),
            "cost of scrap and rework": f"{currency}{costs.total:,.0f}",
        },
        note=(
            "From the test and count events of the stream; scrap at the material's cost (its bill of materials "
            "rolled up, a configured unit's its own configuration's bill), rework at the plant file's labour rate."
        ),
    )
    if figures.by_test:
        section.figures.append(fpy_figure(figures))
        section.tables.append(
            (
                ["test", "units", "first pass", "FPY"],
                [[t, f"{y.units:,}", f"{y.first_pass:,}", f"{y.fpy:.2%}"] for t, y in figures.by_test.items()],
            )
        )
    if figures.pareto_characteristics:
        section.figures.append(
            pareto_figure(figures.pareto_characteristics, "defects per characteristic", "test / characteristic")
        )
        section.figures.append(pareto_figure(figures.pareto_stations, "defects per station", "station"))
    return section


@dataclass(frozen=True)
class Catch:
    """A drifting station as the report shows it: where, what, when it began and was caught, by which rules,
    and its chart around the catch with the alarms on it."""

    equipment: str
    characteristic: str
    began: str
    caught: str | None
    hours: float | None
    rules: tuple[str, ...]
    chart: ControlChart | None
    alarms: tuple[Alarm, ...]
    first_out_of_spec: str | None


def spc_section(catches: Sequence[Catch], alarms: int, charted: int, rules: str, out_of_spec: int) -> Section:
    """The live SPC charts over the run (`alarms` raised, `out_of_spec` of them on a value out of specification)
    and what they caught on each drifting station."""
    caught = [c for c in catches if c.caught is not None]
    section = Section(
        "Statistical process control",
        text=(
            f"A live X-bar chart of every characteristic at every station (subgroups of consecutive units, "
            f"limits from a phase I baseline, {rules} rules) watched the stream as it came, every value in "
            "specification or not, raising an alarm event the moment a rule fired or a value came out of "
            "specification (oos)."
        ),
        facts={
            "characteristics charted": charted,
            "alarms raised": alarms,
            "of them out of specification": out_of_spec,
        },
        note=(
            "Alarms elsewhere are the rules' false-alarm rate on a process in control, or real shifts; an oos alarm "
            "is a unit measured out of specification."
        ),
    )
    for catch in catches:
        where = short(catch.equipment)
        if catch.caught is None:
            section.tables.append((["drifting station", "drift began", "caught"], [[where, catch.began, "no"]]))
            continue
        section.facts[f"{where} caught after"] = f"{catch.hours:.1f} h"
        section.tables.append(
            (
                ["drifting station", "characteristic", "drift began", "caught", "rules", "first unit out of spec"],
                [
                    [
                        where,
                        catch.characteristic,
                        catch.began,
                        catch.caught,
                        ", ".join(catch.rules),
                        catch.first_out_of_spec or "none",
                    ]
                ],
            )
        )
        if catch.chart is not None:
            figure = control_chart_figure(catch.chart, catch.alarms)
            figure.update_layout(title_text=f"{where}: {catch.characteristic}, X-bar chart around the catch")
            section.figures.append(figure)
    if not caught and not catches:
        section.text += " The plant file declares no drifting station."
    return section


@dataclass(frozen=True)
class Flagged:
    """An equipment the live multivariate monitor alarmed on: its samples judged and alarmed, its episodes, and
    its longest episode's span and the sensors most to blame over it (name, share)."""

    equipment: str
    judged: int
    alarmed: int
    episodes: int
    longest: str
    sensors: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class MonitorCatch:
    """A drifting station as the multivariate monitor saw it: when the drift began, when the first episode after
    that began and was raised, hours later, the sensors it blamed, and the hours SPC took (None: not caught)."""

    equipment: str
    began: str
    caught: str | None
    hours: float | None
    sensors: tuple[tuple[str, float], ...]
    spc_hours: float | None


def _blamed(sensors: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{name} {share:.0%}" for name, share in sensors[:3])


def monitor_section(
    settings: str,
    watched: int,
    judged: int,
    flagged: Sequence[Flagged],
    catches: Sequence[MonitorCatch],
    unwatched: Mapping[str, int] | None = None,
) -> Section:
    """The live multivariate monitor over the run: what it flagged, when and whom it blamed, and its catch of
    each drifting station beside SPC's. `settings` says how it ran; `unwatched`, why the equipment it did not
    monitor is not (how many for each reason)."""
    episodes = sum(f.episodes for f in flagged)
    alarmed = sum(f.alarmed for f in flagged)
    section = Section(
        "Multivariate process monitoring",
        text=(
            f"The multivariate monitor ({settings}) watched every equipment with two or more series (sensors and "
            "tested characteristics) on the stream as it came: each series' mean over a sample period is one "
            "sample, normal operation is learnt from each equipment's first samples with the limit set on a "
            "held-back part of them, and an alarm event goes out as each episode of consecutive alarmed samples "
            "begins and ends, naming the sensors most to blame."
        ),
        facts={
            "equipment watched": watched,
            "samples judged": judged,
            "samples alarmed": f"{alarmed / judged:.1%}" if judged else "-",
            "alarm episodes": episodes,
        },
        note="Alarms are real shifts (a drift, a sensor wandering before a breakdown) or false alarms.",
    )
    if unwatched:
        section.tables.append((["not watched, because", "equipment"], [[r, f"{n:,}"] for r, n in unwatched.items()]))
    for catch in catches:
        where = short(catch.equipment)
        if catch.hours is not None:
            section.facts[f"{where} flagged after"] = f"{catch.hours:.1f} h"
    if catches:
        section.tables.append(
            (
                [
                    "drifting station",
                    "drift began",
                    "first episode",
                    "hours later",
                    "most to blame",
                    "SPC: hours later",
                ],
                [
                    [
                        short(c.equipment),
                        c.began,
                        c.caught or "none",
                        "-" if c.hours is None else f"{c.hours:.1f}",
                        _blamed(c.sensors) or "-",
                        "not caught" if c.spc_hours is None else f"{c.spc_hours:.1f}",
                    ]
                    for c in catches
                ],
            )
        )
    shown = sorted(flagged, key=lambda f: (-f.alarmed, f.equipment))[:TOP]
    if shown:
        section.tables.append(
            (
                ["equipment", "samples judged", "alarmed", "episodes", "longest episode", "most to blame there"],
                [
                    [short(f.equipment), f"{f.judged:,}", f"{f.alarmed:,}", f.episodes, f.longest, _blamed(f.sensors)]
                    for f in shown
                ],
            )
        )
    return section


SHOWN_ORDERS = 25


_TO_DO = {"shipped": "recall from the customer", "built": "quarantined in finished goods"}
SHOWN_SERIALS = 3
"""Serials an order's row names; past them it counts them (`factoryos trace --equipment` lists every one)."""


def containment_section(contained: Sequence[tuple[Hold, dict[str, Any], dict[str, Any]]], timezone: str) -> Section:
    """The holds placed on what SPC caught, and the recall scope of the units held: by status when the hold
    was placed and at the end of the run, and per customer order with what is to be done about it."""
    zone = ZoneInfo(timezone)
    section = Section(
        "Containment",
        text=(
            "Each caught station's output is held from when the alarm says it became suspect to the end of the "
            "run (the start of the run rule's pattern, so the units made in between, most never measured, are held "
            "too): no unit worked on there then ships until the hold is released with a disposition (use, rework "
            "or scrap). The order desk followed the floor: what shipped before the hold was placed is to be "
            "recalled from the customer; what was built after stays in finished goods, its order built but not "
            "shipped; what is still on the line is stopped there; what failed a test and was scrapped is neither "
            "recalled nor held (its order's unit made again in its place is one of the others). When the hold is "
            "placed it covers the units the station had worked by then, as they stood then (a unit scrapped later is "
            "scrapped only at the end of the run); the rest of its window is still to come."
        ),
        note=(
            "Holds from `factoryos hold`'s service; the scope is `factoryos trace --equipment` over the window, each "
            "unit's status scrapped where the floor counted it as scrap, else its customer order's state, which "
            "`order_desk.follow_floor` moved from the twin's report."
        ),
    )
    for hold, when_placed, scope in contained:
        recall = scope["recall"]
        where = short(hold.target)
        section.facts[f"{where}: units held"] = len(scope["units"])
        section.facts[f"{where}: shipped, to recall from customers"] = len(recall["shipped"])
        section.facts[f"{where}: customer orders"] = len(recall["orders"])
        window = f"{hold.start.astimezone(zone):%Y-%m-%d %H:%M} .. {hold.end.astimezone(zone):%Y-%m-%d %H:%M}"  # type: ignore[union-attr]
        placed = f"when placed ({hold.placed_at.astimezone(zone):%Y-%m-%d %H:%M})"
        section.tables.append(
            (
                ["hold", "equipment", "window", "reason", "as of", *STATUSES],
                [
                    [f"#{hold.id}", where, window, hold.reason, moment, *(len(split[s]) for s in STATUSES)]
                    for moment, split in ((placed, when_placed["recall"]), ("end of the run", recall))
                ],
            )
        )
        orders = sorted(recall["orders"], key=lambda o: list(_TO_DO).index(o["state"]) if o["state"] in _TO_DO else 2)
        if orders:
            shown = orders[:SHOWN_ORDERS]
            more = f" (the first {SHOWN_ORDERS} of {len(orders):,})" if len(orders) > SHOWN_ORDERS else ""
            section.tables.append(
                (
                    [f"customer order{more}", "state", "to do", "units held"],
                    [
                        [o["order"], o["state"], _TO_DO.get(o["state"], "stop on the line"), _held(o["serials"])]
                        for o in shown
                    ],
                )
            )
    return section


def _held(serials: Sequence[str]) -> str:
    """An order's units held as its row shows them: each serial, or for more than SHOWN_SERIALS how many and the
    first and last (a 1,200-case order listed in full made the report megabytes long)."""
    ordered = sorted(serials, key=in_number_order)
    if len(ordered) <= SHOWN_SERIALS:
        return ", ".join(ordered)
    return f"{len(ordered):,}: {ordered[0]} … {ordered[-1]}"
