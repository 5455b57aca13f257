"""The order book promised again, order by order in the sequence the order desk promised it (when a sequence is
given: an order imported late is promised after those before it, whenever it was placed), else in the sequence
it came in: the same material-aware promise (`c2m.promise`) on the capacity, material and supplier capacity that
the earlier orders left. Run on a plant as a what-if leaves it (a supplier's slip), and on the plant as it is, it
says whose promise moves; its material part alone says the day each order's bought parts are in, before which the
scheduler may not start it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from factoryos.c2m.promise import (
    Build,
    Commitments,
    PlantCapacity,
    PlantMaterial,
    Quote,
    book,
    check_build,
    fill,
    order_build,
    promise_build,
)
from factoryos.model.orders import CustomerOrder, CustomerOrderState
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


def in_promise_order(orders: Iterable[CustomerOrder], sequence: Mapping[str, int] | None = None) -> list[CustomerOrder]:
    """The orders in the sequence the desk promised them (`sequence`: each promised order's place in it), then those
    it never promised, first come first served (by the time they were placed): the desk booked stock and capacity
    in that sequence, so a replay that serves them in another hands one order what the desk booked for another."""
    places = sequence or {}
    return sorted(orders, key=lambda o: (o.id not in places, places.get(o.id, 0), o.ordered_at, o.id))


def promise_book(
    plant: Plant, orders: Iterable[CustomerOrder], sequence: Mapping[str, int] | None = None
) -> dict[str, date | None]:
    """Each order's promised day, the orders promised in the desk's sequence (`in_promise_order`)."""
    return {order: quote.promised for order, quote in quote_book(plant, orders, sequence).items()}


def quote_book(
    plant: Plant, orders: Iterable[CustomerOrder], sequence: Mapping[str, int] | None = None
) -> dict[str, Quote]:
    """Each order's promise, the orders promised in the desk's sequence (`in_promise_order`)."""
    capacity, material = PlantCapacity(plant), PlantMaterial(plant)
    booked: dict[str, dict[date, float]] = defaultdict(dict)
    filled: dict[tuple[str, date, str], int] = {}
    held = Commitments()
    quotes: dict[str, Quote] = {}
    for order in in_promise_order(orders, sequence):
        start = capacity.first_day(order.ordered_at)
        build = _build(capacity, material, order)
        on_load = capacity.booked_on(build.load, booked)
        quote = promise_build(capacity, material, build, start, on_load, held, order.due_date, filled)
        book(booked, quote.allocation)
        fill(filled, quote.batches)
        held.add(quote.stock, quote.lots)
        quotes[order.id] = quote
    return quotes


def _build(capacity: PlantCapacity, material: PlantMaterial, order: CustomerOrder) -> Build:
    return order_build(capacity, material, order.product, order.configuration, order.quantity)


def material_ready(
    plant: Plant, orders: Iterable[CustomerOrder], sequence: Mapping[str, int] | None = None
) -> dict[str, dict[str, date] | None]:
    """Of the orders whose bought material is not all there on their first day, each such material with the
    site-local day it is in (None: some material is not in within the promise's horizon): the orders served from
    stock, open purchase orders and what their suppliers can ship in the sequence the order desk served them
    (`in_promise_order`). Cancelled orders take nothing; an order of a product the plant no longer makes is left
    out (plant loading names it)."""
    capacity, material = PlantCapacity(plant), PlantMaterial(plant)
    held = Commitments()
    waiting: dict[str, dict[str, date] | None] = {}
    for order in in_promise_order(orders, sequence):
        if order.state is CustomerOrderState.CANCELLED or order.product not in plant.products:
            continue
        first = capacity.first_day(order.ordered_at)
        check = check_build(capacity, material, _build(capacity, material, order), first, held)[1]
        held.add(check.stock, check.lots)
        if check.ready is None or check.arrivals:
            waiting[order.id] = check.arrivals if check.ready else None
    return waiting


def promise_moves(
    plant: Plant, changed: Plant, orders: Iterable[CustomerOrder], sequence: Mapping[str, int] | None = None
) -> list[PromiseMove]:
    """The orders whose promise on `changed` differs from that on `plant`, most moved first: both books promised in
    the same sequence (`in_promise_order`), so that only the change moves a promise."""
    book = list(orders)
    before, after = promise_book(plant, book, sequence), promise_book(changed, book, sequence)
    moves = [PromiseMove(o.id, o.due_date, before[o.id], after[o.id]) for o in book if before[o.id] != after[o.id]]
    return sorted(moves, key=lambda m: (-(m.days or 10**6), m.customer_order))
