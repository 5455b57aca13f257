"""Tenants and their API keys: list the plant's tenants, make a key (shown once), revoke it, and find who a
presented key belongs to.

A key is `fos_` and 32 random bytes (`secrets.token_urlsafe`); only its SHA-256 is stored. Roles: a
`planner` (the owner's only) sees and moves every order; a `partner` (a partner brand's only) places,
sees and cancels its own tenant's orders; a `viewer` only reads, the owner's viewer everything, a partner's
viewer its own tenant's.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from factoryos.model.errors import FactoryosError
from factoryos.store import tenants as tenant_store
from factoryos.store.tenants import ApiKey, StoredTenant

ROLES = ("planner", "partner", "viewer")
KEY_PREFIX = "fos_"
KEY_TRUST_SECONDS = 5.0
"""How long an API process trusts a key it looked up, by default: a revoked key is refused within this."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's id, its site and tenant, its role, and whether the tenant is the plant's owner
    (whose keys see every tenant's data)."""

    key_id: str
    site: str
    tenant: str
    role: str
    owner: bool

    @property
    def can_order(self) -> bool:
        """May place and cancel orders (its own tenant's, or any for the owner's planner)."""
        return self.role in ("planner", "partner")

    @property
    def can_move(self) -> bool:
        """May move an order along its lifecycle (release it, start it, report it built or shipped)."""
        return self.role == "planner"

    def sees(self, tenant: str) -> bool:
        return self.owner or tenant == self.tenant


def list_tenants(engine: Engine, site: str | None = None) -> list[StoredTenant]:
    """The tenants of the loaded plant(s), as the plant file names them."""
    return tenant_store.list_tenants(engine, site)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def create_key(engine: Engine, tenant: str, role: str | None = None, site: str | None = None) -> tuple[ApiKey, str]:
    """A new key for `tenant` (default role: planner for the owner, partner for a partner brand) and the
    key itself, which is not stored and cannot be shown again."""
    found = _tenant(engine, tenant, site)
    role = role or ("planner" if found.role == "owner" else "partner")
    if role not in ROLES:
        raise FactoryosError(f"--role: expected one of {', '.join(ROLES)}, got {role!r}")
    if role == "planner" and found.role != "owner":
        raise FactoryosError(f"tenant {tenant!r} is a partner: its keys are partner or viewer keys, not planner")
    if role == "partner" and found.role == "owner":
        raise FactoryosError(f"tenant {tenant!r} is the plant's owner: its keys are planner or viewer keys")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(f"key-{secrets.token_hex(4)}", found.site, found.id, role, datetime.now(UTC))
    tenant_store.add_key(engine, key, hash_key(secret))
    return key, secret


def _tenant(engine: Engine, tenant: str, site: str | None) -> StoredTenant:
    tenants = list_tenants(engine, site)
    if not tenants:
        raise FactoryosError("no plant is loaded; `factoryos plant load FILE` loads one")
    matching = [t for t in tenants if t.id == tenant]
    if not matching:
        known = ", ".join(sorted({t.id for t in tenants}))
        raise FactoryosError(f"no tenant {tenant!r} in the loaded plant; tenants: {known}")
    if len(matching) > 1:
        sites = ", ".join(t.site for t in matching)
        raise FactoryosError(f"tenant {tenant!r} is in several loaded plants ({sites}); name one with --site")
    return matching[0]


def list_keys(engine: Engine) -> list[ApiKey]:
    return tenant_store.list_keys(engine)


def revoke_key(engine: Engine, key_id: str) -> ApiKey:
    """Revoke the key of id `key_id`, or the key whose secret it is (which is never written back: a secret
    pasted in place of the id would be on the terminal and in its logs)."""
    if key_id.startswith(KEY_PREFIX):
        key = tenant_store.key_by_hash(engine, hash_key(key_id))
        if key is None:
            raise FactoryosError("no API key has that secret; `factoryos tenants keys` lists the keys by id")
        key_id = key.id
    return tenant_store.revoke_key(engine, key_id, datetime.now(UTC))


def find_key(engine: Engine, presented: str) -> ApiKey | None:
    """The live (unrevoked) key `presented` is, or None."""
    if not presented.startswith(KEY_PREFIX) or len(presented) > 200:
        return None
    key = tenant_store.key_by_hash(engine, hash_key(presented))
    return key if key is not None and key.revoked_at is None else None
