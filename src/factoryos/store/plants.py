"""Load a plant into the database, transactionally and idempotently, and read it back.

Rows are keyed by the plant file's own ids, so loading the same file again compares, finds nothing to
change and writes nothing; a changed file updates rows in place and removes what it no longer has. The
whole load is one transaction: a load that fails leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Plant
from factoryos.store.db import Base, describe, row_of, transaction
from factoryos.store.locks import lock_for_writing
from factoryos.store.tables import (
    PLANT_TABLES,
    BomLineRecord,
    CustomerOrderRecord,
    CustomerRecord,
    EquipmentRecord,
    InventoryRecord,
    MaterialRecord,
    OperationRecord,
    PlantRecord,
    ProductRecord,
    SupplierRecord,
    TenantRecord,
)


@dataclass
class LoadSummary:
    """What storing a plant changed: rows added, updated and removed, counted per table."""

    site: str
    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def plant_rows(plant: Plant) -> dict[type[Base], list[dict]]:
    """Every plant definition row, as plain dicts per table."""
    parts: dict[type[Base], list[dict]] = {
        EquipmentRecord: list(_equipment_rows(plant)),
        MaterialRecord: [
            _named(
                MaterialRecord,
                mat_id,
                m,
                lot_size_rule=m.lot_size.rule,
                lot_size_quantity=m.lot_size.quantity,
            )
            for mat_id, m in plant.materials.items()
        ],
        BomLineRecord: [
            row_of(BomLineRecord, line, parent=parent, position=position, condition=line.when)
            for parent, lines in plant.boms.items()
            for position, line in enumerate(lines)
        ],
        OperationRecord: [
            row_of(OperationRecord, op, material=material, position=position, condition=op.when)
            for material, routing in plant.routings.items()
            for position, op in enumerate(routing.operations)
        ],
        TenantRecord: [_named(TenantRecord, tid, t) for tid, t in plant.tenants.items()],
        CustomerRecord: [_named(CustomerRecord, cid, c) for cid, c in plant.customers.items()],
        ProductRecord: [
            _named(
                ProductRecord,
                pid,
                p,
                option_families={k: v.model_dump(mode="json") for k, v in p.option_families.items()},
                rules=[r.model_dump(mode="json", exclude_none=True) for r in p.rules],
            )
            for pid, p in plant.products.items()
        ],
        SupplierRecord: [_named(SupplierRecord, sid, s) for sid, s in plant.suppliers.items()],
        InventoryRecord: _inventory_rows(plant),
    }
    rows = {table: parts.get(table, []) for table in PLANT_TABLES}
    for table_rows in rows.values():
        for row in table_rows:
            row["site"] = plant.site.id
    return rows


def _named(table: type[Base], part_id: str, part: Any, **values: Any) -> dict[str, Any]:
    """The row of a plant definition the file gives an id and perhaps a name (the id where it gives none)."""
    return row_of(table, part, id=part_id, name=part.name or part_id, **values)


def _equipment_rows(plant: Plant) -> Iterator[dict]:
    """Areas, work centers and work units: one ISA-95 equipment hierarchy, one table."""
    for area_id, area in plant.areas.items():
        area_path = f"{plant.site.id}/{area_id}"
        yield _named(
            EquipmentRecord, area_id, area, level="area", parent=None, path=area_path, equipment_class=None, kind=None
        )
        for wc_id, wc in area.work_centers.items():
            wc_path = f"{area_path}/{wc_id}"
            yield _named(
                EquipmentRecord, wc_id, wc, level="work_center", parent=area_id, path=wc_path, equipment_class=None
            )
            for wu_id, wu in wc.work_units.items():
                wu_path = f"{wc_path}/{wu_id}"
                yield _named(EquipmentRecord, wu_id, wu, level="work_unit", parent=wc_id, path=wu_path, kind=None)


def _inventory_rows(plant: Plant) -> list[dict]:
    """Lots on hand, summed when the file lists one (material, location, lot) twice."""
    on_hand: dict[tuple[str, str, str], float] = {}
    for lot in plant.inventory:
        key = (lot.material, lot.location, lot.lot)
        on_hand[key] = on_hand.get(key, 0.0) + lot.quantity
    return [dict(material=m, location=loc, lot=lot, quantity=q) for (m, loc, lot), q in on_hand.items()]


def store_plant(engine: Engine, plant: Plant, source_file: str) -> LoadSummary:
    """Load `plant` in one transaction. Two loads at once run one after the other: the second waits, then
    finds what the first stored."""
    document = plant.model_dump(mode="json")
    content_hash = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    summary = LoadSummary(plant.site.id)
    try:
        with transaction(engine) as session:
            lock_for_writing(session.connection(), PlantRecord.__tablename__)
            _refuse_removing_ordered_products(session, plant, source_file)
            _store_plant_record(session, plant, source_file, document, content_hash, summary)
            for table, rows in plant_rows(plant).items():
                _sync_table(session, table, plant.site.id, rows, summary)
    except IntegrityError as error:
        raise FactoryosError(
            f"loading {source_file} would break stored data (orders still refer to something the file removes): "
            f"{describe(error)}"
        ) from None
    except OperationalError as error:
        raise FactoryosError(f"loading {source_file}: the database is busy or unavailable: {describe(error)}") from None
    return summary


def _refuse_removing_ordered_products(session: Session, plant: Plant, source_file: str) -> None:
    """Stored orders keep their product: a file that drops one they refer to is refused, naming it."""
    query = (
        select(CustomerOrderRecord.product, func.count())
        .where(CustomerOrderRecord.site == plant.site.id, CustomerOrderRecord.product.not_in(list(plant.products)))
        .group_by(CustomerOrderRecord.product)
        .order_by(CustomerOrderRecord.product)
    )
    dropped = session.execute(query).all()
    if dropped:
        named = ", ".join(
            f"{product!r} ({count:,} stored {'order' if count == 1 else 'orders'})" for product, count in dropped
        )
        raise FactoryosError(
            f"loading {source_file} would remove products that stored orders refer to: {named}; keep them in the file"
        )


def _store_plant_record(
    session: Session, plant: Plant, source_file: str, document: dict, content_hash: str, summary: LoadSummary
) -> None:
    record = session.get(PlantRecord, plant.site.id)
    if record is None:
        session.add(
            PlantRecord(
                site=plant.site.id,
                name=plant.site.name,
                enterprise=plant.enterprise.id,
                source_file=source_file,
                content_hash=content_hash,
                document=document,
                loaded_at=datetime.now(UTC),
            )
        )
        session.flush()
        summary.added["plants"] += 1
    elif record.content_hash != content_hash:
        record.name, record.enterprise, record.document = plant.site.name, plant.enterprise.id, document
        record.content_hash, record.source_file, record.loaded_at = (
            content_hash,
            source_file,
            datetime.now(UTC),
        )
        summary.updated["plants"] += 1


def _primary_key(table: type[Base], row: dict) -> tuple:
    return tuple(row[column.name] for column in inspect(table).primary_key)


def _sync_table(session: Session, table: type[Base], site: str, rows: list[dict], summary: LoadSummary) -> None:
    name = table.__tablename__
    query = select(table).where(table.__table__.c.site == site)
    stored = {_primary_key(table, _as_dict(r)): r for r in session.scalars(query)}
    wanted = {_primary_key(table, row): row for row in rows}
    for key, row in wanted.items():
        record = stored.get(key)
        if record is None:
            session.add(table(**row))
            summary.added[name] += 1
        elif _as_dict(record) != row:
            for column, value in row.items():
                setattr(record, column, value)
            summary.updated[name] += 1
    session.flush()
    for key, record in stored.items():
        if key not in wanted:
            session.delete(record)
            summary.removed[name] += 1
    session.flush()


def _as_dict(record: Base) -> dict:
    return {column.key: getattr(record, column.key) for column in inspect(type(record)).columns}


def stored_sites(engine: Engine) -> list[str]:
    """The sites whose plants are stored."""
    with Session(engine) as session:
        return list(session.scalars(select(PlantRecord.site).order_by(PlantRecord.site)))


def site_timezones(engine: Engine) -> dict[str, str]:
    """Each stored site's IANA timezone: what its people read times in."""
    with Session(engine) as session:
        rows = session.execute(select(PlantRecord.site, PlantRecord.document)).all()
    return {site: document["site"].get("timezone", "UTC") for site, document in rows}


def equipment_known(engine: Engine, path: str) -> bool | None:
    """Whether `path` is an area, work center or work unit of a stored plant (None: no plant is stored)."""
    with Session(engine) as session:
        if session.scalar(select(EquipmentRecord.path).limit(1)) is None:
            return None
        return session.scalar(select(EquipmentRecord.path).where(EquipmentRecord.path == path).limit(1)) is not None


def read_plant(engine: Engine, site: str | None = None) -> Plant:
    """The stored plant (the only one when `site` is not given)."""
    with Session(engine) as session:
        records = list(session.scalars(select(PlantRecord).order_by(PlantRecord.site)))
    if not records:
        raise FactoryosError("no plant is loaded: run `factoryos plant load FILE` first")
    if site is None:
        if len(records) > 1:
            raise FactoryosError(
                f"several plants are loaded ({', '.join(r.site for r in records)}); name one with --site"
            )
        return Plant.model_validate(records[0].document)
    for record in records:
        if record.site == site:
            return Plant.model_validate(record.document)
    raise FactoryosError(f"no plant {site!r} is loaded; loaded: {', '.join(r.site for r in records)}")
