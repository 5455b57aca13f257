"""The demo's report as a plant manager reads it: every chart labelled with its units, shares as percentages,
OEE stated once (from the event stream), one selector instead of a chart per line, the twin on the site's
dates, and the ramp-up's low OEE explained by the line's loading."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import pytest
import sqlalchemy
from plotly.offline import get_plotlyjs
from rich.console import Console

from factoryos.examples import example_plant
from factoryos.iot.oee import Losses, Oee, ideal_cycle_times, line_of
from factoryos.model.orders import CustomerOrderState, ScheduledOperation
from factoryos.report.html import PERCENT, Report
from factoryos.report.oee import oee_section, scheduled_loading
from factoryos.report.planning import material_plan_section
from factoryos.services.demo import DemoContext, run_demo
from factoryos.services.oee import FloorStream, events_oee, events_oee_by_shift
from factoryos.store.db import make_engine, migrate
from factoryos.store.orders import list_orders
from factoryos.store.plans import Filled, StoredPurchaseOrder, list_purchase_orders
from factoryos.twin.scenarios import epoch_for

from .begun import orders_begun, orders_finishing

DAYS = 3  # the first cars reach general assembly on the third day: their panels are pressed first


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The EV plant's demo over two days, run in process: its context (bus, results) and its report."""
    folder = tmp_path_factory.mktemp("demo")
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}")
    migrate(engine)
    report = Report(title="test")
    ctx = DemoContext(engine, example_plant("ev-plant"), DAYS, 3, Console(quiet=True), report)
    run_demo(ctx, folder)
    return ctx


def sections(ctx) -> dict:
    return {s.title: s for s in ctx.report.sections}


def axes(figure: go.Figure) -> dict[str, object]:
    """Every cartesian axis a figure's layout defines (xaxis, xaxis2, yaxis, ...)."""
    layout = figure.layout
    return {name: layout[name] for name in layout if name.startswith(("xaxis", "yaxis")) and layout[name] is not None}


def test_every_chart_of_every_section_titles_each_of_its_axes(demo) -> None:
    checked = 0
    for section in demo.report.sections:
        for figure in section.figures:
            assert figure.layout.title.text, f"{section.title}: a chart without a title"
            if all(trace.type in ("treemap", "sunburst", "pie") for trace in figure.data):
                continue
            found = axes(figure)
            assert found, f"{section.title}: {figure.layout.title.text} has no axes"
            for name, axis in found.items():
                assert axis.title.text, f"{section.title}: {figure.layout.title.text}: {name} has no title"
                checked += 1
    assert checked >= 20


def test_shares_are_drawn_as_percentages(demo) -> None:
    """Every axis of shares is in percent, and the charts of shares (option mix, state time, OEE factors,
    the ramp's efficiency) have such an axis."""
    share_axes = []
    for section in demo.report.sections:
        for figure in section.figures:
            for axis in axes(figure).values():
                title = axis.title.text or ""
                if "share" in title or "efficiency" in title:
                    assert axis.tickformat == PERCENT, f"{figure.layout.title.text}: {title}"
                    share_axes.append(figure.layout.title.text)
    for wanted in ("Option mix", "State time", "OEE by line", "OEE by equipment", "Ramp-up"):
        assert any(title.startswith(wanted) for title in share_axes), wanted
    for figure in sections(demo)["OEE"].figures[:2]:
        for trace in figure.data:  # performance is ISO 22400's effectiveness: a run faster than planned passes 100 %
            top = 1 + 1e-9 if trace.name in ("availability", "quality") else math.inf
            assert all(-1e-9 <= v <= top for v in trace.y), f"{trace.name}: {max(trace.y):.1%}"


def test_oee_is_stated_once_from_the_event_stream(demo) -> None:
    """The twin's section shows no OEE of its own; the OEE section's headline is the event stream's."""
    twin = sections(demo)["Digital twin"]
    assert not any("oee" in key.lower() for key in twin.facts)
    for figure in twin.figures:
        assert "OEE" not in (figure.layout.title.text or "")
        assert not any("OEE" in (trace.name or "") for trace in figure.data)
    oee = sections(demo)["OEE"]
    [(key, value)] = [(k, v) for k, v in oee.facts.items() if k.startswith("OEE")]
    _, per_line = events_oee(FloorStream.read(demo.bus.store), ideal_cycle_times(demo.plant))
    line = next(f for path, f in per_line.items() if key.endswith(path.split("/", 1)[-1]))
    assert value == f"{line.oee:.0%}"
    html = demo.report.render()
    assert html.count(f"<b>{value}</b><span>{key}</span>") == 1


def test_one_loss_chart_with_a_button_per_line(demo) -> None:
    _, per_line = events_oee(FloorStream.read(demo.bus.store), ideal_cycle_times(demo.plant))
    [waterfall] = [f for f in sections(demo)["OEE"].figures if f.data and f.data[0].type == "waterfall"]
    assert len(waterfall.data) == len(per_line)
    [menu] = waterfall.layout.updatemenus
    labels = [b.label for b in menu.buttons]
    assert sorted(labels) == sorted(path.split("/", 1)[-1] for path in per_line)
    headline = next(key for key in sections(demo)["OEE"].facts if key.startswith("OEE of "))
    assert headline == f"OEE of {labels[0]}"  # the chart opens on the line the section's text is about
    for index, button in enumerate(menu.buttons):
        visible = button.args[0]["visible"]
        assert [i for i, v in enumerate(visible) if v] == [index]
    shown = [per_line[f"{demo.plant.site.id}/{label}"] for label in labels]
    for trace, figure in zip(waterfall.data, shown, strict=True):
        assert trace.y[0] == pytest.approx(figure.planned_busy_s / 3600)
        assert sum(trace.y[:-1]) == pytest.approx(trace.y[-1])  # the losses take planned time down to the last bar


def test_the_twin_is_drawn_on_the_sites_dates(demo) -> None:
    flow = sections(demo)["Digital twin"].figures[0]
    assert flow.layout.xaxis.type == "date"
    first = flow.data[0].x[0]
    assert isinstance(first, datetime)
    zone = ZoneInfo(demo.plant.site.timezone)
    monday = demo.start - timedelta(days=demo.start.weekday())
    assert first == datetime(monday.year, monday.month, monday.day)  # site midnight, the run's epoch
    assert epoch_for(demo.plant, demo.start).astimezone(zone).replace(tzinfo=None) == first
    assert all(b > a for a, b in zip(flow.data[0].x, flow.data[0].x[1:], strict=False))


def test_a_summed_figure_says_it_is_summed(demo) -> None:
    titles = [
        axis.title.text for s in demo.report.sections for f in s.figures for axis in axes(f).values() if axis.title
    ]
    assert "units completed (cumulative)" in titles
    assert any("summed" in (t or "") for t in titles)
    assert "setup time, all work units" in sections(demo)["Schedule"].facts


def test_the_oee_says_what_its_planned_busy_time_is(demo) -> None:
    oee = sections(demo)["OEE"]
    assert "loading by the schedule" in oee.facts
    assert "planned busy hours" in oee.text
    assert "nothing planned is idle" in oee.text


def test_the_page_leads_each_section_with_its_headline_figures(demo) -> None:
    html = demo.report.render()
    for section in demo.report.sections:
        start = html.index(f"<section id='{section.anchor}'>")
        facts, text = html.index("class='facts'", start), html.index("class='text'", start)
        assert facts < text
    assert html.count(get_plotlyjs()[:500]) == 1  # plotly inlined once
    assert "<script src=" not in html


def _oee(key: str, busy_h: float, ideal_h: float) -> Oee:
    return Oee(key, busy_h * 3600, busy_h * 3600, ideal_h * 3600, 10, 10, Losses())


def test_loading_is_the_scheduled_work_over_the_planned_busy_time(ev_plant) -> None:
    """Independent of the twin: two work units of one work center, given 3 h and 1 h (two overlapping
    operations counted once) of a 10 h planned busy time each, are loaded at 4/20."""
    paths = {}
    for wu_id, (_, wc_id, _) in ev_plant.work_units().items():
        paths.setdefault(wc_id, []).append(wu_id)
    wc_id, units = next(
        (wc, u) for wc, u in paths.items() if len(u) >= 2 and ev_plant.work_centers()[wc][1].kind != "paced-line"
    )
    first, second = units[:2]
    t0 = datetime(2027, 3, 1, 6, tzinfo=ZoneInfo("UTC"))

    def op(unit: str, start_h: float, hours: float) -> ScheduledOperation:
        return ScheduledOperation(
            "w", "p", "op", unit, t0 + timedelta(hours=start_h), t0 + timedelta(hours=start_h + hours)
        )

    operations = [
        op(first, 0, 3),
        op(second, 0, 1),
        op(second, 0.5, 0.5),
        op(second, 30, 5),
    ]  # the last is after the end
    per_equipment = {ev_plant.equipment_path(u): _oee(ev_plant.equipment_path(u), 10, 1) for u in (first, second)}
    loading = scheduled_loading(ev_plant, operations, per_equipment, t0, t0 + timedelta(hours=24))
    [(line, value)] = loading.items()
    assert line.endswith(f"/{wc_id}")
    assert value == pytest.approx(4 / 20)


def test_the_oee_text_gives_the_loading_only_when_the_schedule_is_known() -> None:
    line = "site/area/line"
    per_equipment = {f"{line}/a": _oee(f"{line}/a", 100, 5)}
    per_line = {line: _oee(line, 100, 5)}
    loaded = oee_section(per_equipment, per_line, line, {line: 0.05})
    assert "fill 5% of that time" in loaded.text
    assert loaded.facts["loading by the schedule"] == "5%"
    unknown = oee_section(per_equipment, per_line, line, {})
    assert "fill" not in unknown.text
    assert "loading by the schedule" not in unknown.facts


def test_the_ramp_limits_only_products_that_no_other_line_can_build(ev_plant) -> None:
    """The EV's sedan needs its ramping paced line; ramping a line the sedan does not need limits nothing."""
    from factoryos.model.rampup import demand_share
    from factoryos.services.demo import first_month_plant, ramp_products

    [product] = ramp_products(ev_plant)
    routing = ev_plant.routings[ev_plant.products[product].material]
    needed = {ev_plant.work_units()[u][1] for op in routing.operations for u in ev_plant.eligible_units(op)}
    assert ev_plant.ramp_up.line in needed
    volume = demand_share(ev_plant, 0)
    assert 0 < volume < 1
    scaled = first_month_plant(ev_plant, volume)
    assert scaled.products[product].demand.units_per_day == pytest.approx(
        ev_plant.products[product].demand.units_per_day * volume
    )
    shared = {  # work centers whose work another work center can also do
        wc
        for op in routing.operations
        for wc in {ev_plant.work_units()[u][1] for u in ev_plant.eligible_units(op)}
        if len({ev_plant.work_units()[u][1] for u in ev_plant.eligible_units(op)}) > 1
    }
    idle = next(wc for wc in ev_plant.work_centers() if wc not in needed or wc in shared)
    elsewhere = ev_plant.model_copy(update={"ramp_up": ev_plant.ramp_up.model_copy(update={"line": idle})})
    assert ramp_products(elsewhere) == []
    assert demand_share(elsewhere, 0) == 1.0


def test_the_demo_plans_the_master_schedule_under_the_ramp(demo) -> None:
    section = sections(demo)["Master production schedule"]
    (figure,) = section.figures
    assert any(t.name == "ramp line's units per day" for t in figure.data)


def _stored_orders(ctx) -> list:
    with ctx.engine.connect() as connection:
        query = "SELECT id, tenant, state, due_date, promised_date FROM customer_orders"
        return list(connection.execute(sqlalchemy.text(query)))


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def test_the_demo_places_its_orders_at_the_order_desk(demo) -> None:
    stored = _stored_orders(demo)
    assert {r.id for r in stored} == {o.id for o in demo.orders}
    assert all(r.promised_date is not None for r in stored)
    with demo.engine.connect() as connection:
        changes = connection.execute(
            sqlalchemy.text("SELECT order_id, from_state, to_state FROM order_changes ORDER BY id")
        ).all()
        booked = connection.execute(sqlalchemy.text("SELECT count(DISTINCT order_id) FROM capacity_reservations"))
        assert booked.scalar_one() == len(stored)
    steps: dict[str, list] = {}
    for order_id, before, after in changes:
        steps.setdefault(order_id, []).append((before, after))
    assert all(steps[r.id][:2] == [(None, "received"), ("received", "promised")] for r in stored)  # then the floor


def _earliest(ctx) -> dict[str, date]:
    """Each order's earliest day as its promise's row in the history words it: "it could be built by DAY" when
    it was promised a later day asked for."""
    with ctx.engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text("SELECT order_id, reason FROM order_changes WHERE actor = 'promise'"))
        said = {order_id: re.search(r"it could be built by (\d{4}-\d{2}-\d{2})", reason) for order_id, reason in rows}
    return {order_id: date.fromisoformat(found.group(1)) for order_id, found in said.items() if found}


def test_promised_against_requested_dates_are_the_stored_orders(demo) -> None:
    stored = _stored_orders(demo)
    gaps = sorted((_day(r.promised_date) - _day(r.due_date)).days for r in stored)
    section = sections(demo)["Promised against requested dates"]
    on_time = sum(g <= 0 for g in gaps)
    assert section.count("orders promised") == len(stored)
    assert section.facts["promised by the requested date"] == f"{on_time / len(gaps):.0%}"
    histogram = section.figures[0]  # the earliest day against the requested one: the time to spare, or the slip
    earliest = _earliest(demo)
    assert section.facts["with time to spare"] == len(earliest)
    spare = sorted((earliest.get(r.id, _day(r.promised_date)) - _day(r.due_date)).days for r in stored)
    assert sorted(x for trace in histogram.data for x in trace.x) == spare
    assert all(x <= 0 for x in histogram.data[0].x)
    assert all(x > 0 for x in histogram.data[1].x)
    bars = section.figures[1]
    names = {t.name or tid: tid for tid, t in demo.loaded_plant().tenants.items()}
    per_tenant = dict(zip(bars.data[0].x, bars.data[0].y, strict=True))
    for name, share in per_tenant.items():
        mine = [r for r in stored if r.tenant == names[name]]
        assert share == pytest.approx(sum(_day(r.promised_date) <= _day(r.due_date) for r in mine) / len(mine))


def test_the_demo_plans_material_before_it_schedules_and_shows_the_critical_parts(demo):
    titles = [s.title for s in demo.report.sections]
    assert titles.index("Material plan") < titles.index(
        next(t for t in titles if "chedule" in t and t != "Master production schedule")
    )
    section = sections(demo)["Material plan"]
    plan = demo.results["material plan"]
    assert section.count("planned orders") == len(plan.planned_orders)
    kinds, listed = section.tables
    assert {row[0]: row[1] for row in kinds[1]} == {
        kind: f"{sum(e.kind == kind for e in plan.exceptions):,}" for kind in {e.kind for e in plan.exceptions}
    }
    headers, rows = listed
    assert headers[0] == "kind"
    assert len(rows) == min(40, len(plan.exceptions))
    held_up = {o for e in plan.exceptions if e.kind in ("shortage", "late-supply") for o in e.orders}
    expedited = {o for e in plan.exceptions if e.kind == "expedite" for o in e.orders}
    assert section.count("orders held up") == len(held_up)
    assert section.count("orders waiting on an expedite") == len(expedited - held_up) > 0
    pulled_in = sum(e.kind == "expedite" for e in plan.exceptions)
    assert f"counts on {pulled_in:,} open order{'' if pulled_in == 1 else 's'} pulled in" in section.text
    on_call = [m for m in demo.loaded_plant().materials.values() if m.on_call]
    assert section.count("parts on call") == len(on_call) > 0
    assert f"{len(on_call)} bought parts supplied on call ({on_call[0].name}," in section.text
    assert not {o.material for o in plan.planned_orders} & {
        mid for mid, m in demo.loaded_plant().materials.items() if m.on_call
    }
    for figure in section.figures:
        for axis in axes(figure).values():
            assert axis.title.text


def test_the_material_plan_says_what_a_buyer_released_and_how_much_of_it_promises_had_bought(demo) -> None:
    site = demo.loaded_plant().site.id
    stored = list_purchase_orders(demo.engine, site)
    assert sections(demo)["Material plan"].count("purchase orders released") == len(stored)
    day = date(2027, 3, 4)
    released = [
        StoredPurchaseOrder(f"PO{k}", site, "s", "m", quantity, day - timedelta(days=k), day, value, "open", 1, f"P{k}")
        for k, (quantity, value) in enumerate([(20, 1_000.5), (10, 234.0)])
    ]
    filled = [Filled("m", "s", day, 8, purchase_order="PO0"), Filled("m", None, day, 4, purchase_order="PO1")]
    plan = demo.results["material plan"]
    section = material_plan_section(plan, "x", (), released, filled, 5)
    assert section.count("purchase orders released") == 2
    assert "the 2 purchase proposals to order by 2027-03-04 as 2 purchase orders (30 units worth 1,234)" in section.text
    assert "ahead of their proposal" not in section.text
    proposal = next(o for o in plan.planned_orders if o.kind == "buy")
    early = proposal.due - timedelta(days=1)
    line = StoredPurchaseOrder("PO2.1", site, "s", "m", 3, early, early, 0.0, "open", 1, proposal.id)
    pulled = material_plan_section(plan, "x", (), [*released, line], filled).text
    assert "the 3 purchase proposals" in pulled
    assert "as 3 purchase orders (33 units worth 1,234, 1 of them pulled in ahead of their proposal" in pulled
    assert "12 of those units buy what promises had bought" in section.text
    assert "and 5 units that promises bought stay on requisitions" in section.text
    assert "stay on requisitions" not in material_plan_section(plan, "x", (), released, filled).text


def test_the_headline_lines_oee_by_shift_counts_the_units_each_shift_counted(demo) -> None:
    """Each calendar shift's days combined: no shift reads over 100 % performance but by the work carried into
    it, and the shifts add up to the line's units and planned busy time (the twin runs the line in its
    calendar's shifts alone, and in the ramp's first month only in those the month plans)."""
    oee = sections(demo)["OEE"]
    headline = next(key for key in oee.facts if key.startswith("OEE of ")).removeprefix("OEE of ")
    [chart] = [f for f in oee.figures if f.layout.title.text == f"OEE of {headline} by shift"]
    calendar = demo.plant.work_centers()[headline.rsplit("/", 1)[-1]][1].calendar
    shifts = {shift.name for shift in demo.plant.calendars[calendar].shifts}
    assert set(chart.data[0].x) <= shifts
    path = f"{demo.plant.site.id}/{headline}"
    cycles = ideal_cycle_times(demo.plant)
    per_shift = events_oee_by_shift(FloorStream.read(demo.bus.store), cycles, demo.plant, lambda e: line_of(e) == path)
    _, per_line = events_oee(FloorStream.read(demo.bus.store), ideal_cycle_times(demo.plant))
    assert all(f.ideal_s <= f.production_s + f.carried_in_s + 1e-6 for f in per_shift.values())
    assert sum(f.produced for f in per_shift.values()) == per_line[path].produced
    assert sum(f.planned_busy_s for f in per_shift.values()) == pytest.approx(per_line[path].planned_busy_s)
    worked = {name: f for name, f in per_shift.items() if f.planned_busy_s}
    performance = dict(zip(chart.data[1].x, chart.data[1].y, strict=True))
    assert performance == {name: pytest.approx(f.performance) for name, f in worked.items()}
    idle = set(per_shift) - set(worked)
    assert idle
    assert all(f"{name} shift" in oee.text for name in idle)  # named, not charted as an empty bar
    ramp = demo.plant.ramp_up
    assert headline.rsplit("/", 1)[-1] == ramp.line
    planned = demo.plant.calendars[calendar].shifts[: ramp.months[0].shifts_per_day]
    assert set(worked) == {shift.name for shift in planned}  # not every shift of its calendar
    assert "By shift" not in oee.text  # one shift worked: no best and worst to name
    [(name, shift)] = worked.items()
    slower = replace(shift, key="late", ideal_s=shift.ideal_s / 2)  # as if a second shift had made half as much
    per_equipment, _ = events_oee(FloorStream.read(demo.bus.store), cycles)
    text = oee_section(per_equipment, per_line, path, {}, per_shift={name: shift, "late": slower}).text
    assert f"{name} reached {shift.oee:.0%} ({shift.produced:,.0f} units in" in text
    assert f"and late {slower.oee:.0%}" in text


def test_an_order_begun_and_not_finished_by_the_end_of_the_run_is_in_production(demo) -> None:
    """The EV plant's first cars reach general assembly on the third day: most orders begun are still in the
    body shop and on the pack line, none of their units built."""
    unfinished = orders_begun(demo) - orders_finishing(demo)
    assert unfinished, "every order begun was finished: the test would prove nothing"
    stored = {o.id: o.state for o in list_orders(demo.engine)}
    assert {stored[o] for o in unfinished} == {CustomerOrderState.IN_PRODUCTION}
