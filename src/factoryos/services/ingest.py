"""The ingestion use cases: run an ingester, see what the store holds and what was rejected, keep it pruned.

Each is one function over the store and the IoT connectors, called by the CLI (and the API): the edges parse
their options into these arguments and print what comes back.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from factoryos.iot.jsonlayout import DEFAULT_PREFIX
from factoryos.iot.mqtt import MqttConnector, MqttSettings, parse_broker
from factoryos.iot.oee import Counted, Oee, line_of
from factoryos.iot.opcua import OpcUaConnector, OpcUaNode, checked
from factoryos.iot.pipeline import Pipeline, PipelineSettings, Stats
from factoryos.iot.sparkplug import NAMESPACE as SPARKPLUG_NAMESPACE
from factoryos.iot.validate import Clock, Rules
from factoryos.model.bus import EventBus
from factoryos.model.errors import FactoryosError
from factoryos.model.files import read_bounded
from factoryos.model.plant import Plant
from factoryos.model.readings import from_us, to_us
from factoryos.model.validate import load_plant
from factoryos.model.yamlfile import MAX_BYTES, read_yaml
from factoryos.services.monitor_watch import MultivariateWatch
from factoryos.services.oee import OeeQuery, oee_figures
from factoryos.services.order_desk import follow_stream
from factoryos.services.spc_watch import SpcWatch, StreamReadings, StreamWatch
from factoryos.store import events as dead_letter_store
from factoryos.store.db import as_utc, transaction
from factoryos.store.events import SqlEventStore
from factoryos.store.timeseries import Batch, RefusedRollup, SeqSpan, TelemetryStore


@dataclass(frozen=True)
class IngestRequest:
    """What to ingest and how.

    json_prefixes: JSON topic layout prefixes (default `factoryos` when no Sparkplug group is given).
    share: a shared-subscription group splitting the data among ingesters, or None (the default) for all
    of it. session_expiry_s: how long the broker keeps the session of a stopped ingester (default: a week,
    five minutes in a share group). plant: accept readings of this plant's equipment only, within the
    limits of its sensors. spc: chart every sensor and tested characteristic live with these run rules
    (`we` or `nelson`), storing an alarm event when one fires; None for no live SPC. monitor: run the
    multivariate monitor live with this method on each equipment's series, in samples of `monitor_period`
    seconds, learning from the first `monitor_train`, storing an alarm event as each episode begins and ends;
    None for none. follow_orders: move customer orders along their lifecycle as the stored operations begin
    work for them and finish their units (`order_desk.follow_stream`; needs `plant`). clock: how far from its
    arrival a reading may be stamped (None: any time the database holds, for a replay of old data).
    """

    broker: str | None = None
    sparkplug_groups: tuple[str, ...] = ()
    json_prefixes: tuple[str, ...] = ()
    opcua: str | None = None
    opcua_nodes: Path | None = None
    client_id: str = "factoryos-ingest"
    share: str | None = None
    session_expiry_s: int | None = None
    plant: Path | None = None
    max_payload_bytes: int = 256 * 1024
    spc: str | None = None
    monitor: str | None = None
    monitor_period: float = 300.0
    monitor_train: int = 200
    follow_orders: bool = False
    clock: Clock | None = Clock()


@dataclass(frozen=True)
class Ingested:
    """What an ingester did: the pipeline's figures and, following the order desk, the orders it moved into
    each state."""

    stats: Stats
    orders_moved: Counter[str]


def ingest(
    engine: Engine,
    request: IngestRequest,
    stop: threading.Event,
    duration_s: float | None = None,
    on_started: Callable[[list[str]], None] | None = None,
) -> Ingested:
    """Run an ingester until `stop` is set (or `duration_s` has passed); returns what it did.
    `on_started` gets the names of the connectors once they run."""
    if request.broker is None and request.opcua is None:
        raise FactoryosError("give --broker mqtt://host:port and/or --opcua opc.tcp://...")
    nodes = opcua_nodes(request.opcua_nodes) if request.opcua is not None else []
    prefixes = request.json_prefixes or (() if request.sparkplug_groups else (DEFAULT_PREFIX,))
    plant = load_plant(request.plant) if request.plant is not None else None
    rules = Rules.for_plant(plant, clock=request.clock) if plant is not None else Rules(clock=request.clock)
    settings = PipelineSettings(
        json_prefixes=tuple(dict.fromkeys((*prefixes, DEFAULT_PREFIX))),  # OPC UA readings use the default
        check_seq=not request.share,  # with a shared subscription each ingester sees only part of a node's seq
        rules=rules,
        max_payload_bytes=request.max_payload_bytes,
    )
    moved: Counter[str] = Counter()
    watches = live_watches(engine, request, plant, moved)
    pipeline = Pipeline(TelemetryStore(engine), settings, on_stored=watches).start()
    connectors: list[MqttConnector | OpcUaConnector] = []
    try:
        if request.broker is not None:
            host, port = parse_broker(request.broker)
            mqtt_settings = MqttSettings(
                host=host,
                port=port,
                client_id=request.client_id,
                sparkplug_groups=request.sparkplug_groups,
                json_prefixes=prefixes,
                share_group=request.share or None,
                host_id=request.client_id,
                session_expiry_s=request.session_expiry_s,
            )
            connectors.append(MqttConnector(mqtt_settings, pipeline).start())
        if request.opcua is not None:
            connectors.append(OpcUaConnector(request.opcua, nodes, pipeline).start())
        if on_started is not None:
            on_started([type(c).__name__ for c in connectors])
        stop.wait(duration_s)
    finally:
        for connector in connectors:
            connector.stop()
        pipeline.stop()
    return Ingested(pipeline.stats, moved)


def live_watches(
    engine: Engine, request: IngestRequest, plant: Plant | None = None, moved: Counter[str] | None = None
) -> Callable[[Batch], None] | None:
    """What watches each stored batch live, if anything: the SPC charts and the multivariate monitor, their
    alarms stored with the events, and with `follow_orders` the order desk, told of the units finished (`plant`
    says which operation finishes a unit; `moved` tallies the orders moved into each state). The settings are
    checked here, before any connector starts."""
    bus = EventBus(SqlEventStore(engine))
    watches: list[Callable[[Batch], None]] = []
    stream_watches: list[StreamWatch] = []
    if request.spc is not None:
        stream_watches.append(SpcWatch(bus, rules=request.spc))
    if request.monitor is not None:
        stream_watches.append(MultivariateWatch(bus, request.monitor, request.monitor_period, request.monitor_train))
    if stream_watches:
        watches.append(_decoded_once(stream_watches))
    if request.follow_orders:
        if plant is None:
            raise FactoryosError("--orders needs --plant: the plant's routings say which operation finishes a unit")
        watches.append(_order_follower(engine, plant, moved if moved is not None else Counter()))
    if not watches:
        return None

    def take(batch: Batch) -> None:
        for watch in watches:
            watch(batch)

    return take


def _order_follower(engine: Engine, plant: Plant, moved: Counter[str]) -> Callable[[Batch], None]:
    """Tell the order desk of the units each stored batch finished, tallying the orders moved per state."""

    def follow(batch: Batch) -> None:
        advance = follow_stream(engine, plant, batch.events)
        moved.update({state: len(orders) for state, orders in advance.moved.items()})

    return follow


def _decoded_once(stream_watches: list[StreamWatch]) -> Callable[[Batch], None]:
    """Hand each stored batch's readings, decoded once, to every live watch of the stream."""
    readings = StreamReadings()

    def take(batch: Batch) -> None:
        decoded = readings.of_batch(batch)
        for watch in stream_watches:
            watch.take(decoded)

    return take


def opcua_nodes(path: Path | None) -> list[OpcUaNode]:
    """The OPC UA nodes to subscribe to, from a YAML list of {node_id, equipment, name, unit, kind}."""
    if path is None:
        raise FactoryosError("--opcua needs --opcua-nodes FILE mapping nodes to equipment")
    expected = f"{path}: expected a list of {{node_id, equipment, name, unit, kind}}"
    try:
        document = read_yaml(read_bounded(path, MAX_BYTES, "file of OPC UA nodes").decode("utf-8"))
        if document.issues:
            first = document.issues[0]
            raise FactoryosError(f"{expected}: {f'line {first.line}: ' if first.line else ''}{first.message}")
        entries = list(document.data)
    except (OSError, TypeError, ValueError) as error:
        raise FactoryosError(f"{expected}: {error}") from None
    nodes = []
    for k, entry in enumerate(entries):
        try:
            nodes.append(checked(OpcUaNode(**entry)))
        except (TypeError, ValueError) as error:
            raise FactoryosError(f"{path}: node {k + 1}: {error}") from None
    return nodes


def dead_letters(engine: Engine, channel: str | None = None, limit: int | None = 20) -> list[dict]:
    """What was rejected, newest first: id, received_at, channel, source, reason, the raw bytes kept (the first
    64 KiB) and the whole payload's length and SHA-256 (None for letters kept before they were recorded)."""
    with transaction(engine) as session:
        return [
            {
                "id": d.id,
                "received_at": as_utc(d.received_at),
                "channel": d.channel,
                "source": d.source,
                "reason": d.reason,
                "raw": d.raw,
                "raw_length": d.raw_length,
                "raw_sha256": d.raw_sha256,
            }
            for d in dead_letter_store.dead_letters(session, channel, limit)
        ]


def retention(engine: Engine) -> dict[str, tuple[float, int | None]]:
    """Per series: the days kept, and the most rows kept per channel (the dead letters only)."""
    store = TelemetryStore(engine)
    cap = store.dead_letter_cap()
    return {series: (days, cap if series == "dead_letters" else None) for series, days in store.retention().items()}


def set_retention(engine: Engine, series: str, keep_days: float | None, max_rows: int | None = None) -> None:
    """Keep `series` for `keep_days` (a finite number of days above 0), and the dead letters to `max_rows`
    per channel."""
    TelemetryStore(engine).set_retention(series, keep_days, max_rows)


def prune(engine: Engine, now: datetime) -> dict[str, int]:
    """Delete what is older than its retention; rows deleted per series."""
    return TelemetryStore(engine).prune(now)


def rollup(engine: Engine, start: datetime, end: datetime) -> list[RefusedRollup]:
    """Recompute the 1-minute and 1-hour rollups of [start, end]; the hours the database refused to sum,
    left without rollups."""
    return TelemetryStore(engine).refresh_rollups(to_us(start), to_us(end))


def stats(engine: Engine) -> dict[str, int]:
    """Rows held per kind: measurements, states, counts, operations, tests, alarms and dead letters."""
    return TelemetryStore(engine).row_counts()


def state_span(engine: Engine) -> tuple[datetime, datetime] | None:
    """When the stored state changes begin and end (None: there are none): where OEE has data to read."""
    span = TelemetryStore(engine).state_span()
    return None if span is None else (from_us(span[0]), from_us(span[1]))


def seq_gaps(engine: Engine) -> list[SeqSpan]:
    """The sources whose stored seqs leave numbers out, most missing first. Sparkplug's seqs (its timestamps
    and 0..255 counters; its host asks for a rebirth on a gap) are not counted."""
    spans = TelemetryStore(engine).seq_spans()
    gapped = [s for s in spans if s.missing > 0 and not s.source.startswith(f"{SPARKPLUG_NAMESPACE}/")]
    return sorted(gapped, key=lambda s: (-s.missing, s.source))


def stored_oee(engine: Engine, query: OeeQuery, line: str | None = None) -> dict[str, Oee]:
    """OEE from the stored telemetry, of one work center (its path or its id) or all. A window that reaches past
    now counts each equipment's last state up to now: the later of the wall clock and the newest stored reading
    (a simulated plant's clock may run ahead of ours)."""
    store = TelemetryStore(engine)
    now = datetime.now(UTC)
    newest = store.last_reading_us() if query.end > now else None
    now = now if newest is None else max(now, from_us(newest))
    start_us, end_us = to_us(query.start), to_us(query.end)
    wanted = _line_filter(line)
    changes = [
        (from_us(r.ts_us), r.equipment, r.state)
        for r in store.state_changes("", start_us, end_us)
        if wanted(r.equipment)
    ]
    # up to the query's end: `oee_figures` takes a count at it, as a shift-end booking
    counts = [Counted.of_row(r) for r in store.counts("", start_us, end_us + 1) if wanted(r.equipment)]
    return oee_figures(changes, counts, query, now)


def _line_filter(line: str | None) -> Callable[[str], bool]:
    if line is None:
        return lambda equipment: True
    if "/" in line:
        return lambda equipment: line_of(equipment) == line.strip("/")
    return lambda equipment: line_of(equipment).rsplit("/", 1)[-1] == line
