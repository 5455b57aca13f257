"""Holds and containment: place a hold on a lot, a serial range or an equipment's output over a window, list
them, release them with a disposition; and what they stop: an order with a held unit does not ship, and the
twin's finished goods keep held units back.

The use cases behind `factoryos hold` (and the order desk, and the demo's quality stage).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from factoryos.quality.genealogy import TraceError, window_us
from factoryos.quality.holds import (
    Disposition,
    Hold,
    HoldError,
    HoldScope,
    check_range,
    covering,
    gravest,
    in_range,
    range_prefix,
)
from factoryos.services.trace import trace_equipment, trace_lot, trace_serials
from factoryos.store import genealogy
from factoryos.store import holds as hold_store
from factoryos.store.db import transaction
from factoryos.store.plants import equipment_known

MAX_TEXT = 2000
AN_INSTANT = timedelta(microseconds=1)
"""The genealogy's resolution: the shortest window a trace can read."""


def place_hold(
    engine: Engine,
    scope: HoldScope | str,
    target: str,
    reason: str,
    placed_by: str,
    now: datetime,
    *,
    last: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Hold:
    """Place a hold: on a lot (`target`), on the serials `target`..`last`, or on the equipment at `target`
    over [start, end). Who and why are required: they are the containment's record."""
    scope = _scope(scope)
    target = target.strip()
    if not target:
        raise HoldError(f"a {scope.value} hold needs what it holds: a lot, a first serial or an equipment path")
    if len(target) > genealogy.ID_LENGTH:
        raise HoldError(
            f"a {scope.value} hold's target of {len(target):,} characters: the floor names nothing longer than "
            f"{genealogy.ID_LENGTH}, so it could never hold a unit"
        )
    if not reason.strip():
        raise HoldError("a hold needs a reason (--reason)")
    if len(reason.strip()) > MAX_TEXT:
        raise HoldError(f"a reason of {len(reason.strip()):,} characters: at most {MAX_TEXT:,}")
    if not placed_by.strip():
        raise HoldError("a hold needs who places it (--by)")
    if scope is HoldScope.SERIALS:
        last = (last or target).strip()
        check_range(target, last)
    elif last is not None:
        raise HoldError(f"--last is for a serial range, not a {scope.value} hold")
    if scope is HoldScope.EQUIPMENT:
        _check_equipment(engine, target, start, end)
    elif start is not None or end is not None:
        raise HoldError(f"--from and --to are for an equipment hold, not a {scope.value} hold")
    hold = Hold(0, scope, target, reason.strip(), placed_by.strip(), now, last, start, end)
    with transaction(engine) as session:
        return hold_store.add_hold(session, hold)


def list_holds(engine: Engine, active_only: bool = False) -> list[Hold]:
    """Every hold (or the placed ones only), oldest first."""
    with Session(engine) as session:
        return hold_store.holds(session, active_only)


def release_hold(
    engine: Engine, hold_id: int, disposition: Disposition | str, released_by: str, now: datetime, note: str = ""
) -> Hold:
    """Release a placed hold with a disposition (use, rework or scrap), noting who, when and why."""
    try:
        disposition = Disposition(disposition)
    except ValueError:
        allowed = ", ".join(d.value for d in Disposition)
        raise HoldError(f"disposition {disposition!r}: expected one of {allowed}") from None
    if not released_by.strip():
        raise HoldError("releasing a hold needs who releases it (--by)")
    if not 0 < hold_id < 2**63:  # past what the database's ids hold
        raise HoldError(f"no hold {hold_id}")
    if len(note.strip()) > MAX_TEXT:
        raise HoldError(f"a note of {len(note.strip()):,} characters: at most {MAX_TEXT:,}")
    with transaction(engine) as session:
        record = hold_store.locked_hold(session, hold_id)
        if record is None:
            raise HoldError(f"no hold {hold_id}")
        if record.released_at is not None:
            raise HoldError(f"hold {hold_id} was already released ({record.disposition}) by {record.released_by}")
        record.released_at = now
        record.released_by = released_by.strip()[:100]
        record.disposition = disposition.value
        record.release_note = note.strip()
        session.flush()
        return hold_store.as_hold(record)


def held_scope(engine: Engine, hold: Hold, as_of: datetime | None = None) -> dict[str, Any]:
    """The units a hold covers, as a forward trace with its recall scope (a serial range: the units in it and
    those containing one). With `as_of` (its `placed_at`: the scope when placed), as it stood then: an equipment's
    window cut there (at its first instant when it is placed as the window begins: an alarm on one point is suspect
    since itself, and the unit measured then is held), and a unit scrapped only if it was scrapped before (the
    orders' states are read as stored: the demo has told the order desk only what the floor had built by then)."""
    if hold.scope is HoldScope.LOT:
        return trace_lot(engine, hold.target, as_of)
    if hold.scope is HoldScope.EQUIPMENT:
        assert hold.start is not None
        assert hold.end is not None
        end = hold.end if as_of is None else min(hold.end, max(as_of, hold.start + AN_INSTANT))
        return trace_equipment(engine, hold.target, hold.start, end, as_of)
    return trace_serials(engine, serials_in_range(engine, hold), as_of)


def _check_equipment(engine: Engine, path: str, start: datetime | None, end: datetime | None) -> None:
    """An equipment hold's path is the loaded plant's or one something was worked on; its window a window."""
    if start is None or end is None:
        raise HoldError("an equipment hold needs its window: --from and --to")
    if equipment_known(engine, path.strip("/")) is False and not _worked_on(engine, path.strip("/")):
        raise HoldError(
            f"{path!r} is no equipment of the loaded plant, and nothing was worked on it: give its full path, "
            "site/area/work-center[/unit] (`factoryos plant show`)"
        )
    try:
        window_us(start, end)
    except TraceError as error:
        raise HoldError(str(error)) from None


def _worked_on(engine: Engine, path: str) -> bool:
    with engine.connect() as connection:
        return genealogy.worked_on(connection, path)


def serials_in_range(engine: Engine, hold: Hold) -> list[str]:
    """The serials the genealogy knows in a serial-range hold's range."""
    last = hold.last or hold.target
    prefix = range_prefix(hold.target)
    with engine.connect() as connection:
        known = genealogy.serials_starting(connection, prefix)
    return sorted(serial for serial in known if in_range(serial, hold.target, last))


def held_serials(connection: Connection, serials: set[str]) -> dict[str, list[Hold]]:
    """Of `serials`, those a placed hold covers, with the holds covering each."""
    return Containment.read(connection, placed_only=True).held(serials)


@dataclass
class Containment:
    """The holds as they stand and the makeup of each unit asked about, each read once: the floor's report asks
    about every unit it names (released holds deciding their fate) and again, order by order, about the units
    of each order it ships (placed holds stopping it), in one transaction."""

    connection: Connection
    holds: list[Hold]
    _makeups: dict[str, tuple[set[str], list[tuple[str, int, int | None]]]] = field(default_factory=dict)

    @classmethod
    def read(cls, connection: Connection, placed_only: bool = False) -> Containment:
        """The holds stored (or the placed ones only), oldest first."""
        with Session(bind=connection) as session:
            return cls(connection, hold_store.holds(session, placed_only))

    @property
    def placed(self) -> list[Hold]:
        return [hold for hold in self.holds if hold.active]

    def held(self, serials: Iterable[str]) -> dict[str, list[Hold]]:
        """Of `serials`, those a placed hold covers, with the holds covering each."""
        return self._covered(serials, self.placed)

    def fates(self, serials: Iterable[str]) -> dict[str, Hold]:
        """Of `serials`, those a released hold covers, each with the hold deciding what became of it (`gravest`)."""
        released = [hold for hold in self.holds if not hold.active]
        decided = {serial: gravest(covering) for serial, covering in self._covered(serials, released).items()}
        return {serial: hold for serial, hold in decided.items() if hold is not None}

    def _covered(self, serials: Iterable[str], holds: list[Hold]) -> dict[str, list[Hold]]:
        """Of `serials`, those `holds` cover (through the stored genealogy), with the holds covering each."""
        if not holds:
            return {}
        found: dict[str, list[Hold]] = {}
        for serial in sorted(serials):
            if serial not in self._makeups:
                self._makeups[serial] = genealogy.makeup(self.connection, serial)
            items, visits = self._makeups[serial]
            covering = [hold for hold in holds if hold.covers(items, visits)]
            if covering:
                found[serial] = covering
        return found


def check_shippable(
    session: Session, order_id: str, units: set[str] | None = None, containment: Containment | None = None
) -> None:
    """Refuse (HoldError) to ship a customer order while a hold covers any unit built for it: `units` when the
    floor says which they are, else those the genealogy finds for the order. `containment`: the holds and
    makeups already read in this transaction, if they are."""
    connection = session.connection()
    containment = containment or Containment.read(connection, placed_only=True)
    if not containment.placed:
        return
    if units is None:
        units = genealogy.serials_of_order(connection, order_id)
    held = containment.held(units)
    if held:
        first = sorted(held)[:5]
        holds = sorted({hold.id for covering in held.values() for hold in covering})
        more = f" and {len(held) - len(first)} more" if len(held) > len(first) else ""
        raise HoldError(
            f"order {order_id} cannot ship: {', '.join(first)}{more} held (hold {', '.join(map(str, holds))}); "
            "release the hold with a disposition first"
        )


def twin_holds(engine: Engine) -> Callable[[Iterable[str], Iterable[tuple[str, int, int | None]]], bool]:
    """The placed holds as the twin's quarantine obeys them (`prepare(..., held=)`)."""
    return covering(list_holds(engine, active_only=True))


def _scope(scope: HoldScope | str) -> HoldScope:
    try:
        return HoldScope(scope)
    except ValueError:
        allowed = ", ".join(s.value for s in HoldScope)
        raise HoldError(f"hold on {scope!r}: expected one of {allowed}") from None
