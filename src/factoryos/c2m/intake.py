"""Order intake: a configured order is checked against the plant before it may drive the factory.

Orders arrive as JSON lines. `read_order_lines` splits a file's bytes on newlines only (U+2028 inside a string
does not end a line) and `decode_order_line` turns one line into a JSON object or says why it cannot:
bytes that are not UTF-8, a byte-order mark, NUL characters, a duplicate key, nesting too deep, a number out
of range. `accept` checks the object against the plant and completes its configuration as the order desk does
(families left open take their default, or the cheapest valid option). A rejected order is not lost: the
caller keeps it as a dead letter with its line, raw text and reason, so sales can see it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, StringConstraints, ValidationError

from factoryos.c2m import configurator
from factoryos.model.errors import FactoryosError
from factoryos.model.files import unique_keys
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant

MAX_LINE_BYTES = 64 * 1024
"""An order is a few hundred bytes; a longer line is refused (its first MAX_LINE_BYTES are kept)."""
MAX_QUANTITY = 100_000
MAX_DUE_DAYS = 5 * 366
"""A due date at most about five years after the order date."""
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)

_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
OrderId = Annotated[StrictStr, StringConstraints(pattern=_ID, max_length=32)]
PlantId = Annotated[StrictStr, StringConstraints(pattern=_ID, max_length=64)]


class OrderRequest(BaseModel):
    """An order as a customer or partner system sends it (one line of a JSON-lines file)."""

    model_config = ConfigDict(extra="forbid")
    id: OrderId
    customer: PlantId
    product: PlantId
    options: dict[PlantId, PlantId] = Field(default_factory=dict, max_length=100)
    quantity: Annotated[StrictInt, Field(gt=0, le=MAX_QUANTITY)]
    ordered_at: datetime
    due_date: date


def read_order_lines(content: bytes) -> Iterator[tuple[int, bytes]]:
    """(line number, raw bytes) of each non-blank line; only `\\n` (and a `\\r` before it) ends a line."""
    for number, raw in enumerate(content.split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        if raw.strip():
            yield number, raw


def decode_order_line(raw: bytes) -> dict[str, Any]:
    """The JSON object on one line, or a FactoryosError saying why the line cannot be read."""
    if len(raw) > MAX_LINE_BYTES:
        raise FactoryosError(f"the line is {len(raw):,} bytes; an order line may have at most {MAX_LINE_BYTES:,}")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise FactoryosError("the line starts with a byte-order mark (U+FEFF); save the file as UTF-8 without BOM")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FactoryosError(f"not UTF-8: byte 0x{raw[error.start]:02x} at column {error.start + 1}") from None
    try:
        value = json.loads(text, object_pairs_hook=unique_keys, parse_constant=_no_constant, parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        raise FactoryosError(f"not JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise FactoryosError("not an order: JSON nested too deep") from None
    except ValueError as error:  # a key twice, NaN, or an integer with thousands of digits
        raise FactoryosError(f"not an order: {error}") from None
    if not isinstance(value, dict):
        raise FactoryosError(f"expected a JSON object, got {type(value).__name__}")
    _check_values(value)
    return value


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > 18:
        raise ValueError(f"a number is out of range ({len(digits)} digits)")
    return int(digits)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number an order can have")


def _check_values(value: Any, where: str = "", depth: int = 0) -> None:
    """No NUL in any string, no float that overflowed to infinity, nothing nested past an order's depth. `where`
    is the field the value is in (`quantity`, `options.colour`): the parser names none for a number it read
    as infinity, so this walk does."""
    if depth > 3:
        raise FactoryosError("not an order: JSON nested too deep")
    if isinstance(value, str) and "\x00" in value:
        raise FactoryosError("a string contains a NUL character")
    if isinstance(value, float) and abs(value) == float("inf"):
        raise FactoryosError(f"{where}: a number is out of range")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_values(key, where, depth + 1)
            _check_values(item, _within(where, key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_values(item, _within(where, index), depth + 1)


def _within(where: str, step: str | int) -> str:
    """The path of a field inside `where`, written as `accept` names fields (`options.colour`)."""
    return f"{where}.{step}" if where else str(step)


def _party_fault(plant: Plant, customer_id: str, product_id: str) -> str | None:
    """What is wrong with a customer ordering a product of the plant, if anything."""
    product = plant.products.get(product_id)
    if product is None:
        return f"product: unknown product {product_id!r}; expected one of {sorted(plant.products)}"
    customer = plant.customers.get(customer_id)
    if customer is None:
        return f"customer: unknown customer {customer_id!r}"
    if customer.tenant != product.tenant:
        return (
            f"customer {customer_id!r} belongs to tenant {customer.tenant!r}, "
            f"but product {product_id!r} belongs to {product.tenant!r}"
        )
    return None


def misfit(plant: Plant, order: CustomerOrder) -> str | None:
    """Why an order taken earlier no longer fits the plant as loaded since (its customer or product gone or of
    another tenant, an option its product no longer has, a rule it now breaks, a family it chose nothing in),
    or None: the plant's engineers may change a file under orders that are still to be built."""
    fault = _party_fault(plant, order.customer, order.product)
    if fault:
        return fault
    product = plant.products[order.product]
    check = configurator.check(product, order.configuration)
    if check.violations:
        return "; ".join(v.message for v in check.violations)
    if check.open_families:
        return f"no option chosen in {', '.join(check.open_families)}"
    return None


def accept(plant: Plant, raw: dict[str, Any]) -> CustomerOrder:
    """A valid CustomerOrder, or a FactoryosError saying what is wrong with the request."""
    try:
        request = OrderRequest.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "order"
        got = "" if first["type"] == "missing" else f" (got {json.dumps(first['input'], default=str)[:80]})"
        raise FactoryosError(f"{where}: {first['msg']}{got}") from None
    fault = _party_fault(plant, request.customer, request.product)
    if fault:
        raise FactoryosError(fault)
    product = plant.products[request.product]
    if product.max_order_quantity is not None and request.quantity > product.max_order_quantity:
        raise FactoryosError(
            f"quantity: {request.quantity:,} units is more than one order of {request.product!r} may ask for "
            f"({product.max_order_quantity:,}, the plant file's max_order_quantity)"
        )
    ordered_at = request.ordered_at if request.ordered_at.tzinfo else request.ordered_at.replace(tzinfo=UTC)
    _check_dates(ordered_at.astimezone(ZoneInfo(plant.site.timezone)), request.due_date)
    completion = configurator.complete(product, request.options)
    if completion.configuration is None:
        raise FactoryosError(f"options: invalid configuration: {completion.reason}")
    return CustomerOrder(
        id=request.id,
        site=plant.site.id,
        tenant=product.tenant,
        customer=request.customer,
        product=request.product,
        configuration=completion.configuration,
        quantity=request.quantity,
        ordered_at=ordered_at.astimezone(UTC),
        due_date=request.due_date,
    )


def _check_dates(ordered_at: datetime, due: date) -> None:
    """`ordered_at` on the site's clock: the order date a due date is set against is the site's."""
    if not EARLIEST <= ordered_at < LATEST:
        raise FactoryosError(
            f"ordered_at {ordered_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC is outside {EARLIEST.year}-{LATEST.year - 1}"
        )
    if due < ordered_at.date():
        raise FactoryosError(f"due_date {due} is before the order date {ordered_at.date()}")
    if due > ordered_at.date() + timedelta(days=MAX_DUE_DAYS):
        raise FactoryosError(f"due_date {due} is more than {MAX_DUE_DAYS} days after the order date")
