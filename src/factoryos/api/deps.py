"""Dependencies of every route: the database, the clock, and the caller behind the Bearer key (rate-limited)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from factoryos.api.schemas import Error
from factoryos.services.order_desk import NotFound, desk
from factoryos.services.tenants import Caller, find_key

bearer = HTTPBearer(auto_error=False, description="An API key from `factoryos tenants key TENANT`.")


def engine(request: Request) -> Engine:
    return request.app.state.engine


def clock() -> datetime:
    """Now, in UTC (tests replace it)."""
    return datetime.now(UTC)


def caller(
    request: Request,
    database: Annotated[Engine, Depends(engine)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    """The tenant and role behind the request's key; 401 without a live key, 429 when its bucket is empty."""
    key = find_key(database, credentials.credentials) if credentials else None
    if key is None:
        raise HTTPException(401, "a valid API key is needed: Authorization: Bearer KEY", {"WWW-Authenticate": "Bearer"})
    try:
        tenant = desk(database, key.site).plant.tenants.get(key.tenant)
    except NotFound:
        tenant = None
    if tenant is None:
        raise HTTPException(401, "the key's tenant is no longer in a loaded plant", {"WWW-Authenticate": "Bearer"})
    wait = request.app.state.buckets.take(key.id)
    if wait:
        raise HTTPException(
            429,
            f"rate limit of key {key.id}: retry in {wait:.2f} s",
            {"Retry-After": f"{wait:.0f}" if wait >= 1 else "1"},
        )
    found = Caller(key.id, key.site, key.tenant, key.role, tenant.role == "owner")
    request.state.caller = found
    return found


Database = Annotated[Engine, Depends(engine)]
Now = Annotated[datetime, Depends(clock)]
Who = Annotated[Caller, Depends(caller)]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Error, "description": "No API key, or not a live one."},
    413: {"model": Error, "description": "The request body is too large."},
    429: {"model": Error, "description": "Too many requests for this key; see Retry-After."},
    503: {"model": Error, "description": "The database cannot be reached."},
}
"""Answers any authenticated route can give."""
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Error, "description": "No such thing this key may see."}}
FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"model": Error, "description": "This key's role may not do it."}}
CONFLICT: dict[int | str, dict[str, Any]] = {409: {"model": Error, "description": "It clashes with what is stored."}}
