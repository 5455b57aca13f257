"""Finished goods: where completed units wait for a customer, and where customer orders wait for units.

Make-to-stock units go into stock and ship when an order for that product arrives; order-driven (C2M) units
are pegged to their customer order and wait in the yard only for the next outbound dispatch (every
`dispatch_every` seconds from `dispatch_at`). The time-average stock is the finished-goods inventory the
two ways of working are compared on. `shipped` counts units, whether built in the run or taken from stock: a
make-to-stock run ships from the stock it opens with, so it can ship more than it builds.

A unit its `quarantine` holds (see `factoryos.twin.quarantine`) is kept back (`held_back`): it neither goes
into stock nor counts towards its order, which therefore does not ship. With a `ledger`, every unit received
is noted with its order, when it was built, whether it was held and when it shipped (order-driven units:
stocked ones ship anonymously), which is what the floor tells the order desk.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simpy import Environment

if TYPE_CHECKING:
    from factoryos.twin.part import Part
    from factoryos.twin.quarantine import Quarantine


@dataclass(slots=True)
class FinishedUnit:
    """A unit as finished goods saw it: built at `built` (run seconds), held back or shipped at `shipped`."""

    serial: str
    order: str
    built: float
    held: bool = False
    shipped: float | None = None


@dataclass(slots=True)
class _Peg:
    """An order-driven order waiting for `left` of its `quantity` units (`serials`: those received)."""

    placed: float
    due: float
    left: int
    quantity: int
    serials: list[str]


class FinishedGoods:
    """Finished units and customer orders: stock for make-to-stock units, a yard for units pegged to an order,
    shipped at each outbound dispatch."""

    def __init__(
        self,
        env: Environment,
        initial_stock: dict[str, int] | None = None,
        dispatch_every: float = 12 * 3600.0,
        dispatch_at: float = 6 * 3600.0,
    ) -> None:
        self.env = env
        self.dispatch_every = dispatch_every
        self.dispatch_at = dispatch_at
        self.stock: dict[str, int] = dict(initial_stock or {})
        self.level = sum(self.stock.values())
        self._area = 0.0
        self._last = env.now
        self._start = env.now
        self._pegged: dict[str, _Peg] = {}
        self._backorders: dict[str, deque[tuple[float, float]]] = {}
        self.orders = 0
        self.shipped = 0  # units
        self.on_time = 0
        self.order_lead_sum = 0.0
        self._dues: list[float] = []  # of every order taken, shipped or not
        self._shipped: list[tuple[float, float]] = []  # (due, shipped at) of every order shipped
        self.quarantine: Quarantine | None = None
        self.held_back: list[str] = []
        self.ledger: dict[str, FinishedUnit] | None = None

    def stock_up(self, product: str, quantity: int) -> None:
        """Opening stock."""
        self._move(product, quantity)

    def peg(self, order: str, placed: float, due: float, quantity: int = 1) -> None:
        """Register a customer order whose units are built for it (C2M): it ships with the first dispatch
        after its last unit is done."""
        self.orders += 1
        self._dues.append(due)
        self._pegged[order] = _Peg(placed, due, quantity, quantity, [])

    def demand(self, product: str, placed: float, due: float) -> None:
        """A customer order for a stocked product: ship from stock now, or wait for the next unit."""
        self.orders += 1
        self._dues.append(due)
        if self.stock.get(product, 0) > 0:
            self._move(product, -1)
            self._ship(placed, due)
        else:
            self._backorders.setdefault(product, deque()).append((placed, due))

    def receive(self, part: Part) -> None:
        held = self.quarantine is not None and self.quarantine.holds(part)
        if self.ledger is not None:
            self.ledger[part.serial] = FinishedUnit(part.serial, part.order, self.env.now, held)
        if held:
            self.held_back.append(part.serial)
            return
        pegged = self._pegged.get(part.order)
        if pegged is not None:
            pegged.left -= 1
            pegged.serials.append(part.serial)
            self._move(part.product, 1)
            if pegged.left <= 0:
                del self._pegged[part.order]
                slots = math.ceil((self.env.now - self.dispatch_at) / self.dispatch_every)
                truck = self.env.timeout(self.dispatch_at + slots * self.dispatch_every - self.env.now)
                truck.callbacks.append(lambda _: self._dispatch(part.product, pegged))
            return
        waiting = self._backorders.get(part.product)
        if waiting:
            self._ship(*waiting.popleft())
        else:
            self._move(part.product, 1)

    def _dispatch(self, product: str, pegged: _Peg) -> None:
        self._move(product, -pegged.quantity)
        self._ship(pegged.placed, pegged.due, pegged.quantity)
        if self.ledger is not None:
            for serial in pegged.serials:
                self.ledger[serial].shipped = self.env.now

    def restart(self) -> None:
        """Forget what was measured so far (end of the warm-up); stock and open orders stay."""
        self._area = 0.0
        self._last = self.env.now
        self._start = self.env.now
        self.orders = self.shipped = self.on_time = 0
        self.order_lead_sum = 0.0

    @property
    def taken(self) -> int:
        """Customer orders taken since the start (the warm-up included)."""
        return len(self._dues)

    def on_time_rate(self, start: float, end: float) -> float | None:
        """Of the orders that fell due or shipped in [start, end], the share shipped by their due time: an
        order not built, or still in process, when it falls due is late (None when there is no such order)."""
        due = sum(start <= d <= end for d in self._dues)
        early = on_time = 0
        for d, at in self._shipped:
            inside = start <= d <= end
            early += not inside and start <= at <= end
            on_time += at <= d and (inside or start <= at <= end)
        return on_time / (due + early) if due + early else None

    @property
    def backorders(self) -> int:
        return sum(len(q) for q in self._backorders.values())

    def average_level(self, now: float) -> float:
        span = now - self._start
        return (self._area + self.level * (now - self._last)) / span if span > 0 else float(self.level)

    def _ship(self, placed: float, due: float, units: int = 1) -> None:
        now = self.env.now
        self.shipped += units
        self.on_time += now <= due
        self._shipped.append((due, now))
        self.order_lead_sum += now - placed

    def _move(self, product: str, delta: int) -> None:
        now = self.env.now
        self._area += self.level * (now - self._last)
        self._last = now
        self.level += delta
        self.stock[product] = self.stock.get(product, 0) + delta
