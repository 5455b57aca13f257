"""`factoryos forecast`: units per product and day over the horizon, with intervals, and the option mix."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from factoryos.cli.common import (
    DbOption,
    HorizonDaysOption,
    JsonOption,
    SiteOption,
    console,
    open_store,
    parse_day,
)
from factoryos.report.wording import counted

if TYPE_CHECKING:
    from factoryos.services.forecast import History

HistoryPlantOption = Annotated[
    Path | None, typer.Option("--plant", help="Plant file: a generated year of its orders instead of the stored ones.")
]
HistoryStartOption = Annotated[
    str | None, typer.Option(help="First day of the horizon (YYYY-MM-DD); default the day after the last order.")
]


def history(
    file: Path | None, start: str | None, site: str | None, db: str | None, to_forecast: bool = True
) -> History:
    """The order history a plant file's generated year gives, or the store's (`--plant`, `--start`, `--site`,
    `--db`: forecast and mps read theirs alike; `to_forecast`: long enough to forecast from)."""
    from factoryos.model.validate import load_plant
    from factoryos.services.forecast import generated_history, stored_history

    first_day = parse_day(start) if start else None
    if file is not None:
        return generated_history(load_plant(file), first_day)
    return stored_history(open_store(db, create=False), first_day, site, to_forecast)


def forecast(
    file: HistoryPlantOption = None,
    horizon_days: HorizonDaysOption = 56,
    start: HistoryStartOption = None,
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Forecast demand per product and day and the option attach rates, each model chosen by a backtest.

    Without --plant: the loaded plant's stored orders (a generated year if there are none)."""
    from factoryos.services.forecast import forecast_document, forecast_history

    run = forecast_history(history(file, start, site, db), horizon_days)
    document = forecast_document(run)
    if as_json:
        typer.echo(json.dumps(document))
        return
    last = run.forecast.start + timedelta(days=horizon_days - 1)
    source = f"{run.history.source} order"
    table = Table(
        "product",
        "model",
        "backtest WAPE",
        "units",
        f"{run.forecast.level:g} % interval per day",
        "net of firm orders",
        title=f"forecast {run.forecast.start} .. {last} from {counted(len(run.history.orders), source)}",
    )
    for item in document["products"]:
        days = item["days"]
        wape = item["backtest_wape"].get(item["model"])
        table.add_row(
            item["product"],
            item["model"] + (" (intermittent)" if item["intermittent"] else ""),
            f"{wape:.1%}" if wape is not None else "-",
            f"{sum(d['units'] for d in days):,.0f}",
            f"{min(d['lower'] for d in days):,.1f} .. {max(d['upper'] for d in days):,.1f}",
            f"{sum(d['net_units'] for d in days):,.0f}",
        )
    console.print(table)
    for item in document["products"]:
        if item["warning"]:
            console.print(f"warning: {item['product']}: {item['warning']}")
    if not document["attach_rates"]:
        console.print("no options: the products are built in one configuration")
        return
    mix = Table("product", "family", "option", "share", "a day's share", title="option attach rates")
    for rate in document["attach_rates"]:
        mix.add_row(
            rate["product"],
            rate["family"],
            rate["option"],
            f"{rate['share']:.1%}",
            f"{rate['lower']:.0%} .. {rate['upper']:.0%}",
        )
    console.print(mix)
