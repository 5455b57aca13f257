"""A product's valid configurations compiled into a layered decision diagram.

Every rule becomes clauses of the form "at least one of these families takes one of these options"
(`when -> requires` gives one clause per required family, `when -> not excludes` one clause). The diagram
decides one family per layer, in an order that keeps few clauses open across each cut; a node is the set of
open clauses the families decided so far have not yet satisfied, so configurations that leave the future
the same constraints share one node. Options that no clause tells apart form one class (a family that no
rule names is a single class of all its options), so an edge stands for a class and counts its members.

Exact counting, uniform sampling, the options still selectable under a partial configuration and the
cheapest completion are then passes over the same diagram: counting never enumerates configurations.
Exact counting is #P-hard in general; the diagram's size grows with the number of clauses open across a
cut of the family order, and compiling stops with an error past `MAX_NODES`.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Product

MAX_NODES = 400_000
"""Nodes a diagram may have before compiling gives up: beyond it a product's rules tie too many families."""


class TooEntangled(FactoryosError):
    """The product's rules tie so many families together that its diagram would pass `MAX_NODES`."""


@dataclass(frozen=True)
class Clause:
    """At least one family takes one of its listed options; derived from rule `rule` of the product."""

    rule: int
    literals: tuple[tuple[str, frozenset[str]], ...]


@dataclass
class Layer:
    """One family of the diagram: its options grouped into classes, and the edges that leave its nodes."""

    family: str
    options: tuple[str, ...]
    classes: tuple[tuple[int, ...], ...]
    """Option indices per class; options of one class satisfy exactly the same clauses."""
    class_of: np.ndarray
    nodes: int
    source: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    klass: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    target: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    """Edges leave their nodes in order: node n's edges are `starts[n]:starts[n + 1]`."""
    busy: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """The nodes with at least one edge."""

    @functools.cached_property
    def index(self) -> dict[str, int]:
        return {option: k for k, option in enumerate(self.options)}

    @functools.cached_property
    def outgoing(self) -> list[list[tuple[int, int]]]:
        """Per node, its edges as (class, target)."""
        edges: list[list[tuple[int, int]]] = [[] for _ in range(self.nodes)]
        for s, c, t in zip(self.source.tolist(), self.klass.tolist(), self.target.tolist(), strict=True):
            edges[s].append((c, t))
        return edges

    def least(self, values: np.ndarray) -> np.ndarray:
        """Per node, the least of `values` over its edges (`_NEVER` for a node without edges)."""
        here = np.full(self.nodes, _NEVER, values.dtype)
        if len(self.busy):
            here[self.busy] = np.minimum.reduceat(values, self.starts[self.busy])
        return here

    def index_edges(self) -> None:
        """Where each node's edges start (edges are kept in node order) and which nodes have any."""
        self.starts = np.searchsorted(self.source, np.arange(self.nodes + 1))
        self.busy = np.flatnonzero(self.starts[1:] > self.starts[:-1])


_NEVER = 1 << 60
"""The cost of an edge no completion may take: real costs stay below 2**50, two of these add without overflow."""


def _key(primary: int, secondary: float) -> int:
    """(primary, secondary) as one integer that sorts the same: secondary to the hundredth, below 2**44."""
    return (primary << 44) + min(round(secondary * 100), (1 << 44) - 1)


@dataclass(frozen=True)
class Costs:
    """Per layer: each option's cost key, and per class the least key and the member that has it."""

    per_option: list[np.ndarray]
    per_class: list[tuple[np.ndarray, np.ndarray]]


def rule_clauses(product: Product) -> list[Clause]:
    """The product's rules as clauses over families, tautologies dropped (see the module docstring).

    Read as `matches` reads a configuration: a condition on a family the product does not have never holds,
    so a rule with such a `when` or `excludes` never binds, and such a `requires` cannot be met."""
    options = {f: frozenset(fam.options) for f, fam in product.option_families.items()}
    clauses = []
    for index, rule in enumerate(product.rules):
        if any(f not in options for f in rule.when):
            continue
        negated_when = [(f, options[f] - set(allowed)) for f, allowed in rule.when.items()]
        if rule.requires:
            for family, allowed in rule.requires.items():
                clauses.append(_clause(index, [*negated_when, (family, frozenset(allowed))], options))
        if rule.excludes and all(f in options for f in rule.excludes):
            negated = [(f, options[f] - set(allowed)) for f, allowed in rule.excludes.items()]
            clauses.append(_clause(index, [*negated_when, *negated], options))
    return [c for c in clauses if c is not None]


def _clause(
    rule: int, literals: list[tuple[str, frozenset[str]]], options: Mapping[str, frozenset[str]]
) -> Clause | None:
    """Literals on one family merged, literals that never hold dropped; None when the clause always holds."""
    merged: dict[str, frozenset[str]] = {}
    for family, allowed in literals:
        if family in options:
            merged[family] = merged.get(family, frozenset()) | (allowed & options[family])
    if any(allowed == options[f] for f, allowed in merged.items()):
        return None
    return Clause(rule, tuple((f, a) for f, a in merged.items() if a))


def family_order(product: Product, clauses: Sequence[Clause]) -> list[str]:
    """Families in the order that promises the smallest diagram of a few candidates (the product's own
    order, a greedy that keeps the frontier small, a breadth-first sweep of the rules' graph), free families last."""
    touching: dict[str, list[int]] = {f: [] for f in product.option_families}
    for k, clause in enumerate(clauses):
        for family, _ in clause.literals:
            touching[family].append(k)
    bound = [f for f in product.option_families if touching[f]]
    neighbours: dict[str, set[str]] = {f: set() for f in bound}
    for clause in clauses:
        for f, _ in clause.literals:
            neighbours[f].update(g for g, _ in clause.literals if g != f)
    candidates = [bound, _frontier_order(bound, neighbours), _breadth_first_order(bound, neighbours)]
    best = min(candidates, key=lambda order: _estimated_nodes(order, clauses, product))
    return best + [f for f in product.option_families if not touching[f]]


def _frontier_order(families: Sequence[str], neighbours: Mapping[str, set[str]]) -> list[str]:
    """Next the family that grows the frontier (placed families with a rule to an unplaced one) the least."""
    order: list[str] = []
    placed: set[str] = set()
    waiting = {f: len(neighbours[f]) for f in families}
    while len(order) < len(families):
        near = {g for f in order for g in neighbours[f]} - placed
        pool = near or set(families) - placed

        def growth(family: str) -> tuple[int, int, int]:
            closed = sum(1 for g in neighbours[family] if g in placed and waiting[g] == 1)
            opens = int(waiting[family] > sum(1 for g in neighbours[family] if g in placed))
            return opens - closed, waiting[family], families.index(family)

        best = min(pool, key=growth)
        order.append(best)
        placed.add(best)
        for g in neighbours[best]:
            waiting[g] -= 1
    return order


def _breadth_first_order(families: Sequence[str], neighbours: Mapping[str, set[str]]) -> list[str]:
    """Cuthill-McKee: breadth first from a least-connected family, neighbours by increasing degree."""
    order: list[str] = []
    seen: set[str] = set()
    for start in sorted(families, key=lambda f: len(neighbours[f])):
        if start in seen:
            continue
        seen.add(start)
        queue = [start]
        while queue:
            family = queue.pop(0)
            order.append(family)
            for g in sorted(neighbours[family] - seen, key=lambda g: (len(neighbours[g]), families.index(g))):
                seen.add(g)
                queue.append(g)
    return order


def _estimated_nodes(order: Sequence[str], clauses: Sequence[Clause], product: Product) -> float:
    """Sum over cuts of 2 ** min(open clauses, bits to tell apart the earlier families that open clauses
    still depend on): a bound on the nodes of each layer."""
    position = {f: i for i, f in enumerate(order)}
    width = [0.0] * (len(order) + 1)
    bits = [0.0] * (len(order) + 1)
    reach = dict.fromkeys(order, -1)
    for clause in filter(lambda c: c.literals, clauses):
        places = [position[f] for f, _ in clause.literals]
        width[min(places)] += 1
        width[max(places)] -= 1
        for f, _ in clause.literals:
            reach[f] = max(reach[f], max(places))
    for f, last in reach.items():
        if position[f] < last:
            weight = math.log2(len(product.option_families[f].options))
            bits[position[f]] += weight
            bits[last] -= weight
    total, open_clauses, open_bits = 0.0, 0.0, 0.0
    for i in range(len(order)):
        open_clauses += width[i]
        open_bits += bits[i]
        total += 2 ** min(open_clauses, open_bits)
    return total


class _Cut:
    """The open clauses between layer `i` and the next, by what they still ask of the later families: clauses
    asking the same are one, and a clause implied by another open one (its later literals a superset) drops."""

    def __init__(self, clauses: Sequence[Clause], position: Mapping[str, int], i: int, crossing: Sequence[int]):
        futures: dict[int, dict[str, frozenset[str]]] = {
            k: {f: a for f, a in clauses[k].literals if position[f] > i} for k in crossing
        }
        representative: dict[frozenset[tuple[str, frozenset[str]]], int] = {}
        self.moves: dict[int, int] = {}
        by_families: dict[frozenset[str], list[int]] = {}
        for k in sorted(crossing):
            key = frozenset(futures[k].items())
            rep = representative.setdefault(key, k)
            if rep != k:
                self.moves[k] = rep
            else:
                by_families.setdefault(frozenset(futures[k]), []).append(k)
        self.movable = sum(1 << k for k in self.moves)
        self.implied_by: dict[int, int] = {}
        for k in representative.values():
            future = futures[k]
            names = sorted(future)
            mask = 0
            for size in range(1, len(names) + 1):
                for subset in itertools.combinations(names, size):
                    for other in by_families.get(frozenset(subset), []):
                        if other != k and all(futures[other][f] <= future[f] for f in subset):
                            mask |= 1 << other
            if mask:
                self.implied_by[k] = mask
        self.reducible = sum(1 << k for k in self.implied_by)

    def reduce(self, state: int) -> int:
        moving = state & self.movable
        while moving:
            low = moving & -moving
            state = (state & ~low) | (1 << self.moves[low.bit_length() - 1])
            moving ^= low
        drop, candidates = 0, state & self.reducible
        while candidates:
            low = candidates & -candidates
            if state & self.implied_by[low.bit_length() - 1]:
                drop |= low
            candidates ^= low
        return state & ~drop


class Diagram:
    """The compiled valid configurations of one product (see the module docstring)."""

    def __init__(self, product: Product, max_nodes: int | None = None) -> None:
        max_nodes = MAX_NODES if max_nodes is None else max_nodes
        self.clauses = rule_clauses(product)
        self.families = family_order(product, self.clauses)
        self.position = {f: i for i, f in enumerate(self.families)}
        self.layers = [self._layer(product, f) for f in self.families]
        self.empty = any(not c.literals for c in self.clauses)
        self._build(max_nodes)
        self.counts = self._counts([[len(c) for c in layer.classes] for layer in self.layers])
        self._prune()

    def _prune(self) -> None:
        """Drop the edges into nodes from which no valid completion continues."""
        for i, layer in enumerate(self.layers):
            alive = np.array([n > 0 for n in self.counts[i + 1]], bool)[layer.target]
            layer.source, layer.klass, layer.target = layer.source[alive], layer.klass[alive], layer.target[alive]
            layer.index_edges()

    def _layer(self, product: Product, family: str) -> Layer:
        options = tuple(product.option_families[family].options)
        signatures: dict[tuple[bool, ...], int] = {}
        class_of = []
        touching = [dict(c.literals)[family] for c in self.clauses if family in dict(c.literals)]
        for option in options:
            signature = tuple(option in allowed for allowed in touching)
            class_of.append(signatures.setdefault(signature, len(signatures)))
        classes = tuple(tuple(i for i, c in enumerate(class_of) if c == k) for k in range(len(signatures)))
        return Layer(family, options, classes, np.array(class_of, np.int64), nodes=0)

    def _build(self, max_nodes: int) -> None:
        """Top-down: a node is the set (bit mask) of open clauses still unsatisfied, reduced to a canonical
        form (see `_Cut`) so that states that ask the same of the future share a node."""
        first = {k: min(self.position[f] for f, _ in c.literals) for k, c in enumerate(self.clauses) if c.literals}
        last = {k: max(self.position[f] for f, _ in c.literals) for k, c in enumerate(self.clauses) if c.literals}
        states: dict[int, int] = {0: 0}
        total = 1
        for i, layer in enumerate(self.layers):
            opens = sum(1 << k for k, p in first.items() if p == i)
            closes = sum(1 << k for k, p in last.items() if p == i)
            satisfied = self._satisfied(layer)
            cut = _Cut(self.clauses, self.position, i, [k for k in first if first[k] <= i < last[k]])
            canonical: dict[int, int] = {}
            following: dict[int, int] = {}
            source, klass, target = [], [], []
            for state, node in ({} if self.empty else states).items():
                pending = state | opens
                for c, sat in enumerate(satisfied):
                    after = pending & ~sat
                    if after & closes:
                        continue
                    reduced = canonical.get(after)
                    if reduced is None:
                        reduced = canonical[after] = cut.reduce(after)
                    source.append(node)
                    klass.append(c)
                    target.append(following.setdefault(reduced, len(following)))
            total += len(following)
            if total > max_nodes:
                raise TooEntangled(
                    f"the rules tie too many option families together to count exactly: the decision diagram "
                    f"passed {max_nodes:,} nodes at family {i + 1} of {len(self.layers)} ({layer.family!r})"
                )
            layer.nodes = len(states)
            layer.source, layer.klass, layer.target = (np.array(a, np.int64) for a in (source, klass, target))
            states = following
        self.terminal = len(states)

    def _satisfied(self, layer: Layer) -> list[int]:
        """Per class of the layer, the clauses (bit mask) its options satisfy."""
        satisfied = [0] * len(layer.classes)
        for k, clause in enumerate(self.clauses):
            allowed = dict(clause.literals).get(layer.family)
            for c, members in enumerate(layer.classes):
                if allowed is not None and layer.options[members[0]] in allowed:
                    satisfied[c] |= 1 << k
        return satisfied

    def _counts(self, weights: Sequence[Sequence[int]]) -> list[list[int]]:
        """Valid completions below every node (exact integers), each class weighted by `weights[i][c]`."""
        below = [1] * self.terminal
        counts: list[list[int]] = [below]
        for layer, weight in zip(reversed(self.layers), reversed(weights), strict=True):
            here = [0] * layer.nodes
            for s, c, t in zip(layer.source.tolist(), layer.klass.tolist(), layer.target.tolist(), strict=True):
                if weight[c] and below[t]:
                    here[s] += weight[c] * below[t]
            counts.append(here)
            below = here
        counts.reverse()
        return counts

    def total(self) -> int:
        return self._root(self.counts)

    def _root(self, counts: Sequence[Sequence[int]]) -> int:
        return counts[0][0] if self.layers else int(not self.empty)

    # Evidence: for each layer, which options are still allowed (a partial configuration fixes some).

    def allowed(self, choices: Mapping[str, str]) -> list[np.ndarray]:
        masks = []
        for layer in self.layers:
            chosen = choices.get(layer.family)
            mask = np.ones(len(layer.options), bool)
            if chosen is not None:
                mask[:] = False
                if chosen in layer.options:
                    mask[layer.options.index(chosen)] = True
            masks.append(mask)
        return masks

    def count(self, choices: Mapping[str, str]) -> int:
        """Valid configurations that agree with `choices`."""
        if not choices:
            return self.total()
        weights = [
            np.bincount(lay.class_of, m, len(lay.classes)).astype(int).tolist() for lay, m in self._pairs(choices)
        ]
        return self._root(self._counts(weights))

    def _pairs(self, choices: Mapping[str, str]) -> list[tuple[Layer, np.ndarray]]:
        return list(zip(self.layers, self.allowed(choices), strict=True))

    def _class_allowed(self, layer: Layer, mask: np.ndarray) -> np.ndarray:
        return np.bincount(layer.class_of, mask, len(layer.classes)) > 0

    def reachable(self, masks: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per layer, the nodes reachable from the root and the nodes that reach the end, under `masks`."""
        forward = [np.zeros(layer.nodes, bool) for layer in self.layers] + [np.zeros(self.terminal, bool)]
        backward = [np.zeros(layer.nodes, bool) for layer in self.layers] + [np.ones(self.terminal, bool)]
        forward[0][:] = True
        for i, layer in enumerate(self.layers):
            ok = self._class_allowed(layer, masks[i])[layer.klass] & forward[i][layer.source]
            forward[i + 1][layer.target[ok]] = True
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            ok = self._class_allowed(layer, masks[i])[layer.klass] & backward[i + 1][layer.target]
            backward[i][layer.source[ok]] = True
        return forward, backward

    def feasible(self, choices: Mapping[str, str]) -> bool:
        """Whether some valid configuration agrees with `choices`."""
        _, backward = self.reachable(self.allowed(choices))
        return bool(backward[0][0]) if self.layers else not self.empty

    def selectable(self, choices: Mapping[str, str]) -> dict[str, set[str]]:
        """Per family, the options that some valid configuration takes together with the other families'
        choices (a family's own choice does not restrict its alternatives)."""
        masks = self.allowed(choices)
        forward, backward = self.reachable(masks)
        result = {}
        for i, layer in enumerate(self.layers):
            used = forward[i][layer.source] & backward[i + 1][layer.target]
            live = np.zeros(len(layer.classes), bool)
            live[layer.klass[used]] = True
            result[layer.family] = {o for o, c in zip(layer.options, layer.class_of.tolist(), strict=True) if live[c]}
        return result

    def costs(self, cost: Callable[[str, str], tuple[int, float]]) -> Costs:
        """`cost` per option prepared for `cheapest`: an integer key per option (the int, then the float to
        the hundredth: a price to the cent) and, per class, its member of least key."""
        per_option, per_class = [], []
        for layer in self.layers:
            keys = np.array([_key(*cost(layer.family, option)) for option in layer.options], np.int64)
            best = np.array([min(members, key=lambda k: (keys[k], k)) for members in layer.classes], np.int64)
            per_option.append(keys)
            per_class.append((keys[best], best))
        return Costs(per_option, per_class)

    def cheapest(self, choices: Mapping[str, str], costs: Costs) -> dict[str, str] | None:
        """The configuration agreeing with `choices` of least summed cost (see `costs`), ties to the earlier
        option; None when none is valid."""
        if self.empty:
            return None
        best = []
        for i, layer in enumerate(self.layers):
            chosen = choices.get(layer.family)
            if chosen is None:
                best.append(costs.per_class[i])
                continue
            keys = np.full(len(layer.classes), _NEVER, np.int64)
            option = np.zeros(len(layer.classes), np.int64)
            k = layer.index.get(chosen)
            if k is not None:
                keys[layer.class_of[k]], option[layer.class_of[k]] = costs.per_option[i][k], k
            best.append((keys, option))
        below = np.zeros(self.terminal, np.int64)
        plans: list[np.ndarray] = []
        for i in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[i]
            edge = np.minimum(best[i][0][layer.klass] + below[layer.target], _NEVER)
            plans.append(edge)
            below = layer.least(edge)
        plans.reverse()
        if below[0] >= _NEVER:
            return None
        node, configuration = 0, {}
        for i, layer in enumerate(self.layers):
            begin = layer.starts[node]
            chosen_edge = begin + int(np.argmin(plans[i][begin : layer.starts[node + 1]]))
            configuration[layer.family] = layer.options[best[i][1][layer.klass[chosen_edge]]]
            node = int(layer.target[chosen_edge])
        return configuration

    def sample(self, n: int, rng: random.Random, choices: Mapping[str, str] | None = None) -> list[dict[str, str]]:
        """`n` valid configurations agreeing with `choices`, each drawn uniformly: one random integer below
        the count, decoded through the diagram as a mixed-radix number."""
        if choices:
            masks = self.allowed(choices)
            members = [
                [tuple(k for k in cls if mask[k]) for cls in layer.classes]
                for layer, mask in zip(self.layers, masks, strict=True)
            ]
            counts = self._counts([[len(m) for m in row] for row in members])
        else:
            members = [list(layer.classes) for layer in self.layers]
            counts = self.counts
        total = self._root(counts)
        if total == 0:
            return []
        draws = []
        for _ in range(n):
            r = rng.randrange(total)
            node, configuration = 0, {}
            for i, layer in enumerate(self.layers):
                below = counts[i + 1]
                for c, t in layer.outgoing[node]:
                    weight = len(members[i][c]) * below[t]
                    if r < weight:
                        configuration[layer.family] = layer.options[members[i][c][r // below[t]]]
                        r, node = r % below[t], t
                        break
                    r -= weight
            draws.append(configuration)
        return draws

    def size(self) -> tuple[int, int]:
        """(nodes, edges) of the diagram."""
        return sum(layer.nodes for layer in self.layers) + self.terminal, sum(
            len(layer.source) for layer in self.layers
        )
