"""The twin of a plant file: equipment, buffers, routes and stock built from `factoryos.model.plant.Plant`.

How the plant's structure becomes flow:
- Work units that share an operation share an inbox (a *pool*); a paced-line work center that one
  routing runs through is one `PacedLine` whose positions are its work units (one that several routings
  use, each on some of its units, is modelled as its stations). A work center's `buffer_capacity` limits
  what enters it.
- Identical work centers (same kind, takt and equipment classes) are parallel lines, and so are paced lines
  that can do the same operations, whatever their takt or speed (a paced line is one conveyor); each has its
  own pools, and a unit picks one at a `Lines` step and stays on it (`factoryos.twin.lines`).
- Each product is released on its own, at most `WIP_DAYS` of it in process (a schedule's units at their planned
  start whatever that cap: the schedule decides what is in process; a kit that passes a bounded buffer on its
  way at the planned start of its own first operation, as the schedule's kanban on that buffer starts it). A
  unit of a customer order that is scrapped on the way is made again for its order (`SERIAL-remade-k`),
  released at once within that limit.
- A finished unit follows the *spine* of its bill of materials (the first made, lot-for-lot component at
  each level: vehicle < painted body < body < underbody), routing by routing, deepest first, with a
  transport wherever it changes area.
- The other made, lot-for-lot components are *kits*, built per unit on their own route (their own made
  components folded in) and waiting at a `Join` in front of the parent's first operation. A kit scrapped on
  the way is made again for its unit (`SERIAL/KIT-remade-k`), released at once, while that unit is in process.
- Components made in lots (`lot_size` other than lot-for-lot: stamped panels, castings) are drawn from a
  `Supermarket` at that join and replenished in lots, with changeovers, on their own equipment. It holds at the
  start what the plant file lists of them, none where it lists none.
- The plant file's stock of a sub-assembly made per unit goes to the units as the scheduler gives it
  (`factoryos.model.unit_structure`), in the order they are served: a unit that takes one draws it from
  the supermarket's lots at its parent's join and builds neither it nor anything below it.
- Bought material is assumed to be there, unless the twin is given purchase orders: then it is kept
  line-side (`factoryos.twin.material`), starting from the plant file's inventory, and each operation draws
  the bought parts of its configured bill of materials (at the BOM line's `operation`, else at the parent's
  first operation; a paced line draws a unit's parts as it enters), waiting for them when they are short.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from factoryos.model.configuration import bom_lines, operations
from factoryos.model.errors import FactoryosError
from factoryos.model.lots import lot_size
from factoryos.model.operation_time import fastest_run
from factoryos.model.orders import PurchaseOrder
from factoryos.model.plant import Drift, Plant, Quality, RoutingOperation, WorkCenter
from factoryos.model.unit_structure import Node, from_stock, made_stock, structure
from factoryos.twin import plant_defaults as defaults
from factoryos.twin.assembly import Join, LotPolicy, Supermarket
from factoryos.twin.buffer import Buffer
from factoryos.twin.calendar import ShiftCalendar, always
from factoryos.twin.distributions import fixed, lognormal, lognormal_sum
from factoryos.twin.equipment import Equipment, Maintenance, Reliability
from factoryos.twin.floor import Floor
from factoryos.twin.lines import Lines
from factoryos.twin.material import LineSideStock, Needs, receipts
from factoryos.twin.part import Changeover, Part, Step, Task, TestSpec
from factoryos.twin.planned_starts import PlannedStarts
from factoryos.twin.sensors import SensorKind, plant_sensor_kind

PASS = Task("hand-over", fixed(0.0))
WIP_DAYS = 2.0  # a product's units in process are capped at this many of its busiest day's releases
Taken = frozenset[tuple[str, ...]]
"""A unit's sub-assemblies taken from the plant file's stock, each by its path of materials from the product."""


@dataclass(frozen=True)
class Staffing:
    """How a work center is run: its calendar (None: around the clock), operators per shift (0: lights-out),
    for a paced line its takt in seconds, and how many of its stations the crew runs at once (None: all)."""

    calendar: ShiftCalendar | None
    operators: int
    takt: float | None = None
    stations: int | None = None


@dataclass(frozen=True)
class Load:
    """Seconds of work a week in a work center: on its busiest work unit (what its shifts must carry) and
    over all its units (what its crew must)."""

    busiest: float
    total: float


@dataclass(frozen=True)
class PlannedUnit:
    """One unit to make: when it is released, what it is, and for whom (C2M) or for stock (order "")."""

    at: float
    serial: str
    product: str
    configuration: dict[str, str]
    order: str = ""
    due: float = math.inf
    placed: float | None = None  # when the customer ordered it (C2M)


@dataclass
class Pool:
    """Work units that share operations, and so an inbox."""

    name: str
    units: list[str]
    work_centers: list[str]
    area: str
    paced: WorkCenter | None = None
    inbox: Buffer | None = None
    batch_size: int | None = None
    batch_wait: float = 0.0  # seconds a batch that is not full waits for more parts
    restricted: bool = False  # some operation may only use some of the units
    changeovers: bool = False  # some operation has sequence-dependent setups


@dataclass
class UnitPlan:
    """What one configured unit needs: its route, the kits built for it, and the joins expecting them."""

    route: tuple[Step, ...]
    kits: list[tuple[str, tuple[Step, ...], dict[str, float]]] = field(default_factory=list)  # with stock drawn
    joins: list[tuple[Join, int, dict[str, float]]] = field(default_factory=list)
    load: dict[str, float] = field(default_factory=dict)  # pool -> seconds of work per unit
    stock_needs: dict[str, float] = field(default_factory=dict)


class DisjointSets:
    """Items joined into groups (union-find with path halving); groups come out in the items' order."""

    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {item: item for item in items}

    def root(self, item: str) -> str:
        parent = self.parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def join(self, items: list[str]) -> None:
        for item in items[1:]:
            self.parent[self.root(item)] = self.root(items[0])

    def groups(self) -> list[list[str]]:
        groups: dict[str, list[str]] = {}
        for item in self.parent:
            groups.setdefault(self.root(item), []).append(item)
        return list(groups.values())


class PlantTwin:
    """A plant file on a floor: its pools, routes, equipment, stock and releases. With `line_side` bought
    material is kept at the line and drawn (the purchase orders come with `build`); without, it is assumed to
    be there."""

    def __init__(self, plant: Plant, floor: Floor, line_side: bool = False) -> None:
        self.plant = plant
        self.floor = floor
        self.draws_material = line_side
        self.line_side: LineSideStock | None = None
        self.units = plant.work_units()
        self.work_centers = plant.work_centers()
        self.line_centers = self._line_centers()
        self.pools = self._pools()
        self.pool_of = {u: pool for pool in self.pools.values() for u in pool.units}
        self.pool_by_inbox = {id(pool.inbox): pool for pool in self.pools.values()}
        self._open_lines: tuple[Any, ...] = (None, None, None, -1)  # route being built, its last Lines, where
        self.joins: dict[str, Join] = {}
        self.supermarket: Supermarket | None = None
        self.schedule: dict[tuple[str, str], tuple[str, int]] | None = None  # (serial, operation) -> (unit, rank)
        self.planned_starts: dict[tuple[str, str], float] = {}  # (serial, operation) -> its scheduled start
        self._plans: dict[tuple[str, tuple[tuple[str, str], ...], Taken], UnitPlan] = {}
        self._taken: dict[str, Taken] = {}  # serial -> its sub-assemblies taken from the plant file's stock
        self._ops: dict[tuple[Any, ...], Task] = {}
        self._quality: dict[int, Quality] = {}  # id of a cached Task -> its operation's quality figures
        self._wip_cap: dict[str, int] = {}  # product -> most units of it in process
        self._in_process: dict[str, int] = {}
        self._room: dict[str, Any] = {}  # product -> the event its release waits on for room
        self._remade: Counter[str] = Counter()  # serial of a unit or kit first made -> times made again
        self._replaces: dict[str, str] = {}  # serial of a unit or kit made again -> the one first made
        self._building: dict[str, PlannedUnit] = {}  # serial of a unit in process -> its plan, to remake its kits
        self.busy_pools: set[str] | None = None  # pools the plan gives work, once `work_center_load` knows
        self._lot_routes: dict[tuple[str, int], tuple[Step, ...]] = {}
        self.stocked = {
            m
            for m, mat in plant.materials.items()
            if mat.source == "make" and m in plant.routings and mat.lot_size.rule != "lot-for-lot"
        }
        self.made_stock = made_stock(plant)

    # -- structure -------------------------------------------------------------------------------------

    def _pools(self) -> dict[str, Pool]:
        """Union the work units that can do the same operation; each group becomes one pool."""
        groups, batch = self._unit_groups()
        pools: dict[str, Pool] = {}
        for members in groups:
            pool = self._pool(members, pools)
            pool.batch_size, pool.batch_wait = next((batch[u] for u in members if u in batch), (None, 0.0))
            pools[pool.name] = pool
        return pools

    def _unit_groups(self) -> tuple[list[list[str]], dict[str, tuple[int, float]]]:
        """The groups of work units that share an inbox (those that can do one operation on one line, and a
        single-product paced line's positions), and the batch size and wait to fill (seconds) of each batch
        unit."""
        sets = DisjointSets(self.units)
        batch: dict[str, tuple[int, float]] = {}
        users: dict[str, set[str]] = {}
        for material, op, eligible in self._operations_and_units():
            for group in self._per_line(eligible):
                sets.join(group)
            for u in eligible:
                users.setdefault(self.units[u][1], set()).add(material)
            if op.batch_size:
                batch.update((u, (op.batch_size, (op.batch_wait_minutes or 0.0) * 60.0)) for u in eligible)
        self.paced_lines = {
            wc_id
            for wc_id, (_, wc) in self.work_centers.items()
            if wc.kind == "paced-line" and len(users.get(wc_id, ())) == 1
        }
        for wc_id in self.paced_lines:
            sets.join(list(self.work_centers[wc_id][1].work_units))
        return sets.groups(), batch

    def _operations_and_units(self) -> Iterable[tuple[str, RoutingOperation, list[str]]]:
        """Every routing operation with the work units that can do it; none is a plant error."""
        for material, routing in self.plant.routings.items():
            for k, op in enumerate(routing.operations):
                eligible = self.plant.eligible_units(op)
                if not eligible:
                    raise FactoryosError(
                        f"routings.{material}.operations[{k}] ({op.id}): no work unit can do capability "
                        f"{op.capability!r}"
                    )
                yield material, op, eligible

    def _pool(self, members: list[str], named: dict[str, Pool]) -> Pool:
        """The pool of a group of units, named for its work centers (and a unit where that is ambiguous)."""
        wcs = sorted({self.units[u][1] for u in members})
        area = self.units[members[0]][0]
        paced = next((self.work_centers[w][1] for w in wcs if w in self.paced_lines), None)
        name = wcs[0] if paced is not None or len(wcs) > 1 else f"{wcs[0]}:{members[0]}"
        if paced is None and all(len(self.work_centers[w][1].work_units) == len(members) for w in wcs):
            name = "+".join(wcs)
        if name in named:  # two groups of units over the same work centers
            name = f"{name}:{members[0]}"
        capacity = max(self.work_centers[w][1].buffer_capacity for w in wcs)
        pool = Pool(name, members, wcs, area, paced)
        pool.inbox = self.floor.buffer(f"{name}/inbox", capacity if capacity > 0 else math.inf)
        return pool

    def _line_centers(self) -> set[str]:
        """Work centers a unit that enters one stays on for the operations that follow there: each of several
        identical ones (same kind, takt and equipment classes in order: parallel lines), and every paced line,
        which is one conveyor whatever its takt or speed (a new, slower line beside a fast one)."""
        kinds: dict[tuple[Any, ...], list[str]] = {}
        paced: set[str] = set()
        for wc_id, (_, wc) in self.work_centers.items():
            key = (wc.kind, wc.takt_seconds, tuple(u.equipment_class for u in wc.work_units.values()))
            kinds.setdefault(key, []).append(wc_id)
            if wc.kind == "paced-line":
                paced.add(wc_id)
        return paced | {wc for same in kinds.values() if len(same) > 1 for wc in same}

    def _per_line(self, eligible: list[str]) -> list[list[str]]:
        """The units of an operation that share an inbox: each line's own (`_line_centers`), unless the
        operation also runs on equipment outside those lines (then all of them together)."""
        groups: dict[str, list[str]] = {}
        for u in eligible:
            wc = self.units[u][1]
            groups.setdefault(wc if wc in self.line_centers else "", []).append(u)
        if "" in groups and len(groups) > 1:
            return [eligible]
        return list(groups.values())

    def _alternatives(self, op: RoutingOperation) -> list[Pool]:
        """The pools that can do an operation: one, or one per parallel line."""
        pools: list[Pool] = []
        for u in self.plant.eligible_units(op):
            pool = self.pool_of[u]
            if pool not in pools:
                pools.append(pool)
        return pools

    # -- routes ----------------------------------------------------------------------------------------

    def take_stock(self, plan: Iterable[PlannedUnit]) -> None:
        """Give the plant file's stock of sub-assemblies made per unit to the units of `plan`, served in the order
        given (the order the scheduler serves them in: see `unit_structure.from_stock`)."""
        left = dict(self.made_stock)
        if not left:
            return
        structures: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[tuple[Node, ...], list[tuple[str, ...]]]] = {}
        for planned in plan:
            key = (planned.product, tuple(sorted(planned.configuration.items())))
            if key not in structures:
                nodes = structure(self.plant, self.plant.products[planned.product].material, planned.configuration)
                structures[key] = (nodes, _paths(nodes))
            nodes, paths = structures[key]
            spared = from_stock(nodes, left)
            if spared:
                self._taken[planned.serial] = frozenset(paths[index] for index in spared)

    def plan_of(self, planned: PlannedUnit) -> UnitPlan:
        """What this planned unit needs, the sub-assemblies it takes from stock left out."""
        return self.unit_plan(planned.product, planned.configuration, self._taken.get(planned.serial, frozenset()))

    def unit_plan(self, product: str, configuration: dict[str, str], taken: Taken = frozenset()) -> UnitPlan:
        key = (product, tuple(sorted(configuration.items())), taken)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._plan(product, configuration, taken)
        return plan

    def _plan(self, product_id: str, configuration: dict[str, str], taken: Taken) -> UnitPlan:
        product = self.plant.products.get(product_id)
        if product is None:
            raise FactoryosError(f"unknown product {product_id!r}; expected one of {sorted(self.plant.products)}")
        spine = [product.material]
        while True:
            child = self._spine_child(tuple(spine), configuration, taken)
            if child is None:
                break
            spine.append(child)
        plan = UnitPlan(route=())
        steps: list[Step] = []
        capabilities: list[str] = []
        for depth in range(len(spine) - 1, -1, -1):
            material = spine[depth]
            nxt = spine[depth + 1] if depth + 1 < len(spine) else None
            self._add_inputs(tuple(spine[: depth + 1]), nxt, configuration, plan, steps, capabilities, taken)
            self._add_ops(steps, capabilities, material, 1, configuration, plan.load)
        plan.route = self._with_rework(steps, capabilities)
        return plan

    def _add_inputs(
        self,
        path: tuple[str, ...],
        nxt: str | None,
        configuration: dict[str, str],
        plan: UnitPlan,
        steps: list[Step],
        capabilities: list[str],
        taken: Taken,
    ) -> None:
        """Before the operations of the material at the end of `path`, a join that waits for its kits (made per
        unit beside the spine) and draws its stocked components and those `taken` from stock; `nxt` is the
        spine's own component, which arrives on the route."""
        material = path[-1]
        kits: list[tuple[str, int]] = []
        needs: dict[str, float] = {}
        for line in bom_lines(self.plant, material, configuration):
            if line.component == nxt:
                if round(line.quantity) > 1:  # the unit on the route is one of them; the rest are made beside it
                    kits.append((line.component, round(line.quantity) - 1))
                continue
            quantity = line.issued
            if line.component in self.stocked or (*path, line.component) in taken:
                needs[line.component] = needs.get(line.component, 0.0) + quantity
            elif self._made_per_unit(line.component):
                kits.append((line.component, max(1, round(line.quantity))))
        if not kits and not needs:
            return
        join = self._join(material)
        steps.append(Step(join, PASS))
        capabilities.append("")
        plan.joins.append((join, len(kits), needs))
        self._count_stock_needs(needs, plan)
        for kit, quantity in kits:
            self._add_kit((*path, kit), quantity, configuration, join, plan, taken)

    def _count_stock_needs(self, needs: dict[str, float], plan: UnitPlan) -> None:
        """Add what a unit draws of the parts made in lots to its plan's `stock_needs` (what the supermarket
        replenishes); sub-assemblies taken from the plant file's stock are not made again."""
        for name, value in needs.items():
            if name in self.stocked:
                plan.stock_needs[name] = plan.stock_needs.get(name, 0.0) + value

    def _spine_child(self, path: tuple[str, ...], configuration: dict[str, str], taken: Taken) -> str | None:
        for line in bom_lines(self.plant, path[-1], configuration):
            if self._made_per_unit(line.component) and (*path, line.component) not in taken:
                return line.component
        return None

    def _made_per_unit(self, material: str) -> bool:
        mat = self.plant.materials.get(material)
        return bool(mat and mat.source == "make" and material in self.plant.routings and material not in self.stocked)

    def _add_kit(
        self,
        path: tuple[str, ...],
        quantity: int,
        configuration: dict[str, str],
        join: Join,
        plan: UnitPlan,
        taken: Taken,
    ) -> None:
        kit = path[-1]
        steps: list[Step] = []
        capabilities: list[str] = []
        needs: dict[str, float] = {}
        self._fold(path, quantity, configuration, steps, capabilities, needs, plan.load, taken)
        if needs:
            steps.insert(0, Step(self._join(f"{kit}/kitting"), PASS))
            capabilities.insert(0, "")
            self._count_stock_needs(needs, plan)
        steps.append(Step(join, PASS))
        capabilities.append("")
        plan.kits.append((kit, self._with_rework(steps, capabilities), needs))

    def _fold(
        self,
        path: tuple[str, ...],
        quantity: float,
        configuration: dict[str, str],
        steps: list[Step],
        capabilities: list[str],
        needs: dict[str, float],
        load: dict[str, float],
        taken: Taken,
    ) -> None:
        """A kit's route: its made components' operations first (scaled by quantity), then its own; a component
        made in lots or `taken` from stock is drawn instead."""
        material = path[-1]
        for line in bom_lines(self.plant, material, configuration):
            if line.component in self.stocked or (*path, line.component) in taken:
                needs[line.component] = needs.get(line.component, 0.0) + quantity * line.issued
            elif self._made_per_unit(line.component):
                below = (*path, line.component)
                self._fold(below, quantity * line.quantity, configuration, steps, capabilities, needs, load, taken)
        self._add_ops(steps, capabilities, material, quantity, configuration, load, folded=True)

    def _add_ops(
        self,
        steps: list[Step],
        capabilities: list[str],
        material: str,
        quantity: float,
        configuration: dict[str, str],
        load: dict[str, float],
        folded: bool = False,
    ) -> list[tuple[str, Task]]:
        added = []
        ops = operations(self.plant, material, configuration)
        draws = self._draws(material, quantity, configuration, ops) if self.draws_material else {}
        for op in ops:
            alternatives = self._alternatives(op)
            pool = alternatives[0]
            previous = self._previous_pool(steps)
            if pool.paced is not None and previous is pool:
                if op.id in draws:  # the line's later operations: the unit's parts are drawn as it enters
                    self._draw_on_entry(steps, draws[op.id])
                continue
            if previous is not None and previous.area != pool.area:
                steps.append(Step(self._conveyor(previous.area, pool.area), PASS))
                capabilities.append("")
            operation = self._operation(pool, material, op, quantity, configuration, folded)
            internal = previous is not None and previous.work_centers == pool.work_centers
            step = Step(pool.inbox, operation, internal, draws.get(op.id, ()))  # type: ignore[arg-type]
            if len(alternatives) > 1:
                step = self._on_lines(steps, alternatives, material, op, quantity, configuration, step, folded)
            steps.append(step)
            capabilities.append(op.capability)
            for alternative in alternatives:  # each line its own time: a slower paced line is loaded longer
                task = self._operation(alternative, material, op, quantity, configuration, folded)
                per_part = task.ideal if task.ideal is not None else task.run.mean
                per_unit = per_part / (1 if task.ideal is not None else op.batch_size or 1)
                per_unit /= len(alternatives)
                load[alternative.name] = load.get(alternative.name, 0.0) + per_unit
            added.append((pool.name, operation))
        return added

    def _draws(
        self, material: str, quantity: float, configuration: dict[str, str], ops: list[RoutingOperation]
    ) -> dict[str, Needs]:
        """Operation id -> the bought parts it draws for `quantity` of `material`: each planned bought BOM line
        (one supplied on call is always there) at its `operation` (if this configuration's routing has it), else
        at the first operation."""
        if not ops:
            return {}
        ids = {op.id for op in ops}
        per_op: dict[str, dict[str, float]] = {}
        for line in bom_lines(self.plant, material, configuration):
            if not self.plant.materials[line.component].bought_by_plan:
                continue
            at = line.operation if line.operation in ids else ops[0].id
            needs = per_op.setdefault(at, {})
            needs[line.component] = needs.get(line.component, 0.0) + quantity * line.issued
        return {op: tuple(needs.items()) for op, needs in per_op.items()}

    @staticmethod
    def _draw_on_entry(steps: list[Step], needs: Needs) -> None:
        """Add `needs` to what the unit draws at the last step that enters a piece of equipment (on each
        parallel line, for a `Lines` step)."""
        for i in range(len(steps) - 1, -1, -1):
            step = steps[i]
            if isinstance(step.to, Lines):
                for variant in step.to.variants:
                    variant[-1] = _drawing(variant[-1], needs)
                return
            if isinstance(step.to, Buffer):
                steps[i] = _drawing(step, needs)
                return

    def _on_lines(
        self,
        steps: list[Step],
        alternatives: list[Pool],
        material: str,
        op: RoutingOperation,
        quantity: float,
        configuration: dict[str, str],
        step: Step,
        folded: bool,
    ) -> Step:
        """An operation that runs on parallel lines: it extends the unit's stay on the line it is on (the
        route holds the first line's step), or starts one at a `Lines` choice."""
        key = tuple(p.work_centers[0] for p in alternatives)
        open_steps, lines, open_key, end = self._open_lines
        if open_steps is steps and open_key == key and end == len(steps):
            first = step
        else:
            lines = Lines(f"{material}/{op.id}", self._assigned_line)
            first = Step(lines, step.op)
        for k, pool in enumerate(alternatives):
            task = self._operation(pool, material, op, quantity, configuration, folded)
            before = lines.last(k)
            internal = before is not None and self.pool_by_inbox[id(before.to)].work_centers == pool.work_centers
            lines.add(k, Step(pool.inbox, task, internal, step.consumes), pool.work_centers[0])  # type: ignore[arg-type]
        self._open_lines = (steps, lines, key, len(steps) + 1)
        return first

    def _assigned_line(self, part: Part, operation: str) -> str | None:
        """The work center (one of parallel lines) a schedule put this operation of this unit on."""
        if self.schedule is None:
            return None
        assigned = self.schedule.get((part.parent or part.serial, operation))
        if assigned is None or assigned[0] not in self.units:
            return None
        return self.units[assigned[0]][1]

    def _previous_pool(self, steps: list[Step]) -> Pool | None:
        for step in reversed(steps):
            if isinstance(step.to, Lines):
                return self.pool_by_inbox[id(step.to.last(0).to)]  # type: ignore[union-attr]
            if isinstance(step.to, Buffer):
                return self.pool_by_inbox[id(step.to)]
            if isinstance(step.to, Join):
                return None
        return None

    def _operation(
        self,
        pool: Pool,
        material: str,
        op: RoutingOperation,
        quantity: float,
        configuration: dict[str, str],
        folded: bool = False,
    ) -> Task:
        """The task of `quantity` of `material` at `op` on `pool`; `folded`: a kit's, whose part is one kit
        (its `made` counts the units), not a lot that carries its quantity. Its `setup_minutes` are paid once per
        run of the operation on a work unit, as the scheduler pays them: two operations of one material in a row
        on one machine each pay theirs. A lot's operation pauses over its equipment's shifts off, as the scheduler
        lets it; a unit's does not."""
        group = self.plant.changeovers.get(op.changeover_group) if op.changeover_group else None
        setup_group = None
        if group is not None:
            setup_group = material if group.attribute == "material" else configuration.get(group.attribute)
        elif op.setup_minutes > 0:
            setup_group = f"{material}/{op.id}"
        hold = self._line_hold(pool, material, quantity, configuration) if pool.paced is not None else 0.0
        key = (pool.name, material, op.id, quantity, setup_group, folded, hold)
        cached = self._ops.get(key)
        if cached is not None:
            return cached
        if pool.paced is not None:
            run = fixed(len(pool.units) * hold)  # each of its positions holds the unit as long
            name = _line_task(pool)
        elif op.batch_size and quantity > 1:  # a lot runs in as many batches as it fills
            run = lognormal_sum(op.run_minutes * 60.0, defaults.RUN_CV, math.ceil(quantity / op.batch_size))
            name = f"{material}/{op.id}"
        else:
            run = lognormal_sum(op.run_minutes * 60.0, defaults.RUN_CV, quantity)
            name = f"{material}/{op.id}"  # as the schedule's work orders name it
        eligible = frozenset(self.plant.eligible_units(op))
        changeover = None
        if group is not None:
            matrix = {a: {b: m * 60.0 for b, m in row.items()} for a, row in group.matrix.items()}
            changeover = Changeover(group.default_minutes * 60.0, matrix)
        quality = self.plant.quality_of(op)
        tests = tuple(TestSpec(test.name, tuple(test.characteristics)) for test in quality.tests)
        operation = Task(
            name=name,
            run=run,
            setup_group=setup_group,
            setup=fixed(op.setup_minutes * 60.0),
            yield_rate=quality.first_pass_yield if not folded or quantity == 1 else 1.0,
            tests=tests if not folded or quantity == 1 else (),
            changeover=changeover,
            units=None if eligible >= set(pool.units) else eligible,
            ideal=op.run_minutes * 60.0 * quantity / op.batch_size if op.batch_size and quantity > 1 else None,
            made=max(1, round(quantity)) if folded and pool.paced is None else None,
            batch=(op.batch_size or 1, (op.batch_wait_minutes or 0.0) * 60.0) if pool.batch_size else None,
            material=material,
            interruptible=material in self.stocked,
        )
        pool.restricted = pool.restricted or operation.units is not None
        pool.changeovers = pool.changeovers or operation.changeover is not None
        self._ops[key] = operation
        self._quality[id(operation)] = quality
        return operation

    def _line_hold(self, pool: Pool, material: str, quantity: float, configuration: dict[str, str]) -> float:
        """Seconds a paced line run as one holds each of its positions for `quantity` of `material`: the longest
        any of its operations there takes, on the fastest of the line's units that can do it, at least a takt
        (`model.operation_time.run_seconds`, as the scheduler holds each station): the whole line waits for it."""
        line = set(pool.units)
        return max(
            fastest_run(self.plant, units, op, quantity)
            for op in operations(self.plant, material, configuration)
            if (units := [u for u in self.plant.eligible_units(op) if u in line])
        )

    def _with_rework(self, steps: list[Step], capabilities: list[str]) -> tuple[Step, ...]:
        """Attach each yield-bearing operation's rework detour: earlier steps to redo, or a repair; on each
        parallel line's own steps too."""
        for i, step in enumerate(steps):
            if isinstance(step.to, Lines):
                for variant in step.to.variants:
                    n = len(variant)
                    variant[:] = self._reworked([*steps[:i], *variant, *steps[i + n :]], capabilities)[i : i + n]
        return self._reworked(steps, capabilities)

    def _reworked(self, steps: list[Step], capabilities: list[str]) -> tuple[Step, ...]:
        route = list(steps)
        for i, step in enumerate(steps):
            if step.op.yield_rate >= 1.0 and not step.op.tests:
                continue
            quality = self._quality[id(step.op)]
            if quality.redo:
                detour = tuple(
                    _redone(steps[max(j for j in range(i) if capabilities[j] == c)])
                    for c in quality.redo
                    if c in capabilities[:i]
                )
            elif quality.repair_minutes is not None:
                repair = self._repair(step)
                detour = (Step(repair, Task("repair", lognormal(quality.repair_minutes * 60.0, 0.5))),)
            else:
                continue
            op = step.op
            rerun = dataclasses.replace(op, rework=detour)
            route[i] = dataclasses.replace(step, op=rerun)
        return tuple(route)

    # -- the things routes go to -----------------------------------------------------------------------

    def _join(self, name: str) -> Join:
        join = self.joins.get(name)
        if join is None:
            join = self.joins[name] = Join(self.floor.env, name)
        return join

    def _conveyor(self, origin: str, destination: str) -> Any:
        name = f"{self.plant.site.id}/transport/{origin}-to-{destination}"
        return self.floor.conveyors.get(name) or self.floor.conveyor(name, fixed(defaults.TRANSPORT_SECONDS))

    def _repair(self, step: Step) -> Any:
        first = step.to.last(0) if isinstance(step.to, Lines) else None
        to = first.to if first is not None else step.to
        pool = self.pool_by_inbox[id(to)]
        area, wc = pool.area, pool.work_centers[0]
        name = f"{self.plant.site.id}/{area}/{wc}/repair"
        return self.floor.conveyors.get(name) or self.floor.conveyor(name, None)

    def _lot_route(self, material: str, lot_size: int) -> tuple[Step, ...]:
        key = (material, lot_size)
        route = self._lot_routes.get(key)
        if route is None:
            steps: list[Step] = []
            capabilities: list[str] = []
            self._add_ops(steps, capabilities, material, lot_size, {}, {})
            steps.append(Step(self.supermarket, PASS))  # type: ignore[arg-type]
            route = self._lot_routes[key] = tuple(steps)
        return route

    # -- equipment -------------------------------------------------------------------------------------

    def build(
        self,
        staffing: dict[str, Staffing],
        stock_per_day: dict[str, float],
        horizon: float,
        epoch_offset: Callable[[datetime], float] | None = None,
        purchases: Iterable[PurchaseOrder] = (),
    ) -> None:
        """Create the equipment, crews and stock. `stock_per_day` is the expected daily use of each stocked
        component (sets reorder points); `epoch_offset(datetime)` places planned maintenance and the
        `purchases` (bought material arriving line-side, when the twin keeps it) in sim time."""
        for wc_id in self.work_centers:
            run = staffing[wc_id]
            if run.operators > 0:  # paid for its shifts; a station works when it is on and has a team from it
                stations = run.stations or len(self.work_centers[wc_id][1].work_units)
                self.floor.crew(wc_id, run.operators, run.calendar or always(), stations)
        self._build_stock(stock_per_day)
        if self.draws_material:
            self._build_line_side(list(purchases), epoch_offset)
        maintenance = self._maintenance(horizon, epoch_offset)
        peers: dict[str, Any] = {}
        lengths = Counter(unit for unit, _ in (self.schedule or {}).values())  # each unit's scheduled operations
        planned = self._planned() if self.schedule is not None else None
        for pool in self.pools.values():
            if pool.paced is not None:
                self._build_paced_line(pool, staffing[pool.work_centers[0]], maintenance, planned)
            else:
                for unit in pool.units:
                    self._build_station(pool, unit, staffing, maintenance, peers, lengths[unit], planned)
        if self.supermarket is not None:
            self.supermarket.open()

    def _build_stock(self, stock_per_day: dict[str, float]) -> None:
        """The supermarket of stocked components, each with its lot size, reorder point and lot route. It opens
        with the plant file's lots and nothing else, as the scheduler and the material plan count it: a component
        the file lists none of starts at zero, and its first lots are released at once."""
        policies: dict[str, LotPolicy] = {}
        opening: dict[str, list[tuple[str, float]]] = {}
        for held in self.plant.inventory:
            if held.material in self.stocked or held.material in self.made_stock:
                opening.setdefault(held.material, []).append((held.lot, held.quantity))
        for material in sorted(self.stocked):  # sorted: a seed's run releases its first lots in one order
            per_day = stock_per_day.get(material, 0.0)
            lot = lot_size(self.plant.materials[material], per_day)
            policies[material] = LotPolicy(lot, reorder_point(per_day), functools.partial(self._lot_route, material))
        self.supermarket = Supermarket(self.floor.env, f"{self.plant.site.id}/supermarket", policies, opening)
        for join in self.joins.values():
            join.supermarket = self.supermarket
        for material, policy in policies.items():
            self._lot_route(material, policy.lot_size)

    def _build_line_side(
        self, purchases: list[PurchaseOrder], epoch_offset: Callable[[datetime], float] | None
    ) -> None:
        """Line-side stock of bought parts: the plant file's inventory of them, and the purchase orders arriving."""
        plant = self.plant
        if epoch_offset is None and purchases:
            raise FactoryosError("purchase orders need the run's start (epoch_offset) to place their due dates")
        bought = [lot for lot in plant.inventory if plant.materials[lot.material].bought_by_plan]
        opening = [(lot.material, lot.lot, lot.quantity) for lot in bought]
        arrivals = receipts(purchases, plant.suppliers, epoch_offset or (lambda _: 0.0), self.floor.seed)
        self.line_side = LineSideStock(self.floor.env, opening, arrivals)

    def _planned(self) -> PlannedStarts:
        """The schedule's planned starts by equipment: a station's are its work unit's operations; a paced line's
        (one piece of equipment) are each unit's entry, at the earliest start the schedule gives it on the line's
        work units, under the line's own operation."""
        assert self.schedule is not None
        entries: dict[tuple[str, tuple[str, str]], float] = {}
        for (serial, operation), (unit, _) in self.schedule.items():
            start = self.planned_starts[serial, operation]
            pool = self.pool_of[unit]
            if pool.paced is not None:
                key = (self._line_path(pool), (serial, _line_task(pool)))
            else:
                key = (self.plant.equipment_path(unit), (serial, operation))
            entries[key] = min(start, entries.get(key, math.inf))
        return PlannedStarts(((path, start, key) for (path, key), start in entries.items()), self._replaces)

    def _line_path(self, pool: Pool) -> str:
        """The path of a paced line run as one piece of equipment."""
        return f"{self.plant.site.id}/{pool.area}/{pool.work_centers[0]}"

    def _build_paced_line(
        self, pool: Pool, run: Staffing, maintenance: dict[str, Maintenance], planned: PlannedStarts | None
    ) -> None:
        wc_id, wc = pool.work_centers[0], pool.paced
        assert wc is not None
        self.floor.paced_line(
            self._line_path(pool),
            pool.inbox,  # type: ignore[arg-type]
            positions=len(pool.units),
            takt=run.takt or wc.takt_seconds,  # type: ignore[arg-type]
            design_takt=wc.takt_seconds,
            reliability=self._line_reliability(pool.units),
            calendar=run.calendar,
            maintenance=maintenance.get(wc_id),
            has_work=self.busy_pools is None or pool.name in self.busy_pools,
            stock=self.line_side,
            drift=self._line_drift(pool.units),
            planned=planned,
        )

    def _line_drift(self, units: Iterable[str]) -> Drift | None:
        """A paced line run as one passes every unit by each of its positions, so a drifting position drifts all
        its output (the one that begins first, where several do)."""
        drifts = [wu.drift for _, _, wu in (self.units[u] for u in units) if wu.drift is not None]
        return min(drifts, key=lambda drift: drift.after_hours, default=None)

    def _build_station(
        self,
        pool: Pool,
        unit: str,
        staffing: dict[str, Staffing],
        maintenance: dict[str, Maintenance],
        peers: dict[str, Any],
        scheduled: int,
        planned: PlannedStarts | None,
    ) -> None:
        """One work unit of a pool as a station (or a batch station), dispatching from the pool's inbox; the
        schedule gives it `scheduled` operations, which start as `planned`."""
        floor, plant = self.floor, self.plant
        _, unit_wc, wu = self.units[unit]
        run = staffing[unit_wc]
        dispatch = (
            Dispatch(unit, self.schedule, peers, pool.inbox, scheduled)
            if pool.restricted or pool.changeovers or self.schedule
            else None
        )
        options: dict[str, Any] = dict(
            path=plant.equipment_path(unit),
            reliability=self._reliability(wu.mtbf_hours, wu.mttr_hours),
            calendar=run.calendar,
            maintenance=maintenance.get(unit) or maintenance.get(unit_wc),
            pick=dispatch,
            sensor=self._sensor(wu.equipment_class),
            speed=wu.speed_factor * self._pace(unit_wc, run),
            drift=wu.drift,
            crew=floor.crews.get(unit_wc),
            has_work=self.busy_pools is None or pool.name in self.busy_pools,
            stock=self.line_side,
            planned=planned,
        )
        name = plant.equipment_path(unit)
        station: Equipment
        if pool.batch_size:
            station = floor.batch_station(
                name,
                pool.inbox,  # type: ignore[arg-type]
                pool.batch_size,
                fill_wait=pool.batch_wait,
                **options,
            )
        else:
            station = floor.station(name, pool.inbox, takt=self._takt(unit_wc, run), **options)  # type: ignore[arg-type]
        peers[unit] = station
        if dispatch is not None:
            dispatch.equipment = station

    def _takt(self, wc_id: str, run: Staffing) -> float:
        """The least a station of a paced line run as its stations holds a unit: the takt the line runs at (its
        design takt, or a longer one its staffing sets), as the scheduler holds it at least the design takt; 0
        for a station of any other work center."""
        wc = self.work_centers[wc_id][1]
        return (run.takt or wc.takt_seconds or 0.0) if wc.kind == "paced-line" else 0.0

    def _pace(self, wc_id: str, run: Staffing) -> float:
        """A paced line run as its stations, at a takt longer than designed, has smaller teams that take
        longer over the same work: its stations slow in proportion."""
        design = self.work_centers[wc_id][1].takt_seconds
        return design / run.takt if design and run.takt else 1.0

    def _maintenance(self, horizon: float, epoch_offset: Callable[[datetime], float] | None) -> dict[str, Maintenance]:
        windows: dict[str, Maintenance] = {}
        if epoch_offset is None:
            return windows
        for calendar in self.plant.calendars.values():
            for window in calendar.maintenance:
                start = epoch_offset(window.start)
                if 0 <= start < horizon and window.equipment not in windows:
                    windows[window.equipment] = Maintenance(math.inf, window.hours * 3600.0, start)
        return windows

    def _reliability(self, mtbf_hours: float | None, mttr_hours: float | None) -> Reliability | None:
        if mtbf_hours is None or mttr_hours is None:
            return None
        return Reliability(mtbf_hours * 3600.0, lognormal(mttr_hours * 3600.0, defaults.MTTR_CV))

    def _line_reliability(self, units: list[str]) -> Reliability | None:
        """A paced line stops when any of its positions fails: failure rates add up."""
        rates: list[tuple[float, float]] = []
        for unit in units:
            wu = self.units[unit][2]
            if wu.mtbf_hours and wu.mttr_hours is not None:  # the model gives both or neither
                rates.append((1 / wu.mtbf_hours, wu.mttr_hours))
        if not rates:
            return None
        rate = sum(r for r, _ in rates)
        mttr = sum(r * m for r, m in rates) / rate
        return self._reliability(1 / rate, mttr)

    def _sensor(self, equipment_class: str) -> SensorKind | None:
        return plant_sensor_kind(self.plant.equipment_classes[equipment_class].sensor_limits)

    # -- release ---------------------------------------------------------------------------------------

    def release(self, plan: Iterable[PlannedUnit]) -> None:
        """Release each product's units in plan order, each product on its own, and no more of a product into
        the floor than `WIP_DAYS` of its busiest day's release or of what its most loaded pool can make: a
        product held up at a full inbox does not hold up the others, and one the plant cannot keep up with
        waits in the order book rather than flooding a cell it shares with a partner's product.

        A unit a schedule plans is released at its first planned start whatever the cap, counted in process: the
        schedule has already spread its work over the plant's capacity, and holding it back made the lines that
        build ahead of a holiday late against their own plan (starved) while nothing was wrong with the flow."""
        per_product: dict[str, list[PlannedUnit]] = {}
        for planned in plan:
            per_product.setdefault(planned.product, []).append(planned)
        env = self.floor.env
        scheduled = {serial for serial, _ in self.planned_starts}
        for product, units in per_product.items():
            per_day: dict[int, int] = {}
            for planned in units:
                per_day[int(planned.at // 86400)] = per_day.get(int(planned.at // 86400), 0) + 1
            rate = min(max(per_day.values()), self._daily_capacity(units[0]))
            self._wip_cap[product] = max(1, math.ceil(WIP_DAYS * rate))
            self._in_process[product] = 0
            on_plan = [u for u in units if u.serial in scheduled]
            for group, capped in ((on_plan, False), ([u for u in units if u.serial not in scheduled], True)):
                if group:
                    env.process(self._release(group, capped))
        self.floor.sink.on_leave = self._left

    def _daily_capacity(self, planned: PlannedUnit) -> float:
        """Units of a product a day its most loaded pool could make around the clock, were it alone there."""
        load = self.plan_of(planned).load
        return min((len(self.pools[name].units) * 86400.0 / s for name, s in load.items() if s > 0), default=math.inf)

    def _left(self, part: Part, scrapped: bool) -> None:
        product = part.product
        if part.parent is not None:  # a kit built for a unit
            if scrapped:
                self._remake_kit(part, part.parent)
            return
        if product in self._in_process:  # a unit, not a lot
            self._building.pop(part.serial, None)
            self._in_process[product] -= 1
            room = self._room.pop(product, None)
            if room is not None:
                room.succeed()
            if scrapped and part.order:
                self.floor.env.process(self._release([self._remake(part)]))

    def _remake(self, part: Part) -> PlannedUnit:
        """A scrapped unit of a customer order made again from the start, for its order and due date and under the
        work orders of the unit first made (the order desk counts an order built only once all its units are, so
        an order with a unit scrapped and never remade would never be built). Released at once, within the
        product's work in process."""
        serial = self._remade_serial(part.serial)
        if self.floor.publisher is not None:
            self.floor.publisher.replaces[serial] = self._replaces[serial]
        configuration = part.configuration or {}
        return PlannedUnit(self.floor.env.now, serial, part.product, configuration, part.order, part.due)

    def _remake_kit(self, kit: Part, parent: str) -> None:
        """A scrapped kit made again from the start for the unit `parent` it was built for, which else waits at its
        join for ever (holding its place in the product's work in process): released at once, on the route the
        unit's plan gives that kit, and under the unit's work orders as every kit of it is. None for a unit no
        longer in process (scrapped itself)."""
        planned = self._building.get(parent)
        if planned is None:
            return
        for material, route, needs in self.plan_of(planned).kits:
            if route[-1] is kit.route[-1]:  # its step into the join: rework and lines change only the steps before
                self._release_kit(planned, self._remade_serial(kit.serial), material, route, needs)
                return

    def _remade_serial(self, serial: str) -> str:
        """The serial of the next unit or kit made again in place of `serial` (`FIRST-remade-k`)."""
        first = self._replaces.get(serial, serial)
        self._remade[first] += 1
        remade = f"{first}-remade-{self._remade[first]}"
        self._replaces[remade] = first
        return remade

    def _release_kit(
        self, planned: PlannedUnit, serial: str, kit: str, route: tuple[Step, ...], needs: dict[str, float]
    ) -> None:
        """Start a kit of `planned` on its route, its kitting join told of the parts it draws; none for a unit no
        longer in process (scrapped before the kit's planned start)."""
        if planned.serial not in self._building:
            return
        env = self.floor.env
        kit_part = Part(serial, route, env.now, product=kit, order=planned.order, parent=planned.serial)
        if needs:
            route[0].to.expect(kit_part.serial, 0, needs)  # type: ignore[attr-defined]
        route[0].to.put(kit_part)

    def _enters_at(self, serial: str, route: tuple[Step, ...]) -> float:
        """When a kit of unit `serial` on `route` is released: with its unit (now), unless it passes a bounded
        buffer on the way (`_passes_buffer`), then at the planned start of its first operation the schedule gives.
        The schedule keeps a kanban on such a buffer, its place taken when the kit starts upstream: released with
        its unit, the kit ran ahead into a buffer the plan kept room in for it only later (a line working around
        the clock built over the weekend for a line shut until Monday, and blocked)."""
        now = self.floor.env.now
        if not _passes_buffer(route):
            return now
        starts = (self.planned_starts.get((serial, step.op.name)) for step in route)
        return next((start for start in starts if start is not None), now)

    def _at(self, at: float, act: Callable[[], None]) -> None:
        """Do `act` at sim time `at`, at once if that has come."""
        env = self.floor.env
        if at <= env.now:
            act()
        else:
            env.timeout(at - env.now).callbacks.append(lambda _: act())

    def _release(self, plan: Iterable[PlannedUnit], capped: bool = True) -> Any:
        """Release the units of `plan` at their times, each waiting for room under its product's cap if `capped`."""
        env = self.floor.env
        sink = self.floor.sink
        for planned in plan:
            if planned.at > env.now:
                yield env.timeout(planned.at - env.now)
            product = planned.product
            while capped and self._in_process[product] >= self._wip_cap[product]:
                room = self._room[product] = env.event()
                yield room
            self._in_process[product] += 1
            unit_plan = self.plan_of(planned)
            serial = planned.serial
            self._building[serial] = planned
            for join, kits, needs in unit_plan.joins:
                join.expect(serial, kits, needs)
            for kit, route, needs in unit_plan.kits:
                release = functools.partial(self._release_kit, planned, f"{serial}/{kit}", kit, route, needs)
                self._at(self._enters_at(serial, route), release)
            unit = Part(
                serial,
                unit_plan.route,
                env.now,
                planned.due,
                product=planned.product,
                order=planned.order,
                configuration=planned.configuration,
            )
            sink.released(unit)
            blocked = unit.route[0].to.put(unit)
            if blocked is not None:
                yield blocked

    # -- capacity --------------------------------------------------------------------------------------

    def work_center_load(self, plan: Iterable[PlannedUnit], weeks: float) -> dict[str, Load]:
        """Seconds of work a week in each work center for the plan, stocked parts included."""
        per_pool: dict[str, float] = {}
        stock: dict[str, float] = {}
        for planned in plan:
            unit_plan = self.plan_of(planned)
            for pool, seconds in unit_plan.load.items():
                per_pool[pool] = per_pool.get(pool, 0.0) + seconds
            for material, quantity in unit_plan.stock_needs.items():
                stock[material] = stock.get(material, 0.0) + quantity
        for material, quantity in stock.items():
            lot = lot_size(self.plant.materials[material], quantity / weeks / 7)
            load: dict[str, float] = {}
            ops = self._add_ops([], [], material, lot, {}, load)
            for pool, seconds in load.items():
                per_pool[pool] = per_pool.get(pool, 0.0) + seconds * quantity / lot
            for pool, op in ops:
                if op.changeover is not None:  # a changeover per lot, at the group's default
                    per_pool[pool] = per_pool.get(pool, 0.0) + op.changeover.default * quantity / lot
        self.busy_pools = {name for name, seconds in per_pool.items() if seconds > 0}
        busiest: dict[str, float] = {}
        total: dict[str, float] = {}
        for name, seconds in per_pool.items():
            group = self.pools[name]
            share = seconds / weeks / len(group.units)
            for wc in group.work_centers:
                busiest[wc] = max(busiest.get(wc, 0.0), share)
                total[wc] = total.get(wc, 0.0) + share * sum(self.units[u][1] == wc for u in group.units)
        return {wc: Load(busiest[wc], total[wc]) for wc in busiest}

    def neighbours(self) -> dict[str, set[str]]:
        """Work center -> the work centers that feed it or that it feeds directly, over the routes planned."""
        links: dict[str, set[str]] = {}
        routes = [plan.route for plan in self._plans.values()]
        routes += [route for plan in self._plans.values() for _, route, _ in plan.kits]
        for route in routes:
            before: list[Pool] = []
            for step in route:
                if isinstance(step.to, Lines):
                    here = [self.pool_by_inbox[id(variant[0].to)] for variant in step.to.variants]
                elif isinstance(step.to, Buffer):
                    here = [self.pool_by_inbox[id(step.to)]]
                else:
                    continue
                for a in before:
                    for b in here:
                        for x in a.work_centers:
                            for y in b.work_centers:
                                if x != y:
                                    links.setdefault(x, set()).add(y)
                                    links.setdefault(y, set()).add(x)
                before = here
        return links

    def stock_use(self, plan: Iterable[PlannedUnit], days: float) -> dict[str, float]:
        use: dict[str, float] = {}
        for planned in plan:
            for material, quantity in self.plan_of(planned).stock_needs.items():
                use[material] = use.get(material, 0.0) + quantity / days
        return use


def _line_task(pool: Pool) -> str:
    """What a paced line run as one piece of equipment calls the operation a unit spends on it."""
    assert pool.paced is not None
    return pool.paced.name or pool.work_centers[0]


def _paths(nodes: tuple[Node, ...]) -> list[tuple[str, ...]]:
    """The path of each node of a unit's made structure: the materials from the product down to it, which is how
    the twin's routes, built level by level, name a sub-assembly of the unit."""
    paths: list[tuple[str, ...]] = []
    for node in nodes:
        paths.append((*paths[node.parent], node.material) if node.parent is not None else (node.material,))
    return paths


def _passes_buffer(route: tuple[Step, ...]) -> bool:
    """Whether a route, after its first work center, enters another one whose buffer is bounded."""
    entries = [step.to for step in route if isinstance(step.to, Buffer) and not step.internal]
    return any(buffer.capacity < math.inf for buffer in entries[1:])


def reorder_point(per_day: float) -> float:
    """A stocked component's reorder point in the supermarket: `STOCK_COVER_DAYS` of its daily use."""
    return per_day * defaults.STOCK_COVER_DAYS


def _drawing(step: Step, needs: Needs) -> Step:
    """The step drawing `needs` besides what it draws already."""
    total = dict(step.consumes)
    for material, quantity in needs:
        total[material] = total.get(material, 0.0) + quantity
    return dataclasses.replace(step, consumes=tuple(total.items()))


def _redone(step: Step) -> Step:
    """An earlier step a failed unit goes back to: without drawing parts (it has them), and taken in whatever
    its inbox holds, as a rework rack beside it. Queued behind a full inbox, the unit would hold the inspection
    that sent it back, which holds the line feeding that inbox: the loop stops for good."""
    return dataclasses.replace(step, consumes=(), internal=hasattr(step.to, "force"))


class Dispatch:
    """Which waiting part a work unit takes next: the first it may do (its eligibility), preferring within
    the first `LOOKAHEAD` parts one that needs no changeover, and following a schedule when there is one.

    With a schedule a unit works its sequence of `length` operations: the part its schedule runs next when that
    one is there, else a part that needs no changeover (its own earliest, then one the schedule gave nobody
    free); a part that needs a changeover waits for its turn, so that the schedule's campaigns hold when parts
    arrive out of order (released late, held at a join, let into a full inbox in another order). The unit waits
    for the part it runs next no longer than the changeovers of a detour would take (to the waiting part's
    setup and back: past that, waiting has cost more than the detour), then takes what is there: its earliest
    part, else a part the schedule gave nobody free (a held-up peer's, or none), else, while the inbox blocks
    its upstream, a busy peer's; the part it waited for is late and comes when it needs no changeover or at the
    unit's next loss of patience. A unit whose sequence is through (or that has none) takes parts that way at
    once. A schedule made for other crews and speeds bends instead of stalling."""

    LOOKAHEAD = 400

    def __init__(
        self,
        unit: str,
        schedule: dict[tuple[str, str], tuple[str, int]] | None,
        peers: dict[str, Any],
        inbox: Buffer | None = None,
        length: int = 0,
    ) -> None:
        self.unit = unit
        self.schedule = schedule
        self.peers = peers  # work unit -> its equipment, filled as the stations are built
        self.inbox = inbox  # the pool's, whose blocking lets a unit take over a busy peer's work
        self.equipment: Any = None  # set once the station exists: its setup decides "no changeover"
        self._taken = bytearray(length)  # the ranks of its sequence it took
        self._next = 0  # the first rank it has not taken nor given up on: the part it runs next
        self._waiting_for = -1  # the rank whose part it waits for while a part needing a changeover is there
        self._impatient = False  # it waited long enough: the next part it takes is what is there

    def __call__(self, items: Any) -> int:
        if self.schedule is None:
            return self._by_setup(items)
        in_turn = self._next < len(self._taken) and not self._impatient
        i = self._in_turn(items) if in_turn else self._as_scheduled(items)
        if i >= 0:
            self._took(items[i])
        return i

    def _by_setup(self, items: Any) -> int:
        """Without a schedule: the first part this unit may do that needs no changeover, looking ahead
        `LOOKAHEAD` parts, else the first it may do."""
        unit = self.unit
        current = self.equipment.setup_group if self.equipment is not None else None
        fallback = -1
        for i, part in enumerate(items):
            op = part.route[part.step].op
            if op.units is not None and unit not in op.units:
                continue
            if fallback < 0:
                fallback = i
            if op.changeover is None or current is None or op.setup_group == current:
                return i
            if i >= self.LOOKAHEAD:
                break
        return fallback

    def _in_turn(self, items: Any) -> int:
        """With a schedule, while its sequence runs: the part it runs next; else its earliest part that needs no
        changeover; else one that needs none and that the schedule gave nobody free; else none, and the patience
        clock starts when a part waits that needs a changeover."""
        unit, schedule, expected = self.unit, self.schedule, self._next
        assert schedule is not None
        current = self.equipment.setup_group if self.equipment is not None else None
        own, own_rank, other, refused = -1, math.inf, -1, None
        for i, part in enumerate(items):
            op = part.route[part.step].op
            if op.units is not None and unit not in op.units:
                continue
            assigned = schedule.get((part.parent or part.serial, op.name))
            rank = assigned[1] if assigned is not None and assigned[0] == unit else -1
            if rank == expected:
                return i
            if rank < 0 and assigned is not None and self._free_to_take(assigned[0]):
                continue  # a peer's that it will come to
            if _changes_over(op, current):
                refused = refused or op
            elif 0 <= rank < own_rank:
                own, own_rank = i, rank
            elif rank < 0 and other < 0:
                other = i
        if own >= 0 or other >= 0:
            return own if own >= 0 else other
        if refused is not None:
            self._wait_for(expected, 2.0 * _changeover_seconds(refused, current))
        return -1

    def _as_scheduled(self, items: Any) -> int:
        """With a schedule, its sequence through or its patience lost: its earliest part; else a part the schedule
        gave nobody free (a held-up peer's, or none); else, while the inbox blocks its upstream, a busy peer's."""
        unit, schedule = self.unit, self.schedule
        assert schedule is not None
        fallback, best, best_rank, busy_peers = -1, -1, math.inf, -1
        for i, part in enumerate(items):
            op = part.route[part.step].op
            if op.units is not None and unit not in op.units:
                continue
            assigned = schedule.get((part.parent or part.serial, op.name))
            if assigned is None or not self._free_to_take(assigned[0]):
                if fallback < 0:
                    fallback = i
            elif assigned[0] == unit:
                if assigned[1] < best_rank:
                    best, best_rank = i, assigned[1]
            elif busy_peers < 0:
                busy_peers = i
        if best >= 0:
            return best
        if fallback >= 0:
            return fallback
        return busy_peers if self.inbox is not None and self.inbox.blocking else -1

    def _took(self, part: Part) -> None:
        """Count a part it takes into its sequence; after a loss of patience, the ranks before the part it took
        (the one it waited for, when it took another unit's) are given up."""
        assert self.schedule is not None
        assigned = self.schedule.get((part.parent or part.serial, part.route[part.step].op.name))
        rank = assigned[1] if assigned is not None and assigned[0] == self.unit else -1
        taken, length = self._taken, len(self._taken)
        if self._impatient:
            self._next = max(self._next, rank) if rank >= 0 else self._next + 1
            self._impatient = False
        if 0 <= rank < length:
            taken[rank] = 1
        while self._next < length and taken[self._next]:
            self._next += 1

    def _wait_for(self, rank: int, patience: float) -> None:
        """Wait `patience` seconds for the part of `rank` (once for a rank), then take what is there."""
        if self._waiting_for == rank or self.inbox is None:
            return
        self._waiting_for = rank
        self.inbox.env.timeout(patience).callbacks.append(lambda _: self._lose_patience(rank))

    def _lose_patience(self, rank: int) -> None:
        if self._next == rank and self._waiting_for == rank:
            self._impatient = True
            self._waiting_for = -1
            self.inbox.reoffer()  # type: ignore[union-attr]

    def _free_to_take(self, assigned: str) -> bool:
        """Whether a part scheduled on `assigned` waits for it: it is this unit, or a peer that is not held up."""
        if assigned == self.unit:
            return True
        peer = self.peers.get(assigned)
        return peer is not None and not peer.held_up


def _changes_over(op: Task, current: str | None) -> bool:
    """Whether a server set up for `current` changes over for `op` (its first setup is free)."""
    return op.setup_group is not None and current is not None and op.setup_group != current


def _changeover_seconds(op: Task, current: str | None) -> float:
    """The seconds of the changeover from `current` to `op`'s setup group."""
    if op.changeover is not None:
        return op.changeover.seconds(current, op.setup_group)  # type: ignore[arg-type]
    return op.setup.mean
