"""Plants: check a plant file, load it into the database, and read the loaded plant back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from factoryos.c2m.intake import misfit
from factoryos.model.orders import UNBUILT_STATES, CustomerOrder
from factoryos.model.plant import OpenPurchaseOrder, Plant
from factoryos.model.validate import PlantIssue, check_plant_file, load_plant
from factoryos.store.orders import list_orders
from factoryos.store.plans import StoredPurchaseOrder, list_purchase_orders
from factoryos.store.plants import LoadSummary, read_plant, site_timezones, store_plant


def check_plant(path: Path) -> tuple[Plant | None, list[PlantIssue]]:
    """The plant in a file, or every issue with it (file, line, path, what was expected)."""
    return check_plant_file(path)


@dataclass(frozen=True)
class PlantLoad:
    """What loading a plant changed, and the orders still to be built that the plant as loaded no longer fits,
    each with why (`misfits`): the planner's to cancel, or to take up with the customer."""

    summary: LoadSummary
    misfits: list[tuple[CustomerOrder, str]] = field(default_factory=list)


def load_plant_file(path: Path, open_engine: Callable[[], Engine]) -> PlantLoad:
    """Validate a plant file and load it in one transaction; loading again updates, never duplicates. The
    database is opened (`open_engine`) only once the file is valid, so a bad file creates no database."""
    plant = load_plant(path)
    engine = open_engine()
    summary = store_plant(engine, plant, str(path))
    if not summary.changed:
        return PlantLoad(summary)
    return PlantLoad(summary, misfit_orders(plant, list_orders(engine, site=plant.site.id)))


def misfit_orders(plant: Plant, orders: Iterable[CustomerOrder]) -> list[tuple[CustomerOrder, str]]:
    """The orders still to be built that `plant` no longer fits, with why (judged once per kind of order)."""
    reasons: dict[tuple, str | None] = {}
    found = []
    for order in orders:
        if order.state not in UNBUILT_STATES:
            continue
        kind = (order.customer, order.product, tuple(sorted(order.configuration.items())))
        if kind not in reasons:
            reasons[kind] = misfit(plant, order)
        reason = reasons[kind]
        if reason:
            found.append((order, reason))
    return found


def loaded_plant(engine: Engine, site: str | None = None) -> Plant:
    """The plant stored in the database (the only one when `site` is not given)."""
    return read_plant(engine, site)


def site_clocks(engine: Engine) -> dict[str, ZoneInfo]:
    """Each loaded site's clock, to show its orders' and floor's times as its people read them."""
    return {site: ZoneInfo(name) for site, name in site_timezones(engine).items()}


def floor_clock(engine: Engine, site: str | None = None) -> ZoneInfo:
    """The clock to show floor records on: `site`'s where named and loaded, else (a serial's or a hold's times
    carry no site) the loaded plant's; UTC when no plant, or several, are loaded."""
    clocks = site_clocks(engine)
    if site in clocks:
        return clocks[site]
    return next(iter(clocks.values())) if len(clocks) == 1 else ZoneInfo("UTC")


def plant_on_order(engine: Engine, site: str | None = None) -> Plant:
    """The loaded plant with the purchase orders released from its plans beside its file's own (`on_order`)."""
    return with_released_orders(engine, read_plant(engine, site))


def with_released_orders(engine: Engine, plant: Plant) -> Plant:
    """`plant` with the open purchase orders released from its site's plans among its own (`on_order`)."""
    return on_order(plant, list_purchase_orders(engine, plant.site.id, state="open"))


def on_order(plant: Plant, released: Sequence[StoredPurchaseOrder]) -> Plant:
    """The plant with the open purchase orders `released` from its plans (`plan release`) among its own: what
    the promise and MRP both count as on its way, so that neither buys again what the other has ordered. An
    order of a material or from a supplier the plant no longer has (it was loaded again without) is left out."""
    known = [
        OpenPurchaseOrder(id=o.id, supplier=o.supplier, material=o.material, quantity=o.quantity, due=o.due)
        for o in released
        if o.material in plant.materials and o.supplier in plant.suppliers
    ]
    return plant.model_copy(update={"purchase_orders": [*plant.purchase_orders, *known]}) if known else plant


def plant_document(plant: Plant) -> dict[str, Any]:
    """The whole plant as JSON, as its file has it after validation (defaults filled in)."""
    return plant.model_dump(mode="json")
