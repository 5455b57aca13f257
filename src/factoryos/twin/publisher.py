"""The twin's voice on the floor's event stream: the same `Event`s a real plant sends, through the `EventBus`.

Events are built the way `Event.model_construct` builds them, without validation, from payloads already in
the validated (JSON) shape: validating millions of events would dominate a month's run, and `tests/twin`
checks that every kind comes out equal to its validated form. They reach the bus in batches of `batch`
(and at `flush`), in order. Equipment without a publisher publishes nothing and pays nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from factoryos.model.bus import EventBus
from factoryos.model.events import EquipmentState, Event, EventKind
from factoryos.twin.part import Part
from factoryos.twin.states import EVENT_STATE

_FIELDS = frozenset(Event.model_fields)
_new = Event.__new__
_set = object.__setattr__


@dataclass(slots=True, eq=False)
class Publisher:
    """Turns the twin's state changes, counts, operations, tests, alarms and sensor readings into floor events on
    the bus, numbered in one sequence for `source`."""

    bus: EventBus
    site: str
    epoch: datetime
    source: str = "twin"
    batch: int = 512
    seq: int = field(default=0, init=False)
    published: int = field(default=0, init=False)
    # (serial, operation) -> work order, from a schedule
    work_orders: dict[tuple[str, str], str] = field(default_factory=dict, init=False)
    # a unit made again for its order -> the unit it replaces, whose work orders it is made under
    replaces: dict[str, str] = field(default_factory=dict, init=False)
    _pending: list[Event] = field(default_factory=list, init=False)

    def _emit(self, t: float, equipment: str, kind: EventKind, payload: dict[str, Any]) -> None:
        event = _new(Event)
        _set(
            event,
            "__dict__",
            {
                "ts": self.epoch + timedelta(seconds=t),
                "site": self.site,
                "equipment": equipment,
                "kind": kind,
                "payload": payload,
                "source": self.source,
                "seq": self.seq,
            },
        )
        _set(event, "__pydantic_fields_set__", set(_FIELDS))
        _set(event, "__pydantic_extra__", None)
        _set(event, "__pydantic_private__", None)
        self.seq += 1
        self._pending.append(event)
        if len(self._pending) >= self.batch:
            self.flush()

    def work_order(self, part: Part, operation: str) -> str:
        """The schedule's work order for this operation of this unit (or of the unit it replaces), else the part's
        order, else its serial."""
        if self.work_orders:
            unit = part.parent or part.serial
            known = self.work_orders.get((self.replaces.get(unit, unit), operation))
            if known is not None:
                return known
        return part.order or part.serial

    def flush(self) -> None:
        """Hand the events built so far to the bus."""
        if self._pending:
            self.published += self.bus.publish_many(self._pending)
            self._pending = []

    def state(self, t: float, equipment: str, state: int, reason: str | None = None) -> None:
        payload: dict[str, Any] = {"state": EVENT_STATE[state].value}
        if reason:
            payload["reason"] = reason
        self._emit(t, equipment, EventKind.STATE, payload)

    def stream_ends(self, t: float, equipment: Iterable[str]) -> None:
        """The run is over: from `t` on nothing is known of the equipment, so a window past the run's end counts
        none of its time (its last state would otherwise last to the window's end)."""
        for path in equipment:
            self._emit(t, path, EventKind.STATE, {"state": EquipmentState.UNKNOWN.value, "reason": "the run ended"})

    def count(
        self, t: float, equipment: str, good: int = 0, scrap: int = 0, rework: int = 0, material: str = ""
    ) -> None:
        payload: dict[str, Any] = {"good": good, "scrap": scrap, "rework": rework}
        if material:
            payload["material"] = material
        self._emit(t, equipment, EventKind.COUNT, payload)

    def operation(
        self,
        t: float,
        equipment: str,
        work_order: str,
        operation: str,
        phase: str,
        serial: str,
        lots: tuple[str, ...] = (),
        quantity: int = 1,
        scrapped: bool = False,
        configuration: dict[str, str] | None = None,
    ) -> None:
        payload: dict[str, Any] = {
            "work_order": work_order,
            "operation": operation,
            "phase": phase,
            "serial": serial,
            "consumed_lots": list(lots),
            "quantity": quantity,
        }
        if scrapped:
            payload["scrapped"] = True
            if configuration:
                payload["configuration"] = dict(configuration)
        self._emit(t, equipment, EventKind.OPERATION, payload)

    def measurement(self, t: float, equipment: str, name: str, value: float, unit: str) -> None:
        self._emit(t, equipment, EventKind.MEASUREMENT, {"name": name, "value": value, "unit": unit})

    def test(
        self,
        t: float,
        equipment: str,
        serial: str,
        test: str,
        passed: bool,
        measurements: list[dict[str, Any]],
        unit: int | None = None,
    ) -> None:
        payload = {
            "serial": serial,
            "test": test,
            "result": "pass" if passed else "fail",
            "measurements": measurements,
        }
        self._emit(t, equipment, EventKind.TEST, payload if unit is None else payload | {"unit": unit})

    def alarm(
        self, t: float, equipment: str, code: str, message: str, severity: str = "warning", active: bool = True
    ) -> None:
        payload = {"code": code, "severity": severity, "message": message, "active": active}
        self._emit(t, equipment, EventKind.ALARM, payload)
