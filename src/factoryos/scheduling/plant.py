"""From the plant and its orders to a scheduling problem, and from a schedule back to the plant.

Until material planning exists, every customer order line becomes one production order, released in
due-date order. Its work orders are the configured routing operations of the product and of every made
sub-assembly under it (body, paint, battery pack, modules...), scheduled per unit (serial): a vehicle
is one job whose operations form a DAG in which sub-assemblies precede their parent. Materials made in
lots (any lot-size rule but lot-for-lot, e.g. stamped panels and castings) get production orders of
their own, one per lot, cut from the units' demand in due-date order; a lot precedes the units it feeds, and
its operations wait for the bought parts they draw. Stock of a sub-assembly made per unit spares the units due
first that sub-assembly and all below it (`factoryos.model.unit_structure`).

A routing operation with a `batch_size` runs on its work unit in batches (an oven, a flashing rack): its
run time is one batch's cycle, and up to `batch_size` units' operations of the same material and step
share a batch (a unit that needs several pieces takes as many places); a lot too big for one batch runs
as many cycles as it needs.

Time in the problem is whole seconds from the plan's epoch (a UTC instant); machines are work units.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import numpy as np

from factoryos.c2m.supply import site_working_days
from factoryos.model.configuration import bom_lines, operations
from factoryos.model.errors import FactoryosError
from factoryos.model.lots import DAYS_A_YEAR, lot_size
from factoryos.model.orders import CustomerOrder, CustomerOrderState, ProductionOrder, ScheduledOperation, WorkOrder
from factoryos.model.plant import BomLine, Plant, RoutingOperation
from factoryos.model.shift_times import merged, site_day
from factoryos.model.unit_structure import Node, from_stock, made_stock, structure
from factoryos.scheduling.calendar import Periods, earliest_start, finish
from factoryos.scheduling.plant_calendar import unavailable_periods
from factoryos.scheduling.problem import Job, Machine, Mode, Operation, Problem
from factoryos.scheduling.schedule import Schedule, setup_times

OPEN = (CustomerOrderState.RECEIVED, CustomerOrderState.PROMISED)
"""Customer orders that still need production."""
BATCH_DUE_SPAN = 7 * 86_400
"""A batch (a rack in an oven) holds units due within a week of its first: units due next month are built when
their turn comes, and would hold back a batch of units due this week."""


@dataclass(frozen=True)
class PlantProblem:
    """The core's problem plus what maps it back: the work unit of each machine and, kept as compact arrays
    (a week of a big plant has millions of operations), the production order of each job and the place of
    each operation among its production order's work orders. A unit's job is named by its serial, a lot's
    by its production order."""

    problem: Problem
    epoch: datetime
    machines: tuple[str, ...]
    production_orders: tuple[ProductionOrder, ...]
    job_orders: array[int]
    steps: array[int]


class _Plans:
    """Per configured product: (nodes, [(node index, routing operation)] in work-order order, the bought materials
    each of those operations consumes); kept because a month of orders repeats a few hundred configurations."""

    def __init__(self, plant: Plant) -> None:
        self.plant = plant
        self.known: dict[tuple, tuple] = {}

    def __call__(self, order: ProductionOrder) -> tuple:
        key = (order.material, tuple(sorted(order.configuration.items())))
        if key not in self.known:
            nodes = structure(self.plant, order.material, order.configuration)
            steps = tuple(
                (index, op)
                for index, node in enumerate(nodes)
                if not node.lot
                for op in operations(self.plant, node.material, order.configuration)
            )
            self.known[key] = (nodes, steps, self._consumed(nodes, steps, order.configuration))
        return self.known[key]

    def _consumed(
        self, nodes: Sequence[Node], steps: Sequence[tuple[int, RoutingOperation]], configuration: Mapping[str, str]
    ) -> tuple[tuple[str, ...], ...]:
        """Per step, the bought components its operation consumes: those whose BOM line names it, and those
        naming none (or an operation this configuration leaves out) at their parent's first step."""
        first: dict[int, int] = {}
        step_of: dict[tuple[int, str], int] = {}
        for step, (index, op) in enumerate(steps):
            first.setdefault(index, step)
            step_of[index, op.id] = step
        consumed: list[list[str]] = [[] for _ in steps]
        for index, node in enumerate(nodes):
            if index not in first:
                continue
            for line in bom_lines(self.plant, node.material, configuration):
                if self.plant.materials[line.component].source == "buy":
                    consumed[step_of.get((index, line.operation or ""), first[index])].append(line.component)
        return tuple(tuple(materials) for materials in consumed)


def production_orders(plant: Plant, orders: Sequence[CustomerOrder]) -> list[ProductionOrder]:
    """One production order per open customer order line, due on the date the plant answers for (requested, or
    promised when that is later), in that order (the order they are released in), then one per lot of every
    material made in lots, cut from the units' demand in that same order. A work order is released for what its
    units build: none for a sub-assembly that stock gives every one of them."""
    open_orders = sorted((o for o in orders if o.state in OPEN), key=lambda o: (o.committed_date, o.ordered_at, o.id))
    if not open_orders:
        raise FactoryosError("no open customer orders to schedule: generate or import orders first")
    result = []
    plans = _Plans(plant)
    names: dict[tuple[str, str], str] = {}
    for order in open_orders:
        if order.product not in plant.products:
            raise FactoryosError(f"order {order.id}: product {order.product!r} is not in plant {plant.site.id!r}")
        # MO, a manufacturing order: PO names the purchase orders released from a plan
        po_id = f"MO{order.id[2:]}" if order.id.startswith("CO") else f"MO-{order.id}"
        production = ProductionOrder(
            id=po_id,
            site=plant.site.id,
            material=plant.products[order.product].material,
            quantity=order.quantity,
            configuration=dict(order.configuration),
            due_date=order.committed_date,
            customer_order=order.id,
        )
        result.append(production)
    spared = _spared(plant, result, plans)
    for production in result:
        nodes, steps, _ = plans(production)
        units = spared[production.id]
        production.work_orders = [
            WorkOrder(
                id=f"{production.id}-{position:03d}",
                production_order=production.id,
                position=position,
                operation=names.setdefault((nodes[index].material, op.id), f"{nodes[index].material}/{op.id}"),
                quantity=math.ceil(nodes[index].quantity * _building(units, index)),
            )
            for position, (index, op) in enumerate((steps[step] for step in _built_steps(steps, units)), start=1)
        ]
    return result + _lot_orders(plant, result, plans, spared)


def _spared(plant: Plant, units: Sequence[ProductionOrder], plans: _Plans) -> dict[str, tuple[frozenset[int], ...]]:
    """Per production order of units, per unit in turn, the nodes stock of made parts spares it
    (`unit_structure.from_stock`), the orders served in the order given: the order they are released in."""
    left = made_stock(plant)
    return {order.id: tuple(from_stock(plans(order)[0], left) for _ in range(order.quantity)) for order in units}


def _building(spared: Sequence[frozenset[int]], index: int) -> int:
    """How many of an order's units build node `index`."""
    return sum(index not in nodes for nodes in spared)


def _built_steps(steps: Sequence[tuple[int, RoutingOperation]], spared: Sequence[frozenset[int]]) -> list[int]:
    """The steps of an order's plan that some unit of it builds, in order: its work orders."""
    return [step for step, (index, _) in enumerate(steps) if _building(spared, index)]


def _lot_orders(
    plant: Plant, units: Sequence[ProductionOrder], plans: _Plans, spared: Mapping[str, Sequence[frozenset[int]]]
) -> list[ProductionOrder]:
    """Lots of each material made in lots for what the units need of it beyond the plant file's stock of it (none
    for a unit whose sub-assembly above the lot is taken from stock)."""
    demand: dict[str, float] = {material: -held for material, held in plant.stock_on_hand().items()}
    first_due: dict[str, date] = {}
    last_due: dict[str, date] = {}
    for order in units:
        nodes, _, _ = plans(order)
        for index, node in enumerate(nodes):
            if node.lot:
                building = _building(spared[order.id], index)
                demand[node.material] = demand.get(node.material, 0.0) + node.quantity * building
                if demand[node.material] > 1e-9:  # the first order the stock does not cover
                    first_due.setdefault(node.material, order.due_date)
                    last_due[node.material] = max(order.due_date, last_due.get(node.material, order.due_date))
    lots: list[ProductionOrder] = []
    for material, total in demand.items():
        if material not in first_due:
            continue
        size = _lot_size(plant, material, total, first_due[material], last_due[material])
        for _ in range(math.ceil(total / size - 1e-9)):
            po_id = f"LOT{len(lots) + 1:05d}"
            lot = ProductionOrder(
                id=po_id,
                site=plant.site.id,
                material=material,
                quantity=size,
                configuration={},
                due_date=first_due[material],
            )
            lot.work_orders = [
                WorkOrder(f"{po_id}-{k:03d}", po_id, k, f"{material}/{op.id}", size)
                for k, op in enumerate(plant.routings[material].operations, start=1)
            ]
            lots.append(lot)
    return lots


def _made_in_lots(plant: Plant, material: str) -> bool:
    return plant.materials[material].lot_size.rule != "lot-for-lot"


def _lot_size(plant: Plant, material: str, need: float, first: date, last: date) -> int:
    """The lot of `material`: the plant file's quantity where its rule names one (a fixed lot, a minimum, one
    multiple), else sized as the twin and MRP size it (`model.lots.lot_size`) for the `need` the units due from
    `first` to `last` have of it beyond its stock, spread over the site's working days between: a period order
    quantity covers `periods` of them, an EOQ weighs their need over a year of such days."""
    rule = plant.materials[material].lot_size
    if rule.quantity:
        return max(1, math.ceil(rule.quantity - 1e-9))
    days = (last - first).days + 1
    working = sum(site_working_days(plant, first, days)) or days
    return lot_size(plant.materials[material], need / working, DAYS_A_YEAR * working / days)


def build_problem(
    plant: Plant,
    orders: Sequence[ProductionOrder],
    epoch: datetime,
    releases: Mapping[str, datetime] | None = None,
    calendar_days: int = 120,
    material_in: Mapping[str, Mapping[str, datetime]] | None = None,
) -> PlantProblem:
    """The scheduling problem of these production orders (as `production_orders` made them) from `epoch`.

    `releases` gives the earliest start of a production order (its customer order's arrival, say); `material_in`,
    per production order, when bought materials that are not there yet come in: a unit's operation that consumes
    one (its BOM line's `operation`, else its parent's first) starts no earlier. The calendars are laid out over
    `calendar_days` days."""
    releases, material_in = releases or {}, material_in or {}
    builder = _ProblemBuilder(plant, orders, epoch, calendar_days)
    zone = ZoneInfo(plant.site.timezone)
    lots = [o for o in orders if _made_in_lots(plant, o.material)]
    units = [o for o in orders if not _made_in_lots(plant, o.material)]
    for lot in lots:
        builder.add_lot(lot, _seconds(lot.due_date, epoch, zone))
    plans = _Plans(plant)
    spared = _spared(plant, units, plans)
    for order in units:
        release = max(0, _seconds_at(releases.get(order.id, epoch), epoch))
        waits = {m: _seconds_at(at, epoch) for m, at in material_in.get(order.id, {}).items()}
        builder.add_units(order, plans(order), spared[order.id], release, _seconds(order.due_date, epoch, zone), waits)
    return builder.plant_problem()


class _ProblemBuilder:
    """The problem's jobs, operations and precedences as orders are added: lots first, so that each unit's
    operations can follow the lots it is pegged to. Operations repeat across units, so each distinct one
    (material, step, quantity, setup-relevant options, first eligible unit) is worked out once."""

    def __init__(self, plant: Plant, orders: Sequence[ProductionOrder], epoch: datetime, calendar_days: int) -> None:
        self.plant = plant
        self.orders = orders
        self.epoch, self.calendar_days = epoch, calendar_days
        self.machines = list(plant.work_units())
        self.machine_index = {unit: m for m, unit in enumerate(self.machines)}
        self.machine_group = _machine_groups(plant)
        self.group_index: dict[str, int] = {}
        self.attributes = sorted({group.attribute for group in plant.changeovers.values()})
        self.where = {order.id: k for k, order in enumerate(orders)}
        self.jobs: list[Job] = []
        self.ops: list[Operation] = []
        self.job_orders, self.steps = array("i"), array("i")
        self.precedences: list[tuple[int, int]] = []
        self.made: dict[tuple, Operation] = {}
        self.batch_kinds: dict[tuple, int] = {}
        self.batch_sizes: list[int] = []
        self.eligible_of: dict[tuple[str, str], tuple[list[str], frozenset[str]]] = {}
        self.choose_line = _LineChoice(plant, epoch, calendar_days)
        self.lot_ops: dict[str, list[tuple[int, int]]] = {}
        self.lot_draws: dict[str, list[tuple[int, str, float]]] = {}  # per lot: (operation, bought part, quantity)
        self.lot_parts_in: dict[str, list[tuple[int, float]]] = {}  # per bought part of lots: (when in, quantity)
        self.on_hand = plant.stock_on_hand()
        # what units took of a lot-made part, from minus its stock: the stock covers the first of them, no lot
        self.supplied = {m: -held for m, held in self.on_hand.items() if _made_in_lots(plant, m)}

    def add_lot(self, lot: ProductionOrder, due: int) -> None:
        """One job for the lot, its routing's operations in a chain; which of them draws which bought part."""
        job = len(self.jobs)
        indices: dict[str, int] = {}
        self.job_orders.append(self.where[lot.id])
        for step, op in enumerate(self.plant.routings[lot.material].operations):
            index = self._operation(job, lot.material, op, lot.quantity, {}, step)
            if indices:
                self.precedences.append((index - 1, index))
            indices[op.id] = index
        first, last = min(indices.values()), max(indices.values())
        self.jobs.append(Job(lot.id, tuple(range(first, last + 1)), 0, due, 0))
        self.lot_ops.setdefault(lot.material, []).append((last, lot.quantity))
        self.lot_draws[lot.id] = [
            (indices.get(line.operation or "", first), line.component, lot.quantity * line.quantity / (1 - line.scrap))
            for line in self._bought_lines(lot.material)
        ]

    def add_units(
        self,
        order: ProductionOrder,
        plan: tuple,
        spared: Sequence[frozenset[int]],
        release: int,
        due: int,
        waits: Mapping[str, int] | None = None,
    ) -> None:
        """One job per unit (serial): each made node's operations in a chain, every node after the nodes and
        lots that go into it, and each operation not before the bought material it consumes is in (`waits`).
        A unit builds none of the nodes stock spares it (`spared`, per unit)."""
        nodes, route, consumed = plan
        not_before = [max((waits.get(m, 0) for m in materials), default=0) for materials in consumed] if waits else []
        work_order = {step: k for k, step in enumerate(_built_steps(route, spared))}
        self._count_lot_parts(nodes, spared, waits or {})
        for unit, taken in enumerate(spared, start=1):
            job = len(self.jobs)
            first_op: dict[int, int] = {}
            last_op: dict[int, int] = {}
            job_ops = []
            self.job_orders.append(self.where[order.id])
            for step, (index, op) in enumerate(route):
                if index in taken:
                    continue
                node = nodes[index]
                ready = max(release, not_before[step] if not_before else 0)
                op_index = self._operation(
                    job, node.material, op, node.quantity, order.configuration, work_order[step], ready
                )
                if not_before and not_before[step] > 0:
                    self.ops[op_index] = replace(self.ops[op_index], not_before=not_before[step])
                if index in last_op:
                    self.precedences.append((last_op[index], op_index))
                first_op.setdefault(index, op_index)
                last_op[index] = op_index
                job_ops.append(op_index)
            self._feed_parents(nodes, first_op, last_op)
            self.jobs.append(Job(unit_serial(order.id, unit), tuple(job_ops), release, due, 1))

    def _feed_parents(self, nodes: Sequence[Node], first_op: Mapping[int, int], last_op: Mapping[int, int]) -> None:
        for index, node in enumerate(nodes):
            if node.parent is None or node.parent not in first_op:
                continue
            if node.lot:
                lots = self.lot_ops.get(node.material, [])
                for lot_last in _pegged(lots, self.supplied, node.material, node.quantity):
                    self.precedences.append((lot_last, first_op[node.parent]))
            elif index in last_op:
                self.precedences.append((last_op[index], first_op[node.parent]))

    def _operation(
        self,
        job: int,
        material: str,
        op: RoutingOperation,
        quantity: float,
        configuration: Mapping,
        step: int,
        ready: int = 0,
    ) -> int:
        """A lot pauses over breaks and shifts off (a press run resumes); a unit's operation fits between them.
        `ready`: when the job may start it at the earliest (its release, the material it consumes)."""
        known = self.eligible_of.get((material, op.id))
        if known is None:
            units = self.plant.eligible_units(op)
            if not units:
                raise FactoryosError(f"routings.{material}: operation {op.id!r}: no work unit can do it")
            known = self.eligible_of[material, op.id] = (units, self.choose_line.lines(units))
        eligible = self.choose_line(job, *known, (material, op, quantity), ready)
        key = (material, op.id, quantity, tuple(configuration.get(a, "") for a in self.attributes), eligible[0])
        template = self.made.get(key)
        if template is None:
            template = self.made[key] = self._template(material, op, quantity, configuration, eligible)
        self.ops.append(
            Operation(
                job, template.modes, template.name, template.setup_group, template.interruptible, batch=template.batch
            )
        )
        self.steps.append(step)
        return len(self.ops) - 1

    def _template(
        self, material: str, op: RoutingOperation, quantity: float, configuration: Mapping, eligible: list[str]
    ) -> Operation:
        modes = tuple(Mode(self.machine_index[u], operation_seconds(self.plant, u, op, quantity)) for u in eligible)
        setup = {self._setup_group(u, material, op, configuration) for u in eligible} - {None}
        return Operation(
            0,
            modes,
            f"{material}/{op.id}",
            setup.pop() if len(setup) == 1 else None,
            interruptible=_made_in_lots(self.plant, material),
            batch=self._batch(material, op, quantity),
        )

    def _setup_group(self, machine_id: str, material: str, op: RoutingOperation, configuration: Mapping) -> int | None:
        group_id = self.machine_group.get(machine_id)
        if group_id is None or (op.changeover_group not in (None, group_id)):
            return None
        value = _attribute(self.plant.changeovers[group_id].attribute, material, configuration)
        return self.group_index.setdefault(f"{group_id}:{value}", len(self.group_index))

    def _batch(self, material: str, op: RoutingOperation, quantity: float) -> int | None:
        """The batch kind of a unit's operation, when a batch holds more than one of them."""
        pieces = _pieces(quantity)
        if not op.batch_size or op.batch_size < 2 * pieces:
            return None
        key = (material, op.id, pieces)
        if key not in self.batch_kinds:
            self.batch_kinds[key] = len(self.batch_sizes)
            self.batch_sizes.append(op.batch_size // pieces)
        return self.batch_kinds[key]

    def _bought_lines(self, material: str) -> list[BomLine]:
        """The lines of `material`'s BOM that are bought parts (a lot's BOM is not configured)."""
        return [
            line for line in bom_lines(self.plant, material, {}) if self.plant.materials[line.component].source == "buy"
        ]

    def _count_lot_parts(
        self, nodes: Sequence[Node], spared: Sequence[frozenset[int]], waits: Mapping[str, int]
    ) -> None:
        """The bought parts an order's units need through lots (a seat lot's boards), and when they are in for
        the order: when it waits for them (`waits`), else at once (in stock, or on order before it is needed)."""
        for index, node in enumerate(nodes):
            if node.lot:
                for line in self._bought_lines(node.material):
                    need = _building(spared, index) * node.quantity * line.quantity / (1 - line.scrap)
                    self.lot_parts_in.setdefault(line.component, []).append((waits.get(line.component, 0), need))

    def _hold_lots_for_parts(self) -> None:
        """Each lot's operations not before the bought parts they draw are in: the lots, in the order they are
        made, take the parts in the order they come in. By a time, at least the stock on hand is in, and at least
        what the orders have in by then (each order's need counted once it has it): the more of the two."""
        supply = {material: sorted(parts) for material, parts in self.lot_parts_in.items()}
        taken: dict[str, float] = {}
        for draws in self.lot_draws.values():
            for op_index, material, need in draws:
                taken[material] = taken.get(material, 0.0) + need
                day = _in_by(self.on_hand.get(material, 0.0), supply.get(material, []), taken[material])
                if day > self.ops[op_index].not_before:
                    self.ops[op_index] = replace(self.ops[op_index], not_before=day)

    def plant_problem(self) -> PlantProblem:
        self._hold_lots_for_parts()
        epoch = self.epoch
        machines = tuple(
            _machine(self.plant, unit, epoch, self.calendar_days, self.machine_group.get(unit), self.group_index)
            for unit in self.machines
        )
        problem = Problem(
            machines,
            tuple(self.jobs),
            tuple(self.ops),
            tuple(self.precedences),
            _names(self.group_index),
            tuple(self.batch_sizes),
            BATCH_DUE_SPAN,
        )
        return PlantProblem(problem, epoch, tuple(self.machines), tuple(self.orders), self.job_orders, self.steps)


class _LineChoice:
    """Parallel paced lines (a mature line beside one ramping up, two lines of different takt): a unit runs its
    whole route on one line, so an operation that several paced lines can do is kept to the unit's line, chosen
    when the unit first needs one: the line on which it would be done first, each line taking the units given it
    one after another, from when each is ready, in the time its calendar and ramp-up leave it (the operation's
    time there: its takt, its speed). The lines then finish together, each with the share it can build over the
    period, where an equal share of hours left a slow or ramping line working alone long after the other was
    idle."""

    def __init__(self, plant: Plant, epoch: datetime, days: int) -> None:
        centers = plant.work_centers()
        self.plant, self.epoch, self.days = plant, epoch, days
        self.line_of = {u: wc for u, (_, wc, _) in plant.work_units().items() if centers[wc][1].kind == "paced-line"}
        self.off: dict[str, Periods] = {}
        self.free: dict[str, int] = {}  # per line, when the units given it so far are done
        self.seconds: dict[tuple[str, str, float], dict[str, int]] = {}
        self.job = -1
        self.chosen: dict[frozenset[str], str] = {}

    def lines(self, eligible: list[str]) -> frozenset[str]:
        """The paced lines among an operation's eligible units: a choice to make per unit when several."""
        return frozenset(self.line_of[u] for u in eligible if u in self.line_of)

    def __call__(
        self,
        job: int,
        eligible: list[str],
        lines: frozenset[str],
        work: tuple[str, RoutingOperation, float],
        ready: int,
    ) -> list[str]:
        """The units of `eligible` that job's unit may use for `work` (material, operation, quantity): those of
        its line, chosen now if it has none among `lines` yet."""
        if len(lines) < 2:
            return eligible
        if job != self.job:
            self.job, self.chosen = job, {}
        line = self.chosen.get(lines)
        if line is None:
            line = self.chosen[lines] = self._first_done(eligible, lines, work, ready)
        return [u for u in eligible if self.line_of.get(u, line) == line]

    def _first_done(
        self, eligible: list[str], lines: frozenset[str], work: tuple[str, RoutingOperation, float], ready: int
    ) -> str:
        """The line that would be done first with the unit after those given it, which then takes it."""
        seconds = self._seconds(eligible, work)
        done = {}
        for line in sorted(lines):
            off = self._off(line)
            start = earliest_start(off, max(ready, self.free.get(line, 0)), seconds[line], True)
            done[line] = finish(off, start, seconds[line], True)
        line = min(done, key=done.__getitem__)
        self.free[line] = done[line]
        return line

    def _seconds(self, eligible: list[str], work: tuple[str, RoutingOperation, float]) -> dict[str, int]:
        """The operation's time on each line (on its fastest unit there that can do it)."""
        material, op, quantity = work
        key = (material, op.id, quantity)
        if key not in self.seconds:
            on: dict[str, int] = {}
            for unit in eligible:
                if unit in self.line_of:
                    line, time = self.line_of[unit], operation_seconds(self.plant, unit, op, quantity)
                    on[line] = min(on.get(line, time), time)
            self.seconds[key] = on
        return self.seconds[key]

    def _off(self, line: str) -> Periods:
        """When the line does not work: when any of its units does not (a paced line stops as a whole)."""
        if line not in self.off:
            units = [u for u, wc in self.line_of.items() if wc == line]
            periods = [p for u in units for p in unavailable_periods(self.plant, u, self.epoch, self.days)]
            self.off[line] = tuple(merged(periods))
        return self.off[line]


def _in_by(stock: float, supply: Sequence[tuple[int, float]], amount: float) -> int:
    """When `amount` is in, with `stock` in at once and, by each time, at least the supply come by then as
    (when, quantity) in time order (its last when, when it never comes: a lot's excess over the orders' need
    waits for nothing more)."""
    if stock >= amount - 1e-9:
        return 0
    came = 0.0
    for when, quantity in supply:
        came += quantity
        if came >= amount - 1e-9:
            return when
    return supply[-1][0] if supply else 0


def _pegged(lots: list[tuple[int, int]], supplied: dict[str, float], material: str, need: float) -> list[int]:
    """The lots a unit's need is taken from, in order: lot k covers cumulative demand (k * size, (k+1) * size],
    stock what comes before 0 (none, when the stock covers the need)."""
    start = supplied.get(material, 0.0)
    end = start + need
    supplied[material] = end
    taken, covered = [], 0.0
    for last, size in lots:
        if covered + size > start + 1e-9 and covered < end - 1e-9:
            taken.append(last)
        covered += size
        if covered >= end - 1e-9:
            break
    return taken


def _machine_groups(plant: Plant) -> dict[str, str]:
    """Which changeover group each work unit follows: the one its operations name (the first, should a
    unit's operations name several)."""
    machine_group: dict[str, str] = {}
    for routing in plant.routings.values():
        for op in routing.operations:
            if op.changeover_group:
                for unit in plant.eligible_units(op):
                    machine_group.setdefault(unit, op.changeover_group)
    return machine_group


def _attribute(attribute: str, material: str, configuration: Mapping[str, str]) -> str:
    """The value a changeover group keys on: an option of the configuration (paint colour), otherwise the
    material itself (die sets; a lot of coloured panels has no configuration, its material says the colour).
    On a machine with changeovers, an operation without a group of its own (a clearcoat pass) takes the
    unit's value too, so the booth stays set up for the colour it last handled."""
    return configuration.get(attribute, material)


def _pieces(quantity: float) -> int:
    return max(1, math.ceil(quantity - 1e-9))


def operation_seconds(plant: Plant, unit: str, op: RoutingOperation, quantity: float) -> int:
    """Seconds on `unit`: setup plus run time per unit times quantity, faster on a faster unit; on a paced
    line every station holds a unit for at least one takt. A batch operation's run time is per batch:
    one cycle for what fits one batch, as many cycles as a bigger lot needs."""
    _, wc_id, work_unit = plant.work_units()[unit]
    _, work_center = plant.work_centers()[wc_id]
    runs = quantity if not op.batch_size else math.ceil(_pieces(quantity) / op.batch_size)
    seconds = op.setup_minutes * 60 + op.run_minutes * 60 * runs / work_unit.speed_factor
    if work_center.kind == "paced-line" and work_center.takt_seconds:
        seconds = max(seconds, work_center.takt_seconds * quantity)
    return max(1, round(seconds))


def _machine(plant: Plant, unit: str, epoch: datetime, days: int, group_id, group_index) -> Machine:
    """A work unit with its calendar and, if it follows a changeover group, the setup matrix over all
    setup groups (zero between values of different changeover groups: they never meet on it)."""
    unavailable = unavailable_periods(plant, unit, epoch, days)
    if group_id is None:
        return Machine(unit, unavailable)
    group = plant.changeovers[group_id]
    names = _names(group_index)
    values = [name.split(":", 1) for name in names]
    matrix = tuple(
        tuple(
            round(group.minutes(b_value, a_value) * 60) if b_group == a_group == group_id else 0
            for a_group, a_value in values
        )
        for b_group, b_value in values
    )
    return Machine(unit, unavailable, matrix)


def _names(group_index: Mapping[str, int]) -> tuple[str, ...]:
    return tuple(sorted(group_index, key=group_index.__getitem__))


def unit_serial(production_order: str, unit: int) -> str:
    """The serial of unit `unit` (from 1) of a production order: its job's name, the floor's serial."""
    return f"{production_order}-{unit}"


def unit_number(serial: str) -> int:
    """Which unit of its production order a serial (`unit_serial`) is."""
    return int(serial.rsplit("-", 1)[1])


def _seconds(day: date, epoch: datetime, zone: tzinfo) -> int:
    """The end of a due date (the site's midnight after it), in seconds from the epoch."""
    return _seconds_at(site_day(day, zone)[1], epoch)


def _seconds_at(moment: datetime, epoch: datetime) -> int:
    return round((moment - epoch).total_seconds())


def scheduled_operations(plant_problem: PlantProblem, schedule: Schedule) -> list[ScheduledOperation]:
    """The schedule as the floor reads it: per work-order operation (and serial), in start order."""
    problem = plant_problem.problem
    setups = {after: time for _, _, after, time in setup_times(problem, schedule)}
    epoch, machines = plant_problem.epoch, plant_problem.machines
    by_name = sorted(range(len(machines)), key=machines.__getitem__)
    name_rank = np.empty(len(machines), dtype=np.int64)
    name_rank[by_name] = np.arange(len(machines))
    starts = np.fromiter((a.start for a in schedule), dtype=np.int64, count=len(schedule))
    on = np.fromiter((a.machine for a in schedule), dtype=np.int64, count=len(schedule))
    order = np.lexsort((name_rank[on], starts))
    del starts, on
    orders = [plant_problem.production_orders[k] for k in plant_problem.job_orders]
    serials = [None if job.name == orders[j].id else job.name for j, job in enumerate(problem.jobs)]
    ops, steps = problem.operations, plant_problem.steps
    moments: dict[int, datetime] = {}  # one datetime per distinct second: most are shared
    result = []
    for op in order:
        assignment, job = schedule[op], ops[op].job
        work_order = orders[job].work_orders[steps[op]]
        start = moments.get(assignment.start)
        if start is None:
            start = moments[assignment.start] = epoch + timedelta(seconds=assignment.start)
        end = moments.get(assignment.end)
        if end is None:
            end = moments[assignment.end] = epoch + timedelta(seconds=assignment.end)
        result.append(
            ScheduledOperation(
                work_order=work_order.id,
                production_order=work_order.production_order,
                operation=work_order.operation,
                equipment=machines[assignment.machine],
                start=start,
                end=end,
                setup_minutes=setups[op] / 60 if op in setups else 0.0,
                serial=serials[job],
            )
        )
    return result
