"""Holds in the database: each one as placed (on what, by whom, when, why) and as released (by whom, when,
with what disposition and note). A released hold is kept: the rows are the containment's audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from factoryos.model.readings import EQUIPMENT_LENGTH
from factoryos.quality.holds import Disposition, Hold, HoldScope
from factoryos.store.db import Base, as_utc
from factoryos.store.genealogy import ID_LENGTH
from factoryos.store.tables import UtcDateTime


class HoldRecord(Base):
    """A hold on a lot, a serial range or an equipment's output over a window, and its release."""

    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_released", "released_at", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(max(ID_LENGTH, EQUIPMENT_LENGTH)))
    last: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(100))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    released_by: Mapped[str | None] = mapped_column(String(100))
    disposition: Mapped[str | None] = mapped_column(String(16))
    release_note: Mapped[str | None] = mapped_column(Text)


def as_hold(record: HoldRecord) -> Hold:
    return Hold(
        id=record.id,
        scope=HoldScope(record.scope),
        target=record.target,
        reason=record.reason,
        placed_by=record.placed_by,
        placed_at=as_utc(record.placed_at),
        last=record.last,
        start=_aware(record.start),
        end=_aware(record.end),
        released_at=_aware(record.released_at),
        released_by=record.released_by,
        disposition=Disposition(record.disposition) if record.disposition else None,
        release_note=record.release_note,
    )


def add_hold(session: Session, hold: Hold) -> Hold:
    """Store a new hold; returns it with its id."""
    record = HoldRecord(
        scope=hold.scope.value,
        target=hold.target,
        last=hold.last,
        start=hold.start,
        end=hold.end,
        reason=hold.reason,
        placed_by=hold.placed_by[:100],
        placed_at=hold.placed_at,
    )
    session.add(record)
    session.flush()
    return as_hold(record)


def holds(session: Session, active_only: bool = False) -> list[Hold]:
    """Every hold, or the placed ones only, oldest first."""
    query = select(HoldRecord).order_by(HoldRecord.id)
    if active_only:
        query = query.where(HoldRecord.released_at.is_(None))
    return [as_hold(record) for record in session.scalars(query)]


def locked_hold(session: Session, hold_id: int) -> HoldRecord | None:
    """The hold's row, locked against a concurrent release until the transaction ends."""
    return session.scalar(select(HoldRecord).where(HoldRecord.id == hold_id).with_for_update())


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)
