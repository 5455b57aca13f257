"""Plotly figures of SPC for the HTML report: a control chart with its centre line and limits, the points out of
control marked, and each run-rule alarm named at the point that completed it; a capability histogram against
the specification limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from factoryos.quality.capability import Capability
from factoryos.quality.rules import Alarm
from factoryos.quality.spc import ControlChart
from factoryos.report.html import style

LINES = "#14324f"
LIMITS = "#c0392b"
POINTS = "#3f7cac"


def control_chart_figure(chart: ControlChart, alarms: Sequence[Alarm] = (), unit: str = "") -> go.Figure:
    """One control chart: the points, the centre line and the limits (stepped where they vary per subgroup),
    out-of-control points in red and run-rule alarms labelled with their rule."""
    subgroup = np.arange(1, len(chart.points) + 1)
    figure = go.Figure()
    for name, line, dash in (
        ("UCL", chart.upper, "dash"),
        ("centre", chart.center, "solid"),
        ("LCL", chart.lower, "dash"),
    ):
        figure.add_trace(
            go.Scatter(
                x=subgroup,
                y=line,
                name=name,
                mode="lines",
                line={"color": LINES if name == "centre" else LIMITS, "dash": dash, "shape": "hvh", "width": 1},
            )
        )
    figure.add_trace(
        go.Scatter(x=subgroup, y=chart.points, name=chart.name, mode="lines+markers", marker={"color": POINTS})
    )

    def mark(at: list[int], name: str, **look: Any) -> None:
        figure.add_trace(go.Scatter(x=subgroup[at], y=chart.points[at], name=name, **look))

    if out := list(chart.out_of_control):
        mark(
            out,
            "out of control",
            mode="markers",
            marker={"color": LIMITS, "size": 10, "symbol": "circle-open", "line": {"width": 2}},
        )
    if alarms:
        fired: dict[int, list[Alarm]] = {}
        for alarm in alarms:  # the rules that fire on one subgroup share one label, not labels over each other
            fired.setdefault(alarm.index, []).append(alarm)
        mark(
            list(fired),
            "run rule",
            mode="markers+text",
            text=[", ".join(a.rule for a in on) for on in fired.values()],
            textposition="top center",
            hovertext=[
                "<br>".join(f"{a.meaning}: subgroups {a.points[0] + 1}-{a.points[-1] + 1}" for a in on)
                for on in fired.values()
            ],
            marker={"color": "#f0ad4e", "size": 9, "symbol": "diamond"},
        )
    style(figure, f"{chart.name} chart")
    figure.update_xaxes(title_text="subgroup")
    figure.update_yaxes(title_text=f"{chart.name} ({unit})" if unit else chart.name)
    return figure


def capability_figure(values: Sequence[float], result: Capability, unit: str = "") -> go.Figure:
    """The values' histogram against the specification limits (one may be missing), with the fitted normal curve
    and the indices in the title (Cpu and Ppu, or Cpl and Ppl, against one limit)."""
    data = np.asarray(values, dtype=float)
    limits = [(name, x) for name, x in (("LSL", result.lsl), ("USL", result.usl)) if x is not None]
    figure = go.Figure(go.Histogram(x=data, name="values", histnorm="probability density", marker_color=POINTS))
    grid = np.linspace(min(data.min(), *(x for _, x in limits)), max(data.max(), *(x for _, x in limits)), 200)
    density = np.exp(-0.5 * ((grid - result.mean) / result.sigma_overall) ** 2) / (
        result.sigma_overall * np.sqrt(2 * np.pi)
    )
    figure.add_trace(go.Scatter(x=grid, y=density, name="normal fit", mode="lines", line={"color": LINES}))
    for name, x in limits:
        figure.add_vline(x=x, line={"color": LIMITS, "dash": "dash"}, annotation_text=name)
    potential = "" if result.cp is None else f"Cp {result.cp.value:.2f}, "
    title = (
        f"capability: {potential}Cp{result.side} {result.cpk.value:.2f} "
        f"({result.cpk.lower:.2f}-{result.cpk.upper:.2f}), Pp{result.side} {result.ppk.value:.2f}"
    )
    style(figure, title)
    figure.update_xaxes(title_text=unit or "value")
    figure.update_yaxes(title_text="density")
    return figure
