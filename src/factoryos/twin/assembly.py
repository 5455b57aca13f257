"""Assembly: where a unit meets what it is built from.

A `Join` holds a unit until the kits built for it (sub-assemblies made per unit, such as its battery pack)
have arrived and the components it draws from stock are there. A `Supermarket` is that stock: components
made in lots (stamped panels, castings) are drawn per unit, and when a component's stock position (on hand
plus on order) falls below its reorder point, a new lot is released to the equipment that makes it. It also
holds the plant file's stock of sub-assemblies made per unit (welded frames) for the units that take theirs
from stock; that stock is never replenished: the other units build theirs. Stock is used first in, first out,
lot by lot, so a unit's genealogy names the lots its components really came from (two when a draw empties one
lot and opens the next).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from simpy import Environment

from factoryos.twin.fifo import Lots, first_in
from factoryos.twin.part import Inbox, Part, Step


@dataclass(frozen=True, slots=True)
class LotPolicy:
    """How a stocked component is replenished: `route_for(lot_size)` is the lot's route."""

    lot_size: int
    reorder_point: float
    route: Callable[[int], tuple[Step, ...]]


class Supermarket:
    """Stock of components made in lots: units draw from it, and a lot is released when a component's stock position
    falls below its reorder point. A component with opening lots and no policy is drawn and not replenished."""

    def __init__(
        self,
        env: Environment,
        name: str,
        policies: dict[str, LotPolicy],
        opening: Mapping[str, Sequence[tuple[str, float]]],
    ) -> None:
        """`opening`: each component's lots on hand at the start, as (lot, units), oldest first."""
        self.env = env
        self.name = name
        self.policies = policies
        held = [*policies, *(m for m in opening if m not in policies)]
        self.lots: dict[str, Lots] = {m: deque([lot, float(q)] for lot, q in opening.get(m, ())) for m in held}
        self.stock = {m: sum(q for _, q in self.lots[m]) for m in held}
        self.on_order = dict.fromkeys(policies, 0.0)
        self.lots_released = 0
        self._waiting: deque[tuple[dict[str, float], Callable[[tuple[str, ...]], None]]] = deque()
        self._areas = dict.fromkeys(held, 0.0)
        self._last = env.now

    def open(self) -> None:
        """Release the first lots of each component its opening stock leaves below its reorder point, once the lots'
        routes exist: in rounds, one lot of each component short in turn, so that a cell making several components
        from an empty supermarket makes each one's first lot before another's second (all of one component's lots
        first starved the units needing the last component for days)."""
        short = list(self.policies)
        while short:
            short = [material for material in short if self._release(material)]

    def draw(self, needs: dict[str, float], then: Callable[[tuple[str, ...]], None]) -> None:
        """Take `needs` from stock and call `then` with the lots drawn from, now or as soon as every
        component is there (waiting draws are served in arrival order as stock comes in; one that waits for
        a short component does not hold up draws of others)."""
        if self._available(needs):
            then(self._take(needs))
        else:
            self._waiting.append((needs, then))

    def put(self, lot: Part) -> None:
        """A finished lot arrives in stock, with the units of it that were not scrapped on the way (another lot
        is released if that leaves the stock position below the reorder point)."""
        self._accrue()
        material = lot.product
        self.stock[material] += lot.quantity
        self.on_order[material] -= self.policies[material].lot_size
        self.lots[material].append([lot.serial, float(lot.quantity)])
        self._replenish(material)
        still: deque[tuple[dict[str, float], Callable[[tuple[str, ...]], None]]] = deque()
        for needs, then in self._waiting:
            if lot.product in needs and self._available(needs):
                then(self._take(needs))
            else:
                still.append((needs, then))
        self._waiting = still

    def _available(self, needs: dict[str, float]) -> bool:
        stock = self.stock
        return all(stock[m] >= q for m, q in needs.items())

    def _take(self, needs: dict[str, float]) -> tuple[str, ...]:
        self._accrue()
        for material, quantity in needs.items():
            self.stock[material] -= quantity
            self._replenish(material)
        return tuple(lot for material, quantity in needs.items() for lot in first_in(self.lots[material], quantity))

    def _replenish(self, material: str) -> None:
        while self._release(material):
            pass

    def _release(self, material: str) -> bool:
        """Release one lot of `material` if its stock position is below its reorder point; whether it did."""
        policy = self.policies.get(material)
        if policy is None:  # the plant file's stock of a part made per unit: the units it does not serve build theirs
            return False
        if self.stock[material] + self.on_order[material] >= policy.reorder_point:
            return False
        self.on_order[material] += policy.lot_size
        self.lots_released += 1
        route = policy.route(policy.lot_size)
        lot = Part(f"LOT-{material}-{self.lots_released}", route, self.env.now, product=material)
        lot.quantity = policy.lot_size
        route[0].to.put(lot)
        return True

    def _accrue(self) -> None:
        now = self.env.now
        span = now - self._last
        if span > 0:
            for material, level in self.stock.items():
                self._areas[material] += level * span
        self._last = now


class Join:
    """A route step: the unit goes on once its kits have arrived and its components are drawn from stock.
    The serials of the kits and the lots drawn are added to the unit's consumed lots (its genealogy)."""

    def __init__(self, env: Environment, name: str, supermarket: Supermarket | None = None) -> None:
        self.env = env
        self.name = name
        self.supermarket = supermarket
        self._expected: dict[str, list[Any]] = {}  # unit serial -> [kits still due, needs, kit serials, unit]

    def expect(self, serial: str, kits: int, needs: dict[str, float]) -> None:
        self._expected[serial] = [kits, needs, [], None]

    def put(self, part: Part) -> None:
        entry = self._expected.get(part.serial)
        if entry is None and part.parent is not None:
            entry = self._expected[part.parent]
            entry[0] -= 1
            entry[2].append(part.serial)
            if entry[0] == 0 and entry[3] is not None:
                self._complete(entry[3])
            return
        if entry is None:
            self._forward(part)
            return
        entry[3] = part
        if entry[0] == 0:
            self._complete(part)

    def _complete(self, unit: Part) -> None:
        _, needs, kits, _ = self._expected.pop(unit.serial)
        unit.lots = unit.lots + tuple(kits)
        if needs and self.supermarket is not None:
            self.supermarket.draw(needs, lambda lots: self._drawn(unit, lots))
        else:
            self._forward(unit)

    def _drawn(self, unit: Part, lots: tuple[str, ...]) -> None:
        unit.lots = unit.lots + lots
        self._forward(unit)

    @staticmethod
    def _forward(unit: Part) -> None:
        unit.step += 1
        step = unit.route[unit.step]
        if step.internal:
            cast(Inbox, step.to).force(unit)
        else:
            step.to.put(unit)
