"""The twin in the HTML report: what a simulated run did (output, work in process, state time, OEE) and
traditional against smart, as `factoryos.report.Section`s over `factoryos.twin.simulation.Simulation`."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from factoryos.report.html import Section
from factoryos.twin.calendar import HOUR
from factoryos.twin.metrics import RunMetrics
from factoryos.twin.simulation import Simulation
from factoryos.twin.states import NAMES

STATE_COLOURS = dict(
    zip(NAMES, ("#2e8540", "#f0ad4e", "#8e44ad", "#e67e22", "#c0392b", "#bdc3c7", "#34495e"), strict=True)
)


def flow_figure(samples: list[tuple[float, int, int, int]]) -> go.Figure:
    hours = [t / HOUR for t, *_ in samples]
    figure = go.Figure(
        [
            go.Scatter(x=hours, y=[s[1] for s in samples], name="completed (cumulative)"),
            go.Scatter(x=hours, y=[s[2] for s in samples], name="work in process", yaxis="y2"),
            go.Scatter(x=hours, y=[s[3] for s in samples], name="finished-goods stock", yaxis="y2"),
        ]
    )
    figure.update_layout(
        title="Output, work in process and finished goods",
        xaxis_title="hours",
        yaxis=dict(title="units completed"),
        yaxis2=dict(title="units", overlaying="y", side="right"),
    )
    return figure


def states_figure(metrics: RunMetrics, top: int = 30) -> go.Figure:
    """Where each piece of equipment's time went, the busiest first."""
    busiest = sorted(metrics.equipment, key=lambda e: -e.state_fraction["working"])[:top]
    labels = [e.name.split("/", 2)[-1] for e in busiest]
    figure = go.Figure(
        [
            go.Bar(y=labels, x=[e.state_fraction[s] for e in busiest], name=s, orientation="h", marker_color=c)
            for s, c in STATE_COLOURS.items()
        ]
    )
    figure.update_layout(
        title="State time per equipment", barmode="stack", xaxis_tickformat=".0%", height=max(400, 22 * len(labels))
    )
    figure.update_yaxes(autorange="reversed")
    return figure


def oee_figure(metrics: RunMetrics) -> go.Figure:
    lines = sorted(metrics.line_oee.items(), key=lambda item: item[1])
    figure = go.Figure(go.Bar(x=[v for _, v in lines], y=[k.split("/", 1)[-1] for k, _ in lines], orientation="h"))
    figure.update_layout(title="OEE by line (the line's bottleneck)", xaxis_tickformat=".0%")
    return figure


def simulation_section(simulation: Simulation, title: str = "Digital twin") -> Section:
    f = simulation.figures_of_merit
    return Section(
        title=title,
        text=(
            f"The plant's twin ran the {f['scenario']} scenario for {f['days']:g} days: breakdowns from the plant "
            "file's MTBF and MTTR, shifts, changeovers, yields with rework, and the floor's event stream."
        ),
        facts={
            "units completed": f"{f['completed']:,}",
            "per day": f"{f['throughput_per_day']:,.0f}",
            "lead time": f"{f['avg_lead_time_days'] * 24:,.1f} h",
            "work in process": f"{f['avg_wip']:,.0f}",
            "on time": "-" if f["on_time_rate"] is None else f"{f['on_time_rate']:.1%}",
            "bottleneck": str(f["bottleneck"]).split("/")[-1],
        },
        figures=[
            flow_figure(simulation.samples),
            states_figure(simulation.metrics),
            oee_figure(simulation.metrics),
        ],
    )


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
    figure.update_layout(title="Traditional (make-to-stock, manned) against smart (C2M, lights-out)")
    return figure


def comparison_section(traditional: dict[str, Any], smart: dict[str, Any]) -> Section:
    gain = smart["output_per_labour_hour"] / traditional["output_per_labour_hour"] - 1
    return Section(
        title="Traditional against smart",
        text=(
            "Same plant, same customer demand. Smart releases orders as they come, runs lights-out cells around "
            "the clock without operators, sizes shifts and the paced line's takt to the order book, and ships "
            "units as they are completed."
        ),
        facts={
            "output per labour hour": f"{gain:+.0%}",
            "finished goods": f"{traditional['fg_inventory_avg']:,.0f} -> {smart['fg_inventory_avg']:,.0f}",
            "replications": str(smart.get("replications", 1)),
        },
        figures=[comparison_figure(traditional, smart)],
    )
