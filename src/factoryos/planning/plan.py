"""An MRP run's result: planned lots, the projected inventory, pegging both ways, and the exceptions.

The published types other stages read: `PlannedOrder` (a proposal to make or buy), `Peg` (a share of a
supply serving one independent demand), `Supply` (a lot, receipt or stock under a customer order); exceptions are
`factoryos.planning.exceptions.PlanException`. `Plan` keeps the run's arrays and answers the questions a
planner asks of them; nothing in it is recomputed but on request.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np
from scipy import sparse

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
    calendar_days: int
    moves: list[tuple[int, int, int, float]] = field(default_factory=list)
    unplaced: list[tuple[int, int, float]] = field(default_factory=list)
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
        matrix = self.shares
        first, last = matrix.indptr[supply], matrix.indptr[supply + 1]
        return dict(zip(matrix.indices[first:last].tolist(), matrix.data[first:last].tolist(), strict=True))

    @functools.cached_property
    def shares(self) -> sparse.csr_matrix:
        """Supply x independent demand: how much of each supply serves each demand. A supply pegged to a demand
        serves it directly; one pegged to a component requirement serves the parent lot's demands in proportion
        (S = A + B S, solved level by level: B is nilpotent, the bills having no cycle)."""
        supplies, demands = self.lots_start + len(self.lot_qty), len(self.problem.demands)
        demand = self.need_demand[self.peg_need]
        parent = self.need_parent[self.peg_need]
        direct = demand >= 0
        a = sparse.csr_matrix(
            (self.peg_qty[direct], (self.peg_supply[direct], demand[direct])), shape=(supplies, demands)
        )
        up = ~direct
        b = sparse.csr_matrix(
            (
                self.peg_qty[up] / self.lot_qty[parent[up]],
                (self.peg_supply[up], self.lots_start + parent[up]),
            ),
            shape=(supplies, supplies),
        )
        result = a
        for _ in range(supplies + 1):
            following = (a + b @ result).tocsr()
            if following.nnz == result.nnz and abs(following - result).sum() <= 1e-9 * max(1.0, a.sum()):
                break
            result = following
        result.sum_duplicates()
        return result

    def pegging(self, lot: int) -> tuple[Peg, ...]:
        """The independent demands a planned lot serves, largest first."""
        merged: dict[str, float] = defaultdict(float)
        for d, q in self.demand_shares(lot).items():
            merged[self.problem.demands[d].id] += q  # a forecast split over the option mix is one demand
        return tuple(Peg(d, q) for d, q in sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))

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

    def _under(self, customer_order: str) -> Iterator[tuple[int, int, float]]:
        """(requirement, supply, quantity serving the order) for every peg under a customer order, top down."""
        frontier = [(k, 1.0) for k, d in enumerate(self.problem.demands) if d.customer_order == customer_order]
        while frontier:
            need, fraction = frontier.pop()
            for peg in self.pegs_of_need(need).tolist():
                supply, quantity = int(self.peg_supply[peg]), float(self.peg_qty[peg]) * fraction
                yield need, supply, quantity
                if supply >= self.lots_start:
                    lot = supply - self.lots_start
                    child_fraction = quantity / float(self.lot_qty[lot])
                    frontier.extend((int(n), child_fraction) for n in self.needs_of_lot(lot))

    def supplies_under(self, customer_order: str) -> tuple[Supply, ...]:
        """Every planned lot, open receipt and stock under a customer order, down to the bought parts, with the
        share of each that serves it."""
        share: dict[int, float] = defaultdict(float)
        for _, supply, quantity in self._under(customer_order):
            share[supply] += quantity
        return tuple(self._supply(s, q) for s, q in sorted(share.items()))

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
        by_demand = self.shares.tocsc()
        for d in range(demands):
            rows = by_demand.indices[by_demand.indptr[d] : by_demand.indptr[d + 1]]
            if len(rows):
                result[d] = max(result[d], int(supply_late[rows].max()))
        return result

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
