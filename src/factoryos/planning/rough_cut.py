"""Rough-cut capacity for the MPS: every work center (or pool of alternative ones) a product's units load, with
its working minutes each day (its calendar, lights-out or not, its units, holidays, the ramp-up curve on the
ramping line), as the promise counts them (`c2m.promise.PlantCapacity`). A demand's unit takes at each what its
configuration takes there: an order its own, the forecast what a unit takes on average over the option mix. A
day's units fit where every work center they load has the minutes.
Where a pool and one of its members are both loaded, each counts the shared minutes as its own, so the bound is
loose there; the promise, booking every order, is not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from factoryos.c2m.promise import PlantCapacity
from factoryos.model.plant import Plant, Product


def typical_configuration(product: Product) -> dict[str, str]:
    """Each option family's most common option (by its mix; the default, then the first, when none has a mix)."""
    typical = {}
    for family_id, family in product.option_families.items():
        first = family.default or next(iter(family.options))
        typical[family_id] = max(family.options, key=lambda o: (family.options[o].mix, o == first))
    return typical


@dataclass
class RoughCut:
    """The work centers of a plant over a horizon: each one's working minutes a day (read as they are first
    loaded), and what one unit of a product takes at each (`load`, per configuration)."""

    plant: Plant
    start: date
    days: int
    capacity: PlantCapacity
    minutes: dict[str, tuple[float, ...]] = field(default_factory=dict)
    _expected: dict[str, dict[str, float]] = field(default_factory=dict, repr=False)

    def load(self, product: str, configuration: Mapping[str, str] | None = None) -> dict[str, float]:
        """Minutes one unit of `product` takes at each work center or pool it loads: in `configuration`, or when
        none is given (the forecast), on average over its option mix (`expected_load`)."""
        found = self.capacity.load(product, configuration) if configuration is not None else self.expected_load(product)
        load = {center: m for center, m in found.items() if m > 0}
        for center in load:
            if center not in self.minutes:
                days = (self.start + timedelta(days=k) for k in range(self.days))
                self.minutes[center] = tuple(self.capacity.minutes(center, day) for day in days)
        return load

    def expected_load(self, product: str) -> dict[str, float]:
        """A unit's minutes at each work center on average over the product's option mix, each option family
        taken apart: the typical configuration's, and for each other option its share of what choosing it
        changes (a finish chosen 40 % of the time that adds 60 min in an oven adds 24 min). The MPS levels the
        forecast's options by those shares, so each day's forecast takes about this much a unit. Worked out once
        per product: every forecast demand of it asks."""
        if product not in self._expected:
            self._expected[product] = self._average(product)
        return self._expected[product]

    def _average(self, product: str) -> dict[str, float]:
        spec = self.plant.products[product]
        typical = typical_configuration(spec)
        base = self.capacity.load(product, typical)
        expected = dict(base)
        for family_id, family in spec.option_families.items():
            total = sum(option.mix for option in family.options.values())
            for option_id, option in family.options.items():
                if option_id == typical[family_id] or not option.mix or not total:
                    continue
                other = self.capacity.load(product, typical | {family_id: option_id})
                for center in base.keys() | other.keys():
                    change = other.get(center, 0.0) - base.get(center, 0.0)
                    expected[center] = expected.get(center, 0.0) + option.mix / total * change
        return expected

    def units(self, product: str, center: str, day: date) -> float:
        """Typical units of `product` that `center`'s working minutes on `day` hold, each of a unit's jobs there
        run in one piece (`PlantCapacity.whole_job_minutes`): an eight-hour shift holds one cabinet whose
        carcass takes 300 minutes, not 1.6. The plan books minutes, as the promise does; this is what a day
        holds of one product."""
        typical = typical_configuration(self.plant.products[product])
        job = self.capacity.flow(product, typical).jobs.get(center, 0.0)
        return self.capacity.whole_job_minutes(center, day, job) / self.load(product)[center]

    def constrained(self, product: str) -> str | None:
        """The work center a typical unit of `product` is constrained on, as the promise finds it (None: it loads
        none)."""
        load = self.load(product)
        return self.capacity.constrained(load, self.start) if load else None

    def label(self, center: str) -> str:
        return self.capacity.label(center)

    def checked(self, products: Iterable[str]) -> list[str]:
        """The work centers `products` load, by label."""
        return sorted({self.label(center) for product in products for center in self.load(product)})
