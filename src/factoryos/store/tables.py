"""The foundation's tables. Plant definitions are keyed by (site, id) so that reloading a plant file
updates rows in place; the validated plant document is kept whole for the algorithms that need all of it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from factoryos.store.db import Base


class _UtcDateTime(TypeDecorator[datetime]):
    """A moment with its zone, written as UTC: SQLite keeps no zone and reads a stored moment back as UTC
    (`as_utc`), so one given in a site's offset (a hold's window, +05:30) is converted before it is written."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value


UtcDateTime = _UtcDateTime()


class SiteRun:
    """The columns of a stored run for a site (a schedule, a material plan): its id, the site and when it was
    made, indexed on (site, created_at) so that a site's latest run is one index lookup."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index]:
        return (Index(f"ix_{cls.__tablename__}_site_created", "site", "created_at"),)  # type: ignore[attr-defined]


class PlantRecord(Base):
    """A stored plant: its site, name and enterprise, the file it came from, the hash of its content, and the
    validated plant document whole, and when it was loaded."""

    __tablename__ = "plants"
    site: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    enterprise: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PlantPart:
    """Every plant definition row belongs to a site (and goes when the plant does)."""

    site: Mapped[str] = mapped_column(String(64), ForeignKey("plants.site", ondelete="CASCADE"), primary_key=True)


class NamedPlantPart(PlantPart):
    """A plant definition the plant file gives an id, with its name (the id where the file names none)."""

    id: Mapped[str] = mapped_column(String(64), primary_key=True, sort_order=-2)
    name: Mapped[str] = mapped_column(String(200), sort_order=-1)


class EquipmentRecord(NamedPlantPart, Base):
    """An area, work center or work unit of the plant's equipment hierarchy (ISA-95), with its path in it."""

    __tablename__ = "equipment"
    level: Mapped[str] = mapped_column(String(16))  # area | work_center | work_unit (ISA-95 levels)
    parent: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))
    equipment_class: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(32))


class MaterialRecord(NamedPlantPart, Base):
    """A material definition with its planning figures (lead time, lot sizing, safety stock, cost)."""

    __tablename__ = "materials"
    uom: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8))
    lead_time_days: Mapped[float | None] = mapped_column(Float)
    lot_size_rule: Mapped[str] = mapped_column(String(16))
    lot_size_quantity: Mapped[float | None] = mapped_column(Float)
    safety_stock: Mapped[float] = mapped_column(Float)
    unit_cost: Mapped[float] = mapped_column(Float)


class BomLineRecord(PlantPart, Base):
    """One component line of a material's bill of materials, at `position`."""

    __tablename__ = "bom_lines"
    parent: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    component: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    scrap: Mapped[float] = mapped_column(Float)
    condition: Mapped[dict | None] = mapped_column(JSON)


class OperationRecord(PlantPart, Base):
    """One operation of a material's routing, at `position`."""

    __tablename__ = "operations"
    material: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(64))
    capability: Mapped[str] = mapped_column(String(64))
    equipment: Mapped[list[str]] = mapped_column(JSON)
    setup_minutes: Mapped[float] = mapped_column(Float)
    run_minutes: Mapped[float] = mapped_column(Float)
    batch_size: Mapped[int | None] = mapped_column(Integer)
    changeover_group: Mapped[str | None] = mapped_column(String(64))
    condition: Mapped[dict | None] = mapped_column(JSON)


class TenantRecord(NamedPlantPart, Base):
    """A brand that sells through the plant (owner or partner)."""

    __tablename__ = "tenants"
    role: Mapped[str] = mapped_column(String(16))


class CustomerRecord(NamedPlantPart, Base):
    """A customer of a tenant."""

    __tablename__ = "customers"
    tenant: Mapped[str] = mapped_column(String(64))
    segment: Mapped[str] = mapped_column(String(16))


class ProductRecord(NamedPlantPart, Base):
    """A configurable product: its option families and rules as JSON."""

    __tablename__ = "products"
    material: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str] = mapped_column(String(64))
    option_families: Mapped[dict] = mapped_column(JSON)
    rules: Mapped[list] = mapped_column(JSON)


class SupplierRecord(NamedPlantPart, Base):
    """A supplier of bought materials, with its terms."""

    __tablename__ = "suppliers"
    lead_time_days: Mapped[float] = mapped_column(Float)
    min_order: Mapped[float] = mapped_column(Float)
    order_multiple: Mapped[float] = mapped_column(Float)
    weekly_capacity: Mapped[float | None] = mapped_column(Float)
    materials: Mapped[list[str]] = mapped_column(JSON)


class InventoryRecord(PlantPart, Base):
    """Inventory on hand by location and lot."""

    __tablename__ = "inventory"
    material: Mapped[str] = mapped_column(String(64), primary_key=True)
    location: Mapped[str] = mapped_column(String(64), primary_key=True)
    lot: Mapped[str] = mapped_column(String(64), primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)


PLANT_TABLES: tuple[type[Base], ...] = (
    EquipmentRecord,
    MaterialRecord,
    BomLineRecord,
    OperationRecord,
    TenantRecord,
    CustomerRecord,
    ProductRecord,
    SupplierRecord,
    InventoryRecord,
)


class CustomerOrderRecord(Base):
    """A customer order for one product in one configuration, with its due date and state."""

    __tablename__ = "customer_orders"
    __table_args__ = (
        ForeignKeyConstraint(["site", "product"], ["products.site", "products.id"]),
        Index("ix_customer_orders_site_due", "site", "due_date"),
    )
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    tenant: Mapped[str] = mapped_column(String(64))
    customer: Mapped[str] = mapped_column(String(64))
    product: Mapped[str] = mapped_column(String(64))
    configuration: Mapped[dict[str, str]] = mapped_column(JSON)
    quantity: Mapped[int] = mapped_column(Integer)
    ordered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_date: Mapped[date] = mapped_column(Date)
    promised_date: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))


class OrderChangeRecord(Base):
    """One change of a customer order's state: the audit trail behind GET /orders/{id}/history."""

    __tablename__ = "order_changes"
    __table_args__ = (Index("ix_order_changes_order", "order_id", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("customer_orders.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)


class ProductionOrderRecord(Base):
    """A production order for a material, with the customer order it serves if any."""

    __tablename__ = "production_orders"
    __table_args__ = (Index("ix_production_orders_customer_order", "customer_order"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site: Mapped[str] = mapped_column(String(64))
    material: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    configuration: Mapped[dict[str, str]] = mapped_column(JSON)
    due_date: Mapped[date] = mapped_column(Date)
    customer_order: Mapped[str | None] = mapped_column(ForeignKey("customer_orders.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(16))


class WorkOrderRecord(Base):
    """One routing operation of a production order, as released to the floor."""

    __tablename__ = "work_orders"
    __table_args__ = (Index("ix_work_orders_production_order", "production_order"),)
    id: Mapped[str] = mapped_column(String(48), primary_key=True)
    production_order: Mapped[str] = mapped_column(ForeignKey("production_orders.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))


class EventRecord(Base):
    """A floor event as stored; (source, seq) identifies it, so a redelivered event is stored once."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("source", "seq"),
        Index("ix_events_equipment_ts", "equipment", "ts"),
        Index("ix_events_kind_ts", "kind", "ts"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    site: Mapped[str] = mapped_column(String(64))
    equipment: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(BigInteger)


class DeadLetter(Base):
    """Whatever was rejected (an order, a message, a reading), kept with the reason: the first bytes of it
    (`raw`), its whole length and its SHA-256."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_channel", "channel", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    raw_length: Mapped[int | None] = mapped_column(BigInteger)
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
