"""The twin in the HTML report: what a simulated run did (output, work in process, state time) and traditional
against smart, as `factoryos.report.Section`s over `factoryos.twin.simulation.Simulation`. The run's OEE is
not shown here: the OEE section computes it once, from the run's event stream, as for a real plant."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from factoryos.report.html import Section, share_axis, style
from factoryos.report.wording import counted, hours
from factoryos.twin.metrics import RunMetrics
from factoryos.twin.simulation import Simulation
from factoryos.twin.states import NAMES

STATE_COLOURS = dict(
    zip(NAMES, ("#2e8540", "#f0ad4e", "#8e44ad", "#e67e22", "#c0392b", "#bdc3c7", "#34495e", "#d4ac0d"), strict=True)
)


def site_times(seconds: list[float], epoch: datetime, timezone: str) -> list[datetime]:
    """Seconds of a run from its epoch (an aware instant) as the site's wall-clock times."""
    zone = ZoneInfo(timezone)
    return [(epoch + timedelta(seconds=t)).astimezone(zone).replace(tzinfo=None) for t in seconds]


def flow_figure(samples: list[tuple[float, int, int, int]], epoch: datetime, timezone: str) -> go.Figure:
    when = site_times([t for t, *_ in samples], epoch, timezone)
    figure = go.Figure(
        [
            go.Scatter(x=when, y=[s[1] for s in samples], name="units completed (cumulative)"),
            go.Scatter(x=when, y=[s[2] for s in samples], name="work in process", yaxis="y2"),
            go.Scatter(x=when, y=[s[3] for s in samples], name="finished-goods stock", yaxis="y2"),
        ]
    )
    style(figure, "Output, work in process and finished goods, hour by hour", 320)
    figure.update_layout(
        xaxis={"type": "date", "title": {"text": f"date (site clock, {timezone})"}},
        yaxis={"title": {"text": "units completed (cumulative)"}},
        yaxis2={"title": {"text": "units in process or in stock"}, "overlaying": "y", "side": "right"},
    )
    return figure


def states_figure(metrics: RunMetrics, top: int = 20) -> go.Figure:
    """Where each piece of equipment's time went, the busiest first."""
    busiest = sorted(metrics.equipment, key=lambda e: -e.state_fraction["working"])[:top]
    labels = [e.name.split("/", 2)[-1] for e in busiest]
    figure = go.Figure(
        [
            go.Bar(y=labels, x=[e.state_fraction[s] for e in busiest], name=s, orientation="h", marker_color=c)
            for s, c in STATE_COLOURS.items()
        ]
    )
    style(figure, f"State time of the {len(busiest)} busiest pieces of equipment", max(320, 15 * len(labels) + 140))
    figure.update_layout(barmode="stack", xaxis=share_axis("share of the run's time"), margin={"l": 220})
    figure.update_yaxes(autorange="reversed", title_text="equipment (work center/work unit)")
    return figure


def simulation_section(
    simulation: Simulation,
    epoch: datetime,
    timezone: str,
    ordered_units: int | None = None,
    planned_late: tuple[int, int] | None = None,
    title: str = "Digital twin",
) -> Section:
    """The run's headline figures and charts; `epoch` is the run's time zero (an aware instant) and `timezone`
    the site's, so its charts read in the site's dates; `ordered_units` relates output to the order book and
    `planned_late` (late, of all jobs) compares on-time delivery with the schedule the run executed."""
    f = simulation.figures_of_merit
    on_time = f["on_time_rate"]
    start = site_times([0.0], epoch, timezone)[0]
    text = (
        f"The plant's twin ran the {f['scenario']} scenario for {counted(f['days'], 'day')} from {start:%A %Y-%m-%d} "
        "(breakdowns from the plant file's MTBF and MTTR, shifts, changeovers, yields with rework) and "
        f"completed {counted(f['completed'], 'unit')}, {f['throughput_per_day']:,.0f} a day"
    )
    if ordered_units:
        text += f": {f['completed'] / ordered_units:.0%} of the {ordered_units:,} units ordered"
    lead = f["avg_lead_time_days"]
    took = f"A unit took {hours(lead * 24)} on average from release to completion" if lead is not None else ""
    text += f". {took or 'No unit was completed'}, with {counted(round(f['avg_wip']), 'unit')} in process on average. "
    if on_time is None:
        text += "Nothing fell due within the run, so on-time delivery is not measured. "
    else:
        text += (
            f"{on_time:.0%} of the units that fell due within the run shipped by their due date, each counted on "
            "its own (an order's unit not yet built when it falls due is late; a quality hold placed on what the "
            "run made is not in it)"
        )
        if planned_late is not None:
            late, jobs = planned_late
            text += (
                f"; the schedule the twin executed planned {f'only {late:,}' if late else 'none'} of its "
                f"{jobs:,} units and lots late, so "
                f"the {1 - on_time:.0%} that shipped late were made late on the floor, not in the plan"
                if on_time < 0.9 and late < 0.1 * jobs
                else f"; the schedule it executed planned {late:,} of its {jobs:,} units and lots late"
            )
        text += ". "
    shortage = f["material_shortage_hours"]
    text += (
        f"Bought parts were ordered {BOUGHT[f['purchasing']]} and arrived as late as their suppliers' delivery "
        "records say: "
    )
    text += (
        f"equipment stood {shortage:,.1f} h starved for material. "
        if shortage
        else "every one was at the line when it was needed. "
    )
    text += "The OEE section gives the run's OEE, from its event stream."
    return Section(
        title=title,
        text=text,
        facts={
            "units completed": f["completed"],
            "per day": f"{f['throughput_per_day']:,.0f}",
            "on time": "-" if on_time is None else f"{on_time:.1%}",
            "lead time": "-" if lead is None else hours(lead * 24),
            "work in process": counted(round(f["avg_wip"]), "unit"),
            "bottleneck": str(f["bottleneck"]).split("/")[-1],
            "starved for material": f"{f['material_shortage_hours']:,.1f} h",
        },
        figures=[flow_figure(simulation.samples, epoch, timezone), states_figure(simulation.metrics)],
    )


BOUGHT = {
    "mrp": "as the material plan (MRP over the release plan, with the plant file's safety stock) said",
    "stand-in": "two days ahead of each day's shortfall, without safety stock",
    "given": "as given",
}
"""How a run's purchase orders were made (`factoryos.twin.scenarios.ScenarioRun.purchasing`), in words."""

COMPARED = (
    ("output_per_labour_hour", "units per labour hour"),
    ("fg_inventory_avg", "finished-goods inventory (units)"),
    ("avg_wip", "work in process (units)"),
    ("avg_order_lead_time_days", "order to delivery (days)"),
)


def comparison_figure(traditional: dict[str, Any], smart: dict[str, Any]) -> go.Figure:
    """The two scenarios side by side, one panel per figure, with 95 % intervals when replicated."""
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=len(COMPARED), subplot_titles=[label for _, label in COMPARED])
    for col, (key, _) in enumerate(COMPARED, start=1):
        for name, result, colour in (("traditional", traditional, "#7f8c8d"), ("smart", smart, "#2e8540")):
            value = result.get(key) or 0.0
            band = result.get("ci95", {}).get(key)
            error = dict(type="data", array=[band["high"] - value], arrayminus=[value - band["low"]]) if band else None
            figure.add_trace(
                go.Bar(x=[name], y=[value], marker_color=colour, error_y=error, showlegend=False), row=1, col=col
            )
    for col, (_, label) in enumerate(COMPARED, start=1):
        figure.update_yaxes(title_text=label, row=1, col=col)
        figure.update_xaxes(title_text="scenario", row=1, col=col)
    return style(figure, "Traditional (make-to-stock, manned) against smart (C2M, lights-out)", 380)


def comparison_section(traditional: dict[str, Any], smart: dict[str, Any]) -> Section:
    gain = smart["output_per_labour_hour"] / traditional["output_per_labour_hour"] - 1
    return Section(
        title="Traditional against smart",
        text=(
            "Same plant, same customer demand. Smart releases orders as they come, runs lights-out cells around "
            "the clock without operators, sizes shifts and the paced line's takt to the order book, and ships "
            f"units as they are completed. Smart bought its parts {BOUGHT[smart['purchasing']]}; traditional "
            f"{BOUGHT[traditional['purchasing']]}: the equipment-hours each stood starved for material "
            "(waiting for a late or short part) show what planning the material is worth."
        ),
        facts={
            "output per labour hour": f"{gain:+.0%}",
            "finished goods": f"{traditional['fg_inventory_avg']:,.0f} -> {smart['fg_inventory_avg']:,.0f}",
            "starved for material": (
                f"{traditional['material_shortage_hours']:,.1f} h -> {smart['material_shortage_hours']:,.1f} h"
            ),
            "replications": smart.get("replications", 1),
        },
        figures=[comparison_figure(traditional, smart)],
    )
