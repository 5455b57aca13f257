"""Schedule a plant's orders: pick the orders in the horizon, map them, solve, compare, map back.

Small problems go to the core's full solver (dispatching rules, CP-SAT, large-neighbourhood search);
plant-sized ones to the rolling decomposition (`factoryos.scheduling.rolling`). Either way the result is
checked by the core's independent checker before anyone sees it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from factoryos.c2m.intake import misfit
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder, ScheduledOperation
from factoryos.model.plant import Plant
from factoryos.model.shift_times import DAY, site_day, site_instant
from factoryos.scheduling.checker import check, overfilled
from factoryos.scheduling.dispatch import dispatch
from factoryos.scheduling.objectives import (
    MAKESPAN,
    SETUP_TIME,
    TARDINESS,
    Lexicographic,
    Objective,
    ranked,
    total_setup_time,
    weighted_tardiness,
)
from factoryos.scheduling.plant import OPEN, PlantProblem, build_problem, production_orders, scheduled_operations
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.scheduling.schedule import Schedule, job_completion, makespan
from factoryos.scheduling.solve import best_dispatch, solve

OBJECTIVES: dict[str, Objective | Lexicographic] = {
    "tardiness": TARDINESS,
    "makespan": MAKESPAN,
    "setups": SETUP_TIME,
    "tardiness,setups": Lexicographic((TARDINESS, SETUP_TIME)),
}
FULL_SOLVER_OPERATIONS = 2_000
"""Up to this many operations the core's full solver runs on the whole problem."""
COMPARE_OPERATIONS = 25_000
"""Up to this many operations every dispatching rule runs on the whole problem for comparison: all seven
take about 8 s on a day of the EV plant (19,000 operations), a minute on a week."""
RACE_OPERATIONS = 200_000
"""Past `COMPARE_OPERATIONS` and up to this many, a rolling sequence with late work is raced against earliest due
date first alone (about 2.5 s on 48,000 operations): the sequence releases work as it arrives, so a large early
order holds up small ones due before it."""
MAX_HORIZON_DAYS = 3_650
"""Orders arriving over at most ten years are scheduled at once."""
MAX_TIME_LIMIT = 3_600.0
"""The full solver gets at most an hour."""
CALENDAR_MARGIN_DAYS = 30
"""Calendars are laid out this far beyond the horizon: room for the work the horizon's orders cause; work that
runs past them is scheduled again on calendars twice as long as it ran, up to `CALENDAR_ROUNDS` times."""
CALENDAR_ROUNDS = 6
MAX_CALENDAR_DAYS = 2 * MAX_HORIZON_DAYS
"""Work needing calendars longer than this is refused rather than laid out over centuries."""


@dataclass(frozen=True)
class Figures:
    """A schedule's measures, in seconds."""

    weighted_tardiness: int
    setup_time: int
    makespan: int
    late_jobs: int

    @classmethod
    def of(cls, problem, schedule: Schedule) -> Figures:
        late = sum(1 for _ in late_jobs(problem, schedule))
        return cls(weighted_tardiness(problem, schedule), total_setup_time(problem, schedule), makespan(schedule), late)


def late_jobs(problem: Problem, schedule: Schedule) -> Iterator[tuple[int, int]]:
    """The jobs that count (a weight and a due date) done after they are due, with when each is done."""
    for j, job in enumerate(problem.jobs):
        if job.weight and job.due is not None:
            done = job_completion(problem, schedule, j)
            if done > job.due:
                yield j, done


@dataclass(frozen=True)
class LateOrder:
    """An order the schedule finishes late: due at `due`, its last late unit done at `finished`, `units` of it
    late."""

    order: str
    due: datetime
    finished: datetime
    units: int

    @property
    def hours_late(self) -> float:
        return (self.finished - self.due).total_seconds() / 3600


@dataclass
class PlantSchedule:
    """A plant's orders scheduled: the problem, the schedule and how it was found (method, seconds, objective), its
    figures and, for comparison, a dispatching rule's; `unsupplied`, the orders of the horizon left out because
    their bought material is not in within the promise's horizon; `unfit`, those left out because the plant (loaded
    again since) no longer fits them, with why."""

    plant_problem: PlantProblem
    schedule: Schedule
    method: str
    seconds: float
    figures: Figures
    objective: str
    dispatch_rule: str | None = None
    dispatch_figures: Figures | None = None
    operations: list[ScheduledOperation] = field(default_factory=list)
    unsupplied: tuple[str, ...] = ()
    unfit: dict[str, str] = field(default_factory=dict)

    def late_orders(self) -> list[LateOrder]:
        """The customer orders (a production order without one: itself) the schedule finishes after they are
        due, latest first: the promises it breaks, for a planner to act on."""
        problem, orders, epoch = (
            self.plant_problem.problem,
            self.plant_problem.production_orders,
            self.plant_problem.epoch,
        )
        late: dict[str, tuple[int, int, int]] = {}
        for j, done in late_jobs(problem, self.schedule):
            order, job_due = orders[self.plant_problem.job_orders[j]], problem.jobs[j].due
            assert job_due is not None
            key = order.customer_order or order.id
            due, finished, units = late.get(key, (job_due, done, 0))
            late[key] = (min(due, job_due), max(finished, done), units + 1)
        found = [
            LateOrder(key, epoch + timedelta(seconds=due), epoch + timedelta(seconds=done), units)
            for key, (due, done, units) in late.items()
        ]
        return sorted(found, key=lambda o: (-o.hours_late, o.order))

    def summary(self) -> dict:
        """Plain figures for printing, storing and JSON."""
        problem = self.plant_problem.problem
        result = {
            "production orders": len(self.plant_problem.production_orders),
            "jobs": len(problem.jobs),
            "operations": len(problem.operations),
            "method": self.method,
            "seconds": round(self.seconds, 2),
            "weighted tardiness h": round(self.figures.weighted_tardiness / 3600, 1),
            "late units": self.figures.late_jobs,
            "setup h": round(self.figures.setup_time / 3600, 1),
            "makespan h": round(self.figures.makespan / 3600, 1),
            "orders without material": len(self.unsupplied),
            "orders the plant no longer fits": len(self.unfit),
            "buffers overfilled": {
                over.buffer: {"capacity": over.capacity, "peak": over.peak, "h": round(over.seconds / 3600, 1)}
                for over in overfilled(problem, self.schedule)
            },
        }
        if self.dispatch_figures is not None:
            result["best dispatching rule"] = self.dispatch_rule
            result["rule weighted tardiness h"] = round(self.dispatch_figures.weighted_tardiness / 3600, 1)
            result["rule setup h"] = round(self.dispatch_figures.setup_time / 3600, 1)
        return result


def orders_in_horizon(
    orders: Sequence[CustomerOrder],
    horizon_days: int,
    zone: tzinfo,
    start: datetime | None = None,
    opening: datetime | None = None,
) -> tuple[list[CustomerOrder], datetime]:
    """Open orders that arrive before the horizon ends, and the plan's epoch: `start`, or midnight at the site
    (`zone`) of the first open order's day but not before the plant's `opening` (an order taken today for a plant
    that opens in May is built from May, with the stock counted then). The horizon is `horizon_days` days on the
    site's clock, so that it holds the same site days as the orders were placed on."""
    open_orders = [o for o in orders if o.state in OPEN]
    if not open_orders:
        raise FactoryosError("no open customer orders to schedule: run `factoryos orders generate` first")
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise FactoryosError(f"--horizon must be 1 to {MAX_HORIZON_DAYS:,} days (got {horizon_days:,})")
    if start is None:
        first = site_day(min(o.placed_on(zone) for o in open_orders), zone)[0]
        start = max(first, opening or first)
    end = site_instant(start.astimezone(zone).replace(tzinfo=None) + timedelta(days=horizon_days), zone)
    return [o for o in open_orders if o.ordered_at < end], start


def schedule_plant(
    plant: Plant,
    orders: Sequence[CustomerOrder],
    *,
    horizon_days: int = 7,
    objective: str = "tardiness,setups",
    time_limit: float = 10.0,
    start: datetime | None = None,
    compare: bool = True,
    workers: int = 2,
    material_ready: Mapping[str, Mapping[str, date] | None] | None = None,
) -> PlantSchedule:
    """Schedule the open orders arriving within `horizon_days` of `start`, no operation before the bought material
    it consumes is in (`material_ready`: per customer order, the day each material that is not there is in, as
    `c2m.replay.material_ready` says; an order with some material not in within the promise's horizon is left
    out); with `compare`, also run every
    dispatching rule and keep the best one's figures for comparison (up to `COMPARE_OPERATIONS`). A problem
    too large for the full solver is sequenced by the rolling decomposition and, up to `COMPARE_OPERATIONS`,
    raced against the rules (past them, when it is late, against earliest due date first, up to
    `RACE_OPERATIONS`): the better schedule is kept (the heuristic loses to them where every kiln batch waits for
    its last member under tight due dates, or a large order arrived before small ones due sooner). The rolling
    sequence and the full solver keep the work centers' buffers and the rules do not, so a rule's schedule that
    overfills one loses to one that does not (`objectives.ranked`)."""
    if objective not in OBJECTIVES:
        raise FactoryosError(f"--objective: expected one of {', '.join(OBJECTIVES)}, got {objective!r}")
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise FactoryosError(f"--time-limit must be more than 0 and at most {MAX_TIME_LIMIT:,g} s (got {time_limit:g})")
    zone = ZoneInfo(plant.site.timezone)
    opening = site_day(plant.opening, zone)[0] if plant.opening else None
    chosen, epoch = orders_in_horizon(orders, horizon_days, zone, start, opening)
    unfit = {o.id: why for o in chosen if (why := misfit(plant, o)) is not None}
    chosen = [o for o in chosen if o.id not in unfit]
    material_in = _material_in(plant, material_ready or {})
    unsupplied = tuple(o.id for o in chosen if material_in.get(o.id) == {})
    chosen = [o for o in chosen if o.id not in unsupplied]
    if not chosen:
        raise FactoryosError(
            f"no open orders arrive within {horizon_days} days of {epoch:%Y-%m-%d}"
            + (f" with their bought material in within two years ({len(unsupplied):,} without)" if unsupplied else "")
            + (f"; the plant no longer fits {len(unfit):,} of them" if unfit else "")
        )
    started = time.perf_counter()
    productions = production_orders(plant, chosen)
    arrivals = {o.id: o.ordered_at for o in chosen}
    releases = {p.id: arrivals[p.customer_order] for p in productions if p.customer_order in arrivals}
    materials = {p.id: material_in[p.customer_order] for p in productions if p.customer_order in material_in}
    calendar_days = horizon_days + CALENDAR_MARGIN_DAYS
    for _ in range(CALENDAR_ROUNDS):
        plant_problem = build_problem(plant, productions, epoch, releases, calendar_days, materials)
        problem, goal = plant_problem.problem, OBJECTIVES[objective]
        quick = dispatch(problem, "EDD") if len(problem.operations) <= FULL_SOLVER_OPERATIONS else None
        if quick is not None and makespan(quick) > calendar_days * DAY:
            calendar_days = _past(quick)  # sized first: the full solver's time goes to calendars that hold the work
            continue
        schedule, method, rule = _sequence(problem, goal, time_limit, workers, compare)
        if makespan(schedule) <= calendar_days * DAY:
            break
        calendar_days = _past(schedule)
    else:
        raise FactoryosError(
            f"the orders of {horizon_days} days take more than {calendar_days:,} days of the plant's calendars: "
            "schedule fewer days at a time (--horizon)"
        )
    violations = check(problem, schedule)
    if violations:
        raise FactoryosError(f"the schedule breaks the problem ({len(violations)} violations): {violations[0].message}")
    plan = PlantSchedule(
        plant_problem,
        schedule,
        method,
        time.perf_counter() - started,
        Figures.of(problem, schedule),
        objective,
        operations=scheduled_operations(plant_problem, schedule),
        unsupplied=unsupplied,
        unfit=unfit,
    )
    if compare and rule is not None:
        plan.dispatch_rule = rule[0]
        plan.dispatch_figures = Figures.of(problem, rule[1])
    return plan


def _material_in(
    plant: Plant, material_ready: Mapping[str, Mapping[str, date] | None]
) -> dict[str, dict[str, datetime]]:
    """Each order's materials not there yet with the instant they are in: the site-local midnight of their day
    (an empty mapping for an order whose material is not in within the promise's horizon)."""
    zone = ZoneInfo(plant.site.timezone)
    return {
        order: {m: site_day(day, zone)[0] for m, day in (days or {}).items()} for order, days in material_ready.items()
    }


def _past(schedule: Schedule) -> int:
    """Calendar days for a schedule that ran past its calendars (where the shifts are not kept): twice its span,
    but not decades of them."""
    days = 2 * -(-makespan(schedule) // DAY)
    if days > MAX_CALENDAR_DAYS:
        raise FactoryosError(
            f"the orders take more than {MAX_CALENDAR_DAYS // 2:,} days of the plant's calendars to make: schedule "
            "fewer days at a time (--horizon), or look at the routings' run minutes"
        )
    return days


def _sequence(
    problem: Problem, goal: Objective | Lexicographic, time_limit: float, workers: int, compare: bool
) -> tuple[Schedule, str, tuple[str, Schedule] | None]:
    """The schedule, how it was found, and the best dispatching rule's when it ran (see `schedule_plant`)."""
    rolling = len(problem.operations) > FULL_SOLVER_OPERATIONS
    if rolling:
        schedule, method = rolling_sequence(problem), "rolling sequence"
    else:
        result = solve(problem, goal, time_limit=time_limit, workers=workers)
        schedule, method = result.schedule, result.method
    size = len(problem.operations)
    rule = best_rule(problem, goal) if (compare or rolling) and size <= COMPARE_OPERATIONS else None
    if rule is None and rolling and size <= RACE_OPERATIONS and weighted_tardiness(problem, schedule) > 0:
        rule = ("EDD", dispatch(problem, "EDD"))
    if rolling and rule is not None and ranked(problem, rule[1], goal) < ranked(problem, schedule, goal):
        schedule, method = rule[1], f"dispatch:{rule[0]} (better than the rolling sequence)"
    return schedule, method, rule


def best_rule(problem, goal: Objective | Lexicographic) -> tuple[str, Schedule]:
    """The dispatching rule that does best on the whole objective (every stage of a lexicographic one),
    each rule run on the whole problem."""
    found = best_dispatch(problem, goal)
    if found is None:
        raise FactoryosError("no dispatching rule gave a feasible schedule")
    schedule, name = found
    return name.removeprefix("dispatch:"), schedule
