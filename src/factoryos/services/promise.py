"""Promise dates as the order desk gives them: the engine's promise (c2m.promise) on the capacity, the bought
material and the supplier capacity that earlier promises left, read from the store in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection

from factoryos.c2m.promise import (
    HORIZON_DAYS,
    Build,
    Commitments,
    Filled,
    PlantCapacity,
    PlantMaterial,
    Quote,
    promise_build,
)
from factoryos.store.order_desk import booked_batches, booked_minutes, commitments


@dataclass(frozen=True)
class Ask:
    """What a promise is asked for: `build`, the units and what each takes before any made stock (minutes per
    work center or pool, stocked material, the made structure when the plant holds stock of a part in it),
    from `start`, the first day the order may be promised, for the day the customer `requested`."""

    build: Build
    start: date
    requested: date | None = None

    @property
    def takes_stock(self) -> bool:
        """Whether the ask takes bought or made stock, so that what earlier promises took must be read."""
        return bool(self.build.needs or self.build.structure)


def quote(connection: Connection, capacity: PlantCapacity, material: PlantMaterial, ask: Ask) -> Quote:
    """The promise for `ask` on what is booked as of `connection`'s view."""
    site = capacity.plant.site.id
    days = promise_days(ask.start)
    centers = capacity.reads(ask.build.load)
    minutes = booked_minutes(connection, site, centers, *days)
    booked = capacity.booked_on(ask.build.load, minutes)
    filled = booked_batches(connection, site, centers, *days) if ask.build.batches else {}
    held = commitments(connection, site, ask.start) if ask.takes_stock else Commitments()
    return quote_on(capacity, material, ask, booked, held, filled)


def quote_on(
    capacity: PlantCapacity,
    material: PlantMaterial,
    ask: Ask,
    booked: Mapping[str, Mapping[date, float]],
    held: Commitments,
    filled: Filled | None = None,
) -> Quote:
    """The promise of `quote` on what earlier promises hold, already read: the minutes `booked` on each work
    center of the load, day by day from the ask's start (`promise_days`; `PlantCapacity.booked` adds up what the
    pools sharing its work centers booked), the material `held` (made stock included) and the units `filled` in
    batches."""
    return promise_build(capacity, material, ask.build, ask.start, booked, held, ask.requested, filled)


def promise_days(start: date) -> tuple[date, date]:
    """The days [start, end) a promise from `start` may book."""
    return start, start + timedelta(days=HORIZON_DAYS)


def write_locks(site: str, centers: Iterable[str], needs: Iterable[str], suppliers: Iterable[str]) -> list[str]:
    """What placing an order locks: the work centers and pools it loads and those that share a work center with
    them (`centers`), each stocked material it takes (bought, or made stock) and each supplier whose weekly
    capacity it may book."""
    return [
        *(f"{site}/{c}" for c in centers),
        *(f"{site}/material/{m}" for m in needs),
        *(f"{site}/supplier/{s}" for s in suppliers),
    ]
