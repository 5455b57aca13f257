"""Customer orders: import a JSON-lines file, generate a seeded stream, list the accepted and the rejected.

Importing is idempotent and loses nothing: every line becomes an order or a rejected order with its line
number, raw text and reason; an order already stored as it is, or a reject already kept, is not stored again.
Generating with the same seed, start and days as an earlier run adds nothing: it finds the same orders stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from factoryos.c2m.demand import generate_orders as draw_orders
from factoryos.c2m.intake import accept, decode_order_line, read_order_lines
from factoryos.model.errors import FactoryosError
from factoryos.model.files import read_bounded
from factoryos.model.orders import CustomerOrder
from factoryos.model.shift_times import site_day
from factoryos.store import orders as order_store
from factoryos.store.db import as_utc
from factoryos.store.orders import ImportOutcome, Received
from factoryos.store.plants import read_plant
from factoryos.store.tables import DeadLetter

MAX_FILE_BYTES = 256 * 1024 * 1024


def import_order_file(engine: Engine, file: Path, site: str | None = None) -> ImportOutcome:
    """Take every line of `file`: valid orders are stored, the others kept as rejected with the reason. A file
    in which no line is a JSON object is not a file of orders (a plant file given by mistake): it is refused
    whole, and nothing is kept."""
    content = read_bounded(file, MAX_FILE_BYTES, "file of orders")
    plant = read_plant(engine, site)
    name = str(file.resolve())
    received: list[Received] = []
    first_line: dict[str, int] = {}
    objects = 0
    for number, raw in read_order_lines(content):
        where = f"{name}:{number}"
        try:
            document = decode_order_line(raw)
            objects += 1
            order = accept(plant, document)
        except FactoryosError as error:
            received.append(Received(where, raw, None, str(error)))
            continue
        if order.id in first_line:
            reason = f"duplicate order id {order.id!r} (first on line {first_line[order.id]})"
            received.append(Received(where, raw, None, reason))
            continue
        first_line[order.id] = number
        received.append(Received(where, raw, order))
    if received and not objects:
        raise FactoryosError(
            f"{file}: none of its {len(received):,} lines is a JSON object (the first: {received[0].reason}): not a "
            "file of orders (JSON lines, one order per line); nothing imported"
        )
    return order_store.import_orders(engine, received)


@dataclass
class Generated:
    """What `generate_order_stream` did: the orders it stored, or that the same ones were already stored."""

    orders: list[CustomerOrder]
    site: str
    start: date
    days: int
    seed: int
    already_stored: bool


def generate_order_stream(
    engine: Engine, days: int, seed: int, start: date | None = None, site: str | None = None
) -> Generated:
    """Generate `days` of seeded orders from `start` (default the plant's first day: `Plant.first_day`) and store them;
    a repeat of an earlier run (same seed, start and days) finds its orders stored and adds nothing."""
    plant = read_plant(engine, site)
    first_day = start or plant.first_day()
    orders = draw_orders(plant, first_day, days, seed, first_number=order_store.next_order_number(engine))
    zone = ZoneInfo(plant.site.timezone)  # the stream's days are the site's
    begin, end = site_day(first_day, zone)[0], site_day(first_day + timedelta(days=days - 1), zone)[1]
    stored = order_store.content_keys(engine, plant.site.id, begin, end)
    wanted = order_store.content_counts(orders)
    repeat = bool(orders) and all(stored[key] >= count for key, count in wanted.items())
    if not repeat:
        order_store.save_orders(engine, orders)
    return Generated(orders, plant.site.id, first_day, days, seed, repeat)


# Listing orders needs no more than the store's queries; the edges take them from here, as every use case.
list_orders = order_store.list_orders
rejected_orders = order_store.rejected_orders


def order_item(order: CustomerOrder) -> dict[str, Any]:
    """An accepted order as JSON."""
    return {
        "id": order.id,
        "site": order.site,
        "tenant": order.tenant,
        "customer": order.customer,
        "product": order.product,
        "configuration": order.configuration,
        "quantity": order.quantity,
        "ordered_at": order.ordered_at.isoformat(),
        "due": order.due_date.isoformat(),
        "promised": order.promised_date.isoformat() if order.promised_date else None,
        "state": order.state.value,
    }


def rejected_item(letter: DeadLetter) -> dict[str, Any]:
    """A rejected order as JSON: the file and line it came from (when it came from a file), why, the raw text."""
    file, _, line = letter.source.rpartition(":")
    from_file = bool(file) and line.isdigit()
    return {
        "file": file if from_file else None,
        "line": int(line) if from_file else None,
        "source": letter.source,
        "reason": letter.reason,
        "raw": bytes(letter.raw).decode("utf-8", errors="backslashreplace"),
        "received_at": as_utc(letter.received_at).isoformat(),
    }
