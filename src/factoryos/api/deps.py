"""Dependencies of every route: the database, the clock, and the caller behind the Bearer key (rate-limited)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from factoryos.api.schemas import Error
from factoryos.services.order_desk import NotFound, desk
from factoryos.services.tenants import Caller, find_key

bearer = HTTPBearer(auto_error=False, description="An API key from `factoryos tenants key TENANT`.")


async def engine(request: Request) -> Engine:
    return request.app.state.engine


async def clock() -> datetime:
    """Now, in UTC (tests replace it)."""
    return datetime.now(UTC)


async def caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Caller:
    """The tenant and role behind the request's key (looked up at most every few seconds, see api.keys); 401
    without a live key, 429 when its bucket is empty."""
    presented = credentials.credentials if credentials else ""
    keys = request.app.state.keys
    found = keys.get(presented)
    if found is None:
        found = await run_in_threadpool(identify, request.app.state.engine, presented)
        if isinstance(found, str):
            raise HTTPException(401, found, {"WWW-Authenticate": "Bearer"})
        keys.put(presented, found)
    wait = request.app.state.buckets.take(found.key_id)
    if wait:
        after = max(1, math.ceil(wait))  # Retry-After counts whole seconds; sooner would be refused again
        raise HTTPException(429, f"rate limit of key {found.key_id}: retry in {after} s", {"Retry-After": str(after)})
    request.state.caller = found
    return found


def identify(database: Engine, presented: str) -> Caller | str:
    """The caller behind a presented key, or why there is none."""
    key = find_key(database, presented) if presented else None
    if key is None:
        return "a valid API key is needed: Authorization: Bearer KEY"
    try:
        tenant = desk(database, key.site).plant.tenants.get(key.tenant)
    except NotFound:
        tenant = None
    if tenant is None:
        return "the key's tenant is no longer in a loaded plant"
    return Caller(key.id, key.site, key.tenant, key.role, tenant.role == "owner")


Database = Annotated[Engine, Depends(engine)]
Now = Annotated[datetime, Depends(clock)]
Who = Annotated[Caller, Depends(caller)]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Error, "description": "No API key, or not a live one."},
    413: {"model": Error, "description": "The request body is too large."},
    429: {"model": Error, "description": "Too many requests for this key; see Retry-After."},
    503: {"model": Error, "description": "The database cannot be reached, or the order desk is full (Retry-After)."},
}
"""Answers any authenticated route can give."""
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Error, "description": "No such thing this key may see."}}
FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"model": Error, "description": "This key's role may not do it."}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": Error, "description": "It clashes with what is stored."}}
