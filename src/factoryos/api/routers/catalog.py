"""Products, the configurator (check, complete) and promises for a configuration without an order."""

from __future__ import annotations

from fastapi import APIRouter

from factoryos.api.deps import ERRORS, NOT_FOUND, Database, Now, Who
from factoryos.api.schemas import (
    CheckOut,
    CompletionOut,
    ConfigurationIn,
    ProductOut,
    ProductPage,
    PromiseAnswer,
    PromiseIn,
    PromiseOut,
    summary,
)
from factoryos.api.strict_json import StrictJsonRoute
from factoryos.services import order_desk
from factoryos.services.order_desk import OrderInput

router = APIRouter(responses=ERRORS, route_class=StrictJsonRoute)


@router.get("/products", response_model=ProductPage, tags=["products"], summary="The products this key may order")
def list_products(who: Who, database: Database) -> ProductPage:
    plant = order_desk.desk(database, who.site).plant
    return ProductPage(items=[summary(pid, p) for pid, p in order_desk.products(plant, who).items()])


@router.get("/products/{product_id}", response_model=ProductOut, responses=NOT_FOUND, tags=["products"])
def get_product(product_id: str, who: Who, database: Database) -> ProductOut:
    """A product's option families, options with prices, and rules."""
    plant = order_desk.desk(database, who.site).plant
    return ProductOut.of(product_id, order_desk.product(plant, who, product_id))


@router.post("/configurations/check", response_model=CheckOut, tags=["configurations"])
def check_configuration(body: ConfigurationIn, who: Who, database: Database) -> CheckOut:
    """The rules a (partial) configuration breaks, in the product's words, and per family what can still be
    chosen and why the other options cannot (what a configurator screen greys out)."""
    plant = order_desk.desk(database, who.site).plant
    check, families = order_desk.check_configuration(plant, who, body.product, body.options)
    return CheckOut.of(check, families)


@router.post("/configurations/complete", response_model=CompletionOut, tags=["configurations"])
def complete_configuration(body: ConfigurationIn, who: Who, database: Database) -> CompletionOut:
    """Complete a partial configuration (defaults, then the cheapest valid option), priced; 422 naming the
    rules in conflict when none exists."""
    plant = order_desk.desk(database, who.site).plant
    return CompletionOut.of(order_desk.complete_configuration(plant, who, body.product, body.options))


@router.post("/promise", response_model=PromiseAnswer, tags=["promises"])
def promise(body: PromiseIn, who: Who, database: Database, now: Now) -> PromiseAnswer:
    """The date the plant would promise this configuration and quantity now, without placing an order
    (capacity and material: see `basis`, and `constraint` for what binds it)."""
    plant = order_desk.desk(database, who.site).plant
    completion = order_desk.complete_configuration(plant, who, body.product, body.options)
    configuration = completion.configuration or {}
    request = OrderInput("", body.product, configuration, body.quantity, body.requested_date or now.date())
    quote = order_desk.promise(database, who, request, now)
    return PromiseAnswer(
        product=body.product,
        configuration=configuration,
        quantity=body.quantity,
        promise=PromiseOut.model_validate(quote),
    )
