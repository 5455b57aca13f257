"""The JSON topic layout, for devices too simple for Sparkplug B.

Topic: ``{prefix}/{site}/{area}/{work_center}/{work_unit}/{kind}``, e.g.
``factoryos/ev-plant/paint/line-1/booth-2/measurement``. The levels between the prefix and the kind are the
equipment's ISA-95 path (its first level is the site); a shorter path addresses an area or a work center.
`kind` is one of state, count, measurement, operation, test, alarm. The default prefix is ``factoryos``.

Payload, UTF-8 JSON, in one of two forms:

- compact reading: the kind's payload fields plus ``seq`` (required: an integer that never repeats for the
  source), ``ts`` (optional: ISO-8601 with a zone, or epoch milliseconds; default the time of arrival) and
  ``source`` (optional, default the equipment path)::

      {"seq": 1017, "ts": "2026-11-22T10:15:00.250Z", "name": "temperature", "value": 61.2, "unit": "degC"}
      {"seq": 1018, "state": "down", "reason": "jam"}
      {"seq": 1019, "good": 1}

- a whole `Event` in its JSON form (``Event.to_json``); its equipment and kind must match the topic.

A field the layout does not know is refused with the message, naming it, never passed over: a misspelt
``"scarp": 3`` would otherwise count no scrap. (A whole operation, test or alarm event may carry more in its
payload, as factoryos's own alarms do: it is stored with the event.)

(source, seq) is the idempotency key: a redelivered message is stored once. A device that cannot keep its
sequence across restarts should put a boot id in ``source``.
"""

from __future__ import annotations

import json
import math
import re
import sys
from datetime import datetime

import orjson
from pydantic import ValidationError

from factoryos.iot.messages import DecodeError, Row
from factoryos.model.events import PAYLOAD_TYPES, EquipmentState, Event, EventKind
from factoryos.model.files import unique_keys
from factoryos.model.readings import (
    CountRow,
    MeasurementRow,
    StateChangeRow,
    event_row,
    from_us,
    storable_seq,
    storable_ts,
    to_us,
)

DEFAULT_PREFIX = "factoryos"
KINDS = frozenset(k.value for k in EventKind)
STATES = frozenset(s.value for s in EquipmentState)
_ENVELOPE = ("seq", "ts", "source")
PAYLOAD_FIELDS = {kind.value: frozenset(PAYLOAD_TYPES[kind].model_fields) for kind in EventKind}
COMPACT_FIELDS = {kind: fields | frozenset(_ENVELOPE) for kind, fields in PAYLOAD_FIELDS.items()}
EVENT_FIELDS = frozenset(Event.model_fields)
ROW_KINDS = frozenset({EventKind.STATE, EventKind.COUNT, EventKind.MEASUREMENT})
"""The kinds whose events are stored as rows of their own table, which have no room for another field."""
EPOCH_MS_FROM = 100_000_000_000
"""3 March 1973 in epoch milliseconds: a smaller number is a device sending seconds, not a reading from 1970."""


def decode_json(levels: list[str], payload: bytes, now_us: int) -> list[Row]:
    """Decode one message; `levels` are the topic levels after the prefix. Raises DecodeError."""
    if len(levels) < 3 or not all(levels):
        raise DecodeError("topic must be {prefix}/{site}/{equipment path...}/{kind} with no empty level")
    kind = levels[-1]
    if kind not in KINDS:
        raise DecodeError(f"unknown kind {_shown(kind)} in topic; expected one of {', '.join(sorted(KINDS))}")
    equipment = "/".join(levels[:-1])
    doc = _loads(payload)
    if not isinstance(doc, dict):
        raise DecodeError(f"payload must be a JSON object, got {type(doc).__name__}")
    if "kind" in doc and "payload" in doc:
        return [_whole_event(doc, levels[0], equipment, kind)]
    return [_compact(doc, levels[0], equipment, kind, now_us)]


def _loads(payload: bytes) -> object:
    """orjson (several times faster on a small document); what it refuses, or where it may have taken the last
    of a key given twice (fewer keys than key tokens), is parsed again by `json`, so that the same documents
    are accepted as before (NaN, big integers, UTF-16) with the same reasons and a key twice is refused."""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        pass
    else:
        if len(_KEY_TOKEN.findall(payload)) == _keys(doc):
            return doc
    try:
        return json.loads(payload, object_pairs_hook=unique_keys, parse_int=_integer)
    except DecodeError:
        raise
    except (ValueError, UnicodeDecodeError) as error:
        raise DecodeError(f"not JSON: {error}") from None
    except RecursionError:
        raise DecodeError("not JSON: nested too deeply") from None


def _integer(digits: str) -> int:
    """An integer of a document `json` parses: one longer than Python converts (4,300 digits by default) is
    refused as too long, not with Python's advice to raise its limit."""
    limit = sys.get_int_max_str_digits()
    if limit and len(digits.lstrip("-")) > limit:
        raise DecodeError(f"an integer of {len(digits.lstrip('-')):,} digits is too long (at most {limit:,})")
    return int(digits)


_KEY_TOKEN = re.compile(rb'"\s*:')
"""Every key of a JSON object ends in a quote and a colon: a document with as many of these as keys has no key
twice (a string holding one only sends it the slow way)."""


def _keys(doc: object) -> int:
    """The keys of every object in a document (a reading's flat object: its own, without looking further)."""
    keys, values = (len(doc), doc.values()) if type(doc) is dict else (0, doc if type(doc) is list else ())
    for value in values:  # a loop, not a generator: this is on every message's way in
        if type(value) is dict or type(value) is list:
            keys += _keys(value)
    return keys


def _whole_event(doc: dict, site: str, equipment: str, kind: str) -> Row:
    """A whole event, kept as it came (its payload's own fields too): refused when a number in it is not finite,
    which JSON cannot carry out again (a trace would print `NaN`), or when it is not of the topic's site,
    equipment and kind."""
    where = _not_finite(doc)
    if where is not None:
        raise DecodeError(f"event: {where}: not a finite number")
    try:
        event = Event.model_validate(doc)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "event"
        raise DecodeError(f"event: {where}: {first['msg']}") from None
    if event.site != site or event.equipment != equipment or event.kind.value != kind:
        raise DecodeError(
            f"event is {event.kind.value} of {event.equipment!r} at site {event.site!r} but the topic says {kind} "
            f"of {_shown(equipment)} at {_shown(site)}"
        )
    _known("event", doc, EVENT_FIELDS)
    if event.kind in ROW_KINDS:
        _known(f"event: {kind} payload", doc["payload"], PAYLOAD_FIELDS[kind])
    return event_row(event)


def _known(what: str, doc: dict, fields: frozenset[str]) -> None:
    """Refuse a document with a field not in `fields`, naming it."""
    if not fields.issuperset(doc):
        unknown = [_shown(key) for key in doc if key not in fields]
        named = f"field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}"
        raise DecodeError(f"{what}: unknown {named}; expected {', '.join(sorted(fields))}")


def _not_finite(document: object) -> str | None:
    """The path of a number in `document` that is not finite (NaN, an infinity), or None; walked without
    recursion, as a document may nest as deep as the parser allows."""
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return path or "value"
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        stack.extend((f"{path}.{key}" if path else str(key), item) for key, item in items)
    return None


def _compact(doc: dict, site: str, equipment: str, kind: str, now_us: int) -> Row:
    _known(kind, doc, COMPACT_FIELDS[kind])
    seq = doc.get("seq")
    if type(seq) is not int or not storable_seq(seq):
        raise DecodeError(f"seq must be an integer from 0 to 2**63-1, got {_shown(seq)}")
    source = doc.get("source", equipment)
    if not isinstance(source, str) or not source:
        raise DecodeError(f"source must be a non-empty string, got {_shown(source)}")
    ts_us = _timestamp(doc.get("ts"), now_us)
    if kind == "measurement":
        name, value, unit = doc.get("name"), doc.get("value"), doc.get("unit")
        if not isinstance(name, str) or not name:
            raise DecodeError(f"measurement name must be a non-empty string, got {_shown(name)}")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or abs(value) > sys.float_info.max
            or not math.isfinite(value)
        ):
            raise DecodeError(f"measurement value must be a finite number, got {_shown(value)}")
        if not isinstance(unit, str) or not unit:
            raise DecodeError(f"measurement unit must be a non-empty string, got {_shown(unit)}")
        return MeasurementRow(ts_us, site, equipment, name, float(value), unit, source, seq)
    if kind == "state":
        state, reason = doc.get("state"), doc.get("reason")
        if not isinstance(state, str) or state not in STATES:
            raise DecodeError(f"state must be one of {', '.join(sorted(STATES))}, got {_shown(state)}")
        if reason is not None and not isinstance(reason, str):
            raise DecodeError(f"state reason must be a string, got {_shown(reason)}")
        return StateChangeRow(ts_us, site, equipment, state, reason, source, seq)
    if kind == "count":
        good, scrap, rework = (doc.get(k, 0) for k in ("good", "scrap", "rework"))
        if any(type(n) is not int or n < 0 for n in (good, scrap, rework)) or good + scrap + rework == 0:
            raise DecodeError(
                f"count needs non-negative integers good/scrap/rework, at least one unit; got {_shown(doc)}"
            )
        material = doc.get("material")
        if material is not None and not isinstance(material, str):
            raise DecodeError(f"count material must be a string, got {_shown(material)}")
        return CountRow(ts_us, site, equipment, good, scrap, rework, material, source, seq)
    payload = {k: v for k, v in doc.items() if k not in _ENVELOPE}
    try:
        event = Event(
            ts=from_us(ts_us),
            site=site,
            equipment=equipment,
            kind=EventKind(kind),
            payload=payload,
            source=source,
            seq=seq,
        )
    except ValidationError as error:
        raise DecodeError(error.errors()[0]["msg"]) from None
    return event


def _timestamp(ts: object, now_us: int) -> int:
    if ts is None:
        return now_us
    if type(ts) is int or (type(ts) is float and math.isfinite(ts)):
        if 0 <= ts < EPOCH_MS_FROM:
            raise DecodeError(f"ts {_shown(ts)} is before March 1973 in epoch milliseconds: seconds? send milliseconds")
        ts_us = ts * 1000
    elif isinstance(ts, str):
        try:
            parsed = datetime.fromisoformat(ts)
        except ValueError:
            raise DecodeError(f"ts is not an ISO-8601 timestamp: {_shown(ts)}") from None
        if parsed.tzinfo is None:
            raise DecodeError(f"ts must carry a time zone (e.g. Z): {_shown(ts)}")
        ts_us = to_us(parsed)
    else:
        raise DecodeError(f"ts must be ISO-8601 text or epoch milliseconds, got {_shown(ts)}")
    if not storable_ts(ts_us):
        raise DecodeError(f"ts {_shown(ts)} is outside 1970-01-01 .. 2100-01-01")
    return int(ts_us)


def _shown(value: object, length: int = 80) -> str:
    """A value as it appears in a reason: its repr, cut short (an integer of thousands of digits has none)."""
    try:
        text = repr(value)
    except ValueError:
        return f"an integer of {value.bit_length()} bits" if isinstance(value, int) else "a value"
    return text if len(text) <= length else f"{text[:length]}..."
