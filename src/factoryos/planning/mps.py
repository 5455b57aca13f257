"""The master production schedule: how many of each finished product to build on each day, and for which demand.

- **Capacity.** Products whose routing runs on the ramp-up line share its daily units, as the promise and the
  scheduler count them (`model.rampup.LineRamp`): on a working day of the line's calendar (a shift that
  weekday, not a holiday; lights-out or not) in ramp month m, what the curve makes a day (takt rate x
  shift hours x shifts x the learning curve) but no more than the month's target over the calendar's working
  days in m; after the ramp, the calendar's working time at mature efficiency; before it starts, none.
  Fractions carry over, so a month's whole units are what it makes.
  Every unit also takes its minutes at each work center it loads (rough-cut capacity, `planning.rough_cut`),
  shared with every product loading it: a day's units fit where each has the minutes (the ramp-up line itself
  counted in the units above). A product that no work center loads is bounded by the site's working days
  alone (`c2m.supply.site_working_days`).
- **Quantities.** Each demand (order or forecast, due on a day) is built as late as capacity allows and not
  after its due day: the orders, then the forecast, are placed latest-due first on the latest day with room.
  This meets every due date whenever the capacity up to each day covers the demand due by it (orders placed
  as late as possible leave the forecast the most room early on), and when it does not, the forecast is
  what goes short. When the capacity up to a day falls short of what is due by it, the earliest due are
  served first: each demand's finish day is its due day, or the day its last unit comes when the orders
  (then the forecast) are built earliest due first from the first day, whichever is later, and they are
  placed latest finish first by those days; so a unit is late only as long as capacity makes it, and what
  the horizon has no room for is the latest due's, left unplanned. A demand due on or after the horizon's end
  is not planned either: it is counted per product as beyond the horizon, never dropped in silence.
- **Time fences** (`time_fences` in the plant file), against the previous MPS: a frozen day keeps its
  quantity per product; a slushy day may move by at most `slushy_change` of it (rounded outward); after
  that (liquid) anything goes. Kept quantities are placed first and serve the earliest demands.
- **Heijunka.** The forecast's units of a product, in day order, take options so that every family's
  running count tracks its attach rates: Tijdeman's chairman-assignment sequence keeps each option's count
  within 1 - 1/(2k - 2) of its target after every unit (k options), so a day of q units holds each option
  within 2 (1 - 1/(2k - 2)) units of rate x q. Orders keep the configuration their customer chose.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from factoryos.c2m.promise import PlantCapacity
from factoryos.c2m.supply import site_working_days
from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Plant
from factoryos.model.rampup import LineRamp, ramp_bound_products
from factoryos.planning.rough_cut import RoughCut

Kind = Literal["order", "forecast"]


@dataclass(frozen=True)
class Demand:
    """Independent demand for a product: a customer order (with its configuration) or a day's forecast."""

    id: str
    product: str
    due: date
    quantity: int
    kind: Kind = "forecast"
    customer_order: str | None = None
    configuration: Mapping[str, str] | None = None


@dataclass(frozen=True)
class MpsRow:
    """Units of one demand built on one day, and their options: family -> option -> units. For MRP it is
    independent demand for `material` due on `day`."""

    demand: str
    product: str
    material: str
    day: date
    quantity: int
    kind: Kind
    customer_order: str | None
    due: date
    mix: dict[str, dict[str, int]] = field(default_factory=dict)
    configuration: Mapping[str, str] | None = None
    """An order's configuration (None for the forecast, whose options are in `mix`)."""

    @property
    def late_days(self) -> int:
        return max(0, (self.day - self.due).days)


@dataclass(frozen=True)
class Beyond:
    """A product's demand due on or after the horizon's end, which the MPS does not plan: its units, how many
    customer orders they are, and the last due day (how far the horizon would have to reach)."""

    units: int
    orders: int
    last_due: date


@dataclass(frozen=True)
class MasterSchedule:
    """The MPS from `start` over `days`, the ramp line's units per day (None off the ramp), the products it bounds,
    the work centers every unit was checked against (`rough_cut`), what is left unplanned (demand id -> units:
    due in the horizon, no room for it) and what is due beyond the horizon (per product)."""

    start: date
    days: int
    rows: tuple[MpsRow, ...]
    capacity: tuple[int | None, ...]
    bound_products: frozenset[str]
    unplanned: dict[str, int]
    rough_cut: RoughCut | None = None
    beyond: dict[str, Beyond] = field(default_factory=dict)

    @property
    def not_in_horizon(self) -> int:
        """Units the horizon does not reach: left unplanned in it, or due after it."""
        return sum(self.unplanned.values()) + sum(b.units for b in self.beyond.values())

    @property
    def ramp_bounded(self) -> bool:
        """Whether a ramp-up line bounds any of its products' days (a plant without one, or whose products can all
        be built on another line too, has none)."""
        return bool(self.bound_products) and any(c is not None for c in self.capacity)

    @property
    def bounded(self) -> bool:
        """Whether any capacity bounds the plan: the ramp-up line, or work centers the products load; else each
        demand is planned on its due day."""
        return self.ramp_bounded or bool(self.rough_cut and self.rough_cut.minutes)

    def bound_by(self) -> dict[str, str]:
        """Per product, what typically bounds its days: the ramp-up line, or the work center its average unit is
        constrained on (every work center it loads is checked)."""
        bound = dict.fromkeys(self.bound_products, RAMP) if self.ramp_bounded else {}
        cut = self.rough_cut
        if cut is None:
            return bound
        centers = {product: cut.constrained(product) for product in cut.plant.products if product not in bound}
        return bound | {product: cut.label(center) for product, center in centers.items() if center is not None}

    def units_a_day(self, product: str, day: date) -> float | None:
        """Units of a typical `product` that what bounds it (`bound_by`) can build on `day`: the ramp-up line's
        units, or what its constrained work center's (or pool's) day holds of it (`RoughCut.units`); None when
        nothing bounds it."""
        if product in self.bound_products and self.ramp_bounded:
            return self.capacity[(day - self.start).days]
        center = self.rough_cut.constrained(product) if self.rough_cut else None
        if self.rough_cut is None or center is None:
            return None
        return self.rough_cut.units(product, center, day)

    def capacities(self) -> dict[str, tuple[float | None, ...]]:
        """Per product that something bounds (`bound_by`), the units a day of what bounds it (`units_a_day`) over
        the horizon: the ramp-up line's for the products it bounds, a work center's or pool's (parallel lines
        together) for the others."""
        days = [self.start + timedelta(days=k) for k in range(self.days)]
        return {product: tuple(self.units_a_day(product, day) for day in days) for product in sorted(self.bound_by())}

    def quantities(self) -> dict[tuple[str, date], int]:
        """Units per (product, day)."""
        out: dict[tuple[str, date], int] = defaultdict(int)
        for row in self.rows:
            out[row.product, row.day] += row.quantity
        return dict(out)


def line_capacity(plant: Plant, start: date, days: int) -> tuple[int | None, ...]:
    """Whole units the ramp-up line can build on each day (module doc); None on every day without a ramp."""
    if plant.ramp_up is None:
        return (None,) * days
    ramp = LineRamp(plant)
    cumulative, whole, out = 0.0, 0, []
    for offset in range(days):
        day = start + timedelta(days=offset)
        seconds = ramp.seconds(day, ramp.worked_seconds(day))
        cumulative += seconds / ramp.takt_seconds if ramp.takt_seconds else 0.0
        out.append(math.floor(cumulative + 1e-9) - whole)
        whole += out[-1]
    return tuple(out)


def master_schedule(
    plant: Plant,
    demands: Iterable[Demand],
    start: date,
    days: int,
    attach_rates: Mapping[str, Mapping[str, Mapping[str, float]]] | None = None,
    previous: Mapping[tuple[str, date], int] | None = None,
    previous_demands: Mapping[tuple[str, date], int] | None = None,
) -> MasterSchedule:
    """The MPS of `demands` from `start` over `days` (module doc). `attach_rates` (product -> family -> option
    -> share; default the plant file's mix) level the forecast's options; `previous` is the last MPS's units
    per (product, day), which the time fences keep; `previous_demands` its units per (demand, day): a kept day's
    units serve the demands they served before, while those are open, then the earliest due."""
    if days < 1:
        raise FactoryosError(f"the MPS horizon must be at least one day (got {days})")
    demands = list(demands)
    for demand in demands:
        if demand.product not in plant.products:
            raise FactoryosError(f"demand {demand.id!r}: unknown product {demand.product!r}")
        if demand.quantity < 0:
            raise FactoryosError(f"demand {demand.id!r}: negative quantity {demand.quantity}")
    for (product, day), quantity in (previous or {}).items():
        if product not in plant.products:
            raise FactoryosError(f"the previous MPS plans {product!r} on {day}, a product the plant does not make")
        if quantity < 0:
            raise FactoryosError(f"the previous MPS plans {quantity:,} {product} on {day}: a day's units are 0 or more")
    end = start + timedelta(days=days)
    beyond = _beyond(d for d in demands if d.due >= end and d.quantity > 0)
    demands = [d for d in demands if d.due < end]
    capacity = line_capacity(plant, start, days)
    bound = frozenset(ramp_bound_products(plant))
    low, high = _fences(plant, start, days, previous)
    placed: dict[tuple[str, int], int] = defaultdict(int)
    unplanned: dict[str, int] = {}
    cut = RoughCut(plant, start, days, PlantCapacity(plant))
    room = _room(plant, cut, demands, bound, capacity, site_working_days(plant, start, days))
    products = sorted(plant.products)
    _plan_group(products, demands, start, days, room, (low, high, previous_demands or {}), placed, unplanned)
    rows = _rows(plant, placed, demands, start, attach_rates or {})
    return MasterSchedule(start, days, tuple(rows), capacity, bound, unplanned, cut, beyond)


def _beyond(demands: Iterable[Demand]) -> dict[str, Beyond]:
    """Per product, the units, customer orders and last due day of `demands`."""
    out: dict[str, Beyond] = {}
    for d in demands:
        was = out.get(d.product, Beyond(0, 0, d.due))
        out[d.product] = Beyond(was.units + d.quantity, was.orders + (d.kind == "order"), max(was.last_due, d.due))
    return dict(sorted(out.items()))


RAMP = "ramp-up line"
"""The room of the ramp-up line's units a day; the others are work centers' minutes, and the site's working days."""
WORKING_DAY = "working day"


@dataclass
class _Room:
    """What each day still has of each capacity the plan is bounded by (`left`: the ramp-up line's units, each
    work center's minutes, the site's working days) and what one unit of a demand (`per_demand`) or of a product
    (`per_product`, for units a fence keeps) takes of each."""

    left: dict[str, list[float]]
    per_demand: Mapping[str, Mapping[str, float]]
    per_product: Mapping[str, Mapping[str, float]]

    def units(self, offset: int, demand: Demand) -> float:
        """Units of `demand` the day still has room for at every capacity it takes."""
        takes = self.per_demand[demand.id].items()
        return min((self.left[r][offset] / each + 1e-9 for r, each in takes), default=math.inf)

    def take(self, offset: int, demand: Demand, units: int) -> None:
        for r, each in self.per_demand[demand.id].items():
            self.left[r][offset] -= units * each

    def keep(self, offset: int, product: str, units: int) -> None:
        for r, each in self.per_product[product].items():
            self.left[r][offset] -= units * each

    def copy(self) -> _Room:
        return _Room({r: list(days) for r, days in self.left.items()}, self.per_demand, self.per_product)


def _room(
    plant: Plant,
    cut: RoughCut,
    demands: Iterable[Demand],
    bound: frozenset[str],
    line: tuple[int | None, ...],
    site_days: tuple[bool, ...],
) -> _Room:
    """The plan's capacities: a unit of a ramp-bound product takes one of the ramp line's units and its minutes at
    the other work centers it loads; any other unit its minutes at every work center it loads (an order in its
    configuration, the forecast on average over its option mix); a unit that loads none, a working day of the
    site."""
    ramp_line = plant.ramp_up.line if plant.ramp_up is not None else None

    def takes(product: str, configuration: Mapping[str, str] | None) -> dict[str, float]:
        load = cut.load(product, configuration)
        if product in bound:
            return {c: m for c, m in load.items() if c != ramp_line} | {RAMP: 1.0}
        return load or {WORKING_DAY: 1.0}

    per_demand = {d.id: takes(d.product, d.configuration if d.kind == "order" else None) for d in demands}
    per_product = {p: takes(p, None) for p in plant.products}
    left = {RAMP: [math.inf if c is None else float(c) for c in line]}
    left[WORKING_DAY] = [math.inf if works else 0.0 for works in site_days]
    left |= {center: list(minutes) for center, minutes in cut.minutes.items()}
    return _Room(left, per_demand, per_product)


def heijunka(shares: Mapping[str, float], units: int) -> list[str]:
    """`units` options in sequence so that each option's running count stays within 1 - 1/(2k - 2) of share x
    position (Tijdeman's chairman assignment: among the options not ahead of their share, the one whose count
    would soonest fall behind)."""
    rates = {o: s for o, s in shares.items() if s > 0}
    total = sum(rates.values())
    if not rates or units <= 0:
        return []
    rates = {o: s / total for o, s in rates.items()}
    delta = 1 - 1 / (2 * len(rates) - 2) if len(rates) > 1 else 0.0
    counts = dict.fromkeys(rates, 0)
    sequence = []
    for n in range(1, units + 1):
        eligible = [o for o, p in rates.items() if p * n - counts[o] >= 1 - delta - 1e-9] or list(rates)
        chosen = min(eligible, key=lambda o: ((counts[o] + delta) / rates[o], o))
        counts[chosen] += 1
        sequence.append(chosen)
    return sequence


def _fences(
    plant: Plant, start: date, days: int, previous: Mapping[tuple[str, date], int] | None
) -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], float]]:
    """Per (product, day offset): the least and most units the fences allow (only where they bind)."""
    low: dict[tuple[str, int], int] = {}
    high: dict[tuple[str, int], float] = {}
    if previous is None:
        return low, high
    fences = plant.time_fences
    for product in plant.products:
        for offset in range(min(days, fences.slushy_days)):
            before = previous.get((product, start + timedelta(days=offset)), 0)
            change = 0.0 if offset < fences.frozen_days else fences.slushy_change
            low[product, offset] = math.floor(before * (1 - change))
            high[product, offset] = math.ceil(before * (1 + change))
    return low, high


def _plan_group(
    products: list[str],
    demands: list[Demand],
    start: date,
    days: int,
    room: _Room,
    fences: tuple[Mapping[tuple[str, int], int], Mapping[tuple[str, int], float], Mapping[tuple[str, date], int]],
    placed: dict[tuple[str, int], int],
    unplanned: dict[str, int],
) -> None:
    """Place the group's demands on days: kept (fenced) units first, then the orders and the forecast, each latest
    due first (module doc). `fences`: the least and most units per (product, day offset), and the units
    per (demand, day) of the previous MPS."""
    low, high, before = fences
    mine = sorted(
        (d for d in demands if d.product in products and d.quantity > 0),
        key=lambda d: (d.due, d.kind != "order", d.id),
    )
    left = {d.id: d.quantity for d in mine}
    units: dict[tuple[str, int], int] = defaultdict(int)  # per (product, day) placed so far
    for product in products:
        own = [d for d in mine if d.product == product]
        for offset in range(days):
            if low.get((product, offset)):
                _keep(own, product, offset, start + timedelta(days=offset), room, low, before, units, placed, left)
    kept_until = _last_fenced_days(mine, start, low, before)
    for kind in ("order", "forecast"):
        group = [d for d in mine if (d.kind == "order") == (kind == "order")]
        finish, fits = _earliest_finish(group, start, days, room, high, units, left, kept_until)
        for demand in sorted(group, key=lambda d: (finish[d.id], d.due, d.id), reverse=True):
            due = finish[demand.id]
            want = fits[demand.id]
            for offset in range(min(due, days - 1), -1, -1):
                if not want:
                    break
                free = min(
                    room.units(offset, demand),
                    high.get((demand.product, offset), math.inf) - units[demand.product, offset],
                )
                take = int(min(want, max(0.0, free)))
                if take:
                    placed[demand.id, offset] += take
                    units[demand.product, offset] += take
                    room.take(offset, demand, take)
                    left[demand.id] -= take
                    want -= take
    unplanned.update({i: q for i, q in left.items() if q})


def _last_fenced_days(
    demands: list[Demand], start: date, low: Mapping[tuple[str, int], int], before: Mapping[tuple[str, date], int]
) -> dict[str, int]:
    """Per demand, the last fenced day (offset) the previous MPS built it on."""
    product_of = {d.id: d.product for d in demands}
    last: dict[str, int] = {}
    for (ident, day), built in before.items():
        offset = (day - start).days
        if built and ident in product_of and (product_of[ident], offset) in low:
            last[ident] = max(last.get(ident, 0), offset)
    return last


def _keep(
    own: list[Demand],
    product: str,
    offset: int,
    day: date,
    room: _Room,
    low: Mapping[tuple[str, int], int],
    before: Mapping[tuple[str, date], int],
    units: dict[tuple[str, int], int],
    placed: dict[tuple[str, int], int],
    left: dict[str, int],
) -> None:
    """A fenced day's kept units of a product: for the demands they served in the previous MPS, while those
    are open, then the earliest due."""
    kept = low[product, offset]
    room.keep(offset, product, kept)
    units[product, offset] += kept
    for demand in sorted(own, key=lambda d: -before.get((d.id, day), 0)):  # stable: then earliest due
        take = min(kept, left[demand.id], before.get((demand.id, day), kept))
        if take:
            placed[demand.id, offset] += take
            left[demand.id] -= take
            kept -= take


def _earliest_finish(
    group: list[Demand],
    start: date,
    days: int,
    room: _Room,
    high: Mapping[tuple[str, int], float],
    units: Mapping[tuple[str, int], int],
    left: Mapping[str, int],
    kept_until: Mapping[str, int],
) -> tuple[dict[str, int], dict[str, int]]:
    """Per demand, the day (offset) to finish by and the units the horizon has room for: built earliest due
    first from the first day, each demand's last unit comes on some day (no earlier than the last fenced day the
    previous MPS built it on: a fence keeps a day, so it keeps that day's orders); its due day, or that day when
    later.
    Built latest due first by those days, every demand is then on time or as little late as it can be, the
    earliest due served first, and what the horizon has no room for is the latest due's."""
    room, made = room.copy(), defaultdict(int, units)
    finish, fits = {}, {}
    for demand in group:  # earliest due first
        due, need, last = (demand.due - start).days, left[demand.id], 0
        for offset in range(days):
            if not need:
                break
            free = min(
                room.units(offset, demand), high.get((demand.product, offset), math.inf) - made[demand.product, offset]
            )
            take = int(min(need, max(0.0, free)))
            if take:
                room.take(offset, demand, take)
                made[demand.product, offset] += take
                need -= take
                last = offset
        finish[demand.id], fits[demand.id] = max(due, last, kept_until.get(demand.id, 0)), left[demand.id] - need
    return finish, fits


def _rows(
    plant: Plant,
    placed: Mapping[tuple[str, int], int],
    demands: list[Demand],
    start: date,
    attach_rates: Mapping[str, Mapping[str, Mapping[str, float]]],
) -> list[MpsRow]:
    by_id = {d.id: d for d in demands}
    ordered = sorted(placed.items(), key=lambda item: (item[0][1], by_id[item[0][0]].product, item[0][0]))
    sequences = _forecast_options(plant, ordered, by_id, attach_rates)
    rows = []
    for (demand_id, offset), quantity in ordered:
        d = by_id[demand_id]
        if d.kind == "order":
            mix = {family: {option: quantity} for family, option in (d.configuration or {}).items()}
        else:
            mix = {family: _count(taken[:quantity]) for family, taken in sequences[d.product].items()}
            sequences[d.product] = {family: taken[quantity:] for family, taken in sequences[d.product].items()}
        rows.append(
            MpsRow(
                demand_id,
                d.product,
                plant.products[d.product].material,
                start + timedelta(days=offset),
                quantity,
                d.kind,
                d.customer_order,
                d.due,
                mix,
                d.configuration if d.kind == "order" else None,
            )
        )
    return rows


def _forecast_options(
    plant: Plant,
    ordered: list[tuple[tuple[str, int], int]],
    by_id: Mapping[str, Demand],
    attach_rates: Mapping[str, Mapping[str, Mapping[str, float]]],
) -> dict[str, dict[str, list[str]]]:
    """Per product and family, the levelled option of each forecast unit in build order."""
    units: dict[str, int] = defaultdict(int)
    for (demand_id, _), quantity in ordered:
        if by_id[demand_id].kind == "forecast":
            units[by_id[demand_id].product] += quantity
    out: dict[str, dict[str, list[str]]] = {}
    for product_id, product in plant.products.items():
        rates = attach_rates.get(product_id, {})
        out[product_id] = {
            family_id: heijunka(
                rates.get(family_id) or {o: opt.mix for o, opt in family.options.items()}, units[product_id]
            )
            or [family.default or next(iter(family.options))] * units[product_id]
            for family_id, family in product.option_families.items()
        }
    return out


def _count(options: list[str]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for option in options:
        out[option] += 1
    return dict(out)
