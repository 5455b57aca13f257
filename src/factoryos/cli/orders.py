"""`factoryos orders generate|import|promise|list|rejected`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from factoryos.cli.common import (
    DbOption,
    JsonOption,
    LimitOption,
    SiteOption,
    console,
    listing_size,
    on_clock,
    open_store,
    parse_day,
    print_items,
)
from factoryos.model.errors import FactoryosError
from factoryos.report.wording import counted

app = typer.Typer(
    help="Customer orders: generate a realistic stream, import, promise, list, see the rejected.",
    no_args_is_help=True,
)
STREAM_DAYS = 30
"""Days of orders a seeded stream has unless --days says."""


@app.command()
def generate(
    days: Annotated[int | None, typer.Option(help="Days of orders to generate (default 30).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same orders.")] = 1,
    start: Annotated[
        str | None,
        typer.Option(
            help="First day (YYYY-MM-DD); default the plant's first day (the later of its ramp-up start and as_of)."
        ),
    ] = None,
    site: SiteOption = None,
    tenant: Annotated[str | None, typer.Option(help="With --count: only this tenant's products.")] = None,
    count: Annotated[
        int | None, typer.Option(help="Place this many orders now, as the API does (each promised a date).", min=1)
    ] = None,
    db: DbOption = None,
) -> None:
    """Generate a seeded stream of configured customer orders for the loaded plant and store it.

    Running it again with the same seed, start and days adds nothing (the same orders are already stored);
    a different seed adds more demand. With --count, N orders are placed now through the order desk."""
    from factoryos.services.orders import generate_order_stream

    if count is not None or tenant is not None:
        if days is not None or start is not None:
            raise FactoryosError(
                "--count places orders now, through the order desk: --days and --start are the stream's"
            )
        _place_generated(count, seed, tenant, site, db)
        return
    days = STREAM_DAYS if days is None else days
    result = generate_order_stream(open_store(db), days, seed, parse_day(start) if start else None, site)
    units = sum(o.quantity for o in result.orders)
    what = (
        f"{counted(len(result.orders), 'order')} ({counted(units, 'unit')}) for {result.site}, {result.start} + "
        f"{counted(days, 'day')}, seed {seed}"
    )
    if result.already_stored:
        console.print(f"nothing added: the {what} are already stored (use another --seed for more demand)")
    else:
        console.print(f"generated {what}, stored as received: `factoryos orders promise` promises them")


def _place_generated(count: int | None, seed: int, tenant: str | None, site: str | None, db: str | None) -> None:
    from datetime import UTC, datetime

    from factoryos.services.order_desk import generate_orders

    if count is None:
        raise FactoryosError("--tenant goes with --count N: how many orders to place")
    placed = generate_orders(open_store(db), count, seed, datetime.now(UTC), tenant, site)
    console.print(f"placed {counted(len(placed), 'order')}{f' for {tenant}' if tenant else ''}, each promised a date")


@app.command("import")
def import_orders(
    file: Annotated[Path, typer.Argument(help="JSON lines, one order per line (see the README, Orders).")],
    site: SiteOption = None,
    db: DbOption = None,
) -> None:
    """Take orders from a file: valid ones are stored, invalid ones are kept as rejected with the reason.

    Importing the same file again changes nothing."""
    from factoryos.services.orders import import_order_file

    if file.is_dir():
        raise FactoryosError(f"{file}: a folder; give the file of orders in it")
    outcome = import_order_file(open_store(db), file, site)
    for reject in outcome.rejected:
        where = escape(_relative(reject.source))
        console.print(f"[yellow]rejected[/] {where}: {escape(reject.reason)}", highlight=False)
    console.print(
        f"accepted {counted(len(outcome.added), 'order')}, rejected {len(outcome.rejected):,}"
        + (f"; already stored: {counted(len(outcome.unchanged), 'order')}" if outcome.unchanged else "")
        + (f", {counted(len(outcome.already_rejected), 'reject')}" if outcome.already_rejected else "")
    )
    if outcome.added:
        console.print("stored as received: `factoryos orders promise` promises them")


@app.command()
def promise(site: SiteOption = None, as_json: JsonOption = False, db: DbOption = None) -> None:
    """Promise the orders stored as received (imported, generated as a stream), as the order desk would have.

    In the order they came, each from its arrival (or now, if later), on the capacity and bought material that
    the promised orders and those before it left. An order without a date in the horizon stays received."""
    from collections import Counter
    from datetime import UTC, datetime

    from factoryos.report.promises import bound_by
    from factoryos.services.order_desk import promise_received

    done = promise_received(open_store(db), datetime.now(UTC), site)
    dated = [(order, quote) for order, quote in done.quotes if quote.promised is not None]
    if as_json:
        answers = [(o, q.promised, q.constraint if q.promised else None, q.explanation) for o, q in done.quotes]
        answers += [(o, None, None, why) for o, why in done.unfit]
        print_items(
            [
                {
                    "id": o.id,
                    "requested_date": o.due_date.isoformat(),
                    "promised_date": promised.isoformat() if promised else None,
                    "bound_by": bound,
                    "why": why,
                }
                for o, promised, bound, why in answers
            ]
        )
        return
    if not done.quotes and not done.unfit:
        console.print("no order is waiting for a promise")
        return
    late = sum(1 for o, q in dated if q.promised is not None and q.promised > o.due_date)
    console.print(
        f"promised {counted(len(dated), 'order')} of {len(done.quotes) + len(done.unfit):,} received "
        f"({counted(sum(o.quantity for o, _ in dated), 'unit')}); {late:,} after the requested date"
    )
    for bound, n in Counter(bound_by(q.constraint) for _, q in dated).most_common(5):
        console.print(f"  bound by {escape(bound)}: {counted(n, 'order')}", highlight=False)
    undated = [(o, q) for o, q in done.quotes if q.promised is None]
    if undated:
        console.print(f"[yellow]{counted(len(undated), 'order')} without a date in the horizon[/], still received:")
        for order, quote in undated[:5]:
            console.print(f"  {order.id}: {escape(quote.explanation)}", highlight=False)
    if done.unfit:
        console.print(f"[yellow]{counted(len(done.unfit), 'order')} the plant no longer fits[/], still received:")
        for order, why in done.unfit[:5]:
            console.print(f"  {order.id}: {escape(why)}", highlight=False)


@app.command("list")
def list_(
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's orders.")] = None,
    limit: LimitOption = None,
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List customer orders, oldest first, their times on their site's clock."""
    from factoryos.services.orders import list_orders, order_item
    from factoryos.services.plants import site_clocks

    engine = open_store(db, create=False)
    orders = list_orders(engine, site=site, product=product, tenant=tenant, limit=listing_size(limit, as_json))
    if as_json:
        print_items([order_item(o) for o in orders])
        return
    clocks = site_clocks(engine)
    columns = ("order", "ordered", "requested", "promised", "customer", "product", "qty", "configuration")
    table = Table(*columns, "state")
    for o in orders:
        table.add_row(
            o.id,
            on_clock(o.ordered_at, clocks[o.site]),
            str(o.due_date),
            str(o.promised_date or "-"),
            o.customer,
            o.product,
            str(o.quantity),
            " ".join(o.configuration.values()),
            o.state.value,
        )
    console.print(table)


@app.command()
def rejected(limit: LimitOption = None, as_json: JsonOption = False, db: DbOption = None) -> None:
    """List rejected orders with the file and line they came from, the reason and the raw text, newest first."""
    from factoryos.services.orders import rejected_item, rejected_orders

    items = [rejected_item(r) for r in rejected_orders(open_store(db, create=False), listing_size(limit, as_json))]
    if as_json:
        print_items(items)
        return
    table = Table("received (UTC)", "where", "reason", "order")
    table.columns[1].no_wrap = True
    for item in items:
        shown = repr(item["raw"][:80])[1:-1]  # control characters as escapes, not raw bytes on the terminal
        table.add_row(item["received_at"][:19], Text(_relative(item["source"])), Text(item["reason"]), Text(shown))
    console.print(table)


def _relative(source: str) -> str:
    """A file's path relative to the working folder when it lies below it (stored absolute, to be idempotent)."""
    file, _, line = source.rpartition(":")
    if not file or not Path(file).is_absolute():
        return source
    try:
        return f"{Path(file).relative_to(Path.cwd())}:{line}"
    except ValueError:
        return source
