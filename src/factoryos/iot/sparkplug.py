"""Sparkplug B host side: topics, births and aliases, bdSeq and seq, and the mapping to factoryos readings.

Topics: ``spBv1.0/{group}/{NBIRTH|NDATA|NDEATH|NCMD}/{node}`` and
``spBv1.0/{group}/{DBIRTH|DDATA|DDEATH|DCMD}/{node}/{device}``; the host's own ``spBv1.0/STATE/{host}``.

Mapping to factoryos (one rule, no per-plant configuration):

- the group is the site; the equipment path is ``{group}/{node}[/{device}]`` followed by the folders of the
  metric name, and the metric name's last segment names the reading. Metric ``booth-2/temperature`` in
  DDATA from node ``paint``, device ``line-1`` of group ``ev-plant`` is measurement ``temperature`` of
  ``ev-plant/paint/line-1/booth-2``;
- a metric whose last segment is ``state`` (a String) is a state change (running, idle, ... down);
  ``good_count``, ``scrap_count``, ``rework_count`` are units counted since the previous message (integers, or
  a Float or Double, as many PLCs keep counters, holding a whole number);
  every other numeric or Boolean metric is a measurement, in the unit of the birth's ``engUnit`` property
  (``1`` when none is given);
- ``bdSeq``, ``Node Control/*``, ``Device Control/*`` and ``Properties/*`` are protocol, not readings;
- source is ``spBv1.0/{group}/{node}[/{device}]`` and seq is ``timestamp_ms * 256 + seq``: a metric's timestamp
  (the message's if it has none) and the message's 0..255 sequence number together never repeat, so a
  redelivered message is stored once and each of a metric's buffered values in one message is stored.
  A birth's metrics are readings too, but not its counts: a birth carries every metric's current value, and
  a count's is the units since the last message, which a rebirth would count again.

State per edge node follows the host application rules: NBIRTH (seq 0, with bdSeq) defines the node's
metrics and aliases, DBIRTH a device's; data then names metrics by alias. A message from a node whose birth
the host has not seen, a DBIRTH or data for an unknown device, an NDATA after NDEATH, or a seq that does
not follow the last one (255 wraps to 0; the same seq again is a redelivery, not a gap) asks for a rebirth
(NCMD ``Node Control/Rebirth``), at most once per `rebirth_interval_s`: Sparkplug's host rule once its reorder
timeout (here none) has passed. The seq expected moves on from a message in order or ahead of it (a gap), not
from one that came late or again (behind it, up to 127 back), nor from one it cannot read (no timestamp, a
seq past 255): the next message in order is then no gap. An NDEATH counts only if its bdSeq
matches the current birth's. Births are kept in the store, so a restarted ingester decodes at once. With
shared subscriptions each ingester sees only part of a node's data, so seq checking is then turned off;
births and deaths are not shared, every ingester sees them all.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError as ProtobufDecodeError

from factoryos.iot import sparkplug_b_pb2 as pb
from factoryos.iot.messages import Decoded, DecodeError
from factoryos.model.events import EquipmentState
from factoryos.model.readings import BirthRow, CountRow, StateChangeRow

NAMESPACE = "spBv1.0"
NODE_TYPES = frozenset({"NBIRTH", "NDATA", "NDEATH", "NCMD"})
DEVICE_TYPES = frozenset({"DBIRTH", "DDATA", "DDEATH", "DCMD"})
REBIRTH_METRIC = "Node Control/Rebirth"
PROTOCOL_PREFIXES = ("Node Control/", "Device Control/", "Properties/")
COUNT_LEAVES = {"good_count": 0, "scrap_count": 1, "rework_count": 2}
TS_MIN_MS, TS_MAX_MS = 946_684_800_000, 4_102_444_800_000  # 2000-01-01 .. 2100-01-01

# Sparkplug data type -> the protobuf value field that carries it
VALUE_FIELD = {
    1: "int_value",
    2: "int_value",
    3: "int_value",
    4: "long_value",
    5: "int_value",
    6: "int_value",
    7: "int_value",
    8: "long_value",
    9: "float_value",
    10: "double_value",
    11: "boolean_value",
    12: "string_value",
    13: "long_value",
    14: "string_value",
}
SIGNED_BITS = {1: 32, 2: 32, 3: 32, 4: 64}  # signed ints travel as two's complement in uint32 / uint64
INTEGER_TYPES = frozenset({1, 2, 3, 4, 5, 6, 7, 8})
FLOAT_TYPES = frozenset({9, 10})
COUNT_TYPES = INTEGER_TYPES | FLOAT_TYPES  # a counter a PLC keeps in a Float or Double is a count all the same
STRING_TYPES = frozenset({12, 14})


@dataclass(frozen=True, slots=True)
class Topic:
    """A Sparkplug topic's parts; `device` is empty for a node's own messages."""

    group: str
    message_type: str
    node: str
    device: str = ""


def parse_topic(topic: str) -> Topic | None:
    """The parts of a Sparkplug topic, None for the host STATE topic; DecodeError if not Sparkplug."""
    levels = topic.split("/")
    if levels[0] != NAMESPACE or len(levels) < 3:
        raise DecodeError(f"not a Sparkplug B topic: {topic!r}")
    if levels[1] == "STATE":
        return None
    if len(levels) == 4 and levels[2] in NODE_TYPES and all(levels):
        return Topic(levels[1], levels[2], levels[3])
    if len(levels) == 5 and levels[2] in DEVICE_TYPES and all(levels):
        return Topic(levels[1], levels[2], levels[3], levels[4])
    raise DecodeError(f"not a Sparkplug B topic: {topic!r}")


@dataclass(frozen=True, slots=True)
class MetricDef:
    """A metric as declared at birth, with where its readings go."""

    name: str
    alias: int | None
    datatype: int
    unit: str
    equipment: str
    leaf: str
    role: str  # measurement | state | count | protocol
    value_field: str | None = None  # the protobuf field that carries the value
    signed_bits: int = 0  # signed integers travel as two's complement in uint32 / uint64


def metric_def(base: str, name: str, alias: int | None, datatype: int, unit: str) -> MetricDef:
    if name == "bdSeq" or name.startswith(PROTOCOL_PREFIXES):
        role = "protocol"
    elif datatype not in VALUE_FIELD:
        raise DecodeError(f"metric {name!r}: data type {datatype} has no factoryos reading")
    else:
        parts = name.split("/")
        if not all(parts):
            raise DecodeError(f"metric {name!r}: empty folder in the name")
        leaf = parts[-1]
        if leaf == "state" and datatype in STRING_TYPES:
            role = "state"
        elif leaf in COUNT_LEAVES and datatype in COUNT_TYPES:
            role = "count"
        elif datatype in STRING_TYPES:
            raise DecodeError(f"metric {name!r}: a string that is not a state has no factoryos reading")
        else:
            role = "measurement"
        equipment = "/".join([base, *parts[:-1]])
        field_name, bits = VALUE_FIELD[datatype], SIGNED_BITS.get(datatype, 0)
        return MetricDef(name, alias, datatype, unit or "1", equipment, leaf, role, field_name, bits)
    return MetricDef(name, alias, datatype, unit, base, name, role)


@dataclass(slots=True)
class Definitions:
    """The metrics one birth certificate declared, by alias and by name."""

    by_alias: dict[int, MetricDef] = field(default_factory=dict)
    by_name: dict[str, MetricDef] = field(default_factory=dict)

    def add(self, metric: MetricDef) -> None:
        self.by_name[metric.name] = metric
        if metric.alias is not None:
            self.by_alias[metric.alias] = metric

    def rows(self) -> list[list]:
        return [[m.name, m.alias, m.datatype, m.unit] for m in self.by_name.values()]


@dataclass(slots=True)
class EdgeNode:
    """What the host knows of one edge node: its birth, devices, whether online, the seq it expects."""

    bd_seq: int
    metrics: Definitions
    online: bool = True
    next_seq: int | None = 1  # None: whatever comes next (after a restart)
    devices: dict[str, Definitions] = field(default_factory=dict)
    online_devices: set[str] = field(default_factory=set)


class SparkplugHost:
    """What a host application knows about each edge node; `decode` turns one message into readings.

    No I/O: births to keep and rebirth requests to send are returned in the `Decoded` result.
    """

    def __init__(self, check_seq: bool = True, rebirth_interval_s: float = 10.0) -> None:
        self.check_seq = check_seq
        self.rebirth_interval_s = rebirth_interval_s
        self.nodes: dict[tuple[str, str], EdgeNode] = {}
        self._rebirth_asked: dict[tuple[str, str], float] = {}

    def restore(self, births: Iterable[BirthRow]) -> None:
        """Take up the births an earlier ingester kept; the next seq is then accepted as it comes."""
        births = sorted(births, key=lambda b: b.device_id)  # nodes before their devices
        for birth in births:
            base = "/".join(p for p in (birth.group_id, birth.node_id, birth.device_id) if p)
            definitions = Definitions()
            for name, alias, datatype, unit in birth.metrics:
                try:
                    definitions.add(metric_def(base, name, alias, datatype, unit))
                except DecodeError:
                    continue  # it was reported when the birth arrived
            key = (birth.group_id, birth.node_id)
            if not birth.device_id:
                self.nodes[key] = EdgeNode(birth.bd_seq, definitions, next_seq=None)
            elif key in self.nodes:
                self.nodes[key].devices[birth.device_id] = definitions
                self.nodes[key].online_devices.add(birth.device_id)

    def decode(self, topic: Topic, payload: bytes, now_s: float | None = None) -> Decoded:
        now_s = time.time() if now_s is None else now_s
        out = Decoded()
        if topic.message_type in ("NCMD", "DCMD"):
            return out  # commands are for edge nodes, not readings
        try:
            message = pb.Payload.FromString(payload)
        except (ProtobufDecodeError, RuntimeError, ValueError) as error:
            raise DecodeError(f"bad Sparkplug protobuf: {error}") from None
        key = (topic.group, topic.node)
        node = self.nodes.get(key)
        kind = topic.message_type
        if kind == "NBIRTH":
            self._node_birth(topic, message, out)
        elif kind == "NDEATH":
            self._node_death(topic, node, message, out, now_s)
        elif node is None or not node.online:
            state = "unknown" if node is None else "offline"
            out.problems.append(f"{kind} from {state} edge node {topic.group}/{topic.node}; rebirth requested")
            self._ask_rebirth(key, now_s, out)
        elif kind in ("NDATA", "DDATA") and not TS_MIN_MS <= message.timestamp < TS_MAX_MS:
            out.problems.append(f"payload timestamp {message.timestamp} ms is missing or out of range")
        else:
            self._check_seq(topic, node, message, out, now_s)
            if kind == "DBIRTH":
                self._device_birth(topic, node, message, out)
            elif topic.device and topic.device not in node.online_devices:
                out.problems.append(f"{kind} from unknown device {topic.device!r}; rebirth requested")
                self._ask_rebirth(key, now_s, out)
            elif kind == "DDEATH":
                node.online_devices.discard(topic.device)
                _states_unknown(topic, node.devices.get(topic.device, Definitions()), now_s, out)
            else:
                definitions = node.devices[topic.device] if topic.device else node.metrics
                if self._readings(topic, definitions, message, out):
                    self._ask_rebirth(key, now_s, out)
        return out

    # births and deaths

    def _node_birth(self, topic: Topic, message, out: Decoded) -> None:
        if message.seq != 0:
            out.problems.append(f"NBIRTH seq must be 0, got {message.seq}")
        bd_seq = next((m.long_value for m in message.metrics if m.name == "bdSeq"), None)
        if bd_seq is None:
            raise DecodeError("NBIRTH without a bdSeq metric")
        definitions = self._definitions(topic, message, out)
        self.nodes[(topic.group, topic.node)] = EdgeNode(bd_seq, definitions, next_seq=1)
        self._rebirth_asked.pop((topic.group, topic.node), None)
        out.births.append(BirthRow(topic.group, topic.node, "", bd_seq, definitions.rows()))
        self._readings(topic, definitions, message, out, counts=False)

    def _device_birth(self, topic: Topic, node: EdgeNode, message, out: Decoded) -> None:
        definitions = self._definitions(topic, message, out)
        node.devices[topic.device] = definitions
        node.online_devices.add(topic.device)
        out.births.append(BirthRow(topic.group, topic.node, topic.device, node.bd_seq, definitions.rows()))
        self._readings(topic, definitions, message, out, counts=False)

    def _node_death(self, topic: Topic, node: EdgeNode | None, message, out: Decoded, now_s: float) -> None:
        bd_seq = next((m.long_value for m in message.metrics if m.name == "bdSeq"), None)
        if node is None:
            out.problems.append(f"NDEATH from unknown edge node {topic.group}/{topic.node}")
        elif bd_seq != node.bd_seq:
            out.problems.append(f"stale NDEATH: bdSeq {bd_seq}, the current birth has {node.bd_seq}")
        elif node.online:  # a death delivered again (MQTT's at-least-once) tells nothing new
            node.online = False
            _states_unknown(topic, node.metrics, now_s, out)
            for device in node.online_devices:
                _states_unknown(Topic(topic.group, "DDEATH", topic.node, device), node.devices[device], now_s, out)
            node.online_devices.clear()

    def _definitions(self, topic: Topic, message, out: Decoded) -> Definitions:
        base = _base(topic)
        definitions = Definitions()
        for m in message.metrics:
            if not m.name:
                out.problems.append("birth metric without a name")
                continue
            unit = _eng_unit(m)
            try:
                definitions.add(metric_def(base, m.name, m.alias if m.HasField("alias") else None, m.datatype, unit))
            except DecodeError as problem:
                out.problems.append(str(problem))
        return definitions

    # sequence and rebirth

    def _check_seq(self, topic: Topic, node: EdgeNode, message, out: Decoded, now_s: float) -> None:
        """Compare the message's seq with the one expected (see the module docstring), in serial number
        arithmetic (RFC 1982): up to 127 behind the expected one is behind, the rest ahead."""
        seq = message.seq
        if seq > 255:
            out.problems.append(f"seq {seq} is outside 0..255")
            return
        expected = node.next_seq
        if expected is None or not self.check_seq:
            node.next_seq = (seq + 1) % 256
            return
        behind = (expected - seq) % 256
        if behind == 0:
            node.next_seq = (seq + 1) % 256
        elif behind == 1:
            return  # the last message again (a redelivery): its rows are already stored or about to be
        elif behind < 128:
            out.problems.append(
                f"seq {seq} came after {(expected - 1) % 256}: late or sent again (data kept); rebirth requested"
            )
            self._ask_rebirth((topic.group, topic.node), now_s, out)
        else:
            out.problems.append(f"seq gap: expected {expected}, got {seq} (data kept); rebirth requested")
            self._ask_rebirth((topic.group, topic.node), now_s, out)
            node.next_seq = (seq + 1) % 256

    def _ask_rebirth(self, key: tuple[str, str], now_s: float, out: Decoded) -> None:
        asked = self._rebirth_asked.get(key)
        if asked is None or now_s - asked >= self.rebirth_interval_s:
            self._rebirth_asked[key] = now_s
            out.rebirth = key

    # readings

    def _readings(self, topic: Topic, definitions: Definitions, message, out: Decoded, counts: bool = True) -> bool:
        """Append the message's readings (its counts too, with `counts`); True if it named a metric the birth did
        not declare."""
        ts_ms = message.timestamp
        if not TS_MIN_MS <= ts_ms < TS_MAX_MS:
            out.problems.append(f"payload timestamp {ts_ms} ms is missing or out of range")
            return False
        unknown = False
        source = f"{NAMESPACE}/{_base(topic)}"
        site = topic.group
        rows, measurements = out.rows, out.measurements
        tallies: dict[tuple[str, int], list] = {}
        by_alias, by_name = definitions.by_alias, definitions.by_name
        for m in message.metrics:
            name = m.name
            d = by_name.get(name) if name else by_alias.get(m.alias)
            if d is None:
                what = f"name {name!r}" if name else m.alias
                out.problems.append(f"unknown alias {what}: not in the birth certificate")
                unknown = True
                continue
            role = d.role
            if role == "protocol":
                continue
            kind = m.WhichOneof("value")
            if kind != d.value_field:
                if kind is not None or not m.is_null:
                    out.problems.append(f"metric {d.name!r}: expected {d.value_field}, got {kind}")
                continue
            value = getattr(m, kind)
            bits = d.signed_bits
            if bits and value >= 1 << (bits - 1):
                value -= 1 << bits
            ts = m.timestamp or ts_ms
            if not TS_MIN_MS <= ts < TS_MAX_MS:
                out.problems.append(f"metric {d.name!r}: timestamp {ts} ms out of range")
                continue
            ts_us, own_seq = ts * 1000, ts * 256 + (message.seq & 0xFF)
            if role == "measurement":
                if d.datatype in FLOAT_TYPES and not math.isfinite(value):
                    out.problems.append(f"metric {d.name!r}: value {value} is not finite")
                    continue
                measurements.append((ts_us, site, d.equipment, d.leaf, float(value), d.unit, source, own_seq))
            elif role == "state":
                rows.append(StateChangeRow(ts_us, site, d.equipment, value, None, source, own_seq))
            elif value and counts:
                if type(value) is float:
                    if not (value > 0 and value.is_integer()):  # NaN and infinities too
                        out.problems.append(f"metric {d.name!r}: a count must be a whole number >= 0, got {value}")
                        continue
                    value = int(value)
                tally = tallies.setdefault((d.equipment, ts_us), [own_seq, 0, 0, 0])
                tally[1 + COUNT_LEAVES[d.leaf]] += value
        for (equipment, ts_us), (own_seq, good, scrap, rework) in tallies.items():  # one row per equipment and time
            rows.append(CountRow(ts_us, site, equipment, good, scrap, rework, None, source, own_seq))
        return unknown


def _states_unknown(topic: Topic, definitions: Definitions, now_s: float, out: Decoded) -> None:
    """A death: from when it came, nothing is known of the state of the equipment that the dead node or device
    reported, until it is born again and says (its last state would otherwise last on, a stopped press running)."""
    source = f"{NAMESPACE}/{_base(topic)}"
    ts_ms = int(now_s * 1000)
    for d in definitions.by_name.values():
        if d.role == "state":
            out.rows.append(
                StateChangeRow(
                    ts_ms * 1000, topic.group, d.equipment, EquipmentState.UNKNOWN.value, "died", source, ts_ms * 256
                )
            )


def _base(topic: Topic) -> str:
    return f"{topic.group}/{topic.node}" + (f"/{topic.device}" if topic.device else "")


def _eng_unit(metric) -> str:
    if not metric.HasField("properties"):
        return ""
    props = metric.properties
    for key, value in zip(props.keys, props.values, strict=False):
        if key in ("engUnit", "EngUnit", "unit"):
            return value.string_value
    return ""
