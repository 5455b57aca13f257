"""A configured unit's made structure (the product and the made sub-assemblies under it) and the part of it that
stock on hand spares the unit.

Stock of a sub-assembly made per unit (welded frames, battery modules: lot-for-lot, where a part made in lots
has its stock netted before its lots are cut) goes to the units in the order they are given, which is the order
they are released in, due date first: a unit whose need of it the stock left holds takes it, and builds neither
it nor anything below it (its operations, its bought parts, the lots it would draw), so its parent's first
operation has the part from the start. As MRP does, stock of a sub-assembly whose bill depends on the options is
left alone: it does not say which configuration it is. Stock of a part made in lots (stamped panels, castings)
goes to the units in the same order a piece at a time: a unit that builds the part takes what is left of it,
and only the rest of its need is made in lots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from factoryos.model.configuration import bill_families, bom_lines
from factoryos.model.plant import Plant

EPS = 1e-9


@dataclass(frozen=True)
class Node:
    """A made material in one unit's structure: `quantity` per unit of the product; `parent` is the node it
    goes into (None for the product itself); `lot` says it is made in lots rather than per unit."""

    material: str
    quantity: float
    parent: int | None
    lot: bool


def structure(plant: Plant, material: str, configuration: Mapping[str, str]) -> tuple[Node, ...]:
    """The made materials of one configured unit, each after the material it goes into (the product first);
    lots are leaves: their own components are planned with the lot."""
    nodes = [Node(material, 1.0, None, False)]

    def walk(parent: int) -> None:
        for line in bom_lines(plant, nodes[parent].material, configuration):
            spec = plant.materials[line.component]
            if spec.source != "make" or line.component not in plant.routings:
                continue
            need = nodes[parent].quantity * line.issued
            nodes.append(Node(line.component, need, parent, spec.lot_size.rule != "lot-for-lot"))
            if not nodes[-1].lot:
                walk(len(nodes) - 1)

    walk(0)
    return tuple(nodes)


def made_stock(plant: Plant) -> dict[str, float]:
    """The plant file's stock of each part made per unit whose bill is the same in every configuration: what the
    units' sub-assemblies can be taken from."""
    known: dict[str, frozenset[str]] = {}
    return {
        material: held
        for material, held in plant.stock_on_hand().items()
        if plant.materials[material].source == "make"
        and plant.materials[material].lot_size.rule == "lot-for-lot"
        and not bill_families(plant, material, known)
    }


def lot_stock(plant: Plant) -> dict[str, float]:
    """The plant file's stock of each part made in lots: what the units' need of it is netted against before its
    lots are cut."""
    return {
        material: held
        for material, held in plant.stock_on_hand().items()
        if plant.materials[material].source == "make" and plant.materials[material].lot_size.rule != "lot-for-lot"
    }


def from_stock(nodes: Sequence[Node], left: dict[str, float]) -> frozenset[int]:
    """The nodes of one unit it does not build, taking what it uses from `left` (the stock left of each part): a
    sub-assembly whose whole need the stock left holds, and every node below one. A need the stock left cannot
    hold is built, and the stock stays for a later unit it can serve; the product itself (the first node) is
    never taken from stock here (finished units in stock are shipped, not built into an order's job)."""
    spared: set[int] = set()
    if not left:
        return frozenset()
    for index, node in enumerate(nodes[1:], start=1):
        if node.parent in spared:
            spared.add(index)
        elif not node.lot and left.get(node.material, 0.0) >= node.quantity - EPS:
            left[node.material] -= node.quantity
            spared.add(index)
    return frozenset(spared)


def from_lot_stock(nodes: Sequence[Node], spared: frozenset[int], left: dict[str, float]) -> dict[int, float]:
    """How much of each part made in lots one unit takes from `left` (the stock left of each part), by node:
    every lot-made node it builds (not one below a node `spared`) takes as much of its need as is left, and lots
    make the rest."""
    taken: dict[int, float] = {}
    for index, node in enumerate(nodes):
        held = left.get(node.material, 0.0)
        if node.lot and index not in spared and held > EPS:
            taken[index] = min(node.quantity, held)
            left[node.material] = held - taken[index]
    return taken
