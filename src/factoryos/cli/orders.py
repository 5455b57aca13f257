"""`factoryos orders generate|import|list|rejected`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from factoryos.cli.common import DbOption, console, open_store
from factoryos.model.errors import FactoryosError

app = typer.Typer(
    help="Customer orders: generate a realistic stream, import, list, see the rejected.", no_args_is_help=True
)
SiteOption = Annotated[str | None, typer.Option(help="Which plant, when several are loaded.")]


@app.command()
def generate(
    days: Annotated[int, typer.Option(help="Days of orders to generate.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same orders.")] = 1,
    start: Annotated[
        str | None, typer.Option(help="First day (YYYY-MM-DD); default the ramp-up start or today.")
    ] = None,
    site: SiteOption = None,
    db: DbOption = None,
) -> None:
    """Generate a seeded stream of configured customer orders for the loaded plant and store it."""
    from factoryos.c2m.demand import generate_orders
    from factoryos.store.orders import next_order_number, save_orders
    from factoryos.store.plants import read_plant

    engine = open_store(db)
    plant = read_plant(engine, site)
    first_day = _parse_day(start) if start else (plant.ramp_up.start if plant.ramp_up else date.today())
    orders = generate_orders(plant, first_day, days, seed, first_number=next_order_number(engine))
    save_orders(engine, orders)
    console.print(
        f"generated {len(orders):,} orders ({sum(o.quantity for o in orders):,} units) for {plant.site.id}, "
        f"{first_day} + {days} days, seed {seed}"
    )


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FactoryosError(f"--start: expected a date like 2027-01-04, got {text!r}") from None


@app.command("import")
def import_orders(
    file: Annotated[Path, typer.Argument(help="JSON lines, one order per line.")],
    site: SiteOption = None,
    db: DbOption = None,
) -> None:
    """Take orders from a file: valid ones are stored, invalid ones are kept as rejected with the reason."""
    from factoryos.c2m.intake import accept
    from factoryos.store.db import transaction
    from factoryos.store.orders import reject_order, save_orders
    from factoryos.store.plants import read_plant

    if not file.is_file():
        raise FactoryosError(f"{file}: no such file")
    engine = open_store(db)
    plant = read_plant(engine, site)
    accepted = []
    with transaction(engine) as session:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{file}:{number}"
            try:
                raw = json.loads(line)
                if not isinstance(raw, dict):
                    raise FactoryosError("expected a JSON object")
                accepted.append(accept(plant, raw))
            except (json.JSONDecodeError, FactoryosError) as error:
                reject_order(session, where, str(error), {"line": line})
                console.print(f"[yellow]rejected[/] {where}: {error}", highlight=False)
    save_orders(engine, accepted)
    console.print(f"accepted {len(accepted)} orders")


@app.command("list")
def list_(
    product: Annotated[str | None, typer.Option(help="Only this product.")] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's orders.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 20,
    site: SiteOption = None,
    db: DbOption = None,
) -> None:
    """List customer orders, oldest first."""
    from factoryos.store.orders import list_orders

    orders = list_orders(open_store(db), site=site, product=product, tenant=tenant, limit=limit)
    table = Table("order", "ordered", "due", "customer", "product", "qty", "configuration", "state")
    for o in orders:
        table.add_row(
            o.id,
            f"{o.ordered_at:%Y-%m-%d %H:%M}",
            str(o.due_date),
            o.customer,
            o.product,
            str(o.quantity),
            " ".join(o.configuration.values()),
            o.state.value,
        )
    console.print(table)


@app.command()
def rejected(
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 20,
    db: DbOption = None,
) -> None:
    """List rejected orders with the reason, newest first."""
    from sqlalchemy.orm import Session

    from factoryos.store.events import dead_letters
    from factoryos.store.orders import ORDER_CHANNEL

    with Session(open_store(db)) as session:
        letters = dead_letters(session, ORDER_CHANNEL, limit)
        table = Table("received", "where", "reason", "order")
        for letter in letters:
            table.add_row(
                f"{letter.received_at:%Y-%m-%d %H:%M:%S}",
                letter.source,
                letter.reason,
                letter.raw.decode(errors="replace")[:80],
            )
    console.print(table)
