"""A minimal Sparkplug B edge node: the payloads a machine publishes, with its bdSeq and seq kept.

Pure encoding, no MQTT: the benchmark, the tests and simulated plants build messages with it and publish
them however they like. Metrics are declared once with an alias; data then names them by alias.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from factoryos.iot import sparkplug_b_pb2 as pb
from factoryos.iot.sparkplug import NAMESPACE, REBIRTH_METRIC, VALUE_FIELD

INT32, INT64, DOUBLE, BOOLEAN, STRING = 3, 4, 10, 11, 12


@dataclass(frozen=True)
class Metric:
    """A metric an edge node declares at birth: its name, Sparkplug data type and unit."""

    name: str
    datatype: int = DOUBLE
    unit: str = ""


@dataclass
class EdgeNodeEncoder:
    """One edge node's payloads: its births, deaths and data, with bdSeq, seq and aliases kept."""

    group: str
    node: str
    bd_seq: int = 0
    seq: int = 0
    aliases: dict[tuple[str, str], int] = field(default_factory=dict)
    types: dict[tuple[str, str], int] = field(default_factory=dict)

    def topic(self, message_type: str, device: str = "") -> str:
        return f"{NAMESPACE}/{self.group}/{message_type}/{self.node}" + (f"/{device}" if device else "")

    def node_birth(self, metrics: Sequence[Metric] = (), ts_ms: int | None = None) -> bytes:
        """NBIRTH: resets seq to 0 and declares the node's metrics."""
        self.seq = 0
        payload = self._payload(ts_ms)
        bd = payload.metrics.add(name="bdSeq", datatype=INT64)
        bd.long_value = self.bd_seq
        rebirth = payload.metrics.add(name=REBIRTH_METRIC, datatype=BOOLEAN)
        rebirth.boolean_value = False
        self._declare(payload, "", metrics)
        return payload.SerializeToString()

    def node_death(self) -> bytes:
        """NDEATH (the will message): carries the bdSeq of the birth it ends; no seq."""
        payload = pb.Payload(timestamp=_now_ms())
        payload.metrics.add(name="bdSeq", datatype=INT64).long_value = self.bd_seq
        return payload.SerializeToString()

    def device_birth(self, device: str, metrics: Sequence[Metric], ts_ms: int | None = None) -> bytes:
        payload = self._payload(ts_ms)
        self._declare(payload, device, metrics)
        return payload.SerializeToString()

    def data(self, values: dict[str, float | int | str], device: str = "", ts_ms: int | None = None) -> bytes:
        """NDATA or DDATA: the given metrics by alias."""
        payload = self._payload(ts_ms)
        for name, value in values.items():
            key = (device, name)
            metric = payload.metrics.add(alias=self.aliases[key])
            setattr(metric, VALUE_FIELD[self.types[key]], value)
        return payload.SerializeToString()

    def device_death(self, device: str) -> bytes:
        return self._payload(None).SerializeToString()

    def _declare(self, payload: pb.Payload, device: str, metrics: Sequence[Metric]) -> None:
        for metric in metrics:
            key = (device, metric.name)
            alias = self.aliases.setdefault(key, len(self.aliases) + 1)
            self.types[key] = metric.datatype
            m = payload.metrics.add(name=metric.name, alias=alias, datatype=metric.datatype)
            if metric.unit:
                m.properties.keys.append("engUnit")
                m.properties.values.add(type=STRING, string_value=metric.unit)
            m.is_null = True

    def _payload(self, ts_ms: int | None) -> pb.Payload:
        payload = pb.Payload(timestamp=ts_ms if ts_ms is not None else _now_ms(), seq=self.seq)
        self.seq = (self.seq + 1) % 256
        return payload


def rebirth_request(ts_ms: int | None = None) -> bytes:
    """The NCMD payload a host sends to ask an edge node to publish its births again."""
    payload = pb.Payload(timestamp=ts_ms if ts_ms is not None else _now_ms())
    metric = payload.metrics.add(name=REBIRTH_METRIC, datatype=BOOLEAN)
    metric.boolean_value = True
    return payload.SerializeToString()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000
