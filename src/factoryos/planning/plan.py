"""An MRP run's result: planned lots, the projected inventory, pegging both ways, and the exceptions.

The published types other stages read: `PlannedOrder` (a proposal to make or buy), `Peg` (a share of a
supply serving one independent demand), `Supply` (a lot, receipt or stock under a customer order); exceptions are
`factoryos.planning.exceptions.PlanException`. `Plan` keeps the run's arrays and answers the questions a
planner asks of them; nothing in it is recomputed but on request.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

from factoryos.planning.exceptions import PlanException, find_exceptions
from factoryos.planning.problem import Problem


@dataclass(frozen=True)
class PlannedOrder:
    """A proposal: make or buy `quantity` of `item`, released (started or ordered) on `release`, available on
    `due`. `needed` is the day it is wanted: later than `due` when lead time or capacity makes it late.
    `note` says why it is split or on a second supplier."""

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
    component requirements of planned lots; supplies stock first (one per item), then open receipts (as in
    `problem.receipts`), then planned lots."""

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
    moves: list[tuple[int, int, int, float]] = field(default_factory=list)
    unplaced: list[tuple[int, int, float]] = field(default_factory=list)
    _memo: dict[int, dict[int, float]] = field(default_factory=dict, repr=False)
    _orders_memo: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)

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
    def _pegs_by_supply(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.peg_supply, kind="stable")
        starts = np.searchsorted(self.peg_supply[order], np.arange(self.lots_start + len(self.lot_qty) + 1))
        return order, starts

    @functools.cached_property
    def _pegs_by_need(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.peg_need, kind="stable")
        return order, np.searchsorted(self.peg_need[order], np.arange(len(self.need_qty) + 1))

    @functools.cached_property
    def _needs_by_parent(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.need_parent, kind="stable")
        return order, np.searchsorted(self.need_parent[order], np.arange(-1, len(self.lot_qty) + 1))

    def pegs_of_supply(self, supply: int) -> np.ndarray:
        order, starts = self._pegs_by_supply
        return order[starts[supply] : starts[supply + 1]]

    def pegs_of_need(self, need: int) -> np.ndarray:
        order, starts = self._pegs_by_need
        return order[starts[need] : starts[need + 1]]

    def needs_of_lot(self, lot: int) -> np.ndarray:
        """The component requirements a planned make lot causes."""
        order, starts = self._needs_by_parent
        return order[starts[lot + 1] : starts[lot + 2]]

    def demand_shares(self, lot: int) -> dict[int, float]:
        """Independent demand index -> how much of planned lot `lot` serves it (proportional up the levels)."""
        return self._shares(self.lots_start + lot)

    def _shares(self, supply: int) -> dict[int, float]:
        known = self._memo.get(supply)
        if known is not None:
            return known
        shares: dict[int, float] = defaultdict(float)
        for peg in self.pegs_of_supply(supply).tolist():
            need, quantity = int(self.peg_need[peg]), float(self.peg_qty[peg])
            demand, parent = int(self.need_demand[need]), int(self.need_parent[need])
            if demand >= 0:
                shares[demand] += quantity
                continue
            parent_qty = float(self.lot_qty[parent])
            for upper, served in self._shares(self.lots_start + parent).items():
                shares[upper] += quantity * served / parent_qty
        self._memo[supply] = dict(shares)
        return self._memo[supply]

    def pegging(self, lot: int) -> tuple[Peg, ...]:
        """The independent demands a planned lot serves, largest first."""
        demands = self.problem.demands
        shares = sorted(self.demand_shares(lot).items(), key=lambda kv: (-kv[1], kv[0]))
        return tuple(Peg(demands[d].id, q) for d, q in shares)

    def customer_orders_of_supply(self, supply: int) -> frozenset[str]:
        """The customer orders a supply serves, at any level above it."""
        known = self._orders_memo.get(supply)
        if known is None:
            needs = self.peg_need[self.pegs_of_supply(supply)].tolist()
            known = frozenset().union(*(self.customer_orders_of_need(n) for n in needs))
            self._orders_memo[supply] = known
        return known

    def needs_of_item(self, item: int) -> np.ndarray:
        """The requirements on an item (independent and dependent)."""
        order, starts = self._needs_by_item
        return order[starts[item] : starts[item + 1]]

    @functools.cached_property
    def _needs_by_item(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.need_item, kind="stable")
        return order, np.searchsorted(self.need_item[order], np.arange(len(self.problem.items) + 1))

    def customer_orders_of_need(self, need: int) -> frozenset[str]:
        """The customer orders a requirement serves: its own, or those of the lot that causes it."""
        demand = int(self.need_demand[need])
        if demand >= 0:
            order = self.problem.demands[demand].customer_order
            return frozenset({order} if order else ())
        return self.customer_orders_of_supply(self.lots_start + int(self.need_parent[need]))

    def supplies_under(self, customer_order: str) -> tuple[Supply, ...]:
        """Every planned lot, open receipt and stock under a customer order, down to the bought parts, with the
        share of each that serves it."""
        share: dict[int, float] = defaultdict(float)
        frontier = [(k, 1.0) for k, d in enumerate(self.problem.demands) if d.customer_order == customer_order]
        while frontier:
            need, fraction = frontier.pop()
            for peg in self.pegs_of_need(need).tolist():
                supply, quantity = int(self.peg_supply[peg]), float(self.peg_qty[peg]) * fraction
                share[supply] += quantity
                if supply >= self.lots_start:
                    lot = supply - self.lots_start
                    child_fraction = quantity / float(self.lot_qty[lot])
                    frontier.extend((int(n), child_fraction) for n in self.needs_of_lot(lot))
        return tuple(self._supply(s, q) for s, q in sorted(share.items()))

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
