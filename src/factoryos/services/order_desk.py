"""The order desk: take a configured order (checked by the same intake as `orders import`), promise it a date,
track it through its lifecycle with an audit row per change, cancel it; and the configurator and products
as a tenant sees them. Shared by the HTTP API and the CLI (`orders generate --count`).

A tenant sees only its own products and orders; another tenant's order is "not found", never "forbidden",
so ids leak nothing. Every rejected order is kept (a dead letter, as `orders import` keeps a bad line).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from factoryos.c2m import configurator
from factoryos.c2m.demand import generate_orders as draw_orders
from factoryos.c2m.intake import accept, misfit
from factoryos.c2m.promise import Build, PlantCapacity, PlantMaterial, Quote, book, fill, order_build
from factoryos.model.configuration import operations as configured_operations
from factoryos.model.errors import FactoryosError
from factoryos.model.events import Event, EventKind
from factoryos.model.orders import ORDER_TRANSITIONS, CustomerOrder, CustomerOrderState
from factoryos.model.plant import Plant, Product, RoutingOperation
from factoryos.model.readings import from_us
from factoryos.quality.holds import Disposition, Hold, HoldError
from factoryos.services.holds import Containment, check_shippable, held_scope
from factoryos.services.plants import plant_on_order
from factoryos.services.promise import Ask, promise_days, quote, quote_on, write_locks
from factoryos.services.tenants import Caller
from factoryos.store import genealogy
from factoryos.store import order_desk as desk_store
from factoryos.store import orders as order_store
from factoryos.store.order_desk import (
    FirstAnswer,
    OrderChange,
    OrderFilter,
    plant_fingerprint,
)
from factoryos.store.orders import as_order
from factoryos.store.plans import purchase_orders_stamp
from factoryos.store.plants import read_plant, stored_sites
from factoryos.store.tables import CustomerOrderRecord, DeadLetter

MAX_PAGE = 500
MAX_BATCH = 64
"""Orders placed in one transaction at the most: a batch holds the line's lock while its orders are promised."""
MAX_WAITING = 2048
"""Orders waiting at one site's desk in one process at the most; more are refused (Busy) rather than queued."""
RECHECK_SECONDS = 2.0
"""How stale the API's copy of the plant may be after `plant load` changed it."""


class NotFound(FactoryosError):
    """No such thing that this caller may see."""


class Forbidden(FactoryosError):
    """The caller sees it but its role may not do this."""


class Conflict(FactoryosError):
    """The request clashes with what is stored: a step the lifecycle does not allow, or an Idempotency-Key
    reused for a different request."""


class Busy(FactoryosError):
    """More orders are waiting to be placed than the desk takes (MAX_WAITING): try again in a moment."""


class OrderRejected(FactoryosError):
    """An order or configuration the plant cannot take: `field` is where (`options`, `customer`) in the request's
    `part` (its body, or its query for a page's cursor), `rules` the indices of the product rules it breaks."""

    def __init__(self, field: str, message: str, rules: tuple[int, ...] = (), part: str = "body") -> None:
        super().__init__(message)
        self.field = field
        self.rules = rules
        self.part = part


@dataclass(frozen=True)
class OrderInput:
    """What a customer or partner system asks for: a product in a (possibly partial) configuration, a quantity,
    for a customer, by a requested date."""

    customer: str
    product: str
    options: dict[str, str]
    quantity: int
    requested_date: date


@dataclass
class Desk:
    """One loaded plant and its capacity and material models, built once and kept while the plant is unchanged;
    `checked` is when the stored plant was last compared (time.monotonic)."""

    plant: Plant
    capacity: PlantCapacity
    material: PlantMaterial
    fingerprint: str
    checked: float = 0.0


@dataclass(frozen=True)
class Placed:
    """The answer to a placed order (as first given), its status, and whether this is a replay of it."""

    order_id: str
    status: int
    answer: dict[str, Any]
    replayed: bool = False


_desks: dict[tuple[str, str], Desk] = {}


def desk(engine: Engine, site: str) -> Desk:
    """The plant of `site` with the purchase orders released from its plans (`plants.plant_on_order`), and its
    capacity and material models; re-read only when the stored plant or its open purchase orders changed (which
    is looked at no more often than every RECHECK_SECONDS)."""
    cache_key = _desk_key(engine, site)
    cached = _desks.get(cache_key)
    if cached is not None and time.monotonic() - cached.checked < RECHECK_SECONDS:
        return cached
    plant_hash = plant_fingerprint(engine, site)
    if plant_hash is None:
        raise NotFound(f"no plant {site!r} is loaded")
    fingerprint = f"{plant_hash}/{purchase_orders_stamp(engine, site)}"
    if cached is None or cached.fingerprint != fingerprint:
        plant = plant_on_order(engine, site)
        cached = Desk(plant, PlantCapacity(plant), PlantMaterial(plant), fingerprint)
        _desks[cache_key] = cached
    cached.checked = time.monotonic()
    return cached


def forget_desk(engine: Engine, site: str) -> None:
    """Read the plant of `site` again at its next order: this process changed what it is read from."""
    _desks.pop(_desk_key(engine, site), None)


def _desk_key(engine: Engine, site: str) -> tuple[str, str]:
    return engine.url.render_as_string(hide_password=True), site


def open_desks(engine: Engine) -> None:
    """Read every stored plant's desk now (a server's worker before its first order, not during it)."""
    for site in stored_sites(engine):
        desk(engine, site)


# Products and configurations.


def products(plant: Plant, caller: Caller) -> dict[str, Product]:
    return {pid: p for pid, p in plant.products.items() if caller.sees(p.tenant)}


def product(plant: Plant, caller: Caller, product_id: str) -> Product:
    found = plant.products.get(product_id)
    if found is None or not caller.sees(found.tenant):
        raise NotFound(f"no product {product_id!r}")
    return found


def _visible_product(plant: Plant, caller: Caller, product_id: str) -> Product:
    """The product, or an OrderRejected on `product` that lists only what the caller may order."""
    try:
        return product(plant, caller, product_id)
    except NotFound:
        known = sorted(products(plant, caller))
        raise OrderRejected("product", f"unknown product {product_id!r}; expected one of {known}") from None


def check_configuration(
    plant: Plant, caller: Caller, product_id: str, options: Mapping[str, str]
) -> tuple[configurator.Check, dict[str, configurator.FamilyOptions]]:
    """The configurator's check and what is still selectable, for a product the caller sees."""
    found = _visible_product(plant, caller, product_id)
    return configurator.check(found, options), configurator.selectable(found, options)


def complete_configuration(
    plant: Plant, caller: Caller, product_id: str, options: Mapping[str, str]
) -> configurator.Completion:
    """The valid completion of `options`, or an OrderRejected naming the rules in conflict."""
    found = _visible_product(plant, caller, product_id)
    completion = configurator.complete(found, options)
    if completion.configuration is None:
        rules = tuple(sorted({v.rule for v in completion.conflicts if v.rule is not None}))
        raise OrderRejected("options", f"invalid configuration: {completion.reason}", rules)
    return completion


def _valid_configuration(plant: Plant, caller: Caller, product_id: str, options: Mapping[str, str]) -> dict[str, str]:
    """The ordered configuration: the customer's choices must break no rule; open families are completed."""
    found = _visible_product(plant, caller, product_id)
    verdict = configurator.check(found, options)
    if verdict.violations:
        rules = tuple(sorted({v.rule for v in verdict.violations if v.rule is not None}))
        message = "; ".join(v.message for v in verdict.violations)
        raise OrderRejected("options", f"invalid configuration: {message}", rules)
    completion = complete_configuration(plant, caller, product_id, options)
    assert completion.configuration is not None
    return completion.configuration


# Promises.


def promise(engine: Engine, caller: Caller, request: OrderInput, now: datetime) -> Quote:
    """The date the plant would promise for this order now, without placing it (nothing is booked)."""
    here = desk(engine, caller.site)
    configuration = _valid_configuration(here.plant, caller, request.product, request.options)
    build = order_build(here.capacity, here.material, request.product, configuration, request.quantity)
    with engine.connect() as connection:
        return quote(
            connection, here.capacity, here.material, Ask(build, here.capacity.first_day(now), request.requested_date)
        )


# Taking an order.


def request_digest(request: OrderInput) -> str:
    body = json.dumps(
        [
            request.customer,
            request.product,
            sorted(request.options.items()),
            request.quantity,
            str(request.requested_date),
        ]
    )
    return hashlib.sha256(body.encode()).hexdigest()


def submit_order(
    engine: Engine,
    caller: Caller,
    request: OrderInput,
    now: datetime,
    answer: Callable[[CustomerOrder, Quote | None], dict[str, Any]],
    idempotency_key: str | None = None,
) -> Future[Placed]:
    """Take an order: check it (the intake `orders import` uses) here, then hand it to the site's order desk
    (see `_Queue`), which promises it a date on the constrained work center's free capacity and the material,
    and stores it with its history, the capacity it books and its answer, all in one transaction. With an
    `idempotency_key`, a retry of the same request is answered the first answer and stores nothing (the key's
    row is written with the order; a retry finds it when its batch is placed, or, sent while the first was
    being placed, fails on it and then reads it); the same key with a different request is a Conflict.
    `answer` renders what the caller is answered (and kept). Raises OrderRejected or Forbidden at once; the
    future holds the answer, or what placing the order raised."""
    if not caller.can_order:
        raise Forbidden(f"a {caller.role} key cannot place orders")
    here = desk(engine, caller.site)
    order = _accepted(here.plant, caller, request, now)
    first = (idempotency_key, request_digest(request)) if idempotency_key is not None else None
    return _queue(engine, caller.site).submit(_taking(here, caller, order, now, answer, first))


def place_orders(
    engine: Engine,
    caller: Caller,
    requests: Sequence[tuple[OrderInput, datetime]],
    ids: Sequence[str] | None = None,
) -> list[tuple[CustomerOrder, Quote]]:
    """Take many orders at once (a demo's month, a bulk load), each placed as `submit_order` places it at its
    own time (checked, promised on the capacity and material the orders before it left, stored with its history
    and bookings), in one transaction, in the order given; each order with its promise. An order the desk
    refuses is an OrderRejected and nothing is stored. `ids` names the orders (a load drawn from a seed keeps
    its own, so that a second run plans the same orders in the same order); by default each gets a random id."""
    if not caller.can_order:
        raise Forbidden(f"a {caller.role} key cannot place orders")
    here = desk(engine, caller.site)
    named = ids if ids is not None else [None] * len(requests)
    taken = [
        _taking(here, caller, _accepted(here.plant, caller, r, at, order_id), at)
        for (r, at), order_id in zip(requests, named, strict=True)
    ]
    if not taken:
        return []
    return _book(engine, here, taken)


@dataclass
class _Taking:
    """An accepted order on its way into the order book: what it asks the plant to build (`build`), its first
    day, the work centers whose bookings it reads (`centers`: those it loads and those sharing a work center with
    them), how its caller is answered (`answer`, with the Idempotency-Key and the
    request's digest in `first`), and once placed, the answer given (`placed`)."""

    caller: Caller
    order: CustomerOrder
    at: datetime
    build: Build
    start: date
    centers: frozenset[str]
    answer: Callable[[CustomerOrder, Quote | None], dict[str, Any]] | None = None
    first: tuple[str, str] | None = None
    placed: Placed | None = None
    refused: Exception | None = None
    stored: bool = False


def _taking(
    here: Desk,
    caller: Caller,
    order: CustomerOrder,
    at: datetime,
    answer: Callable[[CustomerOrder, Quote | None], dict[str, Any]] | None = None,
    first: tuple[str, str] | None = None,
) -> _Taking:
    build = order_build(here.capacity, here.material, order.product, order.configuration, order.quantity)
    return _Taking(
        caller, order, at, build, here.capacity.first_day(at), here.capacity.reads(build.load), answer, first
    )


def _book(engine: Engine, here: Desk, taken: Sequence[_Taking]) -> list[tuple[CustomerOrder, Quote]]:
    """Place `taken` (orders of one site, all new or all `stored` as received) in one transaction, in the order
    given: each promised on the capacity and material the ones before it left, stored with its history, bookings
    and answer. Raises what the transaction raises (an IntegrityError when an Idempotency-Key is already stored),
    and then stores none."""
    site = taken[0].order.site
    bought = sorted({m for t in taken for m in t.build.needs})
    made = {n.material for t in taken for n in t.build.structure if n.material in here.material.made}
    materials = sorted(made.union(bought))
    suppliers = here.material.suppliers(bought)
    centers = sorted(set().union(*(t.centers for t in taken)))
    locks = sorted(set(write_locks(site, centers, materials, suppliers)))
    days = (min(t.start for t in taken), promise_days(max(t.start for t in taken))[1])
    quotes = []
    keys = [(t.caller.tenant, t.first[0]) for t in taken if t.first is not None]
    stored = taken[0].stored
    batches = any(t.build.batches for t in taken)
    with desk_store.booking(engine, locks, site, centers, days, bool(materials), keys, stored, batches) as held:
        booked = {c: dict(held.minutes[c]) for c in centers}
        for t in taken:
            if t.first is not None and (first := held.answered.get((t.caller.tenant, t.first[0]))) is not None:
                try:
                    t.placed = _again(*t.first, first)
                except Conflict as conflict:
                    t.refused = conflict
                continue
            on_load = here.capacity.booked_on(t.build.load, booked)
            ask = Ask(t.build, t.start, t.order.due_date)
            promised = quote_on(here.capacity, here.material, ask, on_load, held.material, held.filled)
            book(booked, promised.allocation)
            fill(held.filled, promised.batches)
            held.material.add(promised.stock, promised.lots)
            placement = _placement(t.caller, t.order, promised, t.at)
            if stored:
                quotes.append((placement.order, promised))
                if promised.promised is not None:
                    held.placements.append(replace(placement, changes=placement.changes[1:]))
                continue
            if t.answer is not None:
                t.placed = Placed(t.order.id, 201, t.answer(placement.order, promised))
            if t.placed is not None and t.first is not None:
                key, digest = t.first
                first = FirstAnswer(digest, t.order.id, t.placed.status, t.placed.answer)
                placement = replace(placement, first=(t.caller.tenant, key, first))
                held.answered[t.caller.tenant, key] = first  # the same key again in this batch is a retry
            held.placements.append(placement)
            quotes.append((placement.order, promised))
    return quotes


@dataclass(frozen=True)
class Promising:
    """What `promise_received` did: each order it looked at with its quote (those without a date stay received),
    and the orders the plant no longer fits (a product withdrawn, a rule they now break), left received."""

    quotes: list[tuple[CustomerOrder, Quote]]
    unfit: list[tuple[CustomerOrder, str]]


def promise_received(engine: Engine, now: datetime, site: str | None = None) -> Promising:
    """Promise the stored orders still received (imported, generated as a stream, or placed when nothing fitted)
    as the desk would have promised them: in the order they came, each from its arrival or `now` if that is
    later, on the capacity and material that the promised orders and those before it left; all in one
    transaction."""
    plant = read_plant(engine, site)
    here = desk(engine, plant.site.id)
    planner = Caller("promise", plant.site.id, plant.owner(), "planner", owner=True)
    taken, unfit = [], []
    for order in order_store.list_orders(engine, site=plant.site.id, state=CustomerOrderState.RECEIVED):
        if (why := misfit(here.plant, order)) is not None:
            unfit.append((order, why))
        else:
            taken.append(replace(_taking(here, planner, order, max(order.ordered_at, now)), stored=True))
    return Promising(_book(engine, here, taken) if taken else [], unfit)


class _Queue:
    """The orders of one site waiting to be placed by this process, and the thread that places them: it takes
    the orders waiting (up to MAX_BATCH), places them in one transaction (each promised on what the ones before
    it left), answers each, and goes on while orders keep coming. The line's lock, its round trips and the
    commit's flush to disk are paid once per batch instead of once per order. A batch that fails is placed again
    one order at a time, so each order gets its own answer (an Idempotency-Key stored meanwhile by another
    process fails only its own order, which is then answered the first answer)."""

    def __init__(self, engine: Engine, site: str) -> None:
        self._engine, self._site = engine, site
        self._mutex = threading.Lock()
        self._waiting: list[tuple[_Taking, Future[Placed]]] = []
        self._placing = False

    def submit(self, taking: _Taking) -> Future[Placed]:
        """Queue `taking`; the future is answered once it is placed (or placing it failed)."""
        answered: Future[Placed] = Future()
        with self._mutex:
            if len(self._waiting) >= MAX_WAITING:
                raise Busy(f"{len(self._waiting):,} orders are waiting to be placed at {self._site}: try again shortly")
            self._waiting.append((taking, answered))
            start, self._placing = not self._placing, True
        if start:
            threading.Thread(target=self._place_waiting, name=f"order desk {self._site}", daemon=True).start()
        return answered

    def _place_waiting(self) -> None:
        while True:
            with self._mutex:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                if not batch:
                    self._placing = False
                    return
            live = [(t, answered) for t, answered in batch if answered.set_running_or_notify_cancel()]
            if live:  # a caller that gave up before its order was placed (a cancelled future) has none placed
                self._settle(live)

    def _settle(self, batch: list[tuple[_Taking, Future[Placed]]]) -> None:
        """Place `batch` and answer each order: its answer, or the error placing it raised."""
        try:
            _book(self._engine, desk(self._engine, self._site), [t for t, _ in batch])
        except Exception as error:
            if len(batch) > 1:
                for item in batch:
                    self._settle([item])
                return
            taking, answered = batch[0]
            _answer(answered, partial(_after_failure, self._engine, taking, error))
            return
        for taking, answered in batch:
            _answer(answered, partial(_placed, taking))


def _answer(answered: Future[Placed], outcome: Callable[[], Placed]) -> None:
    try:
        answered.set_result(outcome())
    except Exception as error:
        answered.set_exception(error)


def _placed(taking: _Taking) -> Placed:
    if taking.refused is not None:
        raise taking.refused
    assert taking.placed is not None
    return taking.placed


def _after_failure(engine: Engine, taking: _Taking, error: Exception) -> Placed:
    """The answer to an order whose placing raised `error`: its key's first answer when another process stored
    the key meanwhile, or else the error."""
    if isinstance(error, IntegrityError) and taking.first is not None:
        replay = _replay(engine, taking.caller, *taking.first)
        if replay is not None:
            return replay
    raise error


_queues: dict[tuple[str, str], _Queue] = {}
_queues_mutex = threading.Lock()


def _queue(engine: Engine, site: str) -> _Queue:
    key = (engine.url.render_as_string(hide_password=True), site)
    with _queues_mutex:
        if key not in _queues:
            _queues[key] = _Queue(engine, site)
        return _queues[key]


def _placement(caller: Caller, order: CustomerOrder, promised: Quote, now: datetime) -> desk_store.Placement:
    """The order as stored, a copy of the accepted `order`: received and, when a date could be promised,
    promised (moved to that state, booking the capacity); without a date it stays received and the answer says
    why."""
    changes = [OrderChange(now, actor(caller), None, CustomerOrderState.RECEIVED.value, "order placed")]
    if promised.promised is None:
        return desk_store.Placement(replace(order, promised_date=None), changes)
    stored = replace(order, state=CustomerOrderState.PROMISED, promised_date=promised.promised)
    why = f"promised {promised.promised}, bound by {promised.constraint}: {promised.explanation} ({promised.basis})"
    changes.append(OrderChange(now, "promise", CustomerOrderState.RECEIVED.value, stored.state.value, why))
    return desk_store.Placement(
        stored, changes, promised.allocation, stock=promised.stock, lots=promised.lots, batches=promised.batches
    )


def _accepted(
    plant: Plant, caller: Caller, request: OrderInput, now: datetime, order_id: str | None = None
) -> CustomerOrder:
    """The order as the intake accepts it (named `order_id`, else a random id), or an OrderRejected naming the
    field."""
    found = _visible_product(plant, caller, request.product)
    customer = plant.customers.get(request.customer)
    if customer is None or customer.tenant != found.tenant:
        raise OrderRejected("customer", f"unknown customer {request.customer!r} of product {request.product!r}")
    configuration = _valid_configuration(plant, caller, request.product, request.options)
    raw = {
        "id": order_id or f"CO-{secrets.token_hex(8)}",
        "customer": request.customer,
        "product": request.product,
        "options": configuration,
        "quantity": request.quantity,
        "ordered_at": now.astimezone(UTC).isoformat(),
        "due_date": request.requested_date.isoformat(),
    }
    try:
        return accept(plant, raw)
    except FactoryosError as error:
        field = "requested_date" if "due_date" in str(error) else "order"
        raise OrderRejected(field, str(error).replace("due_date", "requested_date")) from None


def _replay(engine: Engine, caller: Caller, key: str, digest: str) -> Placed | None:
    """The first answer given to `key`, or None; a Conflict when the key was first used for another request
    (its `digest`)."""
    first = desk_store.first_answer(engine, caller.site, caller.tenant, key)
    return None if first is None else _again(key, digest, first)


def _again(key: str, digest: str, first: FirstAnswer) -> Placed:
    """The first answer to a retry of a request (its `digest`); a Conflict when the key was first used for another."""
    if first.request_hash != digest:
        raise Conflict(f"Idempotency-Key {key!r} was first used for a different order ({first.order_id})")
    return Placed(first.order_id, first.status, first.response, replayed=True)


def keep_rejected(engine: Engine, caller: Caller, raw: bytes, reason: str) -> None:
    """Keep an order the desk refused, with the reason, under the caller's tenant."""
    desk_store.keep_rejected(engine, _source(caller), reason, raw)


def _source(caller: Caller) -> str:
    return f"{desk_store.API_SOURCE}{caller.site}/{caller.tenant}/{caller.key_id}"


def rejected(
    engine: Engine, caller: Caller, limit: int, cursor: str | None = None
) -> tuple[list[DeadLetter], str | None]:
    """A page of the rejected orders the caller may see, newest first (a tenant's own at its plant's API; the
    owner's keys every tenant's there, and the imported files', no other plant's), from `cursor` (the previous
    page's); and the cursor of the next page, None on the last."""
    site = f"{desk_store.API_SOURCE}{caller.site}/"
    prefix = site if caller.owner else f"{site}{caller.tenant}/"
    if cursor is not None and not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
        raise _not_a_cursor()
    size = min(limit, MAX_PAGE)
    before = int(cursor) if cursor is not None else None
    letters = desk_store.rejected_from(engine, prefix, size + 1, files=caller.owner, before=before)
    return letters[:size], str(letters[size - 1].id) if len(letters) > size else None


def actor(caller: Caller) -> str:
    return f"{caller.tenant}/{caller.key_id} ({caller.role})"


# Reading and moving orders.


def get_order(engine: Engine, caller: Caller, order_id: str) -> CustomerOrder:
    order = None if "\x00" in order_id else desk_store.get_order(engine, order_id)  # PostgreSQL text holds no NUL
    if order is None or order.site != caller.site or not caller.sees(order.tenant):
        raise NotFound(f"no order {order_id!r}")
    return order


def list_orders(
    engine: Engine,
    caller: Caller,
    which: OrderFilter,
    cursor: str | None,
    limit: int,
) -> tuple[list[CustomerOrder], str | None]:
    """One page of the orders the caller sees, oldest first, and the cursor of the next page (None at the end)."""
    if not caller.owner:
        which = OrderFilter(
            caller.site, caller.tenant, which.state, which.product, which.ordered_from, which.ordered_to
        )
    limit = max(1, min(limit, MAX_PAGE))
    page = desk_store.page_orders(engine, which, decode_cursor(cursor) if cursor else None, limit + 1)
    if len(page) <= limit:
        return page, None
    last = page[limit - 1]
    return page[:limit], encode_cursor(last.ordered_at, last.id)


def encode_cursor(moment: datetime, order_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([moment.astimezone(UTC).isoformat(), order_id]).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        moment, order_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if "\x00" in str(order_id):
            raise ValueError("a NUL is in no order id")
        str(order_id).encode("utf-8")  # a lone surrogate is no order id a database can compare
        return datetime.fromisoformat(moment).astimezone(UTC), str(order_id)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeError):  # overflow: a moment near year 1
        raise _not_a_cursor() from None


def _not_a_cursor() -> OrderRejected:
    return OrderRejected("next", "not a cursor this API gave out; pass the `next` of the previous page", part="query")


def history(engine: Engine, caller: Caller, order_id: str) -> list[OrderChange]:
    get_order(engine, caller, order_id)
    return desk_store.order_changes(engine, order_id)


def cancel_order(engine: Engine, caller: Caller, order_id: str, reason: str, now: datetime) -> CustomerOrder:
    """Cancel an order not yet in production; the capacity it held is given back."""
    get_order(engine, caller, order_id)
    if not caller.can_order:
        raise Forbidden(f"a {caller.role} key cannot cancel orders")
    return _step(engine, caller, order_id, CustomerOrderState.CANCELLED, reason or "cancelled", now)


def move_order(
    engine: Engine, caller: Caller, order_id: str, to: CustomerOrderState, reason: str, now: datetime
) -> CustomerOrder:
    """Move an order one step along its lifecycle (ORDER_TRANSITIONS): the owner's planner only. An order is
    promised by the promise, with a date and the capacity it books: one the plant could not promise a date
    stays received rather than be marked promised without either."""
    order = get_order(engine, caller, order_id)
    if not caller.can_move:
        raise Forbidden(f"a {caller.role} key cannot move orders along their lifecycle")
    if to is CustomerOrderState.PROMISED and order.promised_date is None:
        raise Conflict(
            f"order {order_id} has no promised date (the plant could not promise it one; its history says why): "
            "it cannot be marked promised without one"
        )
    return _step(engine, caller, order_id, to, reason, now)


def _step(
    engine: Engine, caller: Caller, order_id: str, to: CustomerOrderState, reason: str, now: datetime
) -> CustomerOrder:
    """One step of the lifecycle, noted with who, when, from, to and why; a cancelled order's capacity and stock
    are freed under the locks that placing takes on them, so that cancels and placements at once on PostgreSQL
    neither deadlock nor lose each other's bookings."""
    locks: list[str] = []
    if to is CustomerOrderState.CANCELLED:
        site = get_order(engine, caller, order_id).site
        locks = write_locks(site, *desk_store.holdings(engine, order_id), ())
    with desk_store.writing(engine, locks) as session:
        record = desk_store.locked_order(session, order_id)
        assert record is not None
        return _move(session, record, to, actor(caller), reason, now)


def _move(
    session: Session,
    record: CustomerOrderRecord,
    to: CustomerOrderState,
    who: str,
    reason: str,
    now: datetime,
    units: set[str] | None = None,
    containment: Containment | None = None,
) -> CustomerOrder:
    """Move a locked order one step (a Conflict when the lifecycle does not allow it, or when it would ship with
    a held unit: of `units` when the floor says which they are, held as `containment` read them if it did) and
    note the change."""
    current = CustomerOrderState(record.state)
    if to not in ORDER_TRANSITIONS[current]:
        steps = ORDER_TRANSITIONS[current] - ({CustomerOrderState.PROMISED} if record.promised_date is None else set())
        allowed = ", ".join(sorted(s.value for s in steps))  # promised only by the promise, with a date
        if not allowed:
            raise Conflict(f"order {record.id} is {current.value}, a final state: it cannot go to {to.value}")
        raise Conflict(f"order {record.id} is {current.value}; it can go to {allowed}, not {to.value}")
    if to is CustomerOrderState.SHIPPED:
        try:
            check_shippable(session, record.id, units, containment)
        except HoldError as held:
            raise Conflict(str(held)) from None
    record.state = to.value
    if to is CustomerOrderState.CANCELLED:
        desk_store.release(session, record.id, record.site)
    desk_store.record_change(session, record.id, now, who, current, to, reason)
    session.flush()
    return as_order(record)


# What the floor reports.

FLOOR = "floor"
_ALONG = (
    CustomerOrderState.PROMISED,
    CustomerOrderState.RELEASED,
    CustomerOrderState.IN_PRODUCTION,
    CustomerOrderState.BUILT,
    CustomerOrderState.SHIPPED,
)


@dataclass(frozen=True)
class FloorUnit:
    """A finished unit as the floor reports it: its serial, the customer order it was built for, when it was
    built and when it shipped (None: not yet)."""

    serial: str
    order: str
    built: datetime
    shipped: datetime | None = None


@dataclass
class FloorAdvance:
    """What `follow_floor` did: the orders it moved into each state (a state's value -> order ids), the built
    orders a hold kept from shipping, and the orders it left alone (unknown, never promised, cancelled)."""

    moved: dict[str, list[str]] = field(default_factory=dict)
    held: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def then(self, later: FloorAdvance) -> FloorAdvance:
        """This advance followed by `later`: the orders each moved, held and left alone."""
        moved = {state: list(orders) for state, orders in self.moved.items()}
        for state, orders in later.moved.items():
            moved.setdefault(state, []).extend(orders)
        return FloorAdvance(moved, [*self.held, *later.held], [*self.skipped, *later.skipped])


def follow_floor(engine: Engine, units: Iterable[FloorUnit], who: str = FLOOR) -> FloorAdvance:
    """Move each customer order the floor reports units of as far along its lifecycle as they allow, a step at
    a time with an audit row each (at the floor's time), in one transaction: released and in production once
    a unit of it is built, built once all its units are, shipped once all of them shipped and no hold covers
    one. A unit a released hold scrapped does not count, nor one it sent to rework until it is built again
    after the release, so a built order short of units goes back into production. The same report again
    changes nothing. The demo calls it with what the twin's finished goods saw."""
    by_order: dict[str, list[FloorUnit]] = defaultdict(list)
    for unit in units:
        by_order[unit.order].append(unit)
    done = FloorAdvance()
    with desk_store.writing(engine) as session:
        containment = Containment.read(session.connection())
        fates = containment.fates({u.serial for group in by_order.values() for u in group})
        for order_id in sorted(by_order):
            record = desk_store.locked_order(session, order_id)
            if record is None or CustomerOrderState(record.state) not in _ALONG:
                done.skipped.append(order_id)
                continue
            state = CustomerOrderState(record.state)
            reported = by_order[order_id]
            good = [u for u in reported if _counts(u, fates.get(u.serial))]
            built = sorted(u.built for u in good)
            shipped = sorted(u.shipped for u in good if u.shipped is not None)
            quantity = record.quantity
            sent_back = [fates[u.serial] for u in reported if u.serial in fates and not _counts(u, fates[u.serial])]
            if state is CustomerOrderState.BUILT and len(built) < quantity and sent_back:
                why = ", ".join(f"hold #{h.id} {h.disposition}" for h in sent_back)
                when = max(h.released_at for h in sent_back if h.released_at is not None)
                reason = f"{FLOOR}: {len(built)} of {quantity} units good ({why})"
                _move(session, record, CustomerOrderState.IN_PRODUCTION, who, reason, when)
                done.moved.setdefault(CustomerOrderState.IN_PRODUCTION.value, []).append(order_id)
                continue
            first = (min(u.built for u in reported), f"{FLOOR}: a unit of it is built")
            steps = {CustomerOrderState.RELEASED: first, CustomerOrderState.IN_PRODUCTION: first}
            if len(built) >= quantity:
                steps[CustomerOrderState.BUILT] = (built[-1], f"{FLOOR}: all {quantity} units built")
            if len(shipped) >= quantity:
                steps[CustomerOrderState.SHIPPED] = (shipped[-1], f"{FLOOR}: all {quantity} units shipped")
            for to in _ALONG[_ALONG.index(state) + 1 :]:
                if to not in steps:
                    break
                at, reason = steps[to]
                try:
                    _move(session, record, to, who, reason, at, {u.serial for u in reported}, containment)
                except Conflict:
                    done.held.append(order_id)
                    break
                done.moved.setdefault(to.value, []).append(order_id)
    return done


def send_back(engine: Engine, hold: Hold, who: str = FLOOR) -> list[str]:
    """After `hold` is released to rework or scrap, send each built order with a unit in its scope back into
    production (it is short of that unit until one is built again), as `follow_floor` would at the floor's next
    report; shipped orders are recalls, outside the plant. Returns the orders sent back."""
    if hold.disposition not in (Disposition.REWORK, Disposition.SCRAP) or hold.released_at is None:
        return []
    orders = held_scope(engine, hold)["recall"]["orders"]
    built = [o for o in orders if o["state"] == CustomerOrderState.BUILT.value]
    sent = []
    with desk_store.writing(engine) as session:
        for order in built:
            record = desk_store.locked_order(session, order["order"])
            if record is None or record.state != CustomerOrderState.BUILT.value:
                continue
            units = ", ".join(order["serials"])
            reason = f"hold #{hold.id} released to {hold.disposition.value}: {units}"
            _move(session, record, CustomerOrderState.IN_PRODUCTION, who, reason, hold.released_at)
            sent.append(record.id)
    return sent


def _counts(unit: FloorUnit, decided: Hold | None) -> bool:
    """Whether a reported unit counts for its order after the hold that decided its fate (if any): not when
    scrapped, nor when sent to rework and not built again since."""
    if decided is None or decided.disposition is Disposition.USE:
        return True
    if decided.disposition is Disposition.SCRAP:
        return False
    return decided.released_at is not None and unit.built > decided.released_at


_NOT_STARTED = (CustomerOrderState.PROMISED, CustomerOrderState.RELEASED)


def follow_starts(engine: Engine, order_ids: Iterable[str], who: str = FLOOR) -> FloorAdvance:
    """Move each of the orders that is promised or released, and the floor has begun work for, into production
    (released first where it was promised), a step at a time with an audit row each at the time the first serial
    worked for it (a unit or one of its parts) began its first operation: a battery pack on the pack line is its
    car's work in progress, days before the car is built. The same report again changes nothing."""
    with genealogy.reading(engine) as connection:
        worked = genealogy.serials_worked_for(connection, order_ids)
        spans = genealogy.operations(connection, set().union(*worked.values()))
    first: dict[str, tuple[int, str]] = {}
    for span in spans:
        began = (span.start_us, span.operation)
        first[span.serial] = min(first.get(span.serial, began), began)
    begun = {
        order: min((*first[s], s) for s in serials if s in first)
        for order, serials in worked.items()
        if any(s in first for s in serials)
    }
    done = FloorAdvance()
    if not begun:
        return done
    with desk_store.writing(engine) as session:
        for order_id, (start_us, operation, serial) in sorted(begun.items()):
            record = desk_store.locked_order(session, order_id)
            if record is None or CustomerOrderState(record.state) not in _NOT_STARTED:
                done.skipped.append(order_id)
                continue
            reason = f"{FLOOR}: {serial} began {operation}"
            state = CustomerOrderState(record.state)
            for to in _ALONG[_ALONG.index(state) + 1 : _ALONG.index(CustomerOrderState.IN_PRODUCTION) + 1]:
                _move(session, record, to, who, reason, from_us(start_us))
                done.moved.setdefault(to.value, []).append(order_id)
    return done


def follow_stream(engine: Engine, plant: Plant, events: Iterable[Event]) -> FloorAdvance:
    """`follow_floor` from what the stored stream says: an order is in production once work for it begins
    (`follow_starts`), and a unit is built when it completes the last operation of its order's
    configured routing (named as the routing names it, or `material/operation` as the twin names it). Each
    order an operation among `events` may have moved on is followed with every unit the genealogy knows to be
    built for it. The stream says nothing of shipping: that step is the desk's."""
    finishing = _finishing_operations(plant)
    worked = [e.payload for e in events if e.kind is EventKind.OPERATION and e.payload.get("serial")]
    if not worked:
        return FloorAdvance()
    with genealogy.reading(engine) as connection:
        links = genealogy.order_links(connection, {w["serial"] for w in worked})
    waiting = {v.value for v in _NOT_STARTED}
    begun = {k.customer_order for k in links.values() if k.customer_order is not None and k.customer_state in waiting}
    started = follow_starts(engine, sorted(begun))
    finished: set[str | None] = {
        links[w["serial"]].customer_order
        for w in worked
        if w.get("phase") == "completed" and w.get("operation") in finishing
    }
    orders = sorted(o for o in finished if o)
    return started.then(_follow_completions(engine, plant, orders)) if orders else started


def _follow_completions(engine: Engine, plant: Plant, orders: Sequence[str]) -> FloorAdvance:
    """`follow_floor` with every unit built for `orders`, which completions on the floor may have finished."""
    with genealogy.reading(engine) as connection, Session(bind=connection) as session:
        query = select(CustomerOrderRecord).where(CustomerOrderRecord.id.in_(orders))
        found = [(record.id, _finish(plant, record)) for record in session.scalars(query)]
        finishes = {order: names for order, names in found if names is not None}
        of_order = genealogy.serials_of_orders(connection, finishes)
        ended = genealogy.completions(connection, set().union(*of_order.values()), set().union(*finishes.values()))
    units = []
    for order, names in sorted(finishes.items()):
        for serial in sorted(of_order[order]):
            ends = [ended[serial, name] for name in names if (serial, name) in ended]
            if ends:
                units.append(FloorUnit(serial, order, from_us(max(ends))))
    return follow_floor(engine, units)


def _finish(plant: Plant, record: CustomerOrderRecord) -> set[str] | None:
    """How the stream names the operation that finishes a unit of the order, as configured (None: a product the
    plant does not have)."""
    product = plant.products.get(record.product)
    if product is None:
        return None
    last = configured_operations(plant, product.material, record.configuration)[-1:]
    return _names(product.material, last)


def _finishing_operations(plant: Plant) -> set[str]:
    """The names of the operations that may end a product's routing in some configuration: its last operation
    that applies to all and every one after it."""
    names = set()
    for product in plant.products.values():
        routing = plant.routings.get(product.material)
        ops = routing.operations if routing else []
        always = max((k for k, op in enumerate(ops) if not op.when), default=0)
        names |= _names(product.material, ops[always:])
    return names


def _names(material: str, ops: Iterable[RoutingOperation]) -> set[str]:
    """How the stream may name `ops`: as the routing does, or `material/id` as the twin does."""
    return {name for op in ops for name in (op.id, f"{material}/{op.id}")}


# Generated orders, placed as a customer would place them.


def generate_orders(
    engine: Engine, count: int, seed: int, now: datetime, tenant: str | None = None, site: str | None = None
) -> list[Placed]:
    """Place `count` orders drawn from the plant's demand model (the products of `tenant`, or of every tenant),
    each through `submit_order`, so each is promised a date and has its history; requested dates keep the
    drawn lead times from today at the site."""
    if count < 1:
        raise FactoryosError(f"--count must be at least 1 (got {count})")
    plant = read_plant(engine, site)
    if tenant is not None and tenant not in plant.tenants:
        raise FactoryosError(f"--tenant: no tenant {tenant!r}; tenants: {', '.join(sorted(plant.tenants))}")
    owner = plant.owner()
    who = tenant or owner
    caller = Caller("generate", plant.site.id, who, "planner" if who == owner else "partner", who == owner)
    drawn = _drawn(plant, tenant, count, seed, now.astimezone(ZoneInfo(plant.site.timezone)).date())
    return [submit_order(engine, caller, request, now, lambda order, _: {"id": order.id}).result() for request in drawn]


def _drawn(plant: Plant, tenant: str | None, count: int, seed: int, today: date) -> list[OrderInput]:
    """`count` orders from the demand model: more days are drawn until there are enough."""
    if not any(p.demand and (tenant is None or p.tenant == tenant) for p in plant.products.values()):
        raise FactoryosError(f"no product of {tenant or 'the plant'} has demand to draw orders from")
    zone, days = ZoneInfo(plant.site.timezone), 7
    while True:
        drawn = [o for o in draw_orders(plant, today, days, seed) if tenant is None or o.tenant == tenant]
        if len(drawn) >= count or days > 3650:
            break
        days *= 2
    return [
        OrderInput(o.customer, o.product, o.configuration, o.quantity, today + (o.due_date - o.placed_on(zone)))
        for o in drawn[:count]
    ]
