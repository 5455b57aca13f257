"""The floor's event record: one stream, from the real plant or the twin, feeds OEE, SPC and genealogy.

Every fact is an `Event` with a per-source sequence number, so ingestion is idempotent on (source, seq).
The JSON form is the one sent over MQTT's JSON layout and kept in the event store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class EventKind(StrEnum):
    """The kinds of floor event; each has its payload model in PAYLOAD_TYPES."""

    STATE = "state"
    COUNT = "count"
    MEASUREMENT = "measurement"
    OPERATION = "operation"
    TEST = "test"
    ALARM = "alarm"


class EquipmentState(StrEnum):
    """ISA-95 / PackML-style equipment states, the basis of the time model behind OEE."""

    RUNNING = "running"
    IDLE = "idle"
    BLOCKED = "blocked"
    STARVED = "starved"
    SETUP = "setup"
    DOWN = "down"
    MAINTENANCE = "maintenance"
    STARVED_MATERIAL = "starved-material"
    """Waiting for a bought part that is not at the line (a late delivery), not for its upstream neighbour."""
    UNKNOWN = "unknown"
    """Nothing is known from here on until the next state: its edge node died, its OPC UA session was lost, or the
    stream ended (the twin's run). Its time is in none of OEE's times, as before an equipment's first state."""


class StatePayload(BaseModel):
    """An equipment state change and, optionally, why."""

    model_config = ConfigDict(extra="allow")
    state: EquipmentState
    reason: str | None = None


class CountPayload(BaseModel):
    """Units finished: good, scrapped and reworked, of a material if known."""

    model_config = ConfigDict(extra="allow")
    good: int = Field(0, ge=0)
    scrap: int = Field(0, ge=0)
    rework: int = Field(0, ge=0)
    material: str | None = None

    @model_validator(mode="after")
    def _something_counted(self) -> CountPayload:
        if self.good + self.scrap + self.rework == 0:
            raise ValueError("a count event must count at least one unit (good, scrap or rework)")
        return self


class MeasurementPayload(BaseModel):
    """A sensor value with its unit."""

    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1)
    value: float
    unit: str = Field(min_length=1)


class OperationPayload(BaseModel):
    """A work order's operation started or completed on the equipment, with the serial and the lots it consumed;
    a completion that `scrapped` the serial says so (the unit failed there with no way back: it leaves the floor,
    and a recall must not name it as shipped), with the unit's `configuration` when it has options (its scrap
    costs its own configured bill)."""

    model_config = ConfigDict(extra="allow")
    work_order: str = Field(min_length=1)
    operation: str = Field(min_length=1)
    phase: Literal["started", "completed"]
    serial: str | None = None
    consumed_lots: list[str] = Field(default_factory=list)
    quantity: int = Field(1, ge=1)
    scrapped: bool | None = None
    configuration: dict[str, str] | None = None

    @model_validator(mode="after")
    def _not_consuming_itself(self) -> OperationPayload:
        if self.serial is not None and self.serial in self.consumed_lots:
            raise ValueError(f"serial {self.serial!r} consumes itself (consumed_lots names it)")
        return self


class TestMeasurement(BaseModel):
    """One value measured in a test, with its nominal, specification limits and verdict if any (the nominal and
    limits tell one product's population from another's on a shared tester). A field it does not know is
    refused: a tester sending its limits as `lsl`/`usl` would otherwise lose them without a word."""

    model_config = ConfigDict(extra="forbid")

    name: str
    value: float
    unit: str
    nominal: float | None = None
    low: float | None = None
    high: float | None = None
    result: Literal["pass", "fail"] | None = None


class TestPayload(BaseModel):
    """The result of an end-of-line or in-process test of one serial, or of one unit of a lot whose units carry no
    serial of their own: `serial` names the lot and `unit` the unit's place in it, so that each unit counts once."""

    __test__ = False  # not a pytest class
    model_config = ConfigDict(extra="allow")
    serial: str = Field(min_length=1)
    test: str = Field(min_length=1)
    result: Literal["pass", "fail"]
    measurements: list[TestMeasurement] = Field(default_factory=list)
    unit: int | None = Field(None, ge=1)


class AlarmPayload(BaseModel):
    """An alarm raised (`active`) or cleared on the equipment."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(min_length=1)
    severity: Literal["info", "warning", "critical"] = "warning"
    message: str = ""
    active: bool = True


PAYLOAD_TYPES: dict[EventKind, type[BaseModel]] = {
    EventKind.STATE: StatePayload,
    EventKind.COUNT: CountPayload,
    EventKind.MEASUREMENT: MeasurementPayload,
    EventKind.OPERATION: OperationPayload,
    EventKind.TEST: TestPayload,
    EventKind.ALARM: AlarmPayload,
}


class Event(BaseModel):
    """One fact from the floor. `equipment` is the ISA-95 path, e.g. `ev-plant/paint/line-1/booth-2`."""

    model_config = ConfigDict(frozen=True)

    ts: datetime
    site: str = Field(min_length=1)
    equipment: str = Field(min_length=1)
    kind: EventKind
    payload: dict[str, Any]
    source: str = Field(min_length=1)
    seq: int = Field(ge=0)

    @field_validator("ts")
    @classmethod
    def _utc(cls, ts: datetime) -> datetime:
        if ts.tzinfo is None:
            raise ValueError("timestamp must be timezone-aware (UTC)")
        return ts.astimezone(UTC)

    @model_validator(mode="after")
    def _payload_fits_kind(self) -> Event:
        try:
            checked = PAYLOAD_TYPES[self.kind].model_validate(self.payload)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "payload"
            raise ValueError(f"{self.kind} payload: {where}: {first['msg']}") from None
        object.__setattr__(self, "payload", checked.model_dump(mode="json", exclude_none=True))
        return self

    @property
    def key(self) -> tuple[str, int]:
        """The idempotency key: a redelivered event has the same key."""
        return (self.source, self.seq)

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> Event:
        return cls.model_validate_json(text)
