"""Promise dates as the order desk gives them: the engine's promise (c2m.promise) on the capacity, the bought
material and the supplier capacity that earlier promises left, read from the store in the caller's
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from sqlalchemy import Connection

from factoryos.c2m.promise import HORIZON_DAYS, Commitments, PlantCapacity, PlantMaterial, Quote, promise
from factoryos.store.order_desk import booked_minutes, commitments


def quote(
    connection: Connection,
    capacity: PlantCapacity,
    material: PlantMaterial,
    load: Mapping[str, float],
    needs: Mapping[str, float],
    quantity: int,
    start: date,
) -> Quote:
    """The promise for `quantity` units of `load` needing `needs` of stocked material, from `start`, on what is
    booked as of `connection`'s view."""
    site = capacity.plant.site.id
    center = capacity.constrained(load, start)
    days = promise_days(start)
    booked = capacity.booked(
        center, {c: booked_minutes(connection, site, c, *days) for c in capacity.overlapping(center)}
    )
    held = commitments(connection, site, start) if needs else Commitments()
    return quote_on(capacity, material, load, needs, quantity, start, booked, held)


def quote_on(
    capacity: PlantCapacity,
    material: PlantMaterial,
    load: Mapping[str, float],
    needs: Mapping[str, float],
    quantity: int,
    start: date,
    booked: Mapping[date, float],
    held: Commitments,
) -> Quote:
    """The promise of `quote` on what earlier promises hold, already read: the minutes `booked` on the
    constrained work center's days from `start` (`promise_days`; `PlantCapacity.booked` adds up what the
    pools sharing its work centers booked) and the material `held`."""
    return promise(capacity, load, quantity, start, booked, material.check(needs, quantity, start, held))


def promise_days(start: date) -> tuple[date, date]:
    """The days [start, end) a promise from `start` may book."""
    return start, start + timedelta(days=HORIZON_DAYS)


def write_locks(site: str, centers: Iterable[str], needs: Iterable[str], suppliers: Iterable[str]) -> list[str]:
    """What placing an order locks: its constrained work center or pool and those that share a work center with
    it (`centers`), each stocked material it takes and each supplier whose weekly capacity it may book."""
    return [
        *(f"{site}/{c}" for c in centers),
        *(f"{site}/material/{m}" for m in needs),
        *(f"{site}/supplier/{s}" for s in suppliers),
    ]
