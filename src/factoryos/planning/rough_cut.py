"""Rough-cut capacity for the MPS: each product is bounded by its constrained work center (or pool of
alternative ones), the one the promise finds (`c2m.promise.PlantCapacity.constrained`) for the product's typical
configuration (each option family's most common option by its mix). Products constrained on the same work center
share its working minutes each day (its calendar and units, lights-out, holidays, the ramp-up curve on the
ramping line), and a demand takes there what one unit of it takes: an order in its own configuration, the
forecast in the typical one. Where the work centers of two groups overlap (a pool and one of its members), each
counts the shared minutes as its own, so the bound is loose there; the promise, booking every order, is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from factoryos.c2m.promise import PlantCapacity
from factoryos.model.plant import Plant, Product


@dataclass(frozen=True)
class RoughCut:
    """Products constrained on one work center or pool (`center`, named `label`): its working minutes on each day
    of the horizon, and the minutes a typical unit of each product takes there."""

    center: str
    label: str
    products: tuple[str, ...]
    minutes: tuple[float, ...]
    per_unit: Mapping[str, float]


def typical_configuration(product: Product) -> dict[str, str]:
    """Each option family's most common option (by its mix; the default, then the first, when none has a mix)."""
    typical = {}
    for family_id, family in product.option_families.items():
        first = family.default or next(iter(family.options))
        typical[family_id] = max(family.options, key=lambda o: (family.options[o].mix, o == first))
    return typical


def rough_cut(
    plant: Plant, capacity: PlantCapacity, products: Iterable[str], start: date, days: int
) -> tuple[list[RoughCut], list[str]]:
    """The groups of `products` by constrained work center, and the products no work center loads (no routing)."""
    by_center: dict[str, dict[str, float]] = {}
    unloaded = []
    for product_id in sorted(products):
        load = capacity.load(product_id, typical_configuration(plant.products[product_id]))
        load = {center: minutes for center, minutes in load.items() if minutes > 0}
        if not load:
            unloaded.append(product_id)
            continue
        center = capacity.constrained(load, start)
        by_center.setdefault(center, {})[product_id] = load[center]
    groups = [
        RoughCut(
            center,
            capacity.label(center),
            tuple(per_unit),
            tuple(capacity.minutes(center, start + timedelta(days=offset)) for offset in range(days)),
            per_unit,
        )
        for center, per_unit in sorted(by_center.items())
    ]
    return groups, unloaded
