"""Orders: place (idempotently), list, read, cancel, move along the lifecycle, history; the rejected."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Response

from factoryos.api.deps import CONFLICT, ERRORS, FORBIDDEN, NOT_FOUND, Database, Now, Who
from factoryos.api.schemas import (
    CancelIn,
    ChangeOut,
    History,
    Id,
    OrderIn,
    OrderOut,
    OrderPage,
    RejectedOut,
    RejectedPage,
    StepIn,
)
from factoryos.api.strict_json import StrictJsonRoute
from factoryos.c2m.promise import Quote
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.services import order_desk
from factoryos.services.order_desk import OrderInput
from factoryos.store.order_desk import OrderFilter

router = APIRouter(tags=["orders"], responses=ERRORS, route_class=StrictJsonRoute)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,255}$",
        description="Any unique string (a UUID): a retried request with the same key returns the first answer.",
    ),
]


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderOut,
    responses={**FORBIDDEN, **CONFLICT},
    summary="Place an order; it is promised a date at once",
    response_description="The order as placed (the answer is built by the order desk, already in this shape).",
)
async def place_order(
    body: OrderIn, who: Who, database: Database, now: Now, idempotency_key: IdempotencyKey = None
) -> Response:
    """Checked here, in the event loop; placed by the order desk's thread, which answers the future awaited."""
    request = OrderInput(body.customer, body.product, dict(body.options), body.quantity, body.requested_date)
    taken = order_desk.submit_order(database, who, request, now, _answer, idempotency_key)
    placed = await asyncio.wrap_future(taken)
    headers = {"Idempotent-Replayed": "true"} if placed.replayed else None
    return Response(orjson.dumps(placed.answer), placed.status, headers, media_type="application/json")


def _answer(order: CustomerOrder, promised: Quote | None) -> dict[str, Any]:
    return OrderOut.of(order, promised).model_dump(mode="json")


@router.get("/orders", response_model=OrderPage, summary="List orders, oldest first, a page at a time")
def list_orders(
    who: Who,
    database: Database,
    state: CustomerOrderState | None = None,
    product: Id | None = None,
    tenant: Annotated[
        Id | None, Query(description="Only this tenant's (the owner's keys; others see their own).")
    ] = None,
    ordered_from: Annotated[date | None, Query(description="Ordered on or after this day (UTC).")] = None,
    ordered_to: Annotated[date | None, Query(description="Ordered on or before this day (UTC).")] = None,
    limit: Annotated[int, Query(ge=1, le=order_desk.MAX_PAGE)] = 50,
    cursor: Annotated[
        str | None, Query(alias="next", max_length=500, description="The previous page's `next`.")
    ] = None,
) -> OrderPage:
    which = OrderFilter(who.site, tenant, state, product, ordered_from, ordered_to)
    orders, following = order_desk.list_orders(database, who, which, cursor, limit)
    return OrderPage(items=[OrderOut.of(o) for o in orders], next=following)


@router.get("/rejected-orders", response_model=RejectedPage, summary="Orders refused, with the reason, newest first")
def rejected_orders(
    who: Who,
    database: Database,
    limit: Annotated[int, Query(ge=1, le=order_desk.MAX_PAGE)] = 50,
    cursor: Annotated[
        str | None, Query(alias="next", max_length=500, description="The previous page's `next`.")
    ] = None,
) -> RejectedPage:
    letters, following = order_desk.rejected(database, who, limit, cursor)
    return RejectedPage(items=[RejectedOut.model_validate(r) for r in letters], next=following)


@router.get("/orders/{order_id}", response_model=OrderOut, responses=NOT_FOUND)
def get_order(order_id: str, who: Who, database: Database) -> OrderOut:
    return OrderOut.of(order_desk.get_order(database, who, order_id))


@router.post(
    "/orders/{order_id}/cancel",
    response_model=OrderOut,
    responses={**NOT_FOUND, **FORBIDDEN, **CONFLICT},
    summary="Cancel an order not yet in production",
)
def cancel_order(order_id: str, who: Who, database: Database, now: Now, body: CancelIn | None = None) -> OrderOut:
    reason = body.reason if body else ""
    return OrderOut.of(order_desk.cancel_order(database, who, order_id, reason, now))


@router.post(
    "/orders/{order_id}/state",
    response_model=OrderOut,
    responses={**NOT_FOUND, **FORBIDDEN, **CONFLICT},
    summary="Move an order one step along its lifecycle (the owner's planner keys)",
)
def move_order(order_id: str, body: StepIn, who: Who, database: Database, now: Now) -> OrderOut:
    return OrderOut.of(order_desk.move_order(database, who, order_id, CustomerOrderState(body.state), body.reason, now))


@router.get("/orders/{order_id}/history", response_model=History, responses=NOT_FOUND, summary="Every change of state")
def order_history(order_id: str, who: Who, database: Database) -> History:
    return History(items=[ChangeOut.of(c) for c in order_desk.history(database, who, order_id)])
