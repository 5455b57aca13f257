"""Pegging: which supply covers which requirement, and which independent demand each requirement serves.

Supply is pegged to demand as professional MRP pegs it (frePPLe, SAP): per item, requirements in the order they
are needed take supplies in the order they become available (stock, then open receipts and planned lots by due
date), first come first served. Requirements needed on one day go by the due date of the demand they serve, the
earliest first, and what serves no demand last.

The pass goes down the bill levels as netting does. An item's requirements are its independent demands and, per
planned lot above it, the lot's share of each demand it serves (what its pegs give that demand) exploded through
its bill, plus the lot's surplus over its pegs (what its lot-size rule, its supplier or whole units add),
exploded too but for no demand. Every requirement thus serves one demand or none, and a supply pegged to it
serves that demand: whole quantities are pegged whole (a 12-bike lot pegged 10, 1 and 1 to three orders needs
10, 1 and 1 wheelsets, each from the first wheelset lots there are), and a demand's pegs through an item sum
to its requirement of that item, gross of bill scrap and routing yield. Chained level by level, the pegs trace
a planned lot up to the customer orders and forecast it serves, and a customer order down to every lot under it
(`PeggingNetwork`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numba import njit
from scipy import sparse

from factoryos.planning.bills import Bills

EPS = 1e-9


@njit(cache=True, nogil=True)
def _match(need_item, need_order, need_qty, supply_order, supply_start, supply_qty, size):
    """First come first served per item: the requirements `need_order` (by item, each item's in the order they
    take supplies) take item i's supplies `supply_order[supply_start[i]:supply_start[i + 1]]` in turn. Returns the
    (requirement, supply, quantity) pairs, per item, requirements in order; `size` bounds how many there are."""
    need = np.empty(size, np.int64)
    supply = np.empty(size, np.int64)
    shared = np.empty(size)
    used = 0
    first = 0
    while first < need_order.shape[0]:
        item = need_item[need_order[first]]
        last = first
        while last < need_order.shape[0] and need_item[need_order[last]] == item:
            last += 1
        r = first
        s, s_end = supply_start[item], supply_start[item + 1]
        r_left = need_qty[need_order[r]]
        s_left = supply_qty[supply_order[s]] if s < s_end else 0.0
        while r < last and s < s_end:
            take = min(r_left, s_left)
            if take > EPS:
                need[used], supply[used] = need_order[r], supply_order[s]
                shared[used] = take
                used += 1
            r_left -= take
            s_left -= take
            if r_left <= EPS:
                r += 1
                r_left = need_qty[need_order[r]] if r < last else 0.0
            if s_left <= EPS:
                s += 1
                s_left = supply_qty[supply_order[s]] if s < s_end else 0.0
        first = last
    return need[:used], supply[:used], shared[:used]


@njit(cache=True, nogil=True)
def _sorted_by(keys, rows):
    """`rows` in the order of the first of `keys` (integer arrays of one type, indexed by row), then the next, ties
    as given: a stable counting sort per key, the last key first (linear, where a comparison sort is n log n),
    between two buffers."""
    order = rows.copy()
    if order.shape[0] == 0:
        return order
    spare = np.empty_like(order)
    for j in range(len(keys) - 1, -1, -1):
        key = keys[j]
        low = key.min()
        count = np.zeros(key.max() - low + 2, np.int64)
        for k in order:
            count[key[k] - low + 1] += 1
        for v in range(count.shape[0] - 1):
            count[v + 1] += count[v]
        for k in order:
            slot = key[k] - low
            spare[count[slot]] = k
            count[slot] += 1
        order, spare = spare, order
    return order


SURPLUS = 1e-6
"""What a lot brings past its pegs below this is the sums' rounding, not a surplus."""


@dataclass(frozen=True)
class Supplies:
    """Supplies as arrays: per supply its item, the day it is available, its `rank` among those of one day (stock
    before receipts before planned lots) and its quantity."""

    item: np.ndarray
    day: np.ndarray
    rank: np.ndarray
    qty: np.ndarray


@dataclass(frozen=True)
class Requirements:
    """Requirements as arrays: per requirement its item, the day it is needed, its quantity, the independent demand
    it serves (-1: a lot's surplus, which serves none) and the planned lot whose component need it is (-1: the
    demand's own)."""

    item: np.ndarray
    day: np.ndarray
    qty: np.ndarray
    demand: np.ndarray
    parent: np.ndarray

    def columns(self) -> tuple[np.ndarray, ...]:
        return self.item, self.day, self.qty, self.demand, self.parent

    @staticmethod
    def joined(parts: list[Requirements]) -> Requirements:
        return Requirements(*(np.concatenate(column) for column in zip(*(p.columns() for p in parts), strict=True)))


def peg_levels(
    level: np.ndarray, bills: Bills, demands: Requirements, supplies: Supplies, lot_release: np.ndarray, lots_start: int
) -> tuple[Requirements, np.ndarray, np.ndarray, np.ndarray]:
    """Peg level by level down the bills (see the module docstring). `level` is each item's low-level code; supplies
    from `lots_start` on are the planned lots, released on `lot_release`. Returns every requirement (`demands`
    first, then the lots' shares exploded) and the (requirement, supply, quantity) pegs, in the order they are
    matched (per level and item, requirements in order, so each supply's pegs are consecutive)."""
    levels = int(level.max()) + 1 if len(level) else 0
    by_due = np.argsort(demands.day, kind="stable")
    due_rank = np.empty(len(by_due) + 1, dtype=np.int64)
    due_rank[by_due] = np.arange(len(by_due))
    due_rank[-1] = len(by_due)  # serving no demand (-1): after every demand of its day
    supply_order = _sorted_by((supplies.item, supplies.day + 1, supplies.rank), np.arange(len(supplies.item)))
    supply_start = np.searchsorted(supplies.item[supply_order], np.arange(len(level) + 1))
    supplies_at = np.bincount(level[supplies.item], minlength=levels)
    lot_item, lot_qty = supplies.item[lots_start:], supplies.qty[lots_start:]
    exploding = np.zeros(len(supplies.item), dtype=bool)  # a lot with a bill: its pegs' shares go down a level
    exploding[lots_start:] = (bills.start[1:] > bills.start[:-1])[lot_item]
    needs, rank = demands, due_rank[demands.demand]  # every requirement so far, each level's picked by number
    waiting = [[rows] for rows in _by_level(demands.item, 0, level, levels)]
    pegs = []
    for at in range(levels):
        rows = np.concatenate(waiting[at])
        need_order = _sorted_by((needs.item, needs.day, rank), rows)
        need, supply, qty = _match(
            needs.item, need_order, needs.qty, supply_order, supply_start, supplies.qty, len(rows) + supplies_at[at]
        )
        pegs.append((need, supply, qty))
        on_lot = exploding[supply]
        lot, demand, share = _lot_shares(
            supply[on_lot] - lots_start,
            needs.demand[need[on_lot]],
            qty[on_lot],
            np.flatnonzero(exploding[lots_start:] & (level[lot_item] == at)),
            lot_qty,
        )
        row, component, component_qty = bills.explode(lot_item[lot], share)
        parent, served = lot[row], demand[row]
        for later, numbers in zip(
            waiting[at + 1 :], _by_level(component, len(needs.item), level, levels)[at + 1 :], strict=True
        ):
            later.append(numbers)
        needs = Requirements.joined(
            [needs, Requirements(component, lot_release[parent], component_qty, served, parent)]
        )
        rank = np.concatenate([rank, due_rank[served]])
    if not pegs:
        return demands, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    need, supply, qty = (np.concatenate(column) for column in zip(*pegs, strict=True))
    return needs, need, supply, qty


def _by_level(item: np.ndarray, first: int, level: np.ndarray, levels: int) -> list[np.ndarray]:
    """Per bill level, the numbers of the requirements on its items (of `item`, numbered from `first`)."""
    on = level[item]
    return [first + np.flatnonzero(on == at) for at in range(levels)]


def _lot_shares(
    lot: np.ndarray, demand: np.ndarray, qty: np.ndarray, lots: np.ndarray, lot_qty: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lot, demand, quantity): how much of each lot of `lots` its pegs (`lot`, `demand`, `qty`, each lot's
    consecutive) give each demand, one row per run of pegs to one demand, and what it brings past them for no
    demand (-1)."""
    left = lot_qty[lots] - np.bincount(lot, weights=qty, minlength=len(lot_qty))[lots]
    surplus = left > SURPLUS
    starts = np.ones(len(lot), dtype=bool)
    starts[1:] = (lot[1:] != lot[:-1]) | (demand[1:] != demand[:-1])
    run = np.flatnonzero(starts)
    share = np.add.reduceat(qty, run) if len(run) else np.zeros(0)
    return (
        np.concatenate([lot[run], lots[surplus]]),
        np.concatenate([demand[run], np.full(int(surplus.sum()), -1)]),
        np.concatenate([share, left[surplus]]),
    )


@dataclass(eq=False)
class PeggingNetwork:
    """A run's pegging, one level at a time: how much of which supply covers which requirement, each requirement
    an independent demand's own or a planned lot's component need for one demand it serves (or for its surplus).
    What a supply serves, or what lies under a customer order, is drawn from it on request.

    Two questions are asked of it. Which demands does a supply serve, and how much of it each: its pegs, by the
    demand of the requirement each covers. Which customer orders does a supply hold up when it is late: those of
    every lot it goes into, at any level above it, whichever demand its own share serves, since a lot is made
    all at once (`customer_orders_of_supply`, `latest_under`).

    Supplies are numbered stock and open receipts first, planned lots from `lots_start`; a network read back
    from the store holds only the lots (`lots_start` 0)."""

    demands: tuple[str, ...]
    """Per independent demand its id (a forecast split over the option mix is several demands of one id)."""
    customer_orders: tuple[str | None, ...]
    """Per independent demand, the customer order it is of (None: the forecast's, or not known)."""
    need_demand: np.ndarray
    """Per requirement, the independent demand it serves, or -1 for a lot's surplus."""
    need_parent: np.ndarray
    """Per requirement, the planned lot whose component need it is, or -1 for a demand's own."""
    peg_need: np.ndarray
    peg_supply: np.ndarray
    peg_qty: np.ndarray
    lot_qty: np.ndarray
    lots_start: int
    _orders_memo: dict[int, frozenset[str]] = field(default_factory=dict, repr=False)

    @property
    def supplies(self) -> int:
        return self.lots_start + len(self.lot_qty)

    @functools.cached_property
    def shares(self) -> sparse.csr_matrix:
        """Supply x demand: how much of each supply serves each demand, at any level above it."""
        demand = self.need_demand[self.peg_need]
        serving = demand >= 0
        shares = sparse.csr_matrix(
            (self.peg_qty[serving], (self.peg_supply[serving], demand[serving])),
            shape=(self.supplies, len(self.demands)),
        )
        shares.sum_duplicates()
        return shares

    def demand_shares(self, lot: int) -> dict[int, float]:
        """Independent demand -> how much of planned lot `lot` serves it."""
        order, starts = self._pegs_by_supply
        pegs = order[starts[self.lots_start + lot] : starts[self.lots_start + lot + 1]]
        demand = self.need_demand[self.peg_need[pegs]]
        served: dict[int, float] = {}
        for d, q in zip(demand.tolist(), self.peg_qty[pegs].tolist(), strict=True):
            if d >= 0:
                served[d] = served.get(d, 0.0) + q
        return served

    def pegging(self, lot: int) -> dict[str, float]:
        """Demand id -> how much of planned lot `lot` serves it, largest first (a forecast split over the option
        mix is one demand)."""
        return self._by_id(self.demand_shares(lot))

    def pegging_of_lots(self) -> list[dict[str, float]]:
        """`pegging` of every planned lot, from the whole supply x demand table at once."""
        shares, first = self.shares, self.lots_start
        return [
            self._by_id(dict(zip(shares.indices[a:b].tolist(), shares.data[a:b].tolist(), strict=True)))
            for a, b in zip(shares.indptr[first:-1].tolist(), shares.indptr[first + 1 :].tolist(), strict=True)
        ]

    def _by_id(self, shares: dict[int, float]) -> dict[str, float]:
        merged: dict[str, float] = {}
        for d, q in shares.items():
            merged[self.demands[d]] = merged.get(self.demands[d], 0.0) + q
        return dict(sorted(merged.items(), key=lambda kv: (-kv[1], kv[0])))

    def served_by(self, demands: list[int]) -> dict[int, float]:
        """Supply -> how much of it serves the given independent demands together, at every level under them."""
        serving = np.isin(self.need_demand[self.peg_need], demands)
        served = np.bincount(self.peg_supply[serving], weights=self.peg_qty[serving], minlength=self.supplies)
        found = np.flatnonzero(served)
        return dict(zip(found.tolist(), served[found].tolist(), strict=True))

    def latest_under(self, value: np.ndarray) -> np.ndarray:
        """Per independent demand, the largest `value` (one per supply) of any supply under its own requirement at
        any level, through every lot above it whichever demand its share serves (a lot waits for all of it)."""
        below = value.astype(float)
        parent = self.need_parent[self.peg_need]
        supply, lot = self.peg_supply[parent >= 0], self.lots_start + parent[parent >= 0]
        for _ in range(self.supplies + 1):
            raised = below.copy()
            np.maximum.at(raised, lot, below[supply])
            if np.array_equal(raised, below):
                break
            below = raised
        own = parent < 0
        result = np.full(len(self.demands), -np.inf)
        np.maximum.at(result, self.need_demand[self.peg_need[own]], below[self.peg_supply[own]])
        return result

    @functools.cached_property
    def _pegs_by_supply(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.peg_supply, kind="stable")
        return order, np.searchsorted(self.peg_supply[order], np.arange(self.supplies + 1))

    def customer_orders_of_supply(self, supply: int) -> frozenset[str]:
        """The customer orders a supply holds up when it is late: those of every lot it goes into, at any level
        above it."""
        known = self._orders_memo.get(supply)
        if known is None:
            order, starts = self._pegs_by_supply
            known = self.customer_orders_of_needs(self.peg_need[order[starts[supply] : starts[supply + 1]]])
            self._orders_memo[supply] = known
        return known

    def customer_orders_of_needs(self, needs: np.ndarray) -> frozenset[str]:
        """The customer orders requirements hold up: their demands', or those of the lots that cause them."""
        parents = self.need_parent[needs].tolist()
        own = {self.customer_orders[d] for d, p in zip(self.need_demand[needs].tolist(), parents, strict=True) if p < 0}
        lots = {self.lots_start + p for p in parents if p >= 0}
        return frozenset(o for o in own if o).union(*(self.customer_orders_of_supply(s) for s in lots))
