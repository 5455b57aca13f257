"""Promise dates (capable-to-promise): the day asked for, or else the earliest day the plant can build an order,
given the capacity left on every work center it loads (calendar, ramp-up curve, orders already promised) and the
bought material it needs (stock, open purchase orders, supplier lead times and weekly capacity, less what earlier
promises took); the promise names the binding constraint ("Battery cells (cell-nmc): supplier lead time 16
weeks", "Battery cells (cell-nmc): supplier CellCo weekly capacity 4,000 taken until 2027-02-14", "GA line (ga-line)
capacity").

The planning engine (MRP) plans whole horizons; this answers one order in milliseconds. How it works:

- an order's load is the run minutes its configured build puts on each work center (every made material's
  operations, quantities through the configured BOM, scrap included); a paced line moves one unit per takt, or
  as slowly as a station whose work for it is longer holds it (the scheduler's and the twin's hold,
  `model.operation_time.run_seconds`);
- a batch operation (an oven, a flashing rack) of a part made per unit is booked in whole batches, as the
  scheduler runs it: units share a batch only when they are of one kind (the same material and operation, the
  same pieces a unit), `size` of them a batch. Per work center (or pool) and day the units promised in each
  kind's batches are kept; an order's units fill that day's open batch first (its cycle is booked already) and
  then open new ones, each a whole cycle of the day's free minutes, so that small orders of products that never
  share a batch are not promised on a fraction of a cycle each. A cancel takes its units out, and a batch it
  leaves empty frees its cycle. A part made in lots keeps its batch operation's share of a full batch: its
  lots run as many cycles as they fill;
- an operation several work centers can do (alternative lines or cells) loads them as one pool: its
  capacity is the sum of theirs that day, so a unit goes where there is room and a ramping line does not
  hold back the mature one beside it. A pool of paced lines counts in minutes of its shortest takt (each
  line's minutes scaled by that takt over its own: the units it builds), a unit once;
- a work center's capacity on a day is its calendar's working minutes that day (holidays cancel shifts; a
  lights-out one works its calendar too) times its units (one for a paced line); the ramp-up line works,
  during the ramp, the units the ramp-up curve plans for the month (none before it starts), and at mature
  efficiency after;
- on each work center (or pool) the order loads, what earlier promises booked on every pool or work center
  that shares a work center with it counts as taken (exact when pools do not overlap, cautious when they
  do); the promise walks its days from the day after the order, takes the free minutes (capacity less what
  earlier promises booked), and the day the last minute fits on the last of them is the earliest date, which
  books them all (a rough cut, as the MPS checks). The route's flow offsets it, as a bill of resources does
  (`c2m.flow`, one unit walked on the work centers' working windows): a work center's minutes are booked no
  earlier than the working days of the route before it first works on a unit, and the order is done when the
  rest of the route after it has run from where its minutes end on its last booked day (after what earlier
  promises booked that day): a cabinet cut, welded and painted on one-shift work centers is not promised for the
  day its sheet arrives. A day's minutes are those
  whole jobs fill: a unit's operation runs in one piece within a working window, as the scheduler runs it, so a
  shift of 480 minutes holds one job of 300 (`PlantCapacity.whole_job_minutes`).
  That is the promised date unless the customer asked for a later one: then the day asked for is promised and
  each work center's minutes are booked from it backwards, the last free minute first (as frePPLe plans just in
  time), so that a far-off order leaves the coming days to the orders that need them.
  The constrained work center, the one whose capacity over the coming four weeks covers the order's load the
  fewest times, is tried first and binds the promise when several fit on the same day;
- material: the bought materials the plant plans (all but those it marks `on_call`: kanban, consignment,
  vendor-managed bulk, taken as there, as MRP and the twin take them) are exploded through the configured
  BOM. A material's supply is its stock, its open purchase orders from their due dates and what was bought
  for earlier promises, less what earlier promises took of it (first come first served, from the earliest
  supply on), and what its suppliers can still ship: bought as MRP buys (`c2m.supply.place_lots`: from the
  order's first working day plus each supplier's lead time, in the suppliers' order of preference, within
  each one's weekly capacity less its open purchase orders that week and what earlier promises bought,
  rounded to its minimum and multiple, spilling to later weeks). The material is in on the first day supply
  and what the suppliers can ship cover the need; what that takes of the suppliers is bought for the order
  (a lot's excess over the need serves later orders). The work centers are walked from the day the last
  material is in. A cancel gives back the material taken; what was bought stays bought;
- made stock: the plant file's stock of a sub-assembly made per unit (its bill the same in every configuration,
  `model.unit_structure.made_stock`) is taken as the scheduler and MRP take it, unit by unit
  (`unit_structure.from_stock`), first come first served: a unit it covers books neither the sub-assembly's
  operations nor those or the bought material below it. The stock of a part made in lots (`lot_stock`: stamped
  panels, castings) is taken a piece at a time (`from_lot_stock`), as the scheduler nets it before cutting
  lots: a unit books the part's operations and bought material only for what the stock left does not cover.
  The stock taken is held as bought stock is (and given back by a cancel), so that the promise and the
  schedule agree.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial
from itertools import accumulate
from operator import itemgetter
from zoneinfo import ZoneInfo

import numpy as np

from factoryos.c2m.flow import DAY, NO_FLOW, Clock, RouteFlow, Stage, Step, route_flow
from factoryos.c2m.supply import EPS, Sources, SupplyDays, place_lots, site_working_days, supply_days, week_start
from factoryos.model.configuration import bom_lines, explode, operations
from factoryos.model.operation_time import batch_units, fastest_run
from factoryos.model.operation_time import pieces as whole_pieces
from factoryos.model.plant import OpenPurchaseOrder, Plant, RoutingOperation
from factoryos.model.rampup import LineRamp
from factoryos.model.shift_times import day_windows, merged, site_day, worked_seconds, working_windows
from factoryos.model.unit_structure import Node, from_lot_stock, from_stock, lot_stock, made_stock, structure

BASIS = (
    "capacity and material: free minutes on every work center the order loads (calendar, ramp-up curve, orders "
    "already promised) after the bought material is in (stock on hand, open purchase orders from their due date "
    "and what was bought for earlier promises, less what they took; a shortfall is bought a supplier lead time "
    "after the order within the supplier's weekly capacity left)"
)
HORIZON_DAYS = 730
"""How far ahead a promise looks; an order that does not fit in it gets no date."""
WINDOW_DAYS = 28
"""The span over which work centers are compared to find the constrained one."""


@dataclass(frozen=True)
class Quote:
    """A promise: the date (None when nothing fits within the horizon), the binding constraint in a few words,
    the work center that binds it (or that the order does not fit on) with the minutes the order needs there
    and why, the minutes it takes per day on each work center or pool (`allocation`), the bought material it
    takes (`stock`) and what is bought for it (`lots`), the basis of the promise, and the earliest day the plant
    could build the order (`earliest`: the promised date, unless the customer asked for a later one)."""

    promised: date | None
    work_center: str
    minutes: float
    explanation: str
    allocation: dict[str, dict[date, float]] = field(default_factory=dict)
    constraint: str = ""
    stock: dict[str, float] = field(default_factory=dict)
    basis: str = BASIS
    lots: tuple[Lot, ...] = ()
    earliest: date | None = None
    batches: dict[tuple[str, date, BatchKind], BatchPlaces] = field(default_factory=dict)


@dataclass(frozen=True, order=True)
class BatchKind:
    """Units that may share a batch of a batch operation, as the scheduler groups them: of the same material and
    routing operation, each putting the same whole `pieces` in it; `size` of them fill a batch, each batch a
    `cycle` of minutes (size 1: a unit fills more than half a batch and runs alone, as many cycles as it needs)."""

    material: str
    operation: str
    pieces: int
    size: int
    cycle: float

    @property
    def key(self) -> str:
        """How the order desk keys the units booked in batches of this kind."""
        return f"{self.material}/{self.operation}/{self.pieces}"


@dataclass(frozen=True)
class BatchPlaces:
    """What a promise put in the batches of one kind on a work center's (or pool's) day: its `units`, and the
    `minutes` of the batches it opened (the units filling first what earlier promises left open)."""

    units: int
    minutes: float


@dataclass(frozen=True)
class Lot:
    """Material bought for a promise: `quantity` of `material` arriving on `arrives` from `supplier` (None when no
    supplier lists the material: it comes its own lead time later, without a capacity)."""

    material: str
    supplier: str | None
    arrives: date
    quantity: float


@dataclass(frozen=True)
class Build:
    """What an order asks the plant to build: `quantity` units of one configuration, each putting `load` minutes
    on each work center or pool, `batches` units in batches of each kind there (a batch operation's work
    center is in `load` too, with the minutes of its other operations) and needing `needs` of the planned bought
    material; `structure` is a unit's made structure when the plant holds stock of a made part in it (else
    empty), which the promise then takes from (`take_made_stock`); `flow`, a unit's route as the work centers'
    offsets in it (`c2m.flow`)."""

    load: Mapping[str, float]
    needs: Mapping[str, float]
    quantity: int
    structure: tuple[Node, ...] = ()
    configuration: Mapping[str, str] = field(default_factory=dict)
    batches: Mapping[str, Mapping[BatchKind, int]] = field(default_factory=dict)
    flow: RouteFlow = NO_FLOW


_Supply = tuple[list[tuple[int, float, OpenPurchaseOrder | date | None]], list[float]]
"""A material's supply in day order as (day, quantity, which: an open purchase order, the day a lot bought for
earlier promises arrives, None for stock), and its running total."""


@dataclass
class Commitments:
    """What earlier promises hold of the material: `taken`, how much of each material they took, first come first
    served from its supply (stock, open purchase orders, what was bought for them; for a sub-assembly made per
    unit, the plant file's stock of it); `bought`, what was
    bought for them, per material and the day it arrives; `booked`, what that took of each supplier's weekly
    capacity, per supplier and ISO week (its Monday)."""

    taken: dict[str, float] = field(default_factory=dict)
    bought: dict[str, dict[date, float]] = field(default_factory=dict)
    booked: dict[str, dict[date, float]] = field(default_factory=dict)
    supply: dict[str, dict[date, _Supply]] = field(default_factory=dict, repr=False, compare=False)
    """Each material's supply as a promise from a day sees it (`PlantMaterial`'s), kept until a lot changes it."""

    def add(self, taken: Mapping[str, float], lots: Iterable[Lot]) -> None:
        """Hold what one more promise takes and buys."""
        for material, quantity in taken.items():
            self.taken[material] = self.taken.get(material, 0.0) + quantity
        for lot in lots:
            self.supply.pop(lot.material, None)
            days = self.bought.setdefault(lot.material, {})
            days[lot.arrives] = days.get(lot.arrives, 0.0) + lot.quantity
            if lot.supplier is not None:
                weeks = self.booked.setdefault(lot.supplier, {})
                week = week_start(lot.arrives)
                weeks[week] = weeks.get(week, 0.0) + lot.quantity


@dataclass(frozen=True)
class MaterialCheck:
    """When an order's bought material is in: `ready`, the first day it can be worked on (None: not within the
    horizon); `binding`, what the material that comes last waits for (None when what is there covers
    everything); `stock`, the material it takes; `lots`, what is bought for it; `arrivals`, the materials not
    there on its first day, each with the day it is in."""

    ready: date | None
    binding: str | None = None
    stock: dict[str, float] = field(default_factory=dict)
    lots: tuple[Lot, ...] = ()
    arrivals: dict[str, date] = field(default_factory=dict)


@dataclass(frozen=True)
class _Sources:
    """Where a material is bought, in the plant file's order of preference: the suppliers, their minimum order,
    order multiple, weekly capacity (inf: none) and lead time in calendar days; with no supplier, the material's
    own lead time."""

    suppliers: tuple[str, ...]
    minimum: np.ndarray
    multiple: np.ndarray
    weekly: np.ndarray
    lead: np.ndarray
    own_lead: int


@dataclass(frozen=True)
class _Days:
    """The site's working days over the horizon from a promise's first day, as `place_lots` reads them."""

    start: date
    supply: SupplyDays

    def arrival(self, lead: int) -> int:
        """The first working day a lot ordered on the first working day comes, `lead` calendar days later (the
        horizon's last day when past it)."""
        next_work = self.supply.next_work
        return int(next_work[min(int(next_work[0]) + lead, len(next_work) - 1)])


@dataclass(frozen=True)
class _Arrival:
    """The day (from the promise's first) a material's need is in, and what is bought; why it comes then is
    `why`, or else the supply `ref` that completes it (None: it was there)."""

    day: int | None
    why: str | None = None
    lots: tuple[Lot, ...] = ()
    ref: OpenPurchaseOrder | date | None = None


BIG = 1e18
"""More than any supplier ships: offered to `place_lots`, it lists every week's capacity left."""


class PlantMaterial:
    """The bought materials the plant plans (all but those supplied on call): their stock and open purchase
    orders, where and how each is bought, and what one configured unit of a product needs of them (memoised
    per choice of the families that its BOM depends on); and the stock of made parts (`made`: sub-assemblies
    made per unit, parts made in lots), which spares the units it covers their building."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        held = plant.stock_on_hand()
        self.made = {**made_stock(plant), **lot_stock(plant)}
        self._structures: dict[tuple[str, tuple[str | None, ...]], tuple[Node, ...]] = {}
        self.on_hand = {m: held.get(m, 0.0) for m, material in plant.materials.items() if material.bought_by_plan}
        self.on_order: dict[str, list[OpenPurchaseOrder]] = defaultdict(list)
        self._shipping: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
        for order in sorted(plant.purchase_orders, key=lambda o: (o.due, o.id)):
            self._shipping[order.supplier][week_start(order.due)] += order.quantity
            if order.material in self.on_hand:
                self.on_order[order.material].append(order)
        self.sources = {m: self._sources(m) for m in self.on_hand}
        self._days: dict[date, _Days] = {}
        self._earliest_days: dict[tuple[str, date], int] = {}
        self._relevant: dict[str, tuple[str, ...]] = {}
        self._needs: dict[tuple[str, tuple[str | None, ...]], dict[str, float]] = {}
        # Each material's supply and its suppliers' capacity left as last computed, with the first day and the
        # lots bought or weeks booked they were computed for: the next order's promise (a new `Commitments` read
        # from the database) mostly finds the same, and then uses them again.
        self._last_supply: dict[str, tuple[date, dict[date, float], _Supply]] = {}
        self._last_capacity: dict[
            str, tuple[date, tuple[dict[date, float], ...], np.ndarray, tuple[np.ndarray, ...]]
        ] = {}

    def _sources(self, material: str) -> _Sources:
        found = [(sid, s) for sid, s in self.plant.suppliers.items() if material in s.materials]
        return _Sources(
            tuple(sid for sid, _ in found),
            np.array([s.min_order for _, s in found], dtype=float),
            np.array([s.order_multiple for _, s in found], dtype=float),
            np.array([s.weekly_capacity or math.inf for _, s in found], dtype=float),
            np.array([round(s.lead_time_days) for _, s in found], dtype=np.int64),
            math.ceil(self.plant.materials[material].lead_time_days or 0),
        )

    def suppliers(self, needs: Iterable[str]) -> list[str]:
        """The suppliers that the planned materials `needs` are bought from."""
        return sorted({sid for m in needs for sid in self.sources[m].suppliers})

    def needs(self, product: str, configuration: Mapping[str, str]) -> dict[str, float]:
        """Of the planned bought materials, how much one configured unit of `product` needs (scrap included)."""
        material = self.plant.products[product].material
        if material not in self._relevant:
            self._relevant[material] = _conditioned_families(self.plant, material)
        key = (material, tuple(configuration.get(f) for f in self._relevant[material]))
        if key not in self._needs:
            exploded = explode(self.plant, material, configuration)
            self._needs[key] = {m: q for m, q in exploded.items() if m in self.on_hand}
        return self._needs[key]

    def structure(self, product: str, configuration: Mapping[str, str]) -> tuple[Node, ...]:
        """The made structure of one configured unit of `product` when the plant holds stock of a made part in it
        (`made`; else none: there is nothing to take); memoised as `needs` is."""
        material = self.plant.products[product].material
        if not self.made:
            return ()
        if material not in self._relevant:
            self._relevant[material] = _conditioned_families(self.plant, material)
        key = (material, tuple(configuration.get(f) for f in self._relevant[material]))
        if key not in self._structures:
            nodes = structure(self.plant, material, configuration)
            self._structures[key] = nodes if any(n.material in self.made for n in nodes[1:]) else ()
        return self._structures[key]

    def unit_needs(self, order: Build, spared: frozenset[int], lots: Mapping[int, float]) -> dict[str, float]:
        """What one unit of `order` needs of the planned bought materials when it takes the `spared` nodes of its
        structure from stock, and `lots` pieces of its lot-made nodes: less what the highest spared nodes and
        the pieces taken need below them."""
        nodes, left = order.structure, dict(order.needs)
        taken = {index: nodes[index].quantity for index in spared if nodes[index].parent not in spared}
        for index, pieces in {**taken, **lots}.items():
            for m, q in explode(self.plant, nodes[index].material, order.configuration).items():
                if m in left:
                    left[m] -= pieces * q
        return {m: q for m, q in left.items() if q > EPS}

    def check(self, needs: Mapping[str, float], quantity: int, start: date, held: Commitments) -> MaterialCheck:
        """When `quantity` units' material is in, given what earlier promises `held`: each material's supply
        (stock, open purchase orders from their due day, what was bought for earlier promises) less what they
        took, first come first served, and what its suppliers can still ship within their weekly capacity a
        lead time after `start`; the material is in on the first day the two cover the need, and that much is
        bought."""
        days = self._calendar(start)
        ready, binding, lots, arrivals = 0, None, list[Lot](), dict[str, date]()
        for material in sorted(needs):
            arrival = self._arrival(material, needs[material] * quantity, days, held)
            if arrival.day is None:
                return MaterialCheck(None, arrival.why)
            lots.extend(arrival.lots)
            if arrival.day:
                arrivals[material] = start + timedelta(days=arrival.day)
            if arrival.day > ready:
                ready, binding = arrival.day, (material, arrival)
        why = (binding[1].why or self._reason(*binding)) if binding else None
        taken = {m: q * quantity for m, q in needs.items()}
        return MaterialCheck(start + timedelta(days=ready), why, taken, tuple(lots), arrivals)

    def _arrival(self, material: str, need: float, days: _Days, held: Commitments) -> _Arrival:
        """When `need` of `material` is in (the day from the promise's first, and why) and what is bought for it."""
        taken = held.taken.get(material, 0.0)
        if self.on_hand[material] - taken >= need - EPS:
            return _Arrival(0, None)
        supply, total = self._supply(material, days, held)
        covered = bisect_left(total, need + taken - EPS)  # what is there or coming, if before a new lot could come
        if covered < len(total) and (
            supply[covered][0] <= self._earliest(material, days)  # the lead time alone: no capacity to look at
            or supply[covered][0] <= self._first_offer(material, days, held)
        ):
            return _Arrival(supply[covered][0], ref=supply[covered][2])
        capacity, (offer_day, _, offer_qty) = self._capacity_left(material, days, held)
        have, existing, i, j = -taken, 0.0, 0, 0
        while have < need - EPS:
            if i < len(supply) and (j >= len(offer_day) or supply[i][0] <= offer_day[j]):
                day, quantity, ref = supply[i]
                existing += quantity
                i += 1
            elif j < len(offer_day):
                day, quantity, ref = int(offer_day[j]), float(offer_qty[j]), None
                j += 1
            else:
                return _Arrival(None, f"{self.name(material)}: not in within {HORIZON_DAYS} days")
            have += quantity
        buy = need + taken - existing
        if buy <= EPS:
            return _Arrival(day, ref=ref)
        return self._buy(material, buy, day, ref, days, capacity.copy())

    def _reason(self, material: str, arrival: _Arrival) -> str | None:
        """Why supply comes when it does: an open purchase order's due date, or a lot bought for earlier promises."""
        ref = arrival.ref
        if ref is None:
            return None
        if isinstance(ref, OpenPurchaseOrder):
            return f"{self.name(material)}: open purchase order {ref.id} due {ref.due} ({ref.supplier})"
        return f"{self.name(material)}: bought for earlier promises, in on {ref}"

    def _earliest(self, material: str, days: _Days) -> int:
        """The first day a new lot of `material` could come (its fastest source's lead time after the first
        working day)."""
        key = (material, days.start)
        if key not in self._earliest_days:
            sources = self.sources[material]
            leads = sources.lead.tolist() if sources.suppliers else [sources.own_lead]
            self._earliest_days[key] = min(days.arrival(lead) for lead in leads)
        return self._earliest_days[key]

    def _buy(
        self,
        material: str,
        quantity: float,
        day: int,
        ref: OpenPurchaseOrder | date | None,
        days: _Days,
        capacity: np.ndarray,
    ) -> _Arrival:
        """Buy `quantity` of `material` as MRP does (`place_lots`); the need is in on `day` (the supply `ref` comes
        then, when it is not the last lot bought)."""
        sources = self.sources[material]
        if not sources.suppliers:
            lot = Lot(material, None, days.start + timedelta(days=day), quantity)
            return _Arrival(day, f"{self.name(material)}: lead time {_span(sources.own_lead)}", (lot,))
        lot_day, lot_source, lot_qty = self._place(quantity, sources, days, capacity)
        lots = tuple(
            Lot(material, sources.suppliers[k], days.start + timedelta(days=d), q)
            for d, k, q in zip(lot_day.tolist(), lot_source.tolist(), lot_qty.tolist(), strict=True)
        )
        last = int(lot_day.max())
        if last < day:
            return _Arrival(day, None, lots, ref)
        k = int(lot_source[lot_day.argmax()])
        return _Arrival(last, self._supplier_binding(material, k, last, days), lots)

    def _supplier_binding(self, material: str, k: int, day: int, days: _Days) -> str:
        """Why a lot of `material` from its k-th source comes on `day`: the lead time, or the weekly capacity of
        the weeks before when the lead time alone would have brought it in an earlier week."""
        sources = self.sources[material]
        supplier = self.plant.suppliers[sources.suppliers[k]].name or sources.suppliers[k]
        earliest = days.arrival(int(sources.lead[k]))
        week = int(days.supply.week_of[day])
        if earliest >= len(days.supply.week_of) or week <= days.supply.week_of[earliest]:
            return f"{self.name(material)}: supplier lead time {_span(float(sources.lead[k]))} ({supplier})"
        until = days.start + timedelta(days=int(days.supply.week_first[week]) - 1)
        weekly = f"{sources.weekly[k]:,.0f}"
        return f"{self.name(material)}: supplier {supplier} weekly capacity {weekly} taken until {until}"

    def _supply(self, material: str, days: _Days, held: Commitments) -> _Supply:
        """Stock, open purchase orders and what was bought for earlier promises, in day order (days from the
        promise's first; what came before it is there on day 0), with the running total; kept in `held`."""
        kept = held.supply.setdefault(material, {})
        if days.start not in kept:
            bought = held.bought.get(material, {})
            last = self._last_supply.get(material)
            if last is None or last[0] != days.start or last[1] != bought:
                last = (days.start, dict(bought), self._supply_from(material, days.start, bought))
                self._last_supply[material] = last
            kept[days.start] = last[2]
        return kept[days.start]

    def _supply_from(self, material: str, first: date, bought: Mapping[date, float]) -> _Supply:
        start = first.toordinal()
        on_order = [(max(0, o.due.toordinal() - start), o.quantity, o) for o in self.on_order[material]]
        supply: list[tuple[int, float, OpenPurchaseOrder | date | None]] = [
            (0, self.on_hand[material], None),
            *on_order,
            *((max(0, d.toordinal() - start), q, d) for d, q in bought.items()),
        ]
        supply.sort(key=itemgetter(0))
        return supply, list(accumulate(q for _, q, _ in supply))

    def _first_offer(self, material: str, days: _Days, held: Commitments) -> float:
        """The first day a new lot of `material` could come within its suppliers' capacity left (inf: none)."""
        offer_day = self._capacity_left(material, days, held)[1][0]
        return float(offer_day[0]) if len(offer_day) else math.inf

    def _capacity_left(
        self, material: str, days: _Days, held: Commitments
    ) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        """Each source's weekly capacity left and the lots it could still ship (`_capacity`, `_offers`), as last
        computed when the promise's first day and the weeks booked of the material's suppliers were the same:
        once a supplier's weeks are full, every order asks again and mostly finds nothing changed."""
        booked = tuple(held.booked.get(s, {}) for s in self.sources[material].suppliers)
        last = self._last_capacity.get(material)
        if last is None or last[0] != days.start or last[1] != booked:
            capacity = self._capacity(material, days, held)
            offers = self._offers(self.sources[material], days, capacity.copy())
            last = (days.start, tuple(dict(b) for b in booked), capacity, offers)
            self._last_capacity[material] = last
        return last[2], last[3]

    def _capacity(self, material: str, days: _Days, held: Commitments) -> np.ndarray:
        """Each source's weekly capacity left (source x week of the horizon): less the open purchase orders due
        that week (counted in the first week when past due, as MRP counts them) and what earlier promises booked."""
        sources = self.sources[material]
        capacity = np.repeat(sources.weekly[:, None], len(days.supply.week_first), axis=1)
        first = week_start(days.start)
        for k, supplier in enumerate(sources.suppliers):
            for booked in (self._shipping.get(supplier, {}), held.booked.get(supplier, {})):
                for week, quantity in booked.items():
                    w = max(0, (week - first).days // 7)
                    if w < capacity.shape[1]:
                        capacity[k, w] -= quantity
        return capacity

    def _offers(self, sources: _Sources, days: _Days, capacity: np.ndarray) -> tuple[np.ndarray, ...]:
        """What the sources could ship, week by week, as lots (day, source, quantity) in day order; a material no
        supplier lists comes in any quantity its own lead time after the first working day."""
        if not sources.suppliers:
            return np.array([days.arrival(sources.own_lead)]), np.array([-1]), np.array([math.inf])
        lot_day, lot_source, lot_qty = self._place(BIG, sources, days, capacity)
        order = np.argsort(lot_day, kind="stable")
        return lot_day[order], lot_source[order], lot_qty[order]

    def _place(
        self, quantity: float, sources: _Sources, days: _Days, capacity: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(sources.suppliers)
        room = n * len(days.supply.week_first)
        lot_day, lot_source, lot_qty = np.empty(room, np.int64), np.empty(room, np.int64), np.empty(room)
        offered = Sources(
            np.arange(n), days.supply.next_work[0] + sources.lead, sources.minimum, sources.multiple, capacity
        )
        # As plain tuples: Numba types a named tuple in Python on every call (some 4 us), a plain one on its fast path.
        calendar = tuple(days.supply)
        placed, _ = place_lots(quantity, 0, 0, n, tuple(offered), calendar, lot_day, lot_source, lot_qty)
        return lot_day[:placed], lot_source[:placed], lot_qty[:placed]

    def _calendar(self, start: date) -> _Days:
        if start not in self._days:
            working = np.array(site_working_days(self.plant, start, HORIZON_DAYS), dtype=bool)
            self._days[start] = _Days(start, supply_days(start, working))
        return self._days[start]

    def name(self, material: str) -> str:
        found = self.plant.materials[material].name
        return f"{found} ({material})" if found else material


def order_build(
    capacity: PlantCapacity, material: PlantMaterial, product: str, configuration: Mapping[str, str], quantity: int
) -> Build:
    """What an order of `quantity` configured units asks the plant to build, before any made stock it may take."""
    load, needs = capacity.load(product, configuration, whole_batches=True), material.needs(product, configuration)
    made = material.structure(product, configuration)
    batches, flow = capacity.batches(product, configuration), capacity.flow(product, configuration)
    return Build(load, needs, quantity, made, configuration, batches, flow)


def book(booked: dict[str, dict[date, float]], allocation: Mapping[str, Mapping[date, float]]) -> None:
    """Add a promise's `allocation` (minutes per work center or pool and day) to what is `booked`."""
    for center, days in allocation.items():
        taken = booked.setdefault(center, {})
        for day, minutes in days.items():
            taken[day] = taken.get(day, 0.0) + minutes


LONG_CYCLE_DAYS = 14
"""The days a batch cycle is held against to tell one that runs across days (longer than any of them) from one
that fits a day."""

Filled = Mapping[tuple[str, date, str], int]
"""The units earlier promises put in batches, per work center or pool, day and batch kind (`BatchKind.key`)."""


def fill(filled: dict[tuple[str, date, str], int], batches: Mapping[tuple[str, date, BatchKind], BatchPlaces]) -> None:
    """Add the units a promise put in batches (`Quote.batches`) to what is `filled`."""
    for (center, day, kind), places in batches.items():
        key = (center, day, kind.key)
        filled[key] = filled.get(key, 0) + places.units


def take_made_stock(
    capacity: PlantCapacity, material: PlantMaterial, order: Build, held: Commitments
) -> tuple[Build, dict[str, float]]:
    """What `order` builds once its units have taken, in turn, the made stock that earlier promises left
    (`unit_structure.from_stock`, first come first served, whole units; `from_lot_stock`, a piece at a time),
    and the stock it takes. A unit a sub-assembly is taken for builds neither it nor anything below it, and one
    that takes pieces of a part made in lots builds only the rest of them; units spared differently differ, so
    a build that takes stock is the order's whole load and needs as one unit."""
    if not order.structure:
        return order, {}
    left = {m: q - held.taken.get(m, 0.0) for m, q in material.made.items()}
    units: Counter[tuple[frozenset[int], tuple[tuple[int, float], ...]]] = Counter()
    for served in range(order.quantity):
        spared = from_stock(order.structure, left)
        pieces = tuple(from_lot_stock(order.structure, spared, left).items())
        units[spared, pieces] += 1 if spared or pieces else order.quantity - served
        if not spared and not pieces:
            break
    if not any(spared or pieces for spared, pieces in units):
        return order, {}
    load: dict[str, float] = defaultdict(float)
    needs: dict[str, float] = defaultdict(float)
    batches: dict[str, Counter[BatchKind]] = defaultdict(Counter)
    for (spared, pieces), count in units.items():
        for center, minutes in capacity.unit_load(order, spared, dict(pieces)).items():
            load[center] += count * minutes
        for bought, quantity in material.unit_needs(order, spared, dict(pieces)).items():
            needs[bought] += count * quantity
        for center, kinds in capacity.unit_batches(order.structure, order.configuration, spared).items():
            for kind, places in kinds.items():
                batches[center][kind] += count * places
    taken = {m: q - held.taken.get(m, 0.0) - left[m] for m, q in material.made.items()}
    build = Build(dict(load), dict(needs), 1, batches={c: dict(kinds) for c, kinds in batches.items()}, flow=order.flow)
    return build, {m: q for m, q in taken.items() if q > EPS}


def check_build(
    capacity: PlantCapacity, material: PlantMaterial, order: Build, start: date, held: Commitments
) -> tuple[Build, MaterialCheck]:
    """What `order` builds after the made stock it takes (`take_made_stock`), and when its bought material is in
    (`PlantMaterial.check`), the made stock counted in what it takes."""
    built, made = take_made_stock(capacity, material, order, held)
    check = material.check(built.needs, built.quantity, start, held)
    return built, replace(check, stock={**check.stock, **made}) if made else check


def promise_build(
    capacity: PlantCapacity,
    material: PlantMaterial,
    order: Build,
    start: date,
    booked: Mapping[str, Mapping[date, float]],
    held: Commitments,
    requested: date | None = None,
    filled: Filled | None = None,
) -> Quote:
    """The promise for `order` from `start` (`promise`, for the `requested` day when it is later) on the minutes
    earlier promises `booked` (as `PlantCapacity.booked` adds them up, for every work center of the order's load),
    the units they put in batches (`filled`) and the material they `held`, after the made stock it takes."""
    built, check = check_build(capacity, material, order, start, held)
    return promise(
        capacity, built.load, built.quantity, start, booked, check, requested, built.batches, filled, built.flow
    )


class PlantCapacity:
    """Each work center's and pool's working minutes per day (memoised): computed once per plant and kept. A
    pool is the work centers one operation can be done on, keyed by their ids joined with "+"."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        self.zone = ZoneInfo(plant.site.timezone)
        self._centers = plant.work_centers()
        self._units = plant.work_units()
        self._line_ramp = LineRamp(plant) if plant.ramp_up is not None else None
        self._calendar_minutes: dict[tuple[str, date], float] = {}
        self._day_minutes: dict[tuple[str, date], float] = {}
        self._relevant: dict[str, tuple[str, ...]] = {}
        self._loads: dict[tuple[str, tuple[str | None, ...], bool], dict[str, float]] = {}
        self._batches: dict[tuple[str, tuple[str | None, ...]], dict[str, dict[BatchKind, int]]] = {}
        self._flows: dict[tuple[str, tuple[str | None, ...]], RouteFlow] = {}
        self._clock: Clock | None = None
        self._packings: dict[tuple[str, date, float], float] = {}
        self._runs: dict[tuple[int, float], int] = {}
        self._eligible: dict[int, str] = {}
        self._windows: dict[tuple[str, date], float] = {}
        self._paced = {c for c, (_, wc) in self._centers.items() if wc.kind == "paced-line" and wc.takt_seconds}
        self.members: dict[str, tuple[str, ...]] = {c: (c,) for c in self._centers}
        """Each work center and pool (by key) and the work centers in it."""
        self._scale: dict[str, dict[str, float]] = {}
        for routing in plant.routings.values():
            for operation in routing.operations:
                self._resource(operation)
        self._overlapping = {
            k: tuple(o for o, m in self.members.items() if set(m) & set(members)) for k, members in self.members.items()
        }

    def _resource(self, operation: RoutingOperation) -> str:
        """The work center or pool that does `operation` (its eligible work centers), kept per operation."""
        if id(operation) not in self._eligible:
            centers = tuple(sorted({self._units[u][1] for u in self.plant.eligible_units(operation)}))
            key = "+".join(centers)
            if len(key) > 64:  # the store keys bookings by at most 64 characters
                key = f"{centers[0]}+{hashlib.sha1(key.encode()).hexdigest()[:12]}"
            if len(centers) > 1 and key not in self.members:
                self.members[key] = centers
                takts = {c: self._centers[c][1].takt_seconds or 0.0 for c in centers}
                if all(c in self._paced for c in centers):
                    self._paced.add(key)
                    self._scale[key] = {c: min(takts.values()) / takts[c] for c in centers}
                else:
                    self._scale[key] = dict.fromkeys(centers, 1.0)
            self._eligible[id(operation)] = key
        return self._eligible[id(operation)]

    def name(self, center: str) -> str:
        return " + ".join(self._centers[c][1].name or c for c in self.members[center])

    def label(self, center: str) -> str:
        """The work center as planners read it: its name and id, or its id when it has no name; a pool by the
        names of its work centers."""
        if len(self.members[center]) > 1:
            return self.name(center)
        name = self._centers[center][1].name
        return f"{name} ({center})" if name and name != center else center

    def overlapping(self, center: str) -> tuple[str, ...]:
        """The work centers and pools that share a work center with `center` (itself included): what any of
        them booked is taken from it."""
        return self._overlapping[center]

    def reads(self, load: Mapping[str, float]) -> frozenset[str]:
        """The work centers and pools whose bookings a promise of `load` reads: those it loads and those that
        share a work center with them."""
        return frozenset(o for center in load for o in self.overlapping(center))

    def booked_on(
        self, load: Mapping[str, float], by_center: Mapping[str, Mapping[date, float]]
    ) -> dict[str, Mapping[date, float]]:
        """The minutes taken on each work center or pool of `load` each day (`booked`)."""
        return {center: self.booked(center, by_center) for center in load}

    def booked(self, center: str, by_center: Mapping[str, Mapping[date, float]]) -> Mapping[date, float]:
        """The minutes taken on `center` each day, from what earlier promises booked `by_center`."""
        keys = [k for k in self.overlapping(center) if by_center.get(k)]
        if len(keys) <= 1:
            return by_center.get(keys[0] if keys else center, {})
        taken: dict[date, float] = defaultdict(float)
        for key in keys:
            for day, minutes in by_center[key].items():
                taken[day] += minutes
        return taken

    def load(self, product: str, configuration: Mapping[str, str], whole_batches: bool = False) -> dict[str, float]:
        """Minutes one configured unit puts on each work center or pool: its material's operations and, through
        the configured BOM, those of every made material below it, a batch operation's a share of a full batch.
        With `whole_batches`, the batch operations of the parts made per unit are left out (their work center
        stays, with the minutes of its other operations): a promise books them as whole batches (`batches`)."""
        return dict(self._below(self.plant.products[product].material, configuration, whole_batches))

    def batches(self, product: str, configuration: Mapping[str, str]) -> dict[str, dict[BatchKind, int]]:
        """The units one configured unit puts in batches of each kind on each work center or pool: one per batch
        operation of each part made per unit in it (not on a paced line, which counts its takt), as the scheduler
        batches them (`scheduling.plant`); memoised as `load` is."""
        material = self.plant.products[product].material
        key = (material, tuple(configuration.get(f) for f in self._families(material)))
        if key not in self._batches:
            nodes = structure(self.plant, material, configuration)
            self._batches[key] = self.unit_batches(nodes, configuration)
        return self._batches[key]

    def flow(self, product: str, configuration: Mapping[str, str]) -> RouteFlow:
        """Each work center's offset in a configured unit's route (`c2m.flow`), memoised as `load` is."""
        material = self.plant.products[product].material
        key = (material, tuple(configuration.get(f) for f in self._families(material)))
        if key not in self._flows:
            if self._clock is None:
                self._clock = Clock({center: self._working_windows(center) for center in self.members})
            self._flows[key] = route_flow(self._stage(material, configuration, 1.0), self._clock)
        return self._flows[key]

    def _stage(self, material: str, configuration: Mapping[str, str], quantity: float) -> Stage:
        """`quantity` of `material` as a stage of a unit's route: its operations, each the working days it takes
        on the fastest unit that may do it (a batch its cycles and the most it waits to fill), after the stages of
        its made components (a part made in lots too: the unit waits for its lot). A part made per unit runs each
        operation as one job that does not pause (the scheduler's), unless it is a batch's or a paced line's."""
        steps = []
        per_unit = self.plant.materials[material].lot_size.rule == "lot-for-lot"
        for operation in operations(self.plant, material, configuration):
            center = self._resource(operation)
            minutes = self._fastest_run(operation, quantity) / 60 + (operation.batch_wait_minutes or 0.0)
            whole = per_unit and not operation.batch_size and center not in self._paced
            steps.append(Step(center, minutes, whole))
        made = [
            line
            for line in bom_lines(self.plant, material, configuration)
            if self.plant.materials[line.component].source == "make" and line.component in self.plant.routings
        ]
        inputs = tuple(self._stage(line.component, configuration, quantity * line.issued) for line in made)
        return Stage(tuple(steps), inputs)

    def _fastest_run(self, operation: RoutingOperation, quantity: float) -> int:
        """`fastest_run` of `operation` on its eligible units, kept per operation and quantity."""
        key = (id(operation), quantity)
        if key not in self._runs:
            self._runs[key] = fastest_run(self.plant, self.plant.eligible_units(operation), operation, quantity)
        return self._runs[key]

    def _working_windows(self, center: str) -> tuple[tuple[float, float], ...]:
        """The working windows (minutes from midnight) of a full working day of `center` (of a pool, its members'
        together): those of its calendar's longest day over two weeks from the plant's first day, which a unit's
        flow is walked on (`c2m.flow`), cut at 24 h (the longest may be the 25 h day the clocks go back)."""
        first = self.plant.first_day()
        calendars = {self._centers[c][1].calendar for c in self.members[center]}
        days = [first + timedelta(days=d) for d in range(14)]
        windows = []
        for calendar in calendars:
            day = max(days, key=partial(self._calendar, calendar))
            found = day_windows(self.plant.calendars[calendar], self.zone.key, day)
            windows += [(a / 60, min(b / 60, DAY)) for a, b in found if a / 60 < DAY]
        return tuple(merged(windows))

    def whole_job_minutes(self, center: str, day: date, job: float) -> float:
        """The working minutes of `center` on `day` that jobs of `job` minutes, each run in one piece within the
        calendar's working windows (a break or a shift's end it may not cross), can fill: all of them for a
        short job, two 300-minute jobs' worth of a 480-minute shift."""
        if job <= 0:
            return self.minutes(center, day)
        if center in self._scale:
            return sum(f * self.whole_job_minutes(c, day, job) for c, f in self._scale[center].items())
        return self.minutes(center, day) * self._packing(self._centers[center][1].calendar, day, job)

    def _packing(self, calendar_id: str, day: date, job: float) -> float:
        """The share of `day`'s working minutes of a calendar that whole jobs of `job` minutes can fill: each
        working window, joined with those it touches on the day before and after (a 24/7 calendar runs on
        across midnight), holds as many whole jobs as fit it, counted on the day for its part of the window."""
        key = (calendar_id, day, job)
        if key not in self._packings:
            epoch = site_day(day - timedelta(days=1), self.zone)[0]
            first, last = ((midnight - epoch).total_seconds() for midnight in site_day(day, self.zone))
            filled = worked = 0.0
            for a, b in working_windows(self.plant.calendars[calendar_id], self.zone.key, epoch, 3):
                part = max(0.0, min(b, last) - max(a, first))
                worked += part
                filled += part * math.floor((b - a) / (job * 60) + EPS) * job * 60 / (b - a)
            self._packings[key] = filled / worked if worked else 1.0
        return self._packings[key]

    def works(self, center: str, day: date) -> bool:
        """Whether `center` (or a work center of the pool) has working minutes in its calendar on `day`."""
        return any(self._calendar(self._centers[c][1].calendar, day) > 0 for c in self.members[center])

    def after(self, center: str, day: date, count: int) -> date:
        """The `count`-th day after `day` that `center` works (`day` itself for none; within the horizon)."""
        for _ in range(count):
            day = next(
                (d for k in range(1, HORIZON_DAYS + 1) if self.works(center, d := day + timedelta(days=k))),
                day + timedelta(days=HORIZON_DAYS),
            )
        return day

    def before(self, center: str, day: date, count: int) -> date:
        """The last day whose `count`-th working day of `center` after it (`after`) is `day` or earlier."""
        for _ in range(count):
            day = next(
                (d for k in range(HORIZON_DAYS) if self.works(center, d := day - timedelta(days=k))),
                day - timedelta(days=HORIZON_DAYS),
            ) - timedelta(days=1)
        return day

    def unit_batches(
        self, nodes: tuple[Node, ...], configuration: Mapping[str, str], spared: frozenset[int] = frozenset()
    ) -> dict[str, dict[BatchKind, int]]:
        """`batches` of a unit of made structure `nodes` that takes the `spared` nodes from stock."""
        found: dict[str, Counter[BatchKind]] = defaultdict(Counter)
        for index, node in enumerate(nodes):
            if index in spared or node.lot:
                continue
            for operation in operations(self.plant, node.material, configuration):
                center = self._resource(operation)
                if operation.batch_size and center not in self._paced:
                    whole = whole_pieces(node.quantity)
                    cycle = operation.run_minutes * math.ceil(whole / operation.batch_size)
                    kind = BatchKind(node.material, operation.id, whole, batch_units(operation, node.quantity), cycle)
                    found[center][kind] += 1
        return {center: dict(kinds) for center, kinds in found.items()}

    def unit_load(self, order: Build, spared: frozenset[int], lots: Mapping[int, float]) -> dict[str, float]:
        """Minutes one unit of `order` puts on each work center or pool when it takes the `spared` nodes of its
        structure from stock, and `lots` pieces of its lot-made nodes: every other node's operations (a lot's
        with all below it, as `load` counts them, for the pieces not taken), each a paced line's takt once; the
        batch operations of parts made per unit are left to `unit_batches`."""
        load: dict[str, float] = defaultdict(float)
        for index, node in enumerate(order.structure):
            built = node.quantity - lots.get(index, 0.0)
            if index in spared or built <= EPS:
                continue
            own = (
                self._below(node.material, order.configuration)
                if node.lot
                else self._own(node.material, order.configuration, whole_batches=True)
            )
            for center, minutes in own.items():
                if center in self._paced:
                    load[center] = max(load[center], built * minutes)
                else:
                    load[center] += built * minutes
        return dict(load)

    def _families(self, material: str) -> tuple[str, ...]:
        if material not in self._relevant:
            self._relevant[material] = _conditioned_families(self.plant, material)
        return self._relevant[material]

    def _below(self, material: str, configuration: Mapping[str, str], whole_batches: bool = False) -> dict[str, float]:
        """The load of one unit of `material`, kept per choice of the families its own subtree depends on (the
        same sub-assembly in many configurations is worked out once); with `whole_batches`, without the batch
        operations of the parts made per unit (a part made in lots and all below it keep theirs)."""
        key = (material, tuple(configuration.get(f) for f in self._families(material)), whole_batches)
        if key not in self._loads:
            load = self._own(material, configuration, whole_batches)
            for line in bom_lines(self.plant, material, configuration):
                per_unit = line.issued
                apart = whole_batches and self.plant.materials[line.component].lot_size.rule == "lot-for-lot"
                for center, minutes in self._below(line.component, configuration, apart).items():
                    if center in self._paced:  # the unit passes down the line once, its parts with it
                        load[center] = max(load.get(center, 0.0), per_unit * minutes)
                    else:
                        load[center] = load.get(center, 0.0) + per_unit * minutes
            self._loads[key] = load
        return self._loads[key]

    def _own(self, material: str, configuration: Mapping[str, str], whole_batches: bool = False) -> dict[str, float]:
        """Minutes one unit of `material` takes on each work center or pool for its own routing operations; a
        paced line (or pool of them) counts its takt once, however many of its stations the operations use, or the
        longest hold of a station whose work is longer (`_hold`). A batch operation takes a share of a full batch,
        or with `whole_batches` none (`unit_batches` counts it)."""
        load: dict[str, float] = defaultdict(float)
        for operation in operations(self.plant, material, configuration):
            center = self._resource(operation)
            if center in self._paced:
                load[center] = max(load[center], self._takt(center) / 60 * self._hold(operation, center))
            elif whole_batches and operation.batch_size:
                load[center] += 0.0
            else:
                load[center] += operation.run_minutes / (operation.batch_size or 1)
        return dict(load)

    def _hold(self, operation: RoutingOperation, center: str) -> float:
        """How many takts a station of paced `center` holds a unit for `operation`: one, or its run on the fastest
        unit that may do it over the takt where longer (`run_seconds`: the line waits for it, as the scheduler and
        the twin count it); of a pool of lines, the most of any."""
        on_line: dict[str, list[str]] = defaultdict(list)
        for unit in self.plant.eligible_units(operation):
            if self._units[unit][1] in self.members[center]:
                on_line[self._units[unit][1]].append(unit)
        fastest = {
            line: fastest_run(self.plant, units, operation, 1) / (self._centers[line][1].takt_seconds or 1.0)
            for line, units in on_line.items()
        }
        return max(1.0, *fastest.values())

    def _takt(self, center: str) -> float:
        """A paced line's takt, or a pool of them's shortest, in seconds."""
        return min(self._centers[c][1].takt_seconds or 0.0 for c in self.members[center])

    def minutes(self, center: str, day: date) -> float:
        """Working minutes of `center` on `day` (site-local)."""
        key = (center, day)
        if key not in self._day_minutes:
            self._day_minutes[key] = self._minutes(center, day)
        return self._day_minutes[key]

    def _minutes(self, center_id: str, day: date) -> float:
        if center_id in self._scale:
            return sum(f * self.minutes(c, day) for c, f in self._scale[center_id].items())
        center = self._centers[center_id][1]
        paced = center.kind == "paced-line" and center.takt_seconds
        units = 1.0 if paced else sum(u.speed_factor for u in center.work_units.values())
        worked = self._calendar(center.calendar, day)
        if self._line_ramp is None or self._line_ramp.ramp.line != center_id or not center.takt_seconds:
            return worked * units
        return self._line_ramp.seconds(day, worked * 60) / 60

    def ramp_note(self, center: str, day: date) -> str:
        """What the ramp-up curve allows `center` on `day`, when it is (or pools) the ramp-up line (else nothing)."""
        ramp = self._line_ramp
        month = ramp.month(day) if ramp is not None else None
        if ramp is None or ramp.ramp.line not in self.members[center] or month is None:
            return ""
        return (
            f"; ramp-up month {month + 1}: {ramp.units_a_day(month):,.1f} units a day "
            f"at {ramp.curve[month].efficiency:.0%} efficiency"
        )

    def _calendar(self, calendar_id: str, day: date) -> float:
        key = (calendar_id, day)
        if key not in self._calendar_minutes:
            seconds = worked_seconds(self.plant.calendars[calendar_id], self.zone.key, day)
            self._calendar_minutes[key] = seconds / 60
        return self._calendar_minutes[key]

    def constrained(self, load: Mapping[str, float], start: date) -> str:
        """The work center or pool whose next WINDOW_DAYS cover the load the fewest times (ties: the first by
        key)."""
        return min(sorted(load), key=lambda c: self._window(c, start) / load[c])

    def _window(self, center: str, start: date) -> float:
        """Working minutes of `center` in the WINDOW_DAYS from `start`."""
        key = (center, start)
        if key not in self._windows:
            self._windows[key] = sum(self.minutes(center, start + timedelta(days=d)) for d in range(WINDOW_DAYS))
        return self._windows[key]

    def first_day(self, ordered_at: datetime) -> date:
        """The first day an order can be worked on: the site-local day after it was placed, and not before the
        plant's stock and open orders were counted (`as_of`), which is what its material is promised from."""
        return self.plant.from_count(ordered_at.astimezone(self.zone).date() + timedelta(days=1))


def promise(
    capacity: PlantCapacity,
    load: Mapping[str, float],
    quantity: int,
    start: date,
    booked: Mapping[str, Mapping[date, float]],
    material: MaterialCheck | None = None,
    requested: date | None = None,
    batches: Mapping[str, Mapping[BatchKind, int]] | None = None,
    filled: Filled | None = None,
    flow: RouteFlow = NO_FLOW,
) -> Quote:
    """The earliest day every work center or pool of the order's `load` has `quantity` units' minutes free, and
    room for their `batches` (`_fit`), from `start` or from the day the order's `material` is in if later, given
    the minutes earlier promises `booked` on each of them each day (as `PlantCapacity.booked` adds them up) and
    the units they put in batches there (`filled`). Each work center is fitted on its own days, a rough cut, from
    the working days of the route's `flow` before it; the order is done the route's working days after its last
    day, and the promise is the day the last work center is done: it binds the promise (ties: the constrained
    one). The binding constraint is the material when the work centers alone would have promised an earlier day.
    When the customer `requested` a later day, that day is promised and the minutes are booked as late as they
    fit before it (the last free minute first), so that a far-off order leaves the coming days to the orders that
    need them. A promise without a date takes, books and buys nothing. The minutes an order needs on a work center
    (`Quote.minutes`) count its batches full of its own units."""
    work = {center: minutes * quantity for center, minutes in load.items()}
    units = {c: {kind: n * quantity for kind, n in kinds.items()} for c, kinds in (batches or {}).items()}
    need, per_unit = dict(work), dict(load)
    for center, kinds in units.items():
        alone = sum(kind.cycle * math.ceil(n / kind.size) for kind, n in kinds.items())
        need[center] = need.get(center, 0.0) + alone
        per_unit[center] = per_unit.get(center, 0.0) + alone / quantity
    constrained = capacity.constrained(per_unit, start)
    route = _Route(capacity, flow, tuple(need), booked)
    fit = _Fit(capacity, work, units, booked, filled or {}, constrained, flow.jobs)
    if material is not None and material.ready is None:
        why = f"the bought material is not in within {HORIZON_DAYS} days ({material.binding})"
        return Quote(None, constrained, need[constrained], why, constraint=material.binding or "")
    ready = max(start, material.ready) if material and material.ready else start
    end = start + timedelta(days=HORIZON_DAYS)
    short, allocation, placed = fit(route.forward(ready, end))
    if short is not None:
        why = f"{capacity.label(short)}: no {_minutes(need[short])} free minutes within {HORIZON_DAYS} days"
        if ready > start and material is not None:
            why += f" (from {ready}, when the bought material is in: {material.binding}, to {end})"
        return Quote(None, short, need[short], why, constraint=f"{capacity.label(short)} capacity")
    done = route.done(allocation)
    center = max(done, key=lambda c: (done[c], c == constrained))
    day = done[center]
    why = _why(
        capacity, center, need[center], route.first(center, ready), max(allocation[center]), booked.get(center, {})
    )
    why += route.note(center)
    constraint = f"{capacity.label(center)} capacity"
    if material is not None and material.binding and ready > start:
        short, unbound, _ = fit(route.forward(start, end))
        if short is not None or max(route.done(unbound).values()) < day:
            constraint = material.binding
            why = f"the bought material is in on {ready} ({material.binding}); then " + why
    promised = day
    if requested is not None and requested > day:
        latest = min(requested, end - timedelta(days=1))
        late, allocation_late, placed_late = fit(route.backward(ready, latest))
        if late is None:
            allocation, placed = allocation_late, placed_late
        promised, constraint = requested, REQUESTED
        why = f"promised for the requested date, booked as late as it fits; it could be built by {day}: {why}"
    stock, lots = (material.stock, material.lots) if material is not None else ({}, ())
    return Quote(
        promised, center, need[center], why, allocation, constraint, stock, lots=lots, earliest=day, batches=placed
    )


@dataclass(frozen=True)
class _Route:
    """The days each of an order's work `centers` may be booked on, and the day the order is done after them, as
    the route's `flow` offsets them (`c2m.flow`): from its lead in working days of the work center; done the
    rest of the route after its last day, on the working days of the route's last work center. A day's minutes
    are worked in the order they were booked: the order's end on a work center's last day is what earlier
    promises `booked` that day and its own minutes, as a share of the day."""

    capacity: PlantCapacity
    flow: RouteFlow
    centers: tuple[str, ...]
    booked: Mapping[str, Mapping[date, float]]

    def first(self, center: str, ready: date) -> date:
        return self.capacity.after(center, ready, self.flow.lead(center))

    def forward(self, ready: date, end: date) -> dict[str, range]:
        """Each work center's days from its first after `ready` to before `end`, earliest first."""
        return {c: _days(self.first(c, ready), end) for c in self.centers}

    def backward(self, ready: date, latest: date) -> dict[str, range]:
        """Each work center's days from its first after `ready` to the last on which its work, ending with the
        day, leaves the rest of the route time to be done by `latest`; latest first."""
        windows = {}
        for c in self.centers:
            last = self.capacity.before(self._finish(c), latest, self.flow.days_after(c, 1.0))
            windows[c] = _days(self.first(c, ready), last + timedelta(days=1))[::-1]
        return windows

    def done(self, allocation: Mapping[str, Mapping[date, float]]) -> dict[str, date]:
        """The day the order is done after each work center's last booked day."""
        found = {}
        for center, days in allocation.items():
            last = max(days)
            minutes = self.capacity.minutes(center, last)
            worked = (self.booked.get(center, {}).get(last, 0.0) + days[last]) / minutes if minutes > 0 else 1.0
            later = self.flow.days_after(center, min(1.0, worked))
            found[center] = self.capacity.after(self._finish(center), last, later)
        return found

    def note(self, center: str) -> str:
        """What the route adds to the promise around `center`, in a planner's words (nothing when it adds none)."""
        offset = self.flow.offsets.get(center)
        if offset is None:
            return ""
        days = f"{offset.lead} working day{'s' if offset.lead > 1 else ''}"
        parts = [f"{days} of the route before it"] if offset.lead else []
        parts += [f"{offset.after / 60:.1f} h after it"] if offset.after >= 6 else []
        return f"; a unit takes {' and '.join(parts)}" if parts else ""

    def _finish(self, center: str) -> str:
        return self.flow.finish or center


REQUESTED = "the requested date"
"""The constraint of a promise made for the day the customer asked for, later than the plant could build it."""


def _days(first: date, end: date) -> range:
    """The days from `first` to before `end`, as ordinals (a range walks them either way without a list)."""
    return range(first.toordinal(), max(first, end).toordinal())


@dataclass(frozen=True)
class _Fit:
    """An order's `work` minutes and batch `units` on each work center or pool, to fit on the minutes earlier
    promises `booked` and the units they put in batches (`filled`), the `constrained` one first, each day's
    minutes as whole `jobs` of a unit there fill them."""

    capacity: PlantCapacity
    work: Mapping[str, float]
    units: Mapping[str, Mapping[BatchKind, int]]
    booked: Mapping[str, Mapping[date, float]]
    filled: Filled
    constrained: str
    jobs: Mapping[str, float]

    def __call__(
        self, windows: Mapping[str, range]
    ) -> tuple[str | None, dict[str, dict[date, float]], dict[tuple[str, date, BatchKind], BatchPlaces]]:
        """The first work center on which the order does not fit in its `windows` days (None: each fits), and
        each one's minutes per day until then and the units it puts in batches (`_fit`)."""
        allocation: dict[str, dict[date, float]] = {}
        placed: dict[tuple[str, date, BatchKind], BatchPlaces] = {}
        centers = [*self.work, *(c for c in self.units if c not in self.work)]
        for center in sorted(centers, key=lambda c: c != self.constrained):
            fitted = _fit(
                self.capacity,
                center,
                self.work.get(center, 0.0),
                windows[center],
                self.booked.get(center, {}),
                self.units.get(center, {}),
                self.filled,
                self.jobs.get(center, 0.0),
            )
            if fitted is None:
                return center, allocation, placed
            allocation[center] = fitted[0]
            placed.update(fitted[1])
        return None, allocation, placed


def _fit(
    capacity: PlantCapacity,
    center: str,
    need: float,
    days: range,
    booked: Mapping[date, float],
    units: Mapping[BatchKind, int],
    filled: Filled,
    job: float = 0.0,
) -> tuple[dict[date, float], dict[tuple[str, date, BatchKind], BatchPlaces]] | None:
    """The minutes `need` and the batch `units` take on each of `days` (ordinals) of `center` (within the horizon
    counted from the order's start: the days whose bookings the desk reads), in the order the days are given, and
    the units put in batches each day; None when they do not fit. A day holds the minutes its working windows
    leave jobs of `job` minutes in one piece (`PlantCapacity.whole_job_minutes`). On each day the units of each
    kind first fill the room earlier promises left in that day's open batch (`filled`: free, the batch's cycle is
    booked), then open new batches, each a whole cycle of the day's free minutes; `need` takes the free minutes
    left. A kind whose cycle is longer than any of the first `LONG_CYCLE_DAYS` days' minutes runs across days (a
    furnace's 30-hour charge on a 24/7 calendar): it cannot be booked whole within a day, and is counted as before,
    its units' share of a full batch with `need`."""
    allocation: dict[date, float] = {}
    placed: dict[tuple[str, date, BatchKind], BatchPlaces] = {}
    longest = max((capacity.minutes(center, date.fromordinal(o)) for o in days[:LONG_CYCLE_DAYS]), default=0.0)
    left, waiting = need, {}
    for kind, count in units.items():
        if kind.cycle > longest:
            left += kind.cycle * count / kind.size
        else:
            waiting[kind] = count
    for ordinal in days:
        day = date.fromordinal(ordinal)
        free = capacity.whole_job_minutes(center, day, job) - booked.get(day, 0.0)
        took, worked = 0.0, False
        for kind in sorted(k for k, n in waiting.items() if n):
            room = -filled.get((center, day, kind.key), 0) % kind.size
            more = math.ceil(max(0, waiting[kind] - room) / kind.size)
            opened = min(more, max(0, math.floor((free - took + 1e-9) / kind.cycle))) if kind.cycle > 0 else more
            put = min(waiting[kind], room + opened * kind.size)
            if put:
                placed[center, day, kind] = BatchPlaces(put, opened * kind.cycle)
                waiting[kind] -= put
                took += opened * kind.cycle
                worked = True
        if free - took > 1e-9 and (left > 1e-9 or not units):
            take = min(free - took, left)
            took += take
            left -= take
            worked = True
        if not worked:
            continue
        allocation[day] = took
        if left <= 1e-9 and not any(waiting.values()):
            return allocation, placed
    return None


def _minutes(minutes: float) -> str:
    """Minutes as planners read them: whole minutes, or two figures below ten (a small order's 0.5 min is not 0)."""
    return f"{minutes:,.0f}" if minutes >= 10 else f"{minutes:.2g}"


def _span(days: float) -> str:
    """A lead time as planners say it: whole weeks in weeks, else days."""
    return f"{days / 7:g} weeks" if days % 7 == 0 else f"{days:g} days"


def _why(
    capacity: PlantCapacity, center: str, need: float, start: date, promised: date, booked: Mapping[date, float]
) -> str:
    days = [start + timedelta(days=d) for d in range((promised - start).days + 1)]
    total = sum(capacity.minutes(center, d) for d in days)
    taken = sum(min(booked.get(d, 0.0), capacity.minutes(center, d)) for d in days)
    share = taken / total if total else 1.0
    return (
        f"{capacity.label(center)} binds the promise: the order needs {_minutes(need)} min there; "
        f"{share:.0%} of its {total:,.0f} working min from {start} to {promised} was already promised"
        + capacity.ramp_note(center, promised)
    )


def _conditioned_families(plant: Plant, material: str) -> tuple[str, ...]:
    """The option families that any BOM line or routing operation below `material` is conditioned on."""
    families: set[str] = set()
    seen: set[str] = set()
    todo = [material]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        routing = plant.routings.get(current)
        for operation in routing.operations if routing else []:
            families.update(operation.when or {})
        for line in plant.boms.get(current, []):
            families.update(line.when or {})
            todo.append(line.component)
    return tuple(sorted(families))
