"""Single-level pegging: which supply covers which requirement, first come first served.

Per item, requirements in date order take supplies in the order they become available (stock, then open
receipts and planned lots by due date). Each pair gets the quantity it shares; chained level by level this
traces a planned lot up to the customer orders and forecast it serves, and a customer order down to every
lot under it (`PeggingNetwork`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit
from scipy import sparse

EPS = 1e-9


@njit(cache=True, nogil=True)
def _match(need_start, need_qty, supply_start, supply_qty):
    """Per item (rows `*_start` delimit each item's requirements and supplies, both already in order), the
    (requirement, supply, quantity) pairs of a first-come-first-served allocation."""
    items = need_start.shape[0] - 1
    size = need_qty.shape[0] + supply_qty.shape[0] + 1
    pairs = np.empty((size, 2), np.int64)
    shared = np.empty(size)
    used = 0
    for i in range(items):
        r, r_end = need_start[i], need_start[i + 1]
        s, s_end = supply_start[i], supply_start[i + 1]
        r_left = need_qty[r] if r < r_end else 0.0
        s_left = supply_qty[s] if s < s_end else 0.0
        while r < r_end and s < s_end:
            take = min(r_left, s_left)
            if take > EPS:
                pairs[used, 0], pairs[used, 1] = r, s
                shared[used] = take
                used += 1
            r_left -= take
            s_left -= take
            if r_left <= EPS:
                r += 1
                r_left = need_qty[r] if r < r_end else 0.0
            if s_left <= EPS:
                s += 1
                s_left = supply_qty[s] if s < s_end else 0.0
    return pairs[:used], shared[:used]


def _sorted_by(*keys: np.ndarray) -> np.ndarray:
    """The order that sorts by the first key, then the next: stable radix passes on 16-bit keys, last key
    first, when every key fits (linear time), else one sort on a combined key."""
    if all(len(k) == 0 or (k.min() >= 0 and k.max() < 2**16) for k in keys):
        order = np.arange(len(keys[0]))
        for key in reversed(keys):
            order = order[np.argsort(key[order].astype(np.uint16), kind="stable")]
        return order
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for key in keys:
        combined = combined * (int(key.max()) + 1) + key
    return np.argsort(combined, kind="stable")


def peg(
    items: int,
    need_item: np.ndarray,
    need_day: np.ndarray,
    need_qty: np.ndarray,
    supply_item: np.ndarray,
    supply_day: np.ndarray,
    supply_rank: np.ndarray,
    supply_qty: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(requirement index, supply index, quantity) for every pegged pair; `supply_rank` orders supplies
    available on the same day (stock before receipts before planned lots)."""
    need_order = _sorted_by(need_item, need_day)
    supply_order = _sorted_by(supply_item, supply_day + 1, supply_rank)
    need_start = np.searchsorted(need_item[need_order], np.arange(items + 1))
    supply_start = np.searchsorted(supply_item[supply_order], np.arange(items + 1))
    pairs, shared = _match(need_start, need_qty[need_order], supply_start, supply_qty[supply_order])
    return need_order[pairs[:, 0]], supply_order[pairs[:, 1]], shared


@dataclass(eq=False)
class PeggingNetwork:
    """A run's pegging one level at a time: how much of which supply covers which requirement, a requirement
    being an independent demand's or a component need of a planned lot. What a lot serves at any level above
    it, or what lies under a customer order, is drawn from it on request: the whole supply x demand table grows
    as lots times demands (tens of millions of entries for a book of past-due orders), the network as the
    requirements.

    Supplies are numbered stock and open receipts first, planned lots from `lots_start`; a network read back
    from the store holds only the lots (`lots_start` 0)."""

    demands: tuple[str, ...]
    """Per independent demand its id (a forecast split over the option mix is several demands of one id)."""
    customer_orders: tuple[str | None, ...]
    """Per independent demand, the customer order it is of (None: the forecast's, or not known)."""
    need_demand: np.ndarray
    """Per requirement, its independent demand, or -1 for a lot's component need."""
    need_parent: np.ndarray
    """Per requirement, the planned lot whose component need it is, or -1."""
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
    def _direct(self) -> sparse.csr_matrix:
        """Supply x demand: what each supply covers of each independent requirement."""
        demand = self.need_demand[self.peg_need]
        direct = demand >= 0
        return sparse.csr_matrix(
            (self.peg_qty[direct], (self.peg_supply[direct], demand[direct])), shape=(self.supplies, len(self.demands))
        )

    @functools.cached_property
    def _into(self) -> sparse.csr_matrix:
        """Supply x supply: the share of a lot's quantity that a supply covers of the lot's component need."""
        parent = self.need_parent[self.peg_need]
        up = parent >= 0
        return sparse.csr_matrix(
            (self.peg_qty[up] / self.lot_qty[parent[up]], (self.peg_supply[up], self.lots_start + parent[up])),
            shape=(self.supplies, self.supplies),
        )

    def _walk(self, start: sparse.csr_matrix, step: Callable[[sparse.csr_matrix], Any]) -> Iterator[sparse.csr_matrix]:
        """`start`, then `step` of it again and again until nothing is left: the bills have no cycle, so the walk
        ends within the deepest bill's levels."""
        for _ in range(self.supplies + 1):
            if start.nnz == 0:
                return
            yield start
            start = sparse.csr_matrix(step(start))

    @functools.cached_property
    def shares(self) -> sparse.csr_matrix:
        """Supply x demand: how much of each supply serves each demand at any level above it (S = A + B S)."""
        return _total(self._walk(self._direct, lambda level: self._into @ level), self._direct.shape)

    def demand_shares(self, lot: int) -> dict[int, float]:
        """Independent demand -> how much of planned lot `lot` serves it (in proportion up the levels)."""
        start = sparse.csr_matrix(([1.0], ([0], [self.lots_start + lot])), shape=(1, self.supplies))
        levels = self._walk(start, lambda level: level @ self._into)
        served = _total((level @ self._direct for level in levels), (1, len(self.demands))).tocoo()
        return dict(zip(served.col.tolist(), served.data.tolist(), strict=True))

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
        start = sparse.csr_matrix(self._direct[:, demands].sum(axis=1))
        served = _total(self._walk(start, lambda level: self._into @ level), start.shape).tocoo()
        return dict(zip(served.row.tolist(), served.data.tolist(), strict=True))

    def latest_under(self, value: np.ndarray) -> np.ndarray:
        """Per independent demand, the largest `value` (one per supply) of any supply serving it at any level."""
        below = value.astype(float)
        into = self._into.tocoo()
        for _ in range(self.supplies + 1):
            raised = below.copy()
            np.maximum.at(raised, into.col, below[into.row])
            if np.array_equal(raised, below):
                break
            below = raised
        direct = self._direct.tocoo()
        result = np.full(len(self.demands), -np.inf)
        np.maximum.at(result, direct.col, below[direct.row])
        return result

    @functools.cached_property
    def _pegs_by_supply(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(self.peg_supply, kind="stable")
        return order, np.searchsorted(self.peg_supply[order], np.arange(self.supplies + 1))

    def customer_orders_of_supply(self, supply: int) -> frozenset[str]:
        """The customer orders a supply serves, at any level above it."""
        known = self._orders_memo.get(supply)
        if known is None:
            order, starts = self._pegs_by_supply
            needs = self.peg_need[order[starts[supply] : starts[supply + 1]]].tolist()
            known = frozenset().union(*(self.customer_orders_of_need(n) for n in needs))
            self._orders_memo[supply] = known
        return known

    def customer_orders_of_need(self, need: int) -> frozenset[str]:
        """The customer orders a requirement serves: its own, or those of the lot that causes it."""
        demand = int(self.need_demand[need])
        if demand >= 0:
            order = self.customer_orders[demand]
            return frozenset({order} if order else ())
        return self.customer_orders_of_supply(self.lots_start + int(self.need_parent[need]))


def _total(levels: Iterable[Any], shape: tuple[int, int]) -> sparse.csr_matrix:
    """The sum of sparse matrices of one shape, without the zeros."""
    total = sparse.csr_matrix(shape)
    for level in levels:
        total = total + level
    total = sparse.csr_matrix(total)
    total.eliminate_zeros()
    return total
