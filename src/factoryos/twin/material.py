"""Bought material at the line: purchase orders arrive (late or not, as their supplier's delivery record
says), are kept line-side, and operations draw the parts they consume. An operation whose parts are not
there waits, its equipment starved for material, and takes them, first come first served, when a delivery
brings them.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simpy import Environment, Event

from factoryos.model.errors import FactoryosError
from factoryos.model.orders import PurchaseOrder
from factoryos.model.plant import Supplier
from factoryos.twin.calendar import DAY
from factoryos.twin.fifo import Lots, first_in

Needs = tuple[tuple[str, float], ...]
"""What an operation consumes: (material, quantity) pairs."""
ROUNDING = 1e-6  # quantities are sums of BOM fractions (0.3 l of adhesive): a last draw may differ by this


@dataclass(frozen=True, slots=True)
class Receipt:
    """A purchase order as it arrives: at `at` run seconds, `late` seconds after it was due."""

    at: float
    order: str
    material: str
    quantity: float
    late: float


def receipts(
    orders: Iterable[PurchaseOrder], suppliers: dict[str, Supplier], offset: Callable[[datetime], float], seed: int
) -> list[Receipt]:
    """When each purchase order arrives: its due time (as run seconds, `offset`) plus a lateness drawn from its
    supplier's `delivery` (one random stream per supplier, in due order, so a run is reproducible). One due
    before the run starts is on hand at its start: its lateness is history."""
    streams: dict[str, random.Random] = {}
    arrived = []
    for order in sorted(orders, key=lambda o: (o.due, o.id)):
        supplier = suppliers.get(order.supplier)
        if supplier is None:
            raise FactoryosError(f"purchase order {order.id}: supplier {order.supplier!r} is not in the plant file")
        rng = streams.setdefault(order.supplier, random.Random(f"{seed}:delivery:{order.supplier}"))
        delivery = supplier.delivery
        late = 0.0
        due = offset(order.due)
        if due >= 0 and delivery.late_share > 0 and rng.random() < delivery.late_share:
            shortest, likeliest, longest = delivery.late_days
            late = rng.triangular(shortest, longest, likeliest) * DAY
        arrived.append(Receipt(due + late, order.id, order.material, order.quantity, late))
    return arrived


class LineSideStock:
    """Bought parts at the line, lot by lot: the `opening` lots (material, lot, quantity: the plant file's
    inventory), deliveries as they arrive (each purchase order a lot named by its id), and draws, first in first
    out. Keeps the balance of each material: consumed = initial + delivered - stock."""

    def __init__(
        self, env: Environment, opening: Iterable[tuple[str, str, float]], arrivals: Iterable[Receipt]
    ) -> None:
        self.env = env
        self.lots: dict[str, Lots] = {}
        self.initial: dict[str, float] = {}
        for material, lot, quantity in opening:
            self.lots.setdefault(material, deque()).append([lot, float(quantity)])
            self.initial[material] = self.initial.get(material, 0.0) + quantity
        self.stock = dict(self.initial)
        self.delivered: dict[str, float] = {}
        self.consumed: dict[str, float] = {}
        self.received: list[Receipt] = []
        self._waiting: deque[tuple[Needs, Event]] = deque()
        later = sorted((r for r in arrivals), key=lambda r: r.at)
        while later and later[0].at <= 0:
            self._receive(later.pop(0))
        if later:
            env.process(self._deliveries(later))

    def take(self, needs: Needs) -> tuple[str, ...] | None:
        """Take `needs` now if every part is there, and say which lots they came from; else take nothing (None)."""
        stock = self.stock
        for material, quantity in needs:
            if stock.get(material, 0.0) + ROUNDING < quantity:
                return None
        consumed, drawn = self.consumed, []
        for material, quantity in needs:
            stock[material] -= quantity
            consumed[material] = consumed.get(material, 0.0) + quantity
            drawn.extend(first_in(self.lots[material], quantity))
        return tuple(drawn)

    def wait(self, needs: Needs) -> Event:
        """An event that fires once `needs` have been taken, when deliveries bring them (in turn with the other
        waiting draws), with the lots they came from as its value."""
        event = self.env.event()
        self._waiting.append((needs, event))
        return event

    def missing(self, needs: Needs) -> str:
        """The materials of `needs` that are short, for the equipment's state reason."""
        return ", ".join(m for m, q in needs if self.stock.get(m, 0.0) + ROUNDING < q)

    def _deliveries(self, arrivals: list[Receipt]) -> Any:
        env = self.env
        for receipt in arrivals:
            if receipt.at > env.now:
                yield env.timeout(receipt.at - env.now)
            self._receive(receipt)
            self._serve_waiting()

    def _receive(self, receipt: Receipt) -> None:
        material = receipt.material
        self.stock[material] = self.stock.get(material, 0.0) + receipt.quantity
        self.delivered[material] = self.delivered.get(material, 0.0) + receipt.quantity
        self.lots.setdefault(material, deque()).append([receipt.order, receipt.quantity])
        self.received.append(receipt)

    def _serve_waiting(self) -> None:
        still: deque[tuple[Needs, Event]] = deque()
        for needs, event in self._waiting:
            drawn = self.take(needs)
            if drawn is not None:
                event.succeed(drawn)
            else:
                still.append((needs, event))
        self._waiting = still
