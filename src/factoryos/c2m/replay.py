"""The order book promised again, order by order in the sequence it came in, as the order desk promised it: the
same material-aware promise (`c2m.promise`) on the capacity, material and supplier capacity that the earlier
orders left. Run on a plant as a what-if leaves it (a supplier's slip), and on the plant as it is, it says whose
promise moves."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from factoryos.c2m.promise import Commitments, PlantCapacity, PlantMaterial, promise
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant


@dataclass(frozen=True)
class PromiseMove:
    """A customer order promised a different day under a what-if (None: no day within the horizon)."""

    customer_order: str
    due: date
    before: date | None
    after: date | None

    @property
    def days(self) -> int | None:
        """How many days later the order is promised; None when either promise has no day."""
        return (self.after - self.before).days if self.after and self.before else None


def promise_book(plant: Plant, orders: Iterable[CustomerOrder]) -> dict[str, date | None]:
    """Each order's promised day, the orders promised first come first served (by the time they were placed)."""
    capacity, material = PlantCapacity(plant), PlantMaterial(plant)
    booked: dict[str, dict[date, float]] = defaultdict(dict)
    held = Commitments()
    promised: dict[str, date | None] = {}
    for order in sorted(orders, key=lambda o: (o.ordered_at, o.id)):
        start = capacity.first_day(order.ordered_at)
        load = capacity.load(order.product, order.configuration)
        needs = material.needs(order.product, order.configuration)
        check = material.check(needs, order.quantity, start, held)
        center = capacity.constrained(load, start)
        quote = promise(capacity, load, order.quantity, start, capacity.booked(center, booked), check)
        for day, minutes in quote.allocation.items():
            booked[center][day] = booked[center].get(day, 0.0) + minutes
        held.add(quote.stock, quote.lots)
        promised[order.id] = quote.promised
    return promised


def promise_moves(plant: Plant, changed: Plant, orders: Iterable[CustomerOrder]) -> list[PromiseMove]:
    """The orders whose promise on `changed` differs from that on `plant`, most moved first."""
    book = list(orders)
    before, after = promise_book(plant, book), promise_book(changed, book)
    moves = [PromiseMove(o.id, o.due_date, before[o.id], after[o.id]) for o in book if before[o.id] != after[o.id]]
    return sorted(moves, key=lambda m: (-(m.days or 10**6), m.customer_order))
