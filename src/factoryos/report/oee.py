"""Plotly figures of OEE for the HTML report: the three factors per equipment or line, and where the planned
busy time went (the six big losses)."""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from factoryos.iot.oee import Oee

FACTORS = ("availability", "performance", "quality", "oee")


def factor_bars(figures: Mapping[str, Oee], title: str) -> go.Figure:
    """Availability, performance, quality and OEE side by side for each key (equipment, line, shift, day)."""
    keys = list(figures)
    figure = go.Figure(
        [
            go.Bar(
                name=factor.upper() if factor == "oee" else factor,
                x=keys,
                y=[getattr(figures[k], factor) for k in keys],
            )
            for factor in FACTORS
        ]
    )
    figure.update_layout(title=title, barmode="group", yaxis={"tickformat": ".0%", "range": [0, 1.05]})
    return figure


def loss_waterfall(figure: Oee) -> go.Figure:
    """From planned busy time, minus each big loss, down to the ideal time of the good units (hours)."""
    losses = figure.losses.as_dict()
    hours = [figure.planned_busy_s / 3600] + [-v / 3600 for v in losses.values()]
    fully_productive = sum(hours)
    chart = go.Figure(
        go.Waterfall(
            x=["planned busy time", *losses, "fully productive time"],
            y=[*hours, fully_productive],
            measure=["absolute"] + ["relative"] * len(losses) + ["total"],
        )
    )
    chart.update_layout(title=f"Six big losses: {figure.key} (OEE {figure.oee:.1%})", yaxis_title="hours")
    return chart


def oee_figures(
    per_equipment: Mapping[str, Oee], per_line: Mapping[str, Oee], per_window: Mapping[str, Oee] | None = None
) -> list[go.Figure]:
    """The OEE section of the report."""
    figures = [factor_bars(per_line, "OEE by line"), factor_bars(per_equipment, "OEE by equipment")]
    if per_window:
        figures.append(factor_bars(per_window, "OEE by shift or day"))
    figures += [loss_waterfall(f) for f in per_line.values()]
    return figures
