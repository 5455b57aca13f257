"""Gantt charts of an operations schedule (Plotly), by work unit and by production order, and the report
section that shows them. Changeovers are drawn as their own segments, just before the operation they
prepare, in one colour that no area uses, so a planner sees at a glance where setup time goes.

A month is half a million bars, more than a browser draws; the charts show the work units' busiest day of
the plan's first week (a plan to due dates may open with a few lots) and the first `orders` production
orders, which is where a planner looks first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from factoryos.model.orders import ScheduledOperation
from factoryos.model.plant import Plant
from factoryos.report.html import Section, style

CHANGEOVER = "#d62728"
PALETTE = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e")


FIRST_DAYS = 7
"""The days from the schedule's first that the work-unit chart picks its day among."""


def busiest_day(operations: Sequence[ScheduledOperation], timezone: str) -> date | None:
    """The site's day, of the schedule's first `FIRST_DAYS`, with the most operation time: a schedule that
    plans to due dates may start with a few lots, and a full day's work shows more (the earliest on a tie)."""
    return _busiest(_by_site_day(operations, timezone))


def _by_site_day(operations: Sequence[ScheduledOperation], timezone: str) -> dict[date, list[ScheduledOperation]]:
    zone = ZoneInfo(timezone)
    by_day: dict[date, list[ScheduledOperation]] = {}
    for op in operations:
        by_day.setdefault(op.start.astimezone(zone).date(), []).append(op)
    return by_day


def _busiest(by_day: dict[date, list[ScheduledOperation]]) -> date | None:
    first = min(by_day, default=None)
    busy = {
        day: sum((op.end - op.start).total_seconds() for op in ops)
        for day, ops in by_day.items()
        if first is not None and (day - first).days < FIRST_DAYS
    }
    return min(busy, key=lambda day: (-busy[day], day), default=None)


def _bars(
    rows: list[tuple[str, datetime, datetime, str, str]], title: str, height: int, row_title: str, timezone: str
) -> go.Figure:
    """rows: (y label, start, end, legend group, hover text); one trace per legend group. Times are drawn on
    the site's clock (`timezone`), as the floor reads them."""
    zone = ZoneInfo(timezone)
    figure = go.Figure()
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row[3], []).append(row)
    colours: dict[str, str] = {}
    for group in groups:
        colours[group] = CHANGEOVER if group == "changeover" else PALETTE[len(colours) % len(PALETTE)]
    for group, members in groups.items():
        figure.add_trace(
            go.Bar(
                name=group,
                y=[r[0] for r in members],
                base=[r[1].astimezone(zone).replace(tzinfo=None) for r in members],
                x=[(r[2] - r[1]).total_seconds() * 1000 for r in members],
                orientation="h",
                marker={"color": colours[group], "line": {"width": 0}},
                hovertext=[r[4] for r in members],
                hoverinfo="text",
            )
        )
    style(figure, title, height)
    figure.update_layout(
        barmode="overlay",
        xaxis={"type": "date", "title": {"text": f"date and time (site clock, {timezone})"}},
        yaxis={
            "autorange": "reversed",
            "type": "category",
            "title": {"text": row_title},
            "dtick": 1,
            "tickfont": {"size": 10},
        },
        margin={"l": 140},
    )
    return figure


def _span(op: ScheduledOperation, timezone: str) -> str:
    """When an operation runs, on the site's clock the chart's axis reads."""
    zone = ZoneInfo(timezone)
    return f"{op.start.astimezone(zone):%a %H:%M}-{op.end.astimezone(zone):%H:%M}"


def _area(plant: Plant, equipment: str) -> str:
    units = plant.work_units()
    return units[equipment][0] if equipment in units else "other"


def gantt_by_machine(plant: Plant, operations: Sequence[ScheduledOperation]) -> go.Figure:
    """The busiest of the first days (`busiest_day`) on the site's clock, one row per work unit, bars coloured by
    area, changeovers in red before the operation they prepare."""
    by_day = _by_site_day(operations, plant.site.timezone)
    day = _busiest(by_day)
    shown = by_day.get(day, []) if day is not None else []
    rows = []
    for op in shown:
        text = f"{op.operation} {op.serial or op.production_order}<br>{_span(op, plant.site.timezone)}"
        rows.append((op.equipment, op.start, op.end, _area(plant, op.equipment), text))
        if op.setup_minutes:
            setup_start = op.start - timedelta(minutes=op.setup_minutes)
            rows.append((op.equipment, setup_start, op.start, "changeover", f"changeover {op.setup_minutes:.0f} min"))
    order = list(plant.work_units())
    rows.sort(key=lambda r: order.index(r[0]) if r[0] in order else len(order))
    units = len({r[0] for r in rows})
    title = (
        f"Schedule by work unit: {day:%a %Y-%m-%d}, the busiest of the first {FIRST_DAYS} days"
        if day is not None
        else "Schedule by work unit: no operations"
    )
    return _bars(rows, title, max(300, 12 * units + 140), "work unit", plant.site.timezone)


def gantt_by_order(plant: Plant, operations: Sequence[ScheduledOperation], orders: int = 30) -> go.Figure:
    """One row per production order (its first units): where each of its operations runs, and when."""
    first: dict[str, datetime] = {}
    for op in operations:
        if op.production_order not in first or op.start < first[op.production_order]:
            first[op.production_order] = op.start
    chosen = set(sorted(first, key=lambda po: (first[po], po))[:orders])
    rows = []
    for op in operations:
        if op.production_order not in chosen:
            continue
        text = f"{op.operation} on {op.equipment} {op.serial or ''}<br>{_span(op, plant.site.timezone)}"
        rows.append((op.production_order, op.start, op.end, _area(plant, op.equipment), text))
        if op.setup_minutes:
            setup_start = op.start - timedelta(minutes=op.setup_minutes)
            rows.append((op.production_order, setup_start, op.start, "changeover", f"changeover on {op.equipment}"))
    rows.sort(key=lambda r: (first[r[0]], r[0]))
    title = f"Schedule by production order: the first {len(chosen)} orders"
    return _bars(rows, title, max(300, 12 * len(chosen) + 140), "production order", plant.site.timezone)


def schedule_section(
    plant: Plant, operations: Sequence[ScheduledOperation], summary: dict, orders: int = 20
) -> Section:
    """The report's schedule section: the figures, the comparison with dispatching rules, both charts."""
    late = summary.get("late units", 0)
    facts = {
        "units late": late,
        "weighted tardiness": f"{summary['weighted tardiness h']:,} h",
        "setup time, all work units": f"{summary['setup h']:,} h",
        "makespan": f"{summary['makespan h']:,} h",
        "production orders": summary["production orders"],
        "operations": summary["operations"],
        "solved in": f"{summary['seconds']} s",
    }
    tables = []
    if "best dispatching rule" in summary:
        tables.append(
            (
                ["", "weighted tardiness (h)", "setup time, all work units (h)"],
                [
                    [summary["method"], summary["weighted tardiness h"], summary["setup h"]],
                    [
                        f"best dispatching rule ({summary['best dispatching rule']})",
                        summary["rule weighted tardiness h"],
                        summary["rule setup h"],
                    ],
                ],
            )
        )
    lateness = (
        "every unit is planned to finish by its order's due date"
        if not late
        else f"{late:,} units are planned to finish after their order's due date "
        f"({summary['weighted tardiness h']:,} h of lateness, weighted by order priority)"
    )
    ramping = (
        f", the ramp-up line {plant.ramp_up.line} working each day only the units its ramp-up curve plans"
        if plant.ramp_up
        else ""
    )
    return Section(
        title="Schedule",
        text=(
            f"A finite-capacity schedule of {summary['jobs']:,} units and lots ({summary['operations']:,} "
            f"operations) on the plant's work units, with shift calendars, maintenance and changeovers"
            f"{ramping} ({summary['method']}): {lateness}. Changeovers take {summary['setup h']:,} h summed over "
            f"all work units; the last operation ends {summary['makespan h']:,} h after the start. The charts show the "
            f"work units' busiest day of the first {FIRST_DAYS} and the first orders; changeovers are red."
        ),
        facts=facts,
        figures=[gantt_by_machine(plant, operations), gantt_by_order(plant, operations, orders)],
        tables=tables,
    )
