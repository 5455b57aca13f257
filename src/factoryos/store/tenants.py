"""API keys of the plant's tenants: only a key's SHA-256 is stored, so the database never holds a usable key.

A key belongs to one tenant of one site and has a role (planner, partner, viewer); revoking it keeps the row
(who had access, and until when) and stops it working at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from factoryos.model.errors import FactoryosError
from factoryos.store.db import Base, record_as, row_of, transaction
from factoryos.store.tables import TenantRecord, UtcDateTime


class ApiKeyRecord(Base):
    """An API key: only the SHA-256 of the key itself is kept."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class ApiKey:
    """A stored key: its public id, whose it is (site, tenant), its role, and when it was made or revoked."""

    id: str
    site: str
    tenant: str
    role: str
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class StoredTenant:
    """A tenant as the loaded plant names it: the owner or a partner brand."""

    site: str
    id: str
    name: str
    role: str


def list_tenants(engine: Engine, site: str | None = None) -> list[StoredTenant]:
    query = select(TenantRecord).order_by(TenantRecord.site, TenantRecord.id)
    if site is not None:
        query = query.where(TenantRecord.site == site)
    with Session(engine) as session:
        return [record_as(StoredTenant, r) for r in session.scalars(query)]


def add_key(engine: Engine, key: ApiKey, key_hash: str) -> None:
    with transaction(engine) as session:
        session.add(ApiKeyRecord(**row_of(ApiKeyRecord, key, key_hash=key_hash, revoked_at=None)))


def key_by_hash(engine: Engine, key_hash: str) -> ApiKey | None:
    """The key whose SHA-256 is `key_hash`, revoked or not (the caller decides), or None."""
    with Session(engine) as session:
        record = session.scalar(select(ApiKeyRecord).where(ApiKeyRecord.key_hash == key_hash))
        return record_as(ApiKey, record) if record else None


def list_keys(engine: Engine) -> list[ApiKey]:
    with Session(engine) as session:
        return [record_as(ApiKey, r) for r in session.scalars(select(ApiKeyRecord).order_by(ApiKeyRecord.created_at))]


def revoke_key(engine: Engine, key_id: str, at: datetime) -> ApiKey:
    """Mark the key revoked from `at` (a key already revoked keeps its first revocation time)."""
    with transaction(engine) as session:
        record = session.get(ApiKeyRecord, key_id)
        if record is None:
            raise FactoryosError(f"no API key {key_id!r}; `factoryos tenants keys` lists them")
        if record.revoked_at is None:
            record.revoked_at = at
        session.flush()
        return record_as(ApiKey, record)
