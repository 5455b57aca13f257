"""The app factory: routes under /api/v1, OpenAPI at /docs and /openapi.json, errors as JSON with a status
that says what went wrong (401 no key, 404 not yours or not there, 409 a clash, 413 too large, 422 bad
input naming the field and what was expected or the rule broken, 429 slow down, 503 database down or the
order desk full)."""

from __future__ import annotations

import gc
import json
from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from factoryos import __version__
from factoryos.api.deps import bearer, caller
from factoryos.api.keys import KeyCache
from factoryos.api.limits import BodySizeLimit, TokenBuckets
from factoryos.api.routers import catalog, orders
from factoryos.api.schemas import rejection
from factoryos.api.settings import ApiSettings
from factoryos.model.errors import FactoryosError
from factoryos.services import order_desk
from factoryos.services.tenants import Caller, find_key
from factoryos.store.db import DatabaseError, describe, make_engine, migrate

PREFIX = "/api/v1"
STATUS = {
    order_desk.NotFound: 404,
    order_desk.Forbidden: 403,
    order_desk.Conflict: 409,
    order_desk.Busy: 503,
    DatabaseError: 503,
}


def create_app(
    database_url: str | None = None, settings: ApiSettings | None = None, engine: Engine | None = None
) -> FastAPI:
    """The API on the database at `database_url` (default $FACTORYOS_DATABASE_URL or the SQLite file),
    migrated to the newest schema, or on a given `engine`."""
    settings = settings or ApiSettings.from_environment()
    if engine is None:
        engine = make_engine(database_url)
        migrate(engine)
    app = FastAPI(
        title="factoryos order API",
        version=__version__,
        description="Place and track configured orders, configure products and get promise dates. "
        "Every request carries `Authorization: Bearer KEY` (`factoryos tenants key TENANT`).",
    )
    app.state.engine = engine
    app.state.buckets = TokenBuckets(settings.rate_per_second, settings.burst)
    app.state.keys = KeyCache(settings.key_cache_seconds)
    app.include_router(orders.router, prefix=PREFIX)
    app.include_router(catalog.router, prefix=PREFIX)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(order_desk.OrderRejected, _rejected)
    app.add_exception_handler(FactoryosError, _refused)
    app.add_exception_handler(SQLAlchemyError, _database_error)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, on_refused=_keep_if_oversized_order)
    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory` (several workers): the database from $FACTORYOS_DATABASE_URL. The plants are read
    before the first request, and what the worker holds for its lifetime is then frozen out of the garbage
    collector's full collections: they walked every object (the plants, the libraries' own) and stopped the
    worker for up to 130 ms each, which were most of the order API's slowest answers."""
    app = create_app()
    order_desk.open_desks(app.state.engine)
    gc.collect()
    gc.freeze()
    return app


def _is_order(request: Request) -> bool:
    return request.method == "POST" and request.url.path == f"{PREFIX}/orders"


async def _keep_if_order(request: Request, reason: str) -> None:
    """A refused order is kept for the tenant of the key it came with."""
    if _is_order(request):
        who, body = request.state.caller, await request.body()
        await run_in_threadpool(order_desk.keep_rejected, request.app.state.engine, who, body, reason)


async def _keep_if_oversized_order(scope: MutableMapping[str, Any], head: bytes) -> None:
    """An order refused for its size is kept too (its first bytes), when it came with a live key."""
    if scope.get("method") != "POST" or scope.get("path") != f"{PREFIX}/orders":
        return
    reason = f"the body is too large (its first {len(head):,} bytes kept)"
    state = scope["app"].state
    await run_in_threadpool(_keep_for_key, state.engine, state.buckets, Headers(scope=scope), head, reason)


def _keep_for_key(engine: Engine, buckets: TokenBuckets, headers: Headers, body: bytes, reason: str) -> None:
    """Keep a reject refused before its key was checked, under that key, within the key's rate: a flood of them
    is counted as its orders are, not stored without end."""
    scheme, _, presented = headers.get("authorization", "").partition(" ")
    key = find_key(engine, presented.strip()) if scheme.lower() == "bearer" else None
    if key is not None and not buckets.take(key.id):
        who = Caller(key.id, key.site, key.tenant, key.role, owner=False)
        order_desk.keep_rejected(engine, who, body, reason)


async def _invalid_request(request: Request, error: Exception) -> Response:
    """422 naming what is wrong, once the key is known to be live: a body that is not JSON fails before the
    route's dependencies run, and a caller without a key gets 401 (or 429 over its key's rate), not the API's
    rules."""
    assert isinstance(error, RequestValidationError)
    if getattr(request.state, "caller", None) is None:
        try:
            await caller(request, await bearer(request))
        except HTTPException as refused:
            return JSONResponse({"detail": refused.detail}, status_code=refused.status_code, headers=refused.headers)
    first: dict[str, Any] = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid"}
    where = ".".join(str(p) for p in first["loc"])
    detail = first.get("ctx", {}).get("error")  # what a body that is not JSON got wrong
    await _keep_if_order(request, f"{where}: {first['msg']}" + (f": {detail}" if detail else ""))
    errors = [_echo_short(e) for e in jsonable_encoder(error.errors())]
    return JSONResponse({"detail": errors}, status_code=422)


ECHO_CHARACTERS = 500
"""How much of a refused value a 422 answer echoes: enough to see it, not a 60 KB options map sent back."""


def _echo_short(error: dict[str, Any]) -> dict[str, Any]:
    """A validation error as FastAPI answers it, its `input` cut to ECHO_CHARACTERS of JSON."""
    if "input" not in error:
        return error
    shown = json.dumps(error["input"])
    if len(shown) <= ECHO_CHARACTERS:
        return error
    return error | {"input": f"{shown[:ECHO_CHARACTERS]}... ({len(shown):,} characters)"}


async def _rejected(request: Request, error: Exception) -> Response:
    assert isinstance(error, order_desk.OrderRejected)
    await _keep_if_order(request, f"{error.field}: {error}")
    kind = "configuration" if error.field == "options" else "order"
    return JSONResponse(rejection(error.field, str(error), error.rules, kind, error.part), status_code=422)


async def _refused(request: Request, error: Exception) -> Response:
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 422)
    retry = {"Retry-After": "1"} if isinstance(error, order_desk.Busy) else None
    return JSONResponse({"detail": str(error)}, status_code=status, headers=retry)


async def _database_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, SQLAlchemyError)
    return JSONResponse({"detail": f"database error: {describe(error)}"}, status_code=503)
