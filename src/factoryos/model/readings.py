"""The floor's readings as the decoders produce them: measurements, state changes, counts, and the
Sparkplug birth certificates that name a node's metrics.

They are plain tuples in the column order of their time-series tables, so a batch of them goes straight to
the database driver without an object per reading. Timestamps are integer microseconds since the Unix
epoch (UTC): bulk inserts then bind plain integers, and rollup buckets are the same integer arithmetic on
every database. (source, seq) identifies a reading of its source, so a redelivered message is stored once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from factoryos.model.events import Event, EventKind


class MeasurementRow(NamedTuple):
    """A sensor reading, as a row of the measurements table."""

    ts_us: int
    site: str
    equipment: str
    name: str
    value: float
    unit: str
    source: str
    seq: int


class StateChangeRow(NamedTuple):
    """An equipment state change, as a row of the state-changes table."""

    ts_us: int
    site: str
    equipment: str
    state: str
    reason: str | None
    source: str
    seq: int


class CountRow(NamedTuple):
    """Units counted, as a row of the counts table."""

    ts_us: int
    site: str
    equipment: str
    good: int
    scrap: int
    rework: int
    material: str | None
    source: str
    seq: int


Reading = MeasurementRow | StateChangeRow | CountRow

INGEST_CHANNELS = ("mqtt", "opcua")
"""The channels connectors receive readings on (a dead letter's channel): their dead letters are capped and
pruned, unlike a rejected order's."""

# What a reading's fields may hold, so that every database stores it: text no longer than its column and
# without NUL characters (PostgreSQL refuses them), integers within their column (64-bit seq and timestamps,
# 32-bit counts), timestamps in a plausible window, and measurement values whose sums stay finite.
SITE_LENGTH, EQUIPMENT_LENGTH, NAME_LENGTH, UNIT_LENGTH, SOURCE_LENGTH = 64, 300, 200, 32, 200
STATE_LENGTH, MATERIAL_LENGTH = 16, 64
SEQ_MAX = 2**63 - 1
COUNT_MAX = 2**31 - 1
TS_MIN_US, TS_MAX_US = 0, 4_102_444_800_000_000  # 1970-01-01 .. 2100-01-01 UTC
VALUE_MAX = 1e289
"""The largest magnitude of a measurement: a rollup sums a bucket's values in a 64-bit float, and 2^63 of
them (more rows than a table can number) add up to less than its largest, 1.8e308. Two of 1.7e308 in one
minute overflowed the sum, which PostgreSQL refused."""


@dataclass
class BirthRow:
    """A Sparkplug edge node's (device_id "") or device's last birth: its metrics as
    [name, alias, datatype, unit] lists, so a restarted host decodes data by alias at once."""

    group_id: str
    node_id: str
    device_id: str
    bd_seq: int
    metrics: list[list[Any]]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)


def to_us(ts: datetime) -> int:
    """Microseconds since the epoch; a naive `ts` is local time. (One aware subtraction and an integer
    division: this runs once per JSON reading.)"""
    if ts.tzinfo is None:
        ts = ts.astimezone(UTC)
    return (ts - EPOCH) // ONE_US


def from_us(ts_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=ts_us)


def event_row(event: Event) -> Reading | Event:
    """A validated event as the reading of its time-series table, or itself if its kind has none."""
    p = event.payload
    ts_us = to_us(event.ts)
    if event.kind is EventKind.MEASUREMENT:
        return MeasurementRow(
            ts_us, event.site, event.equipment, p["name"], p["value"], p["unit"], event.source, event.seq
        )
    if event.kind is EventKind.STATE:
        return StateChangeRow(ts_us, event.site, event.equipment, p["state"], p.get("reason"), event.source, event.seq)
    if event.kind is EventKind.COUNT:
        return CountRow(
            ts_us,
            event.site,
            event.equipment,
            p.get("good", 0),
            p.get("scrap", 0),
            p.get("rework", 0),
            p.get("material"),
            event.source,
            event.seq,
        )
    return event


_TEXT_FIELDS = {
    MeasurementRow: (
        ("site", SITE_LENGTH),
        ("equipment", EQUIPMENT_LENGTH),
        ("name", NAME_LENGTH),
        ("unit", UNIT_LENGTH),
        ("source", SOURCE_LENGTH),
    ),
    StateChangeRow: (
        ("site", SITE_LENGTH),
        ("equipment", EQUIPMENT_LENGTH),
        ("state", STATE_LENGTH),
        ("reason", None),
        ("source", SOURCE_LENGTH),
    ),
    CountRow: (
        ("site", SITE_LENGTH),
        ("equipment", EQUIPMENT_LENGTH),
        ("material", MATERIAL_LENGTH),
        ("source", SOURCE_LENGTH),
    ),
    Event: (("site", SITE_LENGTH), ("equipment", EQUIPMENT_LENGTH), ("source", SOURCE_LENGTH)),
}


def storable_ts(ts_us: float) -> bool:
    """Whether a timestamp (microseconds since the epoch) is in the window stored: 1970-01-01 .. 2100-01-01."""
    return TS_MIN_US <= ts_us < TS_MAX_US


def storable_seq(seq: int) -> bool:
    """Whether a sequence number fits the 64-bit column it is stored in (negative ones are refused)."""
    return 0 <= seq <= SEQ_MAX


def unstorable(reading: Reading | Event) -> str | None:
    """Why a database could not store `reading` (or an event of a kind without a table of its own) as it
    is, or None."""
    kind = type(reading)
    for name, length in _TEXT_FIELDS[kind]:
        text = getattr(reading, name)
        if text is None:
            continue
        if length is not None and len(text) > length:
            return f"{name} of {len(text)} characters is longer than {length}"
        if "\x00" in text:
            return f"{name} contains a NUL character"
    ts_us = to_us(reading.ts) if isinstance(reading, Event) else reading.ts_us
    if not storable_ts(ts_us):
        return f"timestamp {ts_us} us is outside 1970-01-01 .. 2100-01-01"
    if not storable_seq(reading.seq):
        return f"seq {reading.seq} is outside 0 .. 2**63-1"
    if isinstance(reading, CountRow):
        return _uncountable(reading)
    return None


def _uncountable(count: CountRow) -> str | None:
    """Which of a count's numbers its column cannot hold, with the number."""
    for name in ("good", "scrap", "rework"):
        units = getattr(count, name)
        if units > COUNT_MAX:
            shown = units if units.bit_length() <= 64 else f"a number of {units.bit_length()} bits"
            return f"{name} {shown} is more units than one count may hold ({COUNT_MAX})"
    return None
