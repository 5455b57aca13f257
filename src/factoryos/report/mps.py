"""The master production schedule against the ramp-up in the HTML report: units per day and product, firm
orders and forecast apart, under the ramp line's units per day."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import plotly.graph_objects as go

from factoryos.planning.mps import RAMP, MasterSchedule
from factoryos.report.html import Section, count_axis, style
from factoryos.report.wording import counted

COLOURS = ("#3f7cac", "#2e8540", "#8e44ad", "#e67e22", "#14324f", "#c0392b")


def mps_figure(schedule: MasterSchedule) -> go.Figure:
    """Stacked bars of units per day (a product's orders solid, its forecast pale) and the line's capacity."""
    days = [schedule.start + timedelta(days=k) for k in range(schedule.days)]
    units: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * schedule.days)
    for row in schedule.rows:
        units[row.product, row.kind][(row.day - schedule.start).days] += row.quantity
    figure = go.Figure()
    products = sorted({product for product, _ in units})
    for index, product in enumerate(products):
        colour = COLOURS[index % len(COLOURS)]
        for kind, opacity in (("order", 1.0), ("forecast", 0.45)):
            if (product, kind) in units:
                figure.add_bar(
                    x=days, y=units[product, kind], name=f"{product} ({kind})", marker_color=colour, opacity=opacity
                )
    limits = _limits(schedule)
    for index, (name, per_day) in enumerate(limits.items()):
        figure.add_scatter(
            x=days,
            y=per_day,
            name=name,
            mode="lines",
            line={"shape": "hv", "color": "#222", "dash": ("dot", "dash", "dashdot", "longdash")[index % 4]},
        )
    against = "the ramp-up line" if schedule.ramp_bounded else "what bounds each product"
    style(figure, f"Master production schedule against {against}", 340)
    busiest = max(
        [sum(day) for day in zip(*units.values(), strict=True)] + [c or 0 for cs in limits.values() for c in cs],
        default=0,
    )
    figure.update_layout(barmode="stack", xaxis_title="day", yaxis=count_axis("units built", busiest))
    return figure


def _limits(schedule: MasterSchedule) -> dict[str, list[float | None]]:
    """The lines of units a day the chart draws: the ramp-up line's, shared by the products it bounds, and for
    each other product the work center or pool of lines that bounds it (`MasterSchedule.capacities`)."""
    limits: dict[str, list[float | None]] = {}
    if schedule.ramp_bounded:
        limits["ramp line's units per day"] = list(schedule.capacity)
    bound_by = schedule.bound_by()
    for product, per_day in schedule.capacities().items():
        if bound_by[product] != RAMP:
            limits[f"{product}: {bound_by[product]}'s units per day"] = list(per_day)
    return limits


def beyond_text(schedule: MasterSchedule) -> str:
    """What is due after the horizon, per product: units, orders and the last due day."""
    return "; ".join(
        f"{product}: {counted(b.units, 'unit')} of {counted(b.orders, 'order')}, the last due {b.last_due}"
        for product, b in schedule.beyond.items()
    )


def mps_section(schedule: MasterSchedule, demand: str) -> Section:
    planned = sum(r.quantity for r in schedule.rows)
    late = sum(r.quantity for r in schedule.rows if r.late_days)
    bound = sum(r.quantity for r in schedule.rows if r.product in schedule.bound_products)
    capacity = sum(c for c in schedule.capacity if c is not None)
    facts: dict[str, str | int] = {
        "planned": counted(planned, "unit"),
        "late": counted(late, "unit"),
        "not in the horizon": counted(schedule.not_in_horizon, "unit"),
    }
    if schedule.beyond:
        facts["due after the horizon"] = beyond_text(schedule)
    if capacity and schedule.ramp_bounded:
        facts["ramp line used"] = f"{bound / capacity:.0%}"
    checked = len(schedule.rough_cut.minutes) if schedule.rough_cut is not None else 0
    constrained = sorted(set(schedule.bound_by().values()) - {RAMP})
    bounds = (["the ramp-up line's units per day"] if schedule.ramp_bounded else []) + (
        [
            f"the working minutes of every work center the units load ({counted(checked, 'work center')}"
            + (f"; an average unit is constrained on {', '.join(constrained)})" if constrained else ")")
        ]
        if checked
        else []
    )
    return Section(
        title="Master production schedule",
        text=(
            f"What to build each day from {schedule.start:%Y-%m-%d} over {counted(schedule.days, 'day')} ({demand}): "
            + (
                f"each demand as late as {' and '.join(bounds)} allow and not after its due day, the firm orders "
                "before the forecast; a demand that cannot be built in time is built late or, past the horizon, "
                "left unplanned; one due after the horizon is not planned and counted as not in it."
                if bounds
                else "no work center loads these products, so nothing bounds the days' units: each demand is planned "
                "on its due day."
            )
        ),
        facts=facts,
        figures=[mps_figure(schedule)],
        note="factoryos.planning.mps: the ramp line's units per day come from the ramp-up curve over its calendar; "
        "the other products' bound is rough-cut capacity (planning.rough_cut), which the schedule then refines.",
    )
