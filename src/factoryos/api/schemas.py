"""What goes over the wire: request and response bodies, validated with pydantic at the edge."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from datetime import date as Date
from typing import Annotated, Any

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    field_validator,
)

from factoryos.c2m.configurator import Check, Completion, FamilyOptions
from factoryos.c2m.promise import Quote
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.plant import Product
from factoryos.store.order_desk import OrderChange

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64)]
Reason = Annotated[str, StringConstraints(max_length=500, pattern=r"^[^\x00]*$")]
Options = Annotated[dict[Id, Id], Field(max_length=100, description="Option family -> chosen option.")]
Quantity = Annotated[StrictInt, Field(gt=0, le=100_000)]


def _calendar_day(value: Any) -> Any:
    """A day as `YYYY-MM-DD` alone: pydantic would also read a date-time at midnight (in any zone) or a count
    of seconds as a day, which a customer did not mean as one."""
    if not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_calendar_day)]


class Strict(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Error(BaseModel):
    """Why a request was refused."""

    detail: str


class OrderIn(Strict):
    """An order: a product in a configuration (families left out take their default, or the cheapest valid
    option), a quantity, the customer (of the product's tenant) and the date the customer asks for."""

    customer: Id
    product: Id
    options: Options = Field(default_factory=dict)
    quantity: Quantity
    requested_date: Day


class PromiseIn(Strict):
    """A configuration and quantity to promise a date for, without placing an order: for the day the customer
    would ask for (`requested_date`), or as soon as possible."""

    product: Id
    options: Options = Field(default_factory=dict)
    quantity: Quantity = 1
    requested_date: Day | None = None


class ConfigurationIn(Strict):
    """A product and a (possibly partial) configuration: option family -> option."""

    product: Id
    options: Options = Field(default_factory=dict)


class CancelIn(Strict):
    """Why the order is cancelled (kept in its history)."""

    reason: Reason = ""


class StepIn(Strict):
    """The state to move an order to (one step of its lifecycle) and why."""

    state: CustomerOrderState
    reason: Reason = ""


class FromDomain(BaseModel):
    """A response body read from a domain object's attributes of the same names (or a field's other name)."""

    model_config = ConfigDict(from_attributes=True)


class PromiseOut(FromDomain):
    """A promised date (null when nothing fits within the horizon), the earliest day the plant could build the
    order (the promised date unless a later one was asked for), the binding constraint (a work center's capacity,
    a bought material's supplier lead time, or the requested date), the constrained work center, why, and the
    basis."""

    date: Annotated[date | None, Field(validation_alias=AliasChoices("date", "promised"))]
    earliest: Date | None = None  # `date` is the field above
    constraint: str
    work_center: str
    minutes: float
    explanation: str
    basis: str

    @field_validator("minutes")
    @classmethod
    def _to_the_thousandth(cls, minutes: float) -> float:
        return round(minutes, 3)


class OrderOut(FromDomain):
    """A customer order: what was ordered, when, the requested and promised dates, and where it stands."""

    id: str
    tenant: str
    customer: str
    product: str
    configuration: dict[str, str]
    quantity: int
    ordered_at: datetime
    requested_date: date = Field(validation_alias=AliasChoices("requested_date", "due_date"))
    promised_date: date | None
    state: CustomerOrderState
    promise: PromiseOut | None = Field(None, description="The promise as made when the order was placed.")

    @classmethod
    def of(cls, order: CustomerOrder, quote: Quote | None = None) -> OrderOut:
        out = cls.model_validate(order)
        out.promise = PromiseOut.model_validate(quote) if quote else None
        return out


class OrderPage(BaseModel):
    """One page of orders, oldest first."""

    items: list[OrderOut]
    next: str | None = Field(description="Pass as `next` for the following page; null on the last page.")


class ChangeOut(BaseModel):
    """One change of an order's state: who, when, from, to, why."""

    at: datetime
    who: str
    from_state: str | None = Field(alias="from")
    to: str
    why: str

    model_config = ConfigDict(populate_by_name=True)

    @classmethod
    def of(cls, change: OrderChange) -> ChangeOut:
        return cls.model_validate(
            {
                "at": change.at,
                "who": change.actor,
                "from": change.from_state,
                "to": change.to_state,
                "why": change.reason,
            }
        )


class History(BaseModel):
    """An order's changes of state, oldest first."""

    items: list[ChangeOut]


class RejectedOut(FromDomain):
    """A refused order: where it came from, why, and the body as received."""

    source: str
    reason: str
    raw: str
    received_at: datetime

    @field_validator("raw", mode="before")
    @classmethod
    def _as_text(cls, raw: object) -> object:
        return bytes(raw).decode("utf-8", errors="backslashreplace") if isinstance(raw, bytes | memoryview) else raw

    @field_validator("received_at")
    @classmethod
    def _in_utc(cls, moment: datetime) -> datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class RejectedPage(BaseModel):
    """One page of refused orders, newest first."""

    items: list[RejectedOut]
    next: str | None = Field(description="Pass as `next` for the following page; null on the last page.")


class ViolationOut(FromDomain):
    """A broken rule (`rule`: its index in the product's rules; null for an unknown family or option)."""

    rule: int | None
    families: list[str]
    message: str


class UnavailableOut(FromDomain):
    """A greyed-out option, the rules that rule it out, and why."""

    option: str
    rules: list[int]
    message: str


class FamilyOut(FromDomain):
    """One family on a configurator screen: the choice, what can still be chosen, what is greyed out and why."""

    family: str
    chosen: str | None
    selectable: list[str]
    unavailable: list[UnavailableOut]


class CheckOut(BaseModel):
    """What the configurator says of a (partial) configuration."""

    valid: bool = Field(description="Complete and breaking no rule.")
    consistent: bool = Field(description="The choices so far break no rule.")
    open_families: list[str]
    violations: list[ViolationOut]
    families: list[FamilyOut]

    @classmethod
    def of(cls, check: Check, families: dict[str, FamilyOptions]) -> CheckOut:
        return cls(
            valid=check.valid,
            consistent=check.consistent,
            open_families=list(check.open_families),
            violations=[ViolationOut.model_validate(v) for v in check.violations],
            families=[FamilyOut.model_validate(f) for f in families.values()],
        )


class CompletionOut(BaseModel):
    """A completed configuration and its price (the sum of its options' prices)."""

    configuration: dict[str, str]
    price: float
    chosen_by: dict[str, str] = Field(description="Per family: customer, default or cheapest.")

    @classmethod
    def of(cls, completion: Completion) -> CompletionOut:
        return cls(
            configuration=completion.configuration or {},
            price=completion.price or 0.0,
            chosen_by=completion.chosen_by,
        )


class PromiseAnswer(BaseModel):
    """The date the plant would promise a configuration and quantity now."""

    product: str
    configuration: dict[str, str]
    quantity: int
    promise: PromiseOut


class ProductSummary(BaseModel):
    """A product: its id, name and the tenant that sells it."""

    id: str
    name: str
    tenant: str


class ProductPage(BaseModel):
    """The products a key may order."""

    items: list[ProductSummary]


class OptionOut(BaseModel):
    """One option of a family, with its price."""

    id: str
    name: str
    price: float


class FamilyDefinition(BaseModel):
    """An option family: its options and default (null: the customer must choose)."""

    id: str
    name: str
    default: str | None
    options: list[OptionOut]


class RuleOut(BaseModel):
    """If a configuration matches `when`, it must match `requires` and must not match `excludes`."""

    index: int
    when: dict[str, list[str]]
    requires: dict[str, list[str]] | None
    excludes: dict[str, list[str]] | None
    note: str


class ProductOut(ProductSummary):
    """A product with its option families, options, prices and rules."""

    families: list[FamilyDefinition]
    rules: list[RuleOut]

    @classmethod
    def of(cls, product_id: str, product: Product) -> ProductOut:
        return cls(
            id=product_id,
            name=product.name or product_id,
            tenant=product.tenant,
            families=[
                FamilyDefinition(
                    id=fid,
                    name=family.name or fid,
                    default=family.default,
                    options=[OptionOut(id=oid, name=o.name or oid, price=o.price) for oid, o in family.options.items()],
                )
                for fid, family in product.option_families.items()
            ],
            rules=[
                RuleOut(index=i, when=r.when, requires=r.requires, excludes=r.excludes, note=r.note)
                for i, r in enumerate(product.rules)
            ],
        )


def summary(product_id: str, product: Product) -> ProductSummary:
    return ProductSummary(id=product_id, name=product.name or product_id, tenant=product.tenant)


def rejection(
    field: str, message: str, rules: tuple[int, ...] = (), kind: str = "order", part: str = "body"
) -> dict[str, Any]:
    """A 422 body shaped like FastAPI's own validation errors (`part`: body or query), with the broken rules when
    there are any."""
    item: dict[str, Any] = {"loc": [part, field], "msg": message, "type": kind}
    if rules:
        item["rules"] = list(rules)
    return {"detail": [item]}
