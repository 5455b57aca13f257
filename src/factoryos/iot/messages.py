"""What connectors hand to the pipeline and what decoders hand back.

Rows are the floor's readings (`factoryos.model.readings`), or a validated `Event` for kinds that
have no table of their own, so the pipeline can batch them without building an object per reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from factoryos.model.events import Event
from factoryos.model.readings import BirthRow, CountRow, MeasurementRow, StateChangeRow

Row = MeasurementRow | StateChangeRow | CountRow | Event


class Ack(NamedTuple):
    """An acknowledgement the pipeline may send together with others of the same `send`: after a commit it
    calls `send` once with the tokens of every message of the batch (for MQTT, one write of all their
    PUBACKs instead of one per message). Called alone, it acknowledges its own message."""

    send: Callable[[list[int]], None]
    token: int

    def __call__(self) -> None:
        self.send([self.token])


class Inbound(NamedTuple):
    """One message as received. `ack` tells the transport the message is safely stored."""

    channel: str
    topic: str
    payload: bytes
    ack: Ack | Callable[[], None] | None = None


class DecodeError(ValueError):
    """The whole message is unusable; the text is the dead letter's reason."""


@dataclass(slots=True)
class Decoded:
    """A decoded message: the rows to store, and what was wrong with the rest of it (if anything)."""

    rows: list[Row] = field(default_factory=list)
    # Measurements as plain tuples in MeasurementRow's column order, the bulk of a Sparkplug payload: the
    # garbage collector stops tracking a plain tuple of numbers and strings, but walks every namedtuple in
    # each collection for as long as it waits in a batch.
    measurements: list[tuple] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    births: list[BirthRow] = field(default_factory=list)
    rebirth: tuple[str, str] | None = None  # (group, edge node) to ask for a rebirth
