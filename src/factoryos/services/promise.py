"""Promise dates as the order desk gives them: the engine's promise (c2m.promise) on the capacity that
earlier promises left free, read from the store in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from sqlalchemy import Connection

from factoryos.c2m.promise import HORIZON_DAYS, PlantCapacity, Quote, promise
from factoryos.store.order_desk import booked_minutes


def quote(
    connection: Connection, capacity: PlantCapacity, load: Mapping[str, float], quantity: int, start: date
) -> Quote:
    """The promise for `quantity` units of `load` from `start`, on what is booked as of `connection`'s view."""
    center = capacity.constrained(load, start)
    booked = booked_minutes(connection, capacity.plant.site.id, center, start, start + timedelta(days=HORIZON_DAYS))
    return promise(capacity, load, quantity, start, booked)
