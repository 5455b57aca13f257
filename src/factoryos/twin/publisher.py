"""The twin's voice on the floor's event stream: the same `Event`s a real plant sends, through the `EventBus`.

Events are built with `Event.model_construct` from payloads already in the validated (JSON) shape, because
full validation of millions of events would dominate a month's run; `tests/twin` checks the shapes agree.
Equipment without a publisher publishes nothing and pays nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from factoryos.bus import EventBus
from factoryos.model.events import Event, EventKind
from factoryos.twin.states import EVENT_STATE


class Publisher:
    __slots__ = ("bus", "site", "epoch", "source", "seq", "published")

    def __init__(self, bus: EventBus, site: str, epoch: datetime, source: str = "twin") -> None:
        self.bus = bus
        self.site = site
        self.epoch = epoch
        self.source = source
        self.seq = 0
        self.published = 0

    def _emit(self, t: float, equipment: str, kind: EventKind, payload: dict[str, Any]) -> None:
        event = Event.model_construct(
            ts=self.epoch + timedelta(seconds=t),
            site=self.site,
            equipment=equipment,
            kind=kind,
            payload=payload,
            source=self.source,
            seq=self.seq,
        )
        self.seq += 1
        self.published += self.bus.publish(event)

    def state(self, t: float, equipment: str, state: int, reason: str | None = None) -> None:
        payload: dict[str, Any] = {"state": EVENT_STATE[state].value}
        if reason:
            payload["reason"] = reason
        self._emit(t, equipment, EventKind.STATE, payload)

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
    ) -> None:
        payload = {
            "work_order": work_order,
            "operation": operation,
            "phase": phase,
            "serial": serial,
            "consumed_lots": list(lots),
            "quantity": 1,
        }
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
    ) -> None:
        payload = {
            "serial": serial,
            "test": test,
            "result": "pass" if passed else "fail",
            "measurements": measurements,
        }
        self._emit(t, equipment, EventKind.TEST, payload)

    def alarm(
        self, t: float, equipment: str, code: str, message: str, severity: str = "warning", active: bool = True
    ) -> None:
        payload = {"code": code, "severity": severity, "message": message, "active": active}
        self._emit(t, equipment, EventKind.ALARM, payload)
