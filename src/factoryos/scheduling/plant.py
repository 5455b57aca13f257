"""From the plant and its orders to a scheduling problem, and from a schedule back to the plant.

Until material planning exists, every customer order line becomes one production order, released in
due-date order. Its work orders are the configured routing operations of the product and of every made
sub-assembly under it (body, paint, battery pack, modules...), scheduled per unit (serial): a vehicle
is one job whose operations form a DAG in which sub-assemblies precede their parent. Materials made in
lots (any lot-size rule but lot-for-lot, e.g. stamped panels and castings) get production orders of
their own, one per lot, cut from the units' demand in due-date order; a lot precedes the units it feeds, and
its operations wait for the bought parts they draw, from stock or the open purchase orders, shared with the units
that draw the same parts (`factoryos.scheduling.bought_parts`). Stock of a sub-assembly made per unit spares the
units due first that sub-assembly and all below it (`factoryos.model.unit_structure`).

A routing operation with a `batch_size` runs on its work unit in batches (an oven, a flashing rack): its
run time is one batch's cycle, and up to `batch_size` units' operations of the same material and step
share a batch (a unit that needs several pieces takes as many places); a lot too big for one batch runs
as many cycles as it needs.

A routing operation's `setup_minutes` is not in its run time: it is a changeover, paid when a work unit switches
to that operation from anything else (or starts with it), so a run of units of one material and operation on a
lathe pays it once (`_SetupGroups`).

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
from factoryos.model.operation_time import batch_units, pieces, run_seconds
from factoryos.model.orders import CustomerOrder, CustomerOrderState, ProductionOrder, ScheduledOperation, WorkOrder
from factoryos.model.plant import BomLine, Plant, RoutingOperation
from factoryos.model.shift_times import merged, site_day
from factoryos.model.unit_structure import Node, from_stock, lot_stock, made_stock, structure
from factoryos.scheduling.bought_parts import Draw, draw_times, supply
from factoryos.scheduling.calendar import Periods, earliest_start, finish
from factoryos.scheduling.plant_calendar import unavailable_periods
from factoryos.scheduling.problem import Buffer, Job, Machine, Mode, Operation, Problem
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
    each of those operations consumes with how much per unit of the product); kept because a month of orders
    repeats a few hundred configurations."""

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
    ) -> tuple[tuple[tuple[str, float], ...], ...]:
        """Per step, the bought components its operation consumes and how much per unit of the product (scrap
        included): those whose BOM line names it, and those naming none (or an operation this configuration leaves
        out) at their parent's first step."""
        first: dict[int, int] = {}
        step_of: dict[tuple[int, str], int] = {}
        for step, (index, op) in enumerate(steps):
            first.setdefault(index, step)
            step_of[index, op.id] = step
        consumed: list[list[tuple[str, float]]] = [[] for _ in steps]
        for index, node in enumerate(nodes):
            if index not in first:
                continue
            for line in bom_lines(self.plant, node.material, configuration):
                if self.plant.materials[line.component].source == "buy":
                    step = step_of.get((index, line.operation or ""), first[index])
                    consumed[step].append((line.component, node.quantity * line.issued))
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
    demand: dict[str, float] = {material: -held for material, held in lot_stock(plant).items()}
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
    one (its BOM line's `operation`, else its parent's first) starts no earlier. A bought part that lots draw is
    served from the plant's stock and open purchase orders (`plant.purchase_orders`: pass a plant carrying those
    released from plans) to the lots and units that draw it, in the sequence they are needed. The calendars are
    laid out over `calendar_days` days."""
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


NO_SETUP = "none"
"""The setup group of a work unit set up for nothing in particular: where operations pay their own setups, a unit
starts so, and an operation without a setup of its own leaves it so."""


class _SetupGroups:
    """The problem's setup groups by name: a value of a changeover group ("paint:red", a booth set up for red), a
    routing operation's own setup ("shaft/turn", its `setup_minutes`: paid when a work unit switches to it from
    anything else, so once for a run of units of it) or `NO_SETUP`. Ids hold neither ':' nor '/', so the names
    do not collide."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.changeover: list[tuple[str, str] | None] = []  # per group: (changeover group, value), for a value
        self.own: list[int] = []  # per group: seconds of its own setup, 0 if it has none
        self._matrices: dict[str | None, tuple[tuple[int, ...], ...]] = {}

    def _group(self, name: str, changeover: tuple[str, str] | None, seconds: int) -> int:
        if name not in self.index:
            self.index[name] = len(self.index)
            self.changeover.append(changeover)
            self.own.append(seconds)
        return self.index[name]

    def value(self, group_id: str, value: str) -> int:
        return self._group(f"{group_id}:{value}", (group_id, value), 0)

    def setup(self, material: str, op: RoutingOperation) -> int:
        return self._group(f"{material}/{op.id}", None, max(1, round(op.setup_minutes * 60)))

    def none(self) -> int:
        return self._group(NO_SETUP, None, 0)

    def names(self) -> tuple[str, ...]:
        return tuple(self.index)

    def matrix(self, plant: Plant, group_id: str | None) -> tuple[tuple[int, ...], ...]:
        """Seconds from each group (row) to each (column) on a work unit following changeover group `group_id`, if
        any: an operation's own setup from any other group; between two values of `group_id`, its changeover;
        else none: values of other changeover groups never meet on the unit, and a changeover value after nothing
        (or after an operation's own setup) is the unit's first changeover, free as on the twin. Asked once every
        group is known, it is worked out once per changeover group: the units following one share it."""
        if group_id in self._matrices:
            return self._matrices[group_id]
        group = plant.changeovers[group_id] if group_id is not None else None

        def seconds(before: int, after: int) -> int:
            if self.own[after]:
                return 0 if before == after else self.own[after]
            b, a = self.changeover[before], self.changeover[after]
            if group is None or a is None or b is None or not a[0] == b[0] == group_id:
                return 0
            return round(group.minutes(b[1], a[1]) * 60)

        groups = range(len(self.index))
        self._matrices[group_id] = tuple(tuple(seconds(before, after) for after in groups) for before in groups)
        return self._matrices[group_id]


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
        self.setup_units = _setup_units(plant, self.machine_group)
        self.groups = _SetupGroups()
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
        # per lot, by its last operation: (bought part, quantity, the operation that draws it)
        self.lot_draws: dict[int, list[tuple[str, float, int]]] = {}
        self.lot_need: dict[int, int] = {}  # per lot, by its last operation: the first order it feeds
        self.lot_parts: set[str] = set()  # the bought parts lots draw
        self.lots_known: dict[str, int] = {}  # per bought part of lots: when the last order's share is in
        self.unit_draws: list[Draw] = []
        # what units took of a lot-made part, from minus its stock: the stock covers the first of them, no lot
        self.supplied = {m: -held for m, held in lot_stock(plant).items()}

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
        self.lot_draws[last] = [
            (line.component, lot.quantity * line.issued, indices.get(line.operation or "", first))
            for line in self._bought_lines(lot.material)
        ]
        self.lot_parts.update(material for material, _, _ in self.lot_draws[last])

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
        lots that go into it, and each operation not before the bought material it consumes is in (`waits`, and
        the part's supply where lots draw it too). A unit builds none of the nodes stock spares it (`spared`, per
        unit)."""
        nodes, route, consumed = plan
        not_before = [max((waits.get(m, 0) for m, _ in step), default=0) for step in consumed] if waits else []
        work_order = {step: k for k, step in enumerate(_built_steps(route, spared))}
        self._count_lot_parts(nodes, spared, release, waits or {})
        draws: dict[str, tuple[list[float], list[int]]] = {}  # bought parts lots draw too: (quantity, operations)
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
                for material, quantity in consumed[step]:
                    if material in self.lot_parts:
                        draw = draws.setdefault(material, ([], []))
                        draw[0].append(quantity)
                        draw[1].append(op_index)
                if index in last_op:
                    self.precedences.append((last_op[index], op_index))
                first_op.setdefault(index, op_index)
                last_op[index] = op_index
                job_ops.append(op_index)
            self._feed_parents(nodes, first_op, last_op, self.where[order.id])
            self.jobs.append(Job(unit_serial(order.id, unit), tuple(job_ops), release, due, 1))
        need = (self.where[order.id], 1)  # after the lots that feed the order
        self.unit_draws.extend(
            Draw(m, sum(quantities), need, tuple(ops), max(release, (waits or {}).get(m, 0)))
            for m, (quantities, ops) in draws.items()
        )

    def _feed_parents(
        self, nodes: Sequence[Node], first_op: Mapping[int, int], last_op: Mapping[int, int], position: int
    ) -> None:
        """Each node before its parent, a lot-made one after the lots it is pegged to, which the order at
        `position` (in release order) is then the first to need if none before it was."""
        for index, node in enumerate(nodes):
            if node.parent is None or node.parent not in first_op:
                continue
            if node.lot:
                lots = self.lot_ops.get(node.material, [])
                for lot_last in _pegged(lots, self.supplied, node.material, node.quantity):
                    self.precedences.append((lot_last, first_op[node.parent]))
                    self.lot_need.setdefault(lot_last, position)
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
        modes = tuple(Mode(self.machine_index[u], run_seconds(self.plant, u, op, quantity)) for u in eligible)
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
        """The operation's setup group on `machine_id`. Where the unit follows the operation's changeover group, the
        changeover is its setup (`setup_minutes` is not paid beside it, as on the twin); else an operation with
        `setup_minutes` has a group of its own, and one without takes the unit's changeover value (a clearcoat
        pass), or on a unit where setups are paid, `NO_SETUP`."""
        group_id = self.machine_group.get(machine_id)
        if group_id is not None and op.changeover_group == group_id:
            return self._changeover_value(group_id, material, configuration)
        if op.setup_minutes > 0:
            return self.groups.setup(material, op)
        if group_id is not None and op.changeover_group is None:
            return self._changeover_value(group_id, material, configuration)
        return self.groups.none() if machine_id in self.setup_units else None

    def _changeover_value(self, group_id: str, material: str, configuration: Mapping) -> int:
        value = _attribute(self.plant.changeovers[group_id].attribute, material, configuration)
        return self.groups.value(group_id, value)

    def _batch(self, material: str, op: RoutingOperation, quantity: float) -> int | None:
        """The batch kind of a unit's operation, when a batch holds more than one of them."""
        size = batch_units(op, quantity)
        if size == 1:
            return None
        key = (material, op.id, pieces(quantity))
        if key not in self.batch_kinds:
            self.batch_kinds[key] = len(self.batch_sizes)
            self.batch_sizes.append(size)
        return self.batch_kinds[key]

    def _bought_lines(self, material: str) -> list[BomLine]:
        """The lines of `material`'s BOM that are bought parts the plant plans (a lot's BOM is not configured;
        parts supplied on call are there)."""
        return [
            line for line in bom_lines(self.plant, material, {}) if self.plant.materials[line.component].bought_by_plan
        ]

    def _count_lot_parts(
        self, nodes: Sequence[Node], spared: Sequence[frozenset[int]], release: int, waits: Mapping[str, int]
    ) -> None:
        """When an order's units have the bought parts they need through lots (a seat lot's boards), as far as the
        promise's replay knows: when it waits for them (`waits`), else from its release (there on its first day);
        the latest of the orders' is what a lot's draw beyond the parts' supply waits for."""
        for index, node in enumerate(nodes):
            if node.lot and _building(spared, index):
                for line in self._bought_lines(node.material):
                    known = max(release, waits.get(line.component, 0))
                    self.lots_known[line.component] = max(known, self.lots_known.get(line.component, 0))

    def _hold_for_parts(self) -> None:
        """Each operation that draws a bought part some lot draws too not before the part is in for it, the lots
        and the units' own draws served from the part's supply in the sequence they are needed
        (`bought_parts.draw_times`)."""
        unfed = len(self.orders)  # a lot no unit is pegged to is needed last
        draws = [
            Draw(m, quantity, (self.lot_need.get(last, unfed), 0), (op_index,), self.lots_known.get(m, 0))
            for last, parts in self.lot_draws.items()
            for m, quantity, op_index in parts
        ]
        draws += self.unit_draws
        held = supply(self.plant, self.epoch, {draw.material for draw in draws})
        for draw, day in zip(draws, draw_times(held, draws), strict=True):
            for op_index in draw.operations:
                if day > self.ops[op_index].not_before:
                    self.ops[op_index] = replace(self.ops[op_index], not_before=day)

    def plant_problem(self) -> PlantProblem:
        self._hold_for_parts()
        epoch = self.epoch
        if self.setup_units:
            self.groups.none()  # what a unit that pays setups starts from
        machines = tuple(
            _machine(
                self.plant,
                unit,
                epoch,
                self.calendar_days,
                self.machine_group.get(unit),
                self.groups,
                unit in self.setup_units,
            )
            for unit in self.machines
        )
        problem = Problem(
            machines,
            tuple(self.jobs),
            tuple(self.ops),
            tuple(self.precedences),
            self.groups.names(),
            tuple(self.batch_sizes),
            BATCH_DUE_SPAN,
            self._buffers(),
        )
        return PlantProblem(problem, epoch, tuple(self.machines), tuple(self.orders), self.job_orders, self.steps)

    def _buffers(self) -> tuple[Buffer, ...]:
        """The buffer of each work center with a `buffer_capacity`, and the units' passages into it: an operation
        there whose one predecessor, of its own unit, runs on another work center (a unit that waits for several
        parts, or for a lot, waits at its join, which the twin does not bound). The passage starts at the unit's
        first operation of the run of them on the feeder's work center that leads to it (`Buffer`)."""
        center = self._work_centers()
        before: list[list[int]] = [[] for _ in self.ops]
        for a, b in self.precedences:
            before[b].append(a)
        centers = self.plant.work_centers()
        passages: dict[str, list[tuple[int, int, int]]] = {}
        for entry, feeders in enumerate(before):
            here = center[entry]
            if here is None or len(feeders) != 1 or not centers[here][1].buffer_capacity:
                continue
            feeder = feeders[0]
            if center[feeder] in (None, here) or self.ops[feeder].job != self.ops[entry].job:
                continue
            first = feeder
            while len(before[first]) == 1 and self._same_run(before[first][0], first, center):
                first = before[first][0]
            passages.setdefault(here, []).append((first, feeder, entry))
        return tuple(Buffer(wc, centers[wc][1].buffer_capacity, tuple(found)) for wc, found in sorted(passages.items()))

    def _same_run(self, a: int, b: int, center: list[str | None]) -> bool:
        """Whether `a`, before `b`, is of the same unit on the same work center."""
        return center[a] == center[b] and self.ops[a].job == self.ops[b].job

    def _work_centers(self) -> list[str | None]:
        """Per operation, the work center its machines are in (None where they are in several)."""
        units = self.plant.work_units()
        of_machine = [units[unit][1] for unit in self.machines]
        centers = []
        for op in self.ops:
            found = {of_machine[mode.machine] for mode in op.modes}
            centers.append(found.pop() if len(found) == 1 else None)
        return centers


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
                    line, time = self.line_of[unit], run_seconds(self.plant, unit, op, quantity)
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


def _setup_units(plant: Plant, machine_group: Mapping[str, str]) -> frozenset[str]:
    """The work units where some operation pays its own setup (`setup_minutes`): not a changeover it follows."""
    return frozenset(
        unit
        for routing in plant.routings.values()
        for op in routing.operations
        if op.setup_minutes > 0
        for unit in plant.eligible_units(op)
        if op.changeover_group is None or machine_group.get(unit) != op.changeover_group
    )


def _attribute(attribute: str, material: str, configuration: Mapping[str, str]) -> str:
    """The value a changeover group keys on: an option of the configuration (paint colour), otherwise the
    material itself (die sets; a lot of coloured panels has no configuration, its material says the colour).
    On a machine with changeovers, an operation without a group of its own (a clearcoat pass) takes the
    unit's value too, so the booth stays set up for the colour it last handled."""
    return configuration.get(attribute, material)


def _machine(
    plant: Plant, unit: str, epoch: datetime, days: int, group_id: str | None, groups: _SetupGroups, pays_setups: bool
) -> Machine:
    """A work unit with its calendar and its setup matrix over all setup groups (`_SetupGroups.matrix`); one where
    operations pay their own setups starts set up for nothing (`NO_SETUP`): its first operation pays its setup."""
    unavailable = unavailable_periods(plant, unit, epoch, days)
    if group_id is None and not pays_setups:
        return Machine(unit, unavailable)
    initial = groups.index[NO_SETUP] if pays_setups else None
    return Machine(unit, unavailable, groups.matrix(plant, group_id), initial)


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
