"""The two ways of running a plant the twin compares, built from the plant file and its demand.

- `traditional`: make-to-stock. A level plan from the demand forecast (the products' `demand`), built in
  colour blocks and dispatched first-in first-out; every work center manned with its full crew on two
  shifts, or on a third where two do not carry its load at <= 80 % utilisation; cells that could run
  lights-out are manned too (one operator per two machines, around the clock if the plant's shift patterns
  cannot carry them); a paced line at its design takt. Customer orders are served from finished-goods stock
  (any unit of the product), which starts at a week of demand.
- `smart`: C2M. Customer orders are released from the next working day on, pegged to their units, level-
  loaded (each day takes the earliest-due orders up to its share of the planned week) and sequenced in paint
  colour blocks. Lights-out cells run without operators on their own calendar (24/7 or not, its holidays
  kept); manned work centers work the fewest of their
  calendar's shifts that carry the order book at <= 80 % utilisation, with a crew for as many of their
  stations as the work center's whole load needs (the
  others stand; a station works only with its team); a paced line runs at the takt the order book needs
  (never faster than designed), its crew rebalanced in proportion (a mixed-model line the twin runs as its
  stations keeps a smaller team on each, and each station takes longer in proportion). Units ship the moment
  they are complete.

A schedule (smart only) is run as the scheduler planned it: every work center on all its calendar's shifts with
its full crew (`scheduled_staffing`), so that the twin does not leave a shift the schedule plans work on unmanned.

In both, the ramp-up line works what its ramp-up plans each day rather than the shifts its load would choose
(`twin.plant_calendar.ramp_calendar`, the scheduler's and the promise's reckoning), its crew paid for the
shifts the ramp month plans.

Each buys the bought parts of its own release plan (unless purchase orders are given): smart plans them with
MRP (`factoryos.twin.purchasing.material_plan`: lead times, lot rules, safety stock, supplier minimums and
capacities), traditional orders each day's shortfall a couple of days ahead (the
stand-in `purchase_plan`, no safety stock). The parts arrive as late as their suppliers' `delivery` record
says, are kept line-side, and a station whose parts are short is starved for material: the run's
`material_shortage_hours`.

Customer orders come from `factoryos.c2m.demand.generate_orders`, so both scenarios face the same demand.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from simpy.events import Timeout

from factoryos.c2m.demand import generate_orders, ramp_volume
from factoryos.c2m.mix import option_mix
from factoryos.model.bus import EventBus
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, PurchaseOrder, ScheduledOperation
from factoryos.model.plant import WEEKDAYS, Plant, Shift, WorkCenter
from factoryos.model.rampup import ramps
from factoryos.model.shift_times import site_day, site_instant
from factoryos.planning.plan import Plan
from factoryos.twin.calendar import DAY, WEEK, ShiftCalendar
from factoryos.twin.finished_goods import FinishedGoods
from factoryos.twin.floor import Floor
from factoryos.twin.part import order_of, unit_label
from factoryos.twin.plant_calendar import ramp_calendar, site_calendar
from factoryos.twin.plant_twin import Load, PlannedUnit, PlantTwin, Staffing
from factoryos.twin.purchasing import material_plan, purchase_orders, purchase_plan
from factoryos.twin.quarantine import Covers
from factoryos.twin.schedule_plan import schedule_plan

SCENARIOS = ("traditional", "smart")
UTILISATION = 0.8
SAFETY_STOCK_DAYS = 7.0
RELEASE_HOURS = (6.0, 22.0)  # units are released on working days between these hours
RELEASE_HEADROOM = 1.15  # a C2M day releases up to this much more than its share of the planned week
WARMUP_DAYS = 2.0
MAX_RUN_DAYS = 3_650
"""A run (and its warm-up) is at most ten years: longer ones ran for hours on end rather than fail."""
SIMULATED_ORDERS = "SIM"
"""A scenario draws orders of its own, numbered SIM0000001 on: never a stored order's number."""
IDLE = Load(0.0, 0.0)  # a work center the plan does not use


@dataclass
class ScenarioRun:
    """A scenario set up to run: the floor and the plant twin built on it, the crews' staffing, the planned units,
    the run's epoch and horizon, the purchase orders it receives, how they were bought (`"mrp"`, `"stand-in"`
    or `"given"`) and the material plan they come from when MRP bought them."""

    scenario: str
    floor: Floor
    twin: PlantTwin
    staffing: dict[str, Staffing]
    plan: list[PlannedUnit]
    epoch: datetime
    horizon: float
    purchases: list[PurchaseOrder]
    purchasing: str = "given"
    material_plan: Plan | None = None


def epoch_for(plant: Plant, start: date | None = None) -> datetime:
    """Midnight at the site, as a UTC instant, of `start` (default the plant's first day, else a fixed Monday, so
    that a run is the same whenever it runs): the run counts from it, so its days are the site's days, and it
    builds nothing before the plant's stock was counted or its ramp-up began."""
    if start is None:
        start = plant.first_day(default=date(2027, 1, 4))
    return datetime(start.year, start.month, start.day, tzinfo=ZoneInfo(plant.site.timezone)).astimezone(UTC)


def prepare(
    plant: Plant,
    scenario: str,
    days: float,
    seed: int,
    bus: EventBus | None = None,
    warmup_days: float = WARMUP_DAYS,
    orders: list[CustomerOrder] | None = None,
    schedule: list[ScheduledOperation] | None = None,
    schedule_seconds: float = 0.0,
    start: date | None = None,
    purchases: list[PurchaseOrder] | None = None,
    held: Covers | None = None,
) -> ScenarioRun:
    """Build the twin of `plant` for a scenario, ready to run for `warmup_days + days`.

    `orders` replaces the generated demand; a `schedule` (smart only) is executed: its units are released at
    their first scheduled start and each work unit follows its sequence, the other orders as usual. With
    `schedule_seconds` (smart only) the orders are first scheduled by `factoryos.scheduling` in that time.
    `start`: the run's first day (see `epoch_for`). `purchases` bring the bought parts;
    by default those of the scenario's own release plan (smart: its material plan; traditional: the stand-in).
    `held`: whether a hold covers a unit's items or visits (see `factoryos.twin.quarantine`); held units stay in
    quarantine and do not ship."""
    _check_run(plant, scenario, days, warmup_days)
    epoch = epoch_for(plant, start)
    total = warmup_days + days
    floor = Floor(
        seed, site=plant.site.id, bus=bus, epoch=epoch, warmup=warmup_days * DAY, source=f"twin-{scenario}-{seed}"
    )
    if held is not None:
        floor.contain(held)
    twin = PlantTwin(plant, floor, line_side=True)
    if orders is None:
        # named apart from the order desk's, so that a published run never names a stored order
        first = _site_date(plant, epoch)
        orders = generate_orders(
            plant, first, math.ceil(total), seed, volume=ramp_volume(plant), prefix=SIMULATED_ORDERS
        )
    if schedule_seconds > 0 and schedule is None:
        from factoryos.scheduling.plant_schedule import schedule_plant

        plant_schedule = schedule_plant(
            plant, orders, horizon_days=math.ceil(total), time_limit=schedule_seconds, start=epoch, compare=False
        )
        schedule = plant_schedule.operations
    plan = _release_plan(plant, scenario, twin, floor, orders, schedule, epoch, total, seed)
    staffing = _staffing(plant, scenario, twin, plan, epoch, total)
    horizon = total * DAY
    stock_use = twin.stock_use(plan, total)
    planned, purchasing = None, "given"
    if purchases is None and scenario == "smart":
        planned, purchasing = material_plan(plant, plan, epoch, total, stock_use), "mrp"
        purchases = purchase_orders(planned.planned_orders, plant.site.timezone)
    elif purchases is None:
        purchases, purchasing = purchase_plan(plant, plan, epoch, total), "stand-in"
    twin.build(staffing, stock_use, horizon, lambda at: (at - epoch).total_seconds(), purchases)
    twin.release(plan)
    if scenario == "smart":
        _peg_orders(floor.finished_goods, plan, orders, epoch, ZoneInfo(plant.site.timezone))
    else:
        _make_to_stock(plant, floor, orders, epoch)
    return ScenarioRun(scenario, floor, twin, staffing, plan, epoch, horizon, purchases, purchasing, planned)


def _check_run(plant: Plant, scenario: str, days: float, warmup_days: float) -> None:
    if scenario not in SCENARIOS:
        raise FactoryosError(f"scenario {scenario!r}: expected one of {', '.join(SCENARIOS)}")
    if not days > 0 or not warmup_days >= 0 or days + warmup_days > MAX_RUN_DAYS:
        raise FactoryosError(
            f"days must be > 0 and the warm-up >= 0, together at most {MAX_RUN_DAYS:,} (ten years), "
            f"got {days:g} and {warmup_days:g}"
        )
    if not any(p.demand for p in plant.products.values()):
        raise FactoryosError("the plant file has no product with `demand`: nothing to simulate")


def _release_plan(
    plant: Plant,
    scenario: str,
    twin: PlantTwin,
    floor: Floor,
    orders: list[CustomerOrder],
    schedule: list[ScheduledOperation] | None,
    epoch: datetime,
    total: float,
    seed: int,
) -> list[PlannedUnit]:
    """The units to release, in time order: the schedule's (and the orders it left out), the orders as they
    come (smart), or the forecast (traditional). The plant file's stock of sub-assemblies made per unit goes to
    the schedule's units as the scheduler gave it (they come in its order), then to the others, earliest due
    first."""
    closed = closed_days(plant, epoch, total)
    if schedule is None:
        if scenario == "smart":
            plan = order_plan(plant, orders, epoch, total, closed)
        else:
            plan = forecast_plan(plant, epoch, total, seed, closed)
        twin.take_stock(sorted(plan, key=_earliest_due))
        return plan
    if scenario != "smart":
        raise FactoryosError("a schedule is executed in the smart (order-driven) scenario, not in traditional")
    plan, twin.schedule, twin.planned_starts, work_orders = schedule_plan(plant, orders, schedule, epoch)
    if floor.publisher is not None:
        floor.publisher.work_orders = work_orders
    scheduled = {order_of(u.order) for u in plan}
    plan += sorted(
        order_plan(plant, [o for o in orders if o.id not in scheduled], epoch, total, closed), key=_earliest_due
    )
    twin.take_stock(plan)
    plan.sort(key=lambda u: u.at)
    return plan


def _earliest_due(unit: PlannedUnit) -> tuple[float, float]:
    return unit.due, unit.at


def _staffing(
    plant: Plant, scenario: str, twin: PlantTwin, plan: list[PlannedUnit], epoch: datetime, total: float
) -> dict[str, Staffing]:
    """Capacity is planned on the demand forecast (the month's volume); the plan's units give the mix. A schedule
    run is staffed as it was planned (`scheduled_staffing`)."""
    if twin.schedule is not None:
        return scheduled_staffing(plant, twin.paced_lines, epoch, total * DAY)
    weekly_units = sum(
        p.demand.units_per_day * sum(p.demand.weekday_profile) for p in plant.products.values() if p.demand
    )
    load = twin.work_center_load(plan, len(plan) / weekly_units)
    if scenario == "smart":
        return smart_staffing(plant, load, twin.paced_lines, epoch, total * DAY, twin.neighbours())
    return traditional_staffing(plant, load, twin.paced_lines, epoch, total * DAY)


def _peg_orders(
    fg: FinishedGoods, plan: list[PlannedUnit], orders: list[CustomerOrder], epoch: datetime, zone: tzinfo
) -> None:
    """Order-driven: each released unit is pegged to its order (the plan names it `ORDER#...`, by its index in
    the order or, from a schedule, by its serial); each of an order's units the run does not release is pegged
    too, once, and is late when it falls due."""
    released: Counter[str] = Counter()
    for unit in plan:
        fg.peg(unit.order, unit.at if unit.placed is None else unit.placed, unit.due)
        released[order_of(unit.order)] += 1
    for order in orders:
        for k in range(released[order.id], order.quantity):
            fg.peg(unit_label(order.id, f"unreleased-{k}"), _seconds(order.ordered_at, epoch), _due(order, epoch, zone))


def _make_to_stock(plant: Plant, floor: Floor, orders: list[CustomerOrder], epoch: datetime) -> None:
    for product_id, product in plant.products.items():
        if product.demand is not None:
            floor.finished_goods.stock_up(product_id, round(product.demand.units_per_day * SAFETY_STOCK_DAYS))
    floor.env.process(_customers(floor, orders, epoch, ZoneInfo(plant.site.timezone)))


def _site_date(plant: Plant, at: datetime) -> date:
    return at.astimezone(ZoneInfo(plant.site.timezone)).date()


def _seconds(at: datetime, epoch: datetime) -> float:
    return (at - epoch).total_seconds()


def _due(order: CustomerOrder, epoch: datetime, zone: tzinfo) -> float:
    """The end of the order's due date (the site's midnight after it), in run seconds."""
    return _seconds(site_day(order.due_date, zone)[1], epoch)


def _customers(
    floor: Floor, orders: list[CustomerOrder], epoch: datetime, zone: tzinfo
) -> Generator[Timeout, Any, None]:
    """Make-to-stock: each ordered unit is taken from stock when the order arrives, or waits for one."""
    env = floor.env
    for order in orders:
        placed = _seconds(order.ordered_at, epoch)
        if placed > env.now:
            yield env.timeout(placed - env.now)
        due = _due(order, epoch, zone)
        for _ in range(order.quantity):
            floor.finished_goods.demand(order.product, placed, due)


def _release_times(plant: Plant, epoch: datetime, day: int, count: int) -> list[float]:
    """Run seconds of `count` releases spread over the release hours of the `day`-th site day of the run, on the
    site's clock: after a clock change the first is still at 06:00 there, where 24-hour days from the epoch put
    it at 07:00 (or 05:00)."""
    zone = ZoneInfo(plant.site.timezone)
    midnight = datetime.combine(_site_date(plant, epoch) + timedelta(days=day), time())
    opening, closing = (_seconds(site_instant(midnight + timedelta(hours=h), zone), epoch) for h in RELEASE_HOURS)
    step = (closing - opening) / max(count, 1)
    return [opening + (k + 0.5) * step for k in range(count)]


def closed_days(plant: Plant, epoch: datetime, days: float) -> frozenset[int]:
    """Days (from the epoch, over the weeks from its Monday to a week past `days`) on which nothing is released:
    a holiday in any of the plant's calendars, or a weekday on which none of its manned calendars has a shift."""
    first = _site_date(plant, epoch)
    holidays = {(d - first).days for c in plant.calendars.values() for d in c.holidays}
    manned = [c for c in plant.calendars.values() if not _around_the_clock(c.shifts[0])]
    worked = {WEEKDAYS.index(day) for c in manned for shift in c.shifts for day in shift.days} or set(range(7))
    weekday = first.weekday()
    return frozenset(
        k for k in range(-weekday, math.ceil(days) + 7) if k in holidays or (weekday + k) % 7 not in worked
    )


def _week_of(epoch_weekday: int, day: int) -> range:
    """The run days (from the epoch) of the week, Monday to Sunday, that holds `day`; before the epoch too."""
    monday = day - (epoch_weekday + day) % 7
    return range(monday, monday + 7)


def _sequence_key(plant: Plant, product: str) -> Callable[[dict[str, str]], tuple[str, ...]]:
    """Paint colour (and any other changeover attribute chosen by the customer) first, then the rest."""
    families = list(plant.products[product].option_families)
    attributes = [g.attribute for g in plant.changeovers.values() if g.attribute in families]
    order = attributes + [f for f in families if f not in attributes]
    return lambda configuration: tuple(configuration.get(f, "") for f in order)


def forecast_plan(plant: Plant, epoch: datetime, days: float, seed: int, closed: frozenset[int]) -> list[PlannedUnit]:
    """A level make-to-stock plan: each working day an equal share of its week's forecast, in colour blocks."""
    rng = np.random.default_rng(seed + 7919)
    plan: list[PlannedUnit] = []
    carry: dict[str, float] = {}
    mixes = {product_id: option_mix(product) for product_id, product in plant.products.items() if product.demand}
    weekday = _site_date(plant, epoch).weekday()
    for day in range(math.ceil(days)):
        if day in closed:
            continue
        working = sum(d not in closed for d in _week_of(weekday, day))
        today: list[tuple[str, dict[str, str]]] = []
        for product_id, product in plant.products.items():
            if product.demand is None:
                continue
            carry[product_id] = (
                carry.get(product_id, 0.0)
                + product.demand.units_per_day * sum(product.demand.weekday_profile) / working
            )
            count = int(carry[product_id])
            carry[product_id] -= count
            today += [(product_id, mixes[product_id].draw(rng)) for _ in range(count)]
        today.sort(key=lambda item: (item[0], _sequence_key(plant, item[0])(item[1])))
        for at, (product_id, configuration) in zip(_release_times(plant, epoch, day, len(today)), today, strict=True):
            plan.append(PlannedUnit(at, f"{plant.site.id}-{len(plan) + 1:07d}", product_id, configuration))
    return [u for u in plan if u.at < days * DAY]


def order_plan(
    plant: Plant, orders: list[CustomerOrder], epoch: datetime, days: float, closed: frozenset[int]
) -> list[PlannedUnit]:
    """C2M: orders are released from the next working day on, level-loaded: each working day takes the
    earliest-due orders up to its share of the week's planned volume (plus `RELEASE_HEADROOM`), so a long
    weekend's orders are spread over the days after it; a day's release is sequenced in paint-colour blocks."""
    weekly = sum(p.demand.units_per_day * sum(p.demand.weekday_profile) for p in plant.products.values() if p.demand)
    zone, first = ZoneInfo(plant.site.timezone), _site_date(plant, epoch)
    weekday = first.weekday()
    by_day: dict[int, list[tuple[CustomerOrder, int]]] = {}
    for order in orders:
        day = (order.placed_on(zone) - first).days + 1  # the site day after it was placed, over a clock change too
        by_day.setdefault(day, []).extend((order, k) for k in range(order.quantity))
    plan: list[PlannedUnit] = []
    backlog: list[tuple[CustomerOrder, int]] = []
    for day in range(min(by_day, default=0), math.ceil(days)):
        backlog += by_day.get(day, [])
        if day in closed:
            continue
        working = sum(d not in closed for d in _week_of(weekday, day))
        backlog.sort(key=lambda u: (u[0].due_date, u[0].ordered_at, u[0].id, u[1]))
        take = math.ceil(weekly / working * RELEASE_HEADROOM)
        units, backlog = backlog[:take], backlog[take:]
        units.sort(key=lambda u: (_sequence_key(plant, u[0].product)(u[0].configuration)[:1], u[0].due_date, u[0].id))
        for at, (order, k) in zip(_release_times(plant, epoch, day, len(units)), units, strict=True):
            due = _due(order, epoch, zone)
            serial = f"{plant.site.id}-{len(plan) + 1:07d}"
            placed = _seconds(order.ordered_at, epoch)
            configuration = dict(order.configuration)
            plan.append(PlannedUnit(at, serial, order.product, configuration, unit_label(order.id, k), due, placed))
    return plan


def _around_the_clock(shift: Shift) -> bool:
    return shift.start == shift.end


def _shift_patterns(
    plant: Plant, wc_calendar: str, epoch: datetime, horizon: float, fewest: int
) -> list[ShiftCalendar]:
    """The ways a work center can be manned, fewest open hours first: its calendar's first N shifts, N >= `fewest`;
    a cell that runs around the clock works, manned, the shift patterns of the plant's manned calendars or,
    if none carries it, around the clock with a crew on every shift."""
    timezone, days = plant.site.timezone, horizon / DAY
    calendar = plant.calendars[wc_calendar]
    if not _around_the_clock(calendar.shifts[0]):
        fewest = min(fewest, len(calendar.shifts))
        return [
            site_calendar(calendar, wc_calendar, timezone, epoch, days, n)
            for n in range(fewest, len(calendar.shifts) + 1)
        ]
    patterns = [
        site_calendar(c, name, timezone, epoch, days, n)
        for name, c in plant.calendars.items()
        if not _around_the_clock(c.shifts[0])
        for n in range(fewest, len(c.shifts) + 1)
    ]
    around = site_calendar(calendar, wc_calendar, timezone, epoch, days)
    return sorted(patterns, key=lambda p: p.open_seconds(horizon)) + [around]


def _fewest_shifts(patterns: list[ShiftCalendar], busiest: float, horizon: float) -> ShiftCalendar:
    """The first pattern that carries the busiest unit's weekly load at `UTILISATION`, else the longest."""
    for pattern in patterns:
        if busiest <= UTILISATION * _weekly_open(pattern, horizon):
            return pattern
    return patterns[-1]


def traditional_staffing(
    plant: Plant, load: dict[str, Load], paced: set[str], epoch: datetime, horizon: float
) -> dict[str, Staffing]:
    staffing = {}
    for area in plant.areas.values():
        for wc_id, wc in area.work_centers.items():
            patterns = _shift_patterns(plant, wc.calendar, epoch, horizon, fewest=2)
            calendar = _ramp_calendar(plant, wc_id, epoch, horizon) or _fewest_shifts(
                patterns, load.get(wc_id, IDLE).busiest, horizon
            )
            if wc.lights_out or _around_the_clock(plant.calendars[wc.calendar].shifts[0]):
                staffing[wc_id] = Staffing(calendar, max(1, math.ceil(len(wc.work_units) / 2)), wc.takt_seconds)
            else:
                staffing[wc_id] = Staffing(calendar, wc.operators_per_shift, wc.takt_seconds)
    return staffing


def smart_staffing(
    plant: Plant,
    load: dict[str, Load],
    paced: set[str],
    epoch: datetime,
    horizon: float,
    neighbours: dict[str, set[str]] | None = None,
) -> dict[str, Staffing]:
    """Each manned work center works the fewest shifts that carry its load, and at least as many as the work
    centers it feeds or is fed by (`neighbours`) work: a chain works the same shifts, so a station does not
    fill its neighbour's inbox while that one is off and then stand blocked.

    A paced line is slowed to spread its load over the hours it can flow: its own calendar's, but no more
    than those of any work center it is chained to, since a line whose neighbour is off stands blocked (or
    starved) however long its own shifts are."""
    staffing: dict[str, Staffing] = {}
    neighbours = neighbours or {}
    shifts = _chain_shifts(plant, load, epoch, horizon, neighbours)
    lines: list[tuple[str, WorkCenter, float]] = []
    for area in plant.areas.values():
        for wc_id, wc in area.work_centers.items():
            work = load.get(wc_id, IDLE)
            if wc.lights_out:  # unmanned, on its own calendar: around the clock or not, its holidays stand
                staffing[wc_id] = Staffing(_open_or_none(_own_calendar(plant, wc_id, wc, epoch, horizon)), 0)
                continue
            if wc.kind == "paced-line" and wc.takt_seconds:
                lines.append((wc_id, wc, wc.takt_seconds))
                continue
            patterns = _shift_patterns(plant, wc.calendar, epoch, horizon, fewest=1)
            chosen = _ramp_calendar(plant, wc_id, epoch, horizon) or (
                patterns[shifts[wc_id] - 1] if wc_id in shifts else _fewest_shifts(patterns, work.busiest, horizon)
            )
            units = len(wc.work_units)
            open_s = _weekly_open(chosen, horizon)  # none: the calendar closes the centre for the whole run
            stations = min(units, max(1, math.ceil(work.total / (UTILISATION * open_s)))) if open_s > 0 else units
            crew = math.ceil(wc.operators_per_shift * stations / units)
            staffing[wc_id] = Staffing(_open_or_none(chosen), crew, stations=stations)
    for wc_id, wc, design in lines:
        full = _own_calendar(plant, wc_id, wc, epoch, horizon)
        chained = [staffing[n].calendar for n in neighbours.get(wc_id, ()) if n in staffing]
        flowing = min([_weekly_open(full, horizon)] + [_weekly_open(c, horizon) for c in chained if c is not None])
        busiest = max(load.get(wc_id, IDLE).busiest, design)  # at the design takt
        takt = design * max(1.0, UTILISATION * flowing / busiest)
        crew = math.ceil(wc.operators_per_shift * design / takt)
        run_as_stations = None if wc_id in paced else len(wc.work_units)
        staffing[wc_id] = Staffing(_open_or_none(full), crew, takt, run_as_stations)
    return staffing


def scheduled_staffing(plant: Plant, paced: set[str], epoch: datetime, horizon: float) -> dict[str, Staffing]:
    """Running a schedule, each work center is run as the scheduler planned it: on every shift of its calendar (its
    holidays; the ramp-up line's ramp calendar), a manned one with its full crew on all its stations, a paced line
    at its design takt. Staffed as `smart_staffing` chooses (the fewest shifts and stations that carry the load), a
    line the schedule plans on its night shift had none, and the lights-out cells feeding it stood blocked."""
    staffing = {}
    for wc_id, (_, wc) in plant.work_centers().items():
        calendar = _open_or_none(_own_calendar(plant, wc_id, wc, epoch, horizon))
        crew = 0 if wc.lights_out else wc.operators_per_shift
        if wc.kind == "paced-line" and wc.takt_seconds:
            staffing[wc_id] = Staffing(calendar, crew, wc.takt_seconds, None if wc_id in paced else len(wc.work_units))
        else:
            staffing[wc_id] = Staffing(calendar, crew)
    return staffing


def _ramp_calendar(plant: Plant, wc_id: str, epoch: datetime, horizon: float) -> ShiftCalendar | None:
    """The ramp-up line works what its ramp-up plans each day, as the scheduler and the promise count it,
    whatever shifts its load would choose; None for any other work center, which chooses its own."""
    return ramp_calendar(plant, epoch, horizon / DAY) if ramps(plant, wc_id) else None


def _own_calendar(plant: Plant, wc_id: str, wc: WorkCenter, epoch: datetime, horizon: float) -> ShiftCalendar:
    """All of a work center's calendar over the run (every shift, its holidays), or the ramp-up line's."""
    return _ramp_calendar(plant, wc_id, epoch, horizon) or site_calendar(
        plant.calendars[wc.calendar], wc.calendar, plant.site.timezone, epoch, horizon / DAY
    )


def _chain_shifts(
    plant: Plant, load: dict[str, Load], epoch: datetime, horizon: float, neighbours: dict[str, set[str]]
) -> dict[str, int]:
    """Shifts a day for each manned work center on a shift calendar: the fewest that carry its load (a paced
    line: all of them), raised to the most any work center it is chained to needs (within its calendar)."""
    need: dict[str, int] = {}
    most: dict[str, int] = {}
    for wc_id, (_, wc) in plant.work_centers().items():
        calendar = plant.calendars[wc.calendar]
        if wc.lights_out or _around_the_clock(calendar.shifts[0]):
            continue
        most[wc_id] = len(calendar.shifts)
        if wc.kind == "paced-line" and wc.takt_seconds:
            need[wc_id] = most[wc_id]
            continue
        patterns = _shift_patterns(plant, wc.calendar, epoch, horizon, fewest=1)
        chosen = _fewest_shifts(patterns, load.get(wc_id, IDLE).busiest, horizon)
        need[wc_id] = patterns.index(chosen) + 1
    changed = True
    while changed:
        changed = False
        for wc_id in need:
            raised = max([need[wc_id]] + [min(need[n], most[wc_id]) for n in neighbours.get(wc_id, ()) if n in need])
            if raised > need[wc_id]:
                need[wc_id], changed = raised, True
    return need


def _weekly_open(calendar: ShiftCalendar, horizon: float) -> float:
    """Open seconds in the run's first week, holidays aside, less the run's holidays spread over its weeks."""
    return (
        calendar.open_seconds(WEEK)
        + calendar.holiday_seconds(WEEK)
        - calendar.holiday_seconds(horizon) * WEEK / horizon
    )


def _open_or_none(calendar: ShiftCalendar) -> ShiftCalendar | None:
    return None if calendar.always_open else calendar
