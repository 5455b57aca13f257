"""`factoryos demo`: the whole loop on a fresh machine, one stage after another, into one HTML report.

Each capability adds a stage: a function that takes the demo's context, does its part (reading what the
earlier stages left), prints one line and adds its section to the report.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.console import Console
from sqlalchemy import Engine

from factoryos.model.bus import EventBus
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.plant import Plant
from factoryos.model.rampup import demand_share, ramp_bound_products
from factoryos.model.shift_times import DAY, site_day
from factoryos.report.html import Report
from factoryos.report.wording import by_status, counted, hours, reworked, scrapped, share

if TYPE_CHECKING:
    from factoryos.model.bus import EventStore
    from factoryos.report.quality import Catch, Flagged, MonitorCatch
    from factoryos.services.monitor_watch import MonitorFinding, MultivariateWatch
    from factoryos.services.order_desk import FloorUnit
    from factoryos.services.spc_watch import DriftFinding
    from factoryos.twin.finished_goods import FinishedUnit


@dataclass
class DemoContext:
    """What the demo's stages share: the database, the plant file and its plant, the days and seed of the run, the
    start date, the orders, the event bus, the report and each stage's results."""

    engine: Engine
    plant_file: Path
    days: int
    seed: int
    console: Console
    report: Report
    plant: Plant | None = None
    start: date | None = None
    orders: list[CustomerOrder] = field(default_factory=list)
    bus: EventBus = field(default_factory=EventBus)
    results: dict[str, Any] = field(default_factory=dict)

    def loaded_plant(self) -> Plant:
        """The plant `load_plant_stage` loaded (the stages after it need it)."""
        if self.plant is None:
            raise FactoryosError("the demo's plant is not loaded yet: load_plant_stage runs first")
        return self.plant

    def first_day(self) -> date:
        """The demo's first day: given, or set by `load_plant_stage`."""
        if self.start is None:
            raise FactoryosError("the demo has no first day yet: give `start` or run load_plant_stage first")
        return self.start


def load_plant_stage(ctx: DemoContext) -> None:
    from factoryos.model.validate import load_plant
    from factoryos.report.foundation import plant_section
    from factoryos.store.plants import store_plant

    plant = ctx.plant = load_plant(ctx.plant_file)
    store_plant(ctx.engine, plant, str(ctx.plant_file))
    if ctx.start is None:
        ctx.start = plant.first_day()
    section = ctx.report.add(plant_section(plant))
    ctx.console.print(
        f"plant    {plant.site.name}: {counted(section.count('work units'), 'work unit')}, "
        f"{counted(section.count('materials'), 'material')} over {counted(section.count('BOM levels'), 'BOM level')}"
    )


def ramp_products(plant: Plant) -> list[str]:
    """The products with demand that the ramp-up limits."""
    return [p for p in ramp_bound_products(plant) if plant.products[p].demand is not None]


def first_month_plant(plant: Plant, volume: float) -> Plant:
    """The plant with the ramp-limited products' demand scaled to the first month's `volume`; other products
    keep their full demand."""
    products = dict(plant.products)
    for product_id in ramp_products(plant):
        product = products[product_id]
        if product.demand is None:
            continue
        demand = product.demand.model_copy(update={"units_per_day": product.demand.units_per_day * volume})
        products[product_id] = product.model_copy(update={"demand": demand})
    return plant.model_copy(update={"products": products})


def orders_stage(ctx: DemoContext) -> None:
    """The month's customer orders, drawn from the demand model and placed at the order desk as the API
    places them (checked, promised a date on the capacity left, stored with their history), in the order they
    arrive, under the ids they were drawn with: the same seed gives the same orders, plan and run."""
    from factoryos.c2m.demand import generate_orders
    from factoryos.report.foundation import orders_section
    from factoryos.report.promises import promises_section
    from factoryos.services.order_desk import OrderInput, place_orders
    from factoryos.services.tenants import Caller

    plant, start = ctx.loaded_plant(), ctx.first_day()
    volume = demand_share(plant, 0)
    ctx.results["volume"] = volume if volume < 1 else None
    drawn = sorted(generate_orders(first_month_plant(plant, volume), start, ctx.days, ctx.seed), key=_arrival)
    if not drawn:
        raise FactoryosError(_no_orders(ctx, plant, volume))
    requests = [
        (OrderInput(o.customer, o.product, o.configuration, o.quantity, o.due_date), o.ordered_at) for o in drawn
    ]
    desk = Caller("demo", plant.site.id, plant.owner(), "planner", owner=True)
    placed = place_orders(ctx.engine, desk, requests, ids=[o.id for o in drawn])
    ctx.orders = [order for order, _ in placed]
    ctx.report.add(orders_section(plant, ctx.orders, ctx.results["volume"], ramp_products(plant)))
    promised = ctx.report.add(promises_section(plant, placed))
    units = sum(o.quantity for o in ctx.orders)
    ramp = ""
    if volume < 1:
        names = ", ".join(ramp_products(plant))
        ramp = f" (the ramp's first month: {volume:.0%} of mature demand for {names})"
    ctx.console.print(
        f"orders   {counted(len(ctx.orders), 'configured order')}, {counted(units, 'unit')} over "
        f"{counted(ctx.days, 'day')} "
        f"from {start:%Y-%m-%d}{ramp}"
    )
    binding, slip = promised.facts["binding most often"], promised.facts["median slip of late promises"]
    ctx.console.print(
        f"promise  {counted(promised.count('orders promised'), 'order')} promised a date, "
        f"{promised.facts['promised by the requested date']} of them by the requested date, "
        f"{promised.count('with time to spare'):,} with time to spare"
        + (f"; median slip of the late ones: {slip}" if slip != "-" else "")
        + (f"; the others' dates bound most by {binding}" if binding != "-" else "")
    )


def _no_orders(ctx: DemoContext, plant: Plant, volume: float) -> str:
    """Why the demo has no loop to run: the plant file gives no demand, or too little for the days asked, or its
    ramp-up's first month plans too little of it."""
    if not any(product.demand for product in plant.products.values()):
        return (
            f"{ctx.plant_file.name}: no product has a demand (`products.<id>.demand: {{units_per_day: N}}`), so the "
            "demo has no orders to plan, schedule and run"
        )
    if volume < 1:
        from factoryos.model.rampup import ramp_curve

        planned = ramp_curve(plant)[0].planned_units
        return (
            f"{ctx.plant_file.name}: its ramp-up's first month plans {planned:,.1f} units of "
            f"{', '.join(ramp_products(plant))} against a mature demand of {planned / volume:,.0f} a month; the "
            f"demo's orders at that share draw none in {counted(ctx.days, 'day')}: raise the first month's units or "
            "efficiency, or ask for more --days"
        )
    return f"{ctx.plant_file.name}: its demand draws no orders in {counted(ctx.days, 'day')}: ask for more --days"


def _arrival(order: CustomerOrder) -> tuple[datetime, str]:
    return order.ordered_at, order.id


def rampup_stage(ctx: DemoContext) -> None:
    from factoryos.report.foundation import rampup_section

    section = rampup_section(ctx.loaded_plant())
    if section:
        ctx.report.add(section)
        ctx.console.print(f"ramp-up  {section.facts['first month']} in month 1 to {section.facts['last month']}")


def _horizon_days(ctx: DemoContext) -> int:
    """The days from the demo's first to the last its orders are due on (promised, or requested when later),
    which the MPS and MRP plan over: every order inside."""
    start = ctx.first_day()
    return max(1, (max((o.committed_date for o in ctx.orders), default=start) - start).days + 1)


def mps_stage(ctx: DemoContext) -> None:
    """The master production schedule of the demo's orders under the ramp-up, over the days they are due."""
    from factoryos.report.mps import mps_section
    from factoryos.services.forecast import History
    from factoryos.services.mps import plan_mps

    plant, start = ctx.loaded_plant(), ctx.first_day()
    days = _horizon_days(ctx)
    run = plan_mps(History(plant, ctx.orders, start, 0, "stored"), days, "orders")
    section = ctx.report.add(mps_section(run.schedule, "the demo's orders"))
    ctx.console.print(
        f"mps      {section.facts['planned']} over {counted(days, 'day')}, {section.facts['late']} late, "
        f"{section.facts['not in the horizon']} not in the horizon"
        + ("" if run.schedule.bounded else " (no work center loads its products: nothing bounds it)")
    )


def material_stage(ctx: DemoContext) -> None:
    """Plan material for the demo's orders (stored as a run) before they are scheduled."""
    from factoryos.report.planning import material_plan_section
    from factoryos.services.plan import plan_material, release_due
    from factoryos.store.plans import list_requisitions

    start = ctx.first_day()
    site = ctx.loaded_plant().site.id
    run = plan_material(ctx.engine, site, _horizon_days(ctx), start=start)
    released = release_due(ctx.engine, ctx.days, site)  # the buyer, through the demo's days
    on_call = [m.name or mid for mid, m in ctx.loaded_plant().materials.items() if m.on_call]
    left = sum(r.quantity for r in list_requisitions(ctx.engine, site))
    section = ctx.report.add(
        material_plan_section(run.plan, "the demo's orders", on_call, released.orders, released.filled, left)
    )
    ctx.results["material plan"] = run.plan
    waiting = section.count("orders waiting on an expedite")
    ctx.console.print(
        f"mrp      {counted(section.count('planned orders'), 'planned order')} "
        f"({section.count('purchase proposals'):,} to buy), {counted(section.count('exceptions'), 'exception')}, "
        f"{counted(section.count('orders held up'), 'order')} held up by a part"
        + (f", {waiting:,} more if its expedites fail" if waiting else "")
        + f"; {counted(len(released.orders), 'purchase order')} released in {counted(ctx.days, 'day')}"
    )


def schedule_stage(ctx: DemoContext) -> None:
    """Schedule the demo's month of orders on the plant, store the schedule and show it."""
    from factoryos.report.gantt import schedule_section
    from factoryos.services.schedule import schedule_orders

    plant = ctx.loaded_plant()
    start = site_day(ctx.first_day(), ZoneInfo(plant.site.timezone))[0]  # the days the orders were drawn on
    _, plan = schedule_orders(
        ctx.engine, plant, ctx.orders, horizon_days=ctx.days, time_limit=2, compare=False, start=start
    )
    summary = plan.summary()
    ctx.report.add(schedule_section(plant, plan.operations, summary))
    ctx.results["schedule"] = plan.operations
    ctx.results["schedule summary"] = summary
    ctx.console.print(
        f"schedule {counted(summary['operations'], 'operation')} of {summary['jobs']:,} units and lots over "
        f"{counted(ctx.days, 'day')} in {summary['seconds']} s: setup {summary['setup h']} h, "
        f"{summary['late units']:,} late"
    )


def twin_stage(ctx: DemoContext) -> None:
    """Run the scheduled month on the twin, from the demo's first day; its event stream is the floor's, on the
    demo's bus."""
    from factoryos.report.twin import simulation_section
    from factoryos.twin.scenarios import epoch_for
    from factoryos.twin.simulation import simulate_plant

    plant, start = ctx.loaded_plant(), ctx.first_day()
    epoch = epoch_for(plant, start)
    simulation = simulate_plant(
        plant,
        ctx.days,
        "smart",
        ctx.seed,
        orders=ctx.orders,
        schedule=ctx.results["schedule"],
        bus=ctx.bus,
        start=start,
    )
    ordered = sum(o.quantity for o in ctx.orders)
    summary = ctx.results["schedule summary"]
    planned_late = (summary["late units"], summary["jobs"])
    ctx.report.add(simulation_section(simulation, epoch, plant.site.timezone, ordered, planned_late))
    ctx.results["simulation"] = simulation
    ctx.results["run"] = (epoch, epoch + timedelta(days=ctx.days))
    f = simulation.figures_of_merit
    on_time = "-" if f["on_time_rate"] is None else f"{f['on_time_rate']:.0%}"
    store = ctx.bus.store  # the demo's bus keeps its events in memory, which counts them
    events = f"{len(store):,}" if isinstance(store, Sized) else "-"
    lead = f["avg_lead_time_days"]
    ctx.console.print(
        f"twin     {counted(f['completed'], 'unit')} built in {counted(f['days'], 'day')}, {events} floor events, "
        f"on time {on_time}, lead time {'-' if lead is None else hours(lead * 24)}, "
        f"starved for material {f['material_shortage_hours']:,.1f} h (parts bought: {f['purchasing']})"
    )


def headline_line(plant: Plant, per_line: dict, bottleneck: str | None) -> str:
    """The line the OEE section leads with: the ramping-up line, else the twin's bottleneck's line, else the
    line with the most planned busy time."""
    from factoryos.iot.oee import line_of

    candidates = []
    if plant.ramp_up:
        area = plant.work_centers()[plant.ramp_up.line][0]
        candidates.append(f"{plant.site.id}/{area}/{plant.ramp_up.line}")
    if bottleneck:
        candidates.append(line_of(bottleneck))
    return next(
        (line for line in candidates if line in per_line), max(per_line, key=lambda k: per_line[k].planned_busy_s)
    )


def ramp_opened_hours(plant: Plant, line: str, start: datetime, end: datetime) -> tuple[float, float] | None:
    """When `line` (a work center's path) is the ramp-up line: the hours the ramp-up plan opened it in [start,
    end) and the hours of the shifts its crew was on for them (`twin.plant_calendar.ramp_calendar`); else None."""
    from factoryos.twin.plant_calendar import ramp_calendar

    if plant.ramp_up is None or line.rsplit("/", 1)[-1] != plant.ramp_up.line:
        return None
    span = (end - start).total_seconds()
    calendar = ramp_calendar(plant, start, span / DAY)

    def hours(windows: Iterable[tuple[float, float]]) -> float:
        return sum(max(0.0, min(hi, span) - lo) for lo, hi in windows) / 3600

    return hours(calendar.windows), hours(calendar.paid)


def oee_stage(ctx: DemoContext) -> None:
    """OEE to ISO 22400-2 from the event stream alone, as the ingestion side computes it for a real plant."""
    from factoryos.iot.oee import ideal_cycle_times, line_of
    from factoryos.report.oee import oee_section, scheduled_loading
    from factoryos.services.oee import FloorStream, events_oee, events_oee_by_shift

    plant = ctx.loaded_plant()
    cycles = ideal_cycle_times(plant)
    floor = FloorStream.read(ctx.bus.store)
    per_equipment, per_line = events_oee(floor, cycles)
    if not per_line:
        return
    bottleneck = ctx.results["simulation"].figures_of_merit.get("bottleneck")
    headline = headline_line(plant, per_line, bottleneck)
    loading = scheduled_loading(plant, ctx.results["schedule"], per_equipment, *ctx.results["run"])
    per_shift = events_oee_by_shift(floor, cycles, plant, lambda equipment: line_of(equipment) == headline)
    opened = ramp_opened_hours(plant, headline, *ctx.results["run"])
    ctx.report.add(oee_section(per_equipment, per_line, headline, loading, per_shift, opened))
    figure = per_line[headline]
    load = f", loading {loading[headline]:.0%}" if headline in loading else ""
    if opened is not None:
        load += f"; the ramp-up opened it {opened[0]:,.0f} of its crew's {opened[1]:,.0f} shift hours"
    ctx.console.print(
        f"oee      {counted(len(per_line), 'line')}; {headline.split('/', 1)[-1]}: OEE {figure.oee:.0%} "
        f"(availability {figure.availability:.0%}, performance {figure.performance:.0%}, "
        f"quality {figure.quality:.0%}{load})"
    )


def spc_watch_stage(ctx: DemoContext) -> None:
    """Start the live SPC charts on the demo's bus before the twin runs: they watch its stream as they would
    a real plant's."""
    from factoryos.services.spc_watch import SpcWatch

    ctx.results["spc watch"] = SpcWatch(ctx.bus).start()


def monitor_watch_stage(ctx: DemoContext) -> None:
    """Start the live multivariate monitor on the demo's bus before the twin runs, beside the SPC charts: dynamic
    PCA learning from 100 five-minute samples, which a station making a few dozen units a day in the ramp-up's
    first month gives before a drift in its second week (the EWMA view of `ewma-dpca` needs 170 or more)."""
    from factoryos.services.monitor_watch import MultivariateWatch

    ctx.results["monitor watch"] = MultivariateWatch(ctx.bus, method="dpca", period=300.0, train=100).start()


def _when(moment: datetime, zone: ZoneInfo) -> str:
    """A moment in the site's time, its zone named: the alarms and holds it is read beside say UTC."""
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M %Z}"


def _catch(finding: DriftFinding, store: EventStore, timezone: str) -> Catch:
    """A drifting station's finding as the report shows it: the chart around the catch, in the site's time."""
    from factoryos.model.events import EventKind
    from factoryos.report.quality import Catch

    zone = ZoneInfo(timezone)
    fails = (
        e.ts
        for e in store.read(EventKind.TEST, finding.equipment)
        if e.ts >= finding.began and e.payload["result"] == "fail"
    )
    first_fail = next(fails, None)
    began = _when(finding.began, zone)
    out_of_spec = None if first_fail is None else _when(first_fail, zone)
    alarm, watch = finding.alarm, finding.watch
    if alarm is None or watch is None:
        return Catch(finding.equipment, "-", began, None, None, (), None, (), out_of_spec)
    signal = alarm.signal
    start = max(0, signal.subgroup - 120)
    shifted = tuple(
        dataclasses.replace(a, index=a.index - start, points=tuple(p - start for p in a.points)) for a in signal.alarms
    )
    return Catch(
        finding.equipment,
        alarm.characteristic,
        began,
        _when(signal.at, zone),
        (signal.at - finding.began).total_seconds() / 3600,
        alarm.rules,
        None if watch.params is None else watch.chart(start, signal.subgroup + 40),  # no limits yet: no chart
        shifted,
        out_of_spec,
    )


def quality_stage(ctx: DemoContext) -> None:
    """Quality figures from the twin's stream, and what the live SPC charts caught on the stations the plant
    file says drift."""
    from factoryos.quality.watch import OUT_OF_SPECIFICATION
    from factoryos.report.quality import quality_section, spc_section
    from factoryos.services.quality_figures import figures_of_stream
    from factoryos.services.spc_watch import drift_findings

    plant = ctx.loaded_plant()
    watch = ctx.results["spc watch"]
    watch.stop()
    figures = figures_of_stream(plant, ctx.bus.store)
    ctx.report.add(quality_section(figures))
    findings = drift_findings(plant, watch, *ctx.results["run"])
    catches = [_catch(finding, ctx.bus.store, plant.site.timezone) for finding in findings]
    out_of_spec = sum(OUT_OF_SPECIFICATION in alarm.rules for alarm in watch.alarms)
    ctx.report.add(spc_section(catches, len(watch.alarms), len(watch.watches), watch.rules, out_of_spec))
    ctx.results["quality"] = figures
    ctx.results["drift findings"] = findings
    costs = figures.costs
    ctx.console.print(
        f"quality  RTY {share(figures.rty)}, {scrapped(costs.scrap_units, costs.scrap_cost)}, "
        f"{reworked(costs.rework_units, costs.rework_hours, costs.rework_cost)}; "
        f"{counted(len(watch.alarms), 'SPC alarm')} "
        f"({out_of_spec:,} out of specification) on {counted(len(watch.watches), 'live chart')}",
        highlight=False,
    )
    for c in catches:
        caught = (
            f"{c.characteristic} caught by {', '.join(c.rules)} at {c.caught}, {c.hours:.1f} h later; "
            f"first unit out of spec after it began: {c.first_out_of_spec or 'none'}"
            if c.caught
            else "not caught"
        )
        ctx.console.print(
            f"spc      {c.equipment.split('/', 1)[-1]} drifting from {c.began}: {caught}", highlight=False
        )


def _monitor_catch(finding: MonitorFinding, spc: DriftFinding | None, zone: ZoneInfo) -> MonitorCatch:
    """A drifting station's finding as the report shows it, with the hours SPC took to catch it."""
    from factoryos.report.quality import MonitorCatch

    spc_hours = None
    if spc is not None and spc.alarm is not None:
        spc_hours = (spc.alarm.signal.at - spc.began).total_seconds() / 3600
    began = _when(finding.began, zone)
    if finding.alarm is None:
        return MonitorCatch(finding.equipment, began, None, None, (), spc_hours)
    episode = finding.alarm.episode
    hours = (episode.raised - finding.began).total_seconds() / 3600
    return MonitorCatch(finding.equipment, began, _when(episode.start, zone), hours, episode.sensors, spc_hours)


def _flagged(watch: MultivariateWatch, zone: ZoneInfo) -> list[Flagged]:
    """Each equipment the monitor alarmed on, with its longest episode."""
    from factoryos.report.quality import Flagged

    episodes: dict[str, list] = {}
    for alarm in watch.standing():
        episodes.setdefault(alarm.equipment, []).append(alarm.episode)
    flagged = []
    for path, found in episodes.items():
        longest = max(found, key=lambda episode: episode.samples)
        end = "open" if longest.end is None else _when(longest.end, zone)
        monitor = watch.watches[path]
        span = f"{_when(longest.start, zone)} .. {end}"
        flagged.append(Flagged(path, monitor.judged, monitor.alarmed, len(found), span, longest.sensors))
    return flagged


def monitor_stage(ctx: DemoContext) -> None:
    """What the live multivariate monitor flagged, when and whom it blamed, and its catch of each drifting
    station beside SPC's."""
    from factoryos.report.quality import monitor_section
    from factoryos.services.monitor_watch import monitor_findings

    plant = ctx.loaded_plant()
    watch = ctx.results["monitor watch"]
    watch.stop()
    zone = ZoneInfo(plant.site.timezone)
    spc = {finding.equipment: finding for finding in ctx.results.get("drift findings", [])}
    findings = monitor_findings(plant, watch, *ctx.results["run"])
    catches = [_monitor_catch(finding, spc.get(finding.equipment), zone) for finding in findings]
    flagged = _flagged(watch, zone)
    watched = watch.watched()
    judged = sum(monitor.judged for monitor in watched.values())
    settings = f"{watch.method}, samples of {watch.period / 60:g} min, learnt from the first {watch.train}"
    unwatched = watch.unwatched()
    ctx.report.add(monitor_section(settings, len(watched), judged, flagged, catches, unwatched))
    ctx.console.print(
        f"monitor  {len(watched):,} equipment watched ({settings}): {counted(judged, 'sample')}, "
        f"{counted(len(watch.alarms), 'alarm episode')} on {len(flagged):,} of them"
        + (
            f"; {unwatched.total():,} not watched ({unwatched.most_common(1)[0][0].split(':')[0]})" if unwatched else ""
        ),
        highlight=False,
    )
    for c in catches:
        flagged_at = (
            f"flagged from {c.caught}, {c.hours:.1f} h later, blaming {', '.join(n for n, _ in c.sensors[:2])}"
            if c.caught
            else "not flagged"
        )
        ctx.console.print(
            f"monitor  {c.equipment.split('/', 1)[-1]} drifting from {c.began}: {flagged_at}", highlight=False
        )


STORED_AT_ONCE = 20_000  # events a transaction: the run's 200,000 at once held 0.5 GB more at the peak


def floor_stage(ctx: DemoContext) -> None:
    """Feed the floor back into the order book: store the run's whole floor stream, as the ingester stores a
    plant's (the genealogy follows its operations; `oee`, `trace`, `quality figures` and `iot stats` on the
    demo's database then read what the report shows), and tell the
    order desk what the twin built and shipped, so each order moves on to built and shipped. Where the live SPC
    charts caught a drift, contain it: the desk hears the floor up to the catch, the caught station's output is
    held from when the alarm says it became suspect (its run rule's pattern's start) to the end of the run, then
    the desk hears the rest (a held
    unit's order stays built, in stock), and the recall scope of the units held is shown: of those the station
    had worked when the hold was placed (the stream is stored whole first, so the window is cut at the catch),
    and of all it covers at the end of the run."""
    from factoryos.model.events import EventKind
    from factoryos.report.promises import fulfilment_section
    from factoryos.report.quality import containment_section
    from factoryos.services.holds import held_scope, place_hold
    from factoryos.services.order_desk import follow_floor, follow_starts
    from factoryos.store.orders import list_orders
    from factoryos.store.schedule import follow_work
    from factoryos.store.timeseries import TelemetryStore

    floor = TelemetryStore(ctx.engine)
    for kind in EventKind:
        events = ctx.bus.store.read(kind)
        while chunk := list(itertools.islice(events, STORED_AT_ONCE)):
            floor.append(chunk)
    epoch, run_end = ctx.results["run"]
    plant = ctx.loaded_plant()
    zone = ZoneInfo(plant.site.timezone)
    reported = floor_units(ctx.results["simulation"].finished.values(), epoch)
    caught = sorted(
        (f for f in ctx.results.get("drift findings", []) if f.alarm is not None), key=lambda f: f.alarm.signal.at
    )
    moved: Counter[str] = Counter()
    placed = []
    for finding in caught:
        alarm = finding.alarm
        assert alarm is not None
        signal = alarm.signal
        since = _when(signal.since, zone)
        before = follow_floor(ctx.engine, known_by(reported, signal.at))
        moved.update({state: len(ids) for state, ids in before.moved.items()})
        hold = place_hold(
            ctx.engine,
            "equipment",
            finding.equipment,
            f"SPC {', '.join(alarm.rules)} on {alarm.characteristic}: suspect since {since}",
            "spc-watch",
            signal.at,
            start=signal.since,
            end=run_end,
        )
        placed.append((hold, held_scope(ctx.engine, hold, as_of=hold.placed_at)))
    ordered = {o.id for o in ctx.orders}
    advance = follow_starts(ctx.engine, ordered).then(follow_floor(ctx.engine, reported))
    work, production = follow_work(ctx.engine)  # after the holds' scopes as placed, which read the orders' states
    moved.update({state: len(ids) for state, ids in advance.moved.items()})
    states = Counter(o.state for o in list_orders(ctx.engine, site=plant.site.id) if o.id in ordered)
    ctx.report.add(fulfilment_section(states, len(advance.held)))
    moves = ", ".join(f"{counted(moved[state], 'order')} {state}" for state in ("built", "shipped") if state in moved)
    working = states[CustomerOrderState.IN_PRODUCTION]
    moves += f", {counted(working, 'order')} still in production" if working else ""
    ctx.console.print(
        f"floor    {counted(len(reported), 'unit')} built told to the order desk: {moves or 'no order moved'}; "
        f"{counted(len(advance.held), 'built order')} held from shipping; production orders "
        f"{production['completed']:,} completed, {production['in-progress']:,} in progress "
        f"({work['completed']:,} work orders completed, {work['started']:,} started)",
        highlight=False,
    )
    if not placed:
        return
    contained = []
    for hold, when_placed in placed:
        scope = held_scope(ctx.engine, hold)
        contained.append((hold, when_placed, scope))
        assert hold.start is not None
        ctx.console.print(
            f"hold     #{hold.id} on {hold.target.split('/', 1)[-1]} from {_when(hold.start, zone)}: "
            f"{counted(len(scope['units']), 'unit')} held of "
            f"{counted(len(scope['recall']['orders']), 'customer order')}, "
            f"{len(scope['recall']['shipped']):,} shipped to recall from customers; "
            f"when placed {by_status(when_placed['recall'])}, at the end of the run {by_status(scope['recall'])}",
            highlight=False,
        )
    ctx.report.add(containment_section(contained, plant.site.timezone))


def floor_units(finished: Iterable[FinishedUnit], epoch: datetime) -> list[FloorUnit]:
    """The twin's finished units as the floor reports them to the order desk (the twin names an order's unit
    `ORDER#k`)."""
    from factoryos.services.order_desk import FloorUnit
    from factoryos.twin.part import order_of

    def at(seconds: float) -> datetime:
        return epoch + timedelta(seconds=seconds)

    return [
        FloorUnit(u.serial, order_of(u.order), at(u.built), None if u.shipped is None else at(u.shipped))
        for u in finished
    ]


def known_by(units: Iterable[FloorUnit], moment: datetime) -> list[FloorUnit]:
    """What the floor had reported by `moment`: the units built before it, shipped if that was before it too."""
    return [
        dataclasses.replace(u, shipped=u.shipped if u.shipped is not None and u.shipped < moment else None)
        for u in units
        if u.built < moment
    ]


STAGES: list[Callable[[DemoContext], None]] = [
    load_plant_stage,
    orders_stage,
    rampup_stage,
    mps_stage,
    material_stage,
    schedule_stage,
    spc_watch_stage,
    monitor_watch_stage,
    twin_stage,
    oee_stage,
    quality_stage,
    monitor_stage,
    floor_stage,
]


def run_demo(ctx: DemoContext, out: Path) -> Path:
    """Run every stage on `ctx`'s database, which must be empty (the demo's orders, plan and run are its own, never
    mixed into a plant's real ones or an earlier run's), and write the report into `out`. A database error stops
    the demo as a DatabaseError naming the stage it stopped."""
    from sqlalchemy.exc import SQLAlchemyError

    from factoryos.store.db import DatabaseError, describe, tables_with_rows

    held = tables_with_rows(ctx.engine)
    if held:
        where = ctx.engine.url.render_as_string(hide_password=True)
        raise FactoryosError(
            f"{where} already holds data ({counted(len(held), 'table')} with rows: {', '.join(held[:4])}"
            f"{', ...' if len(held) > 4 else ''}): the demo runs "
            "only on an empty database; leave out --db and it makes its own beside its report, or give a new one"
        )
    for stage in STAGES:
        started = time.perf_counter()
        try:
            stage(ctx)
        except SQLAlchemyError as error:
            raise DatabaseError(f"the demo stopped in {stage.__name__}: {describe(error)}") from error
        ctx.results.setdefault("seconds", {})[stage.__name__] = time.perf_counter() - started
    return ctx.report.write(out)
