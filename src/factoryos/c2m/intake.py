"""Order intake: a configured order is checked against the plant before it may drive the factory.

A rejected order is not lost: the caller keeps it as a dead letter with the reason, so sales can see it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from factoryos.model.configuration import configure
from factoryos.model.errors import FactoryosError
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant


class OrderRequest(BaseModel):
    """An order as a customer or partner system sends it."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=32)
    customer: str
    product: str
    options: dict[str, str] = Field(default_factory=dict)
    quantity: int = Field(gt=0)
    ordered_at: datetime
    due_date: date


def accept(plant: Plant, raw: dict[str, Any]) -> CustomerOrder:
    """A valid CustomerOrder, or a FactoryosError saying what is wrong with the request."""
    try:
        request = OrderRequest.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "order"
        raise FactoryosError(f"{where}: {first['msg']}") from None
    product = plant.products.get(request.product)
    if product is None:
        raise FactoryosError(f"product: unknown product {request.product!r}; expected one of {sorted(plant.products)}")
    customer = plant.customers.get(request.customer)
    if customer is None:
        raise FactoryosError(f"customer: unknown customer {request.customer!r}")
    if customer.tenant != product.tenant:
        raise FactoryosError(
            f"customer {request.customer!r} belongs to tenant {customer.tenant!r}, "
            f"but product {request.product!r} belongs to {product.tenant!r}"
        )
    ordered_at = request.ordered_at if request.ordered_at.tzinfo else request.ordered_at.replace(tzinfo=UTC)
    if request.due_date < ordered_at.date():
        raise FactoryosError(f"due_date {request.due_date} is before the order date {ordered_at.date()}")
    try:
        configuration = configure(product, request.options)
    except FactoryosError as error:
        raise FactoryosError(f"options: {error}") from None
    return CustomerOrder(
        id=request.id,
        site=plant.site.id,
        tenant=product.tenant,
        customer=request.customer,
        product=request.product,
        configuration=configuration,
        quantity=request.quantity,
        ordered_at=ordered_at.astimezone(UTC),
        due_date=request.due_date,
    )
