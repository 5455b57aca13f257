"""Time-series tables for what the floor measures: measurements, state changes, counts, their rollups.

Why not the `events` table: a plant sends hundreds of thousands of readings a second, and a row of typed
columns is several times cheaper to insert and to aggregate than a JSON payload. Timestamps are integer
microseconds since the Unix epoch (UTC) so that bulk inserts bind plain integers and rollup buckets are
the same integer arithmetic on SQLite and PostgreSQL. Each raw table's primary key is the idempotency key
(source, seq, equipment[, name]): a redelivered message is ignored by the insert. The readings
(`factoryos.model.readings`) are tuples in these tables' column order, so a batch of them goes straight to
`executemany`. The primary keys lead with equipment (and name), which serves per-equipment queries; the
`ts_us` indexes serve time windows and rollups, and (equipment, ts_us) on measurements a trace's readings of one
equipment during an operation. (On SQLite ordinary rowid tables insert faster here than
WITHOUT ROWID ones: the time index then carries a rowid, not the wide key.)
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from factoryos.model.readings import (
    EQUIPMENT_LENGTH,
    MATERIAL_LENGTH,
    NAME_LENGTH,
    SITE_LENGTH,
    SOURCE_LENGTH,
    STATE_LENGTH,
    UNIT_LENGTH,
)
from factoryos.store.db import Base

MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US


class RawReading:
    """The columns every raw reading table shares, in the readings' tuple order around the table's own: the
    time, site and equipment first, the (source, seq) idempotency key last; an index on the time."""

    if TYPE_CHECKING:
        __tablename__: Any

    @declared_attr.directive
    @classmethod
    def __table_args__(cls) -> tuple[Index, ...]:
        return (Index(f"ix_{cls.__tablename__}_ts", "ts_us"),)

    ts_us: Mapped[int] = mapped_column(BigInteger, sort_order=-3)
    site: Mapped[str] = mapped_column(String(SITE_LENGTH), sort_order=-2)
    equipment: Mapped[str] = mapped_column(String(EQUIPMENT_LENGTH), primary_key=True, sort_order=-1)
    source: Mapped[str] = mapped_column(String(SOURCE_LENGTH), primary_key=True, sort_order=1)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, sort_order=2)


class MeasurementRecord(RawReading, Base):
    """A sensor reading: one row per (equipment, name, source, seq)."""

    __tablename__ = "measurements"
    __table_args__ = (  # the time's own index, as every raw table has, and a trace's: an equipment's over a window
        Index("ix_measurements_ts", "ts_us"),
        Index("ix_measurements_equipment_ts", "equipment", "ts_us"),
    )
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(UNIT_LENGTH))


class StateChangeRecord(RawReading, Base):
    """An equipment state change (running, down, ...): one row per (equipment, source, seq)."""

    __tablename__ = "state_changes"
    state: Mapped[str] = mapped_column(String(STATE_LENGTH))
    reason: Mapped[str | None] = mapped_column(Text)


class CountRecord(RawReading, Base):
    """Units counted good, scrap and rework: one row per (equipment, source, seq)."""

    __tablename__ = "counts"
    good: Mapped[int] = mapped_column(Integer)
    scrap: Mapped[int] = mapped_column(Integer)
    rework: Mapped[int] = mapped_column(Integer)
    material: Mapped[str | None] = mapped_column(String(MATERIAL_LENGTH))


class MeasurementRollup(Base):
    """Count, sum, min and max of a measurement per bucket of `period_s` seconds (60 and 3600)."""

    __tablename__ = "measurement_rollups"
    period_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    equipment: Mapped[str] = mapped_column(String(300), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    bucket_us: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    unit: Mapped[str] = mapped_column(String(32))
    n: Mapped[int] = mapped_column(BigInteger)  # readings: many a bucket
    total: Mapped[float] = mapped_column(Float)
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)


class CountRollup(Base):
    """Units counted per equipment per bucket of `period_s` seconds (60 and 3600). The counts are 64-bit: a
    bucket adds up many raw counts of up to 2^31-1 units each."""

    __tablename__ = "count_rollups"
    period_s: Mapped[int] = mapped_column(Integer, primary_key=True)
    equipment: Mapped[str] = mapped_column(String(300), primary_key=True)
    bucket_us: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    good: Mapped[int] = mapped_column(BigInteger)
    scrap: Mapped[int] = mapped_column(BigInteger)
    rework: Mapped[int] = mapped_column(BigInteger)


class RetentionSetting(Base):
    """How many days each series is kept, and for the dead letters how many rows at most; `factoryos iot
    prune` (and the ingester, for its dead letters) deletes the rest."""

    __tablename__ = "retention_settings"
    series: Mapped[str] = mapped_column(String(32), primary_key=True)
    keep_days: Mapped[float] = mapped_column(Float)
    max_rows: Mapped[int | None] = mapped_column(Integer)


class SparkplugBirth(Base):
    """The last birth certificate of each Sparkplug edge node and device: its metric names, aliases and
    types, so that a restarted ingester can decode data by alias without waiting for a rebirth."""

    __tablename__ = "sparkplug_births"
    group_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    node_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(200), primary_key=True)  # "" for the node itself
    bd_seq: Mapped[int] = mapped_column(BigInteger)
    metrics: Mapped[list[Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


RAW_TABLES = {
    "measurements": MeasurementRecord,
    "state_changes": StateChangeRecord,
    "counts": CountRecord,
}
