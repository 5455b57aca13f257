"""An MRP run's result: planned lots, the projected inventory, pegging both ways, and the exceptions.

The published types other stages read: `PlannedOrder` (a proposal to make or buy), `Peg` (a share of a
supply serving one independent demand), `Supply` (a lot, receipt or stock under a customer order); exceptions are
`factoryos.planning.exceptions.PlanException`. `Plan` keeps the run's arrays and answers the questions a
planner asks of them; nothing in it is recomputed but on request.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

from factoryos.planning.exceptions import PlanException, find_exceptions
from factoryos.planning.pegging import PeggingNetwork
from factoryos.planning.problem import Problem


@dataclass(frozen=True)
class PlannedOrder:
    """A proposal: make or buy `quantity` of `item`, released (started or ordered) on `release`, available on
    `due`. `needed` is the day it is wanted: later than `due` when lead time or capacity makes it late.
    `quantity` of a made item is the good units it brings (its components are planned for those its routing
    scraps too). `note` says why it is on a second supplier, where a made lot's lead time comes from, and for how
    many units started its components are planned."""

    id: str
    item: str
    material: str
    quantity: float
    kind: Literal["make", "buy"]
    supplier: str | None
    release: date
    due: date
    needed: date
    note: str = ""


@dataclass(frozen=True)
class Peg:
    """`quantity` of a supply (in its own unit) serving independent demand `demand`."""

    demand: str
    quantity: float


@dataclass(frozen=True)
class Supply:
    """A supply under a customer order: a planned lot, an open receipt or stock, and how much of it serves
    the order."""

    kind: Literal["planned", "receipt", "stock"]
    id: str
    item: str
    material: str
    quantity: float
    due: date


@dataclass(eq=False)
class Plan:
    """The arrays of one run (indexed as in `problem.items`, days from `problem.start`) and the answers drawn
    from them. Requirements are numbered independent demands first (as in `problem.demands`), then the
    component requirements of planned lots, one per lot, bill line and demand the lot serves (and one for what it
    brings past them); supplies stock first (one per item), then open receipts (as in `problem.receipts`), then
    planned lots."""

    problem: Problem
    projected: np.ndarray
    lot_item: np.ndarray
    lot_need: np.ndarray
    lot_due: np.ndarray
    lot_release: np.ndarray
    lot_qty: np.ndarray
    lot_supplier: np.ndarray
    lot_note: list[str]
    receipt_day: np.ndarray
    need_item: np.ndarray
    need_day: np.ndarray
    need_qty: np.ndarray
    need_demand: np.ndarray
    need_parent: np.ndarray
    peg_need: np.ndarray
    peg_supply: np.ndarray
    peg_qty: np.ndarray
    calendar_days: int
    moves: list[tuple[int, int, int, float]] = field(default_factory=list)
    unplaced: list[tuple[int, int, float]] = field(default_factory=list)

    @functools.cached_property
    def exceptions(self) -> tuple[PlanException, ...]:
        """Found on first request: the customer orders each one hurts are traced up the pegging, which a
        run that only wants the lots need not pay for."""
        return find_exceptions(self)

    @property
    def receipts_start(self) -> int:
        return len(self.problem.items)

    @property
    def lots_start(self) -> int:
        return len(self.problem.items) + len(self.problem.receipts)

    def receipt_dates(self) -> dict[str, date]:
        """Each open receipt's date in the plan: its due date, or the earlier day the plan expedites it to."""
        return {
            r.id: self.problem.day(int(day))
            for r, day in zip(self.problem.receipts, self.receipt_day.tolist(), strict=True)
        }

    def order_id(self, lot: int) -> str:
        return f"PL{lot + 1:06d}"

    def lot_of(self, order_id: str) -> int | None:
        if order_id.startswith("PL") and order_id[2:].isdigit():
            lot = int(order_id[2:]) - 1
            if 0 <= lot < len(self.lot_qty):
                return lot
        return None

    @functools.cached_property
    def planned_orders(self) -> tuple[PlannedOrder, ...]:
        items, suppliers, day = self.problem.items, self.problem.suppliers, self.problem.day
        return tuple(
            PlannedOrder(
                id=self.order_id(k),
                item=items[i].id,
                material=items[i].material_id,
                quantity=q,
                kind=items[i].source,
                supplier=suppliers[s].id if s >= 0 else None,
                release=day(r),
                due=day(d),
                needed=day(n),
                note=self.lot_note[k],
            )
            for k, (i, q, s, r, d, n) in enumerate(
                zip(
                    self.lot_item.tolist(),
                    self.lot_qty.tolist(),
                    self.lot_supplier.tolist(),
                    self.lot_release.tolist(),
                    self.lot_due.tolist(),
                    self.lot_need.tolist(),
                    strict=True,
                )
            )
        )

    @functools.cached_property
    def pegging_network(self) -> PeggingNetwork:
        demands = self.problem.demands
        return PeggingNetwork(
            demands=tuple(d.id for d in demands),
            customer_orders=tuple(d.customer_order for d in demands),
            need_demand=self.need_demand,
            need_parent=self.need_parent,
            peg_need=self.peg_need,
            peg_supply=self.peg_supply,
            peg_qty=self.peg_qty,
            lot_qty=self.lot_qty,
            lots_start=self.lots_start,
        )

    def pegging(self, lot: int) -> tuple[Peg, ...]:
        """The independent demands a planned lot serves, largest first."""
        return tuple(Peg(d, q) for d, q in self.pegging_network.pegging(lot).items())

    def needs_of_item(self, item: int) -> np.ndarray:
        """The requirements on an item (independent and dependent)."""
        order, starts = self._needs_by_item
        return order[starts[item] : starts[item + 1]]

    @functools.cached_property
    def _needs_by_item(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.need_item, kind="stable")
        return order, np.searchsorted(self.need_item[order], np.arange(len(self.problem.items) + 1))

    def supplies_under(self, customer_order: str) -> tuple[Supply, ...]:
        """Every planned lot, open receipt and stock under a customer order, down to the bought parts, with the
        share of each that serves it."""
        demands = [k for k, d in enumerate(self.problem.demands) if d.customer_order == customer_order]
        return tuple(self._supply(s, q) for s, q in sorted(self.pegging_network.served_by(demands).items()))

    def demand_lateness(self) -> np.ndarray:
        """Per independent demand, the days its latest part (at any level) arrives after it is needed: 0 when
        all is in time. A requirement no supply covers counts as arriving at the end of the plan's calendar."""
        supply_day = np.concatenate([np.zeros(self.receipts_start, dtype=np.int64), self.receipt_day, self.lot_due])
        late = np.maximum(supply_day[self.peg_supply] - self.need_day[self.peg_need], 0)
        supply_late = np.zeros(self.lots_start + len(self.lot_qty), dtype=np.int64)
        np.maximum.at(supply_late, self.peg_supply, late)
        pegged = np.bincount(self.peg_need, weights=self.peg_qty, minlength=len(self.need_qty))
        short = np.flatnonzero(pegged < self.need_qty - 1e-6)
        uncovered = np.maximum(self.calendar_days - self.need_day[short], 0)
        demands = len(self.problem.demands)
        result = np.zeros(demands, dtype=np.int64)
        own = short < demands
        result[short[own]] = uncovered[own]
        parent = self.need_parent[short[~own]]
        np.maximum.at(supply_late, self.lots_start + parent, uncovered[~own])
        return np.maximum(result, self.pegging_network.latest_under(supply_late)).astype(np.int64)

    def lateness(self) -> dict[str, int]:
        """Per customer order, the lateness of its latest demand (`demand_lateness`)."""
        late: dict[str, int] = {}
        for demand, days in zip(self.problem.demands, self.demand_lateness().tolist(), strict=True):
            if demand.customer_order is not None:
                late[demand.customer_order] = max(late.get(demand.customer_order, 0), days)
        return late

    def _supply(self, supply: int, quantity: float) -> Supply:
        items, receipts = self.problem.items, self.problem.receipts
        if supply < self.receipts_start:
            item = items[supply]
            return Supply("stock", item.id, item.id, item.material_id, quantity, self.problem.start)
        if supply < self.lots_start:
            receipt = receipts[supply - self.receipts_start]
            item = next(i for i in items if i.id == receipt.item)
            due = self.problem.day(int(self.receipt_day[supply - self.receipts_start]))
            return Supply("receipt", receipt.id, item.id, item.material_id, quantity, due)
        lot = supply - self.lots_start
        item = items[int(self.lot_item[lot])]
        return Supply(
            "planned", self.order_id(lot), item.id, item.material_id, quantity, self.problem.day(int(self.lot_due[lot]))
        )
