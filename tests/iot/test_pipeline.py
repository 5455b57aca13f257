"""The pipeline without a broker: bad input to the dead letters, redelivery, acks after store, backpressure."""

from __future__ import annotations

import json
import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factoryos.iot import sparkplug_b_pb2 as pb
from factoryos.iot.edge import EdgeNodeEncoder, Metric
from factoryos.iot.messages import Ack, Inbound
from factoryos.iot.pipeline import Pipeline, PipelineSettings
from factoryos.iot.validate import Clock, Limits, Rules
from factoryos.model.events import EventKind
from factoryos.store.tables import DeadLetter
from factoryos.store.telemetry import MeasurementRecord
from factoryos.store.timeseries import TelemetryStore

EQUIPMENT = "ev-plant/paint/line-1/booth-2"
T0 = 1_795_000_000_000


def reading(seq: int, value: object = 60.0, unit: str = "degC", equipment: str = EQUIPMENT, **extra) -> Inbound:
    body = {"seq": seq, "ts": T0 + seq, "name": "temperature", "value": value, "unit": unit, **extra}
    return Inbound("mqtt", f"factoryos/{equipment}/measurement", json.dumps(body).encode())


def stored(store) -> int:
    with Session(store.engine) as session:
        return session.scalar(select(func.count()).select_from(MeasurementRecord))


def letters(store) -> list[DeadLetter]:
    with Session(store.engine) as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def test_malformed_messages_of_every_kind_land_in_dead_letters_and_ingestion_goes_on(store):
    rules = Rules(limits={"temperature": Limits("degC", -20, 200)}, equipment={EQUIPMENT, "ev-plant/paint"})
    pipeline = Pipeline(store, PipelineSettings(rules=rules, max_payload_bytes=2048, max_wait_s=0.01)).start()
    node = EdgeNodeEncoder("ev-plant", "paint")
    spb = [
        Inbound("mqtt", node.topic("NBIRTH"), node.node_birth([Metric("line-1/booth-2/temperature", unit="degC")])),
    ]
    unknown_alias = pb.Payload(timestamp=T0, seq=1)
    unknown_alias.metrics.add(alias=4242, double_value=1.0)
    node.seq = 2
    wrong_type = pb.Payload(timestamp=T0 + 1, seq=2)
    wrong_type.metrics.add(alias=node.aliases[("", "line-1/booth-2/temperature")], string_value="hot")
    node.seq = 7
    gap = node.data({"line-1/booth-2/temperature": 70.0}, ts_ms=T0 + 2)
    stranger = EdgeNodeEncoder("ev-plant", "stranger")
    bad = {
        "bad Sparkplug protobuf": Inbound("mqtt", node.topic("NDATA"), b"\x0a\xff\xff\xff"),
        "unknown alias": Inbound("mqtt", node.topic("NDATA"), unknown_alias.SerializeToString()),
        "expected double_value": Inbound("mqtt", node.topic("NDATA"), wrong_type.SerializeToString()),
        "seq gap": Inbound("mqtt", node.topic("NDATA"), gap),
        "unknown edge node": Inbound("mqtt", stranger.topic("NDATA"), stranger.data({}, ts_ms=T0)),
        "got 'hot'": reading(1, "hot"),
        "not JSON": Inbound("mqtt", f"factoryos/{EQUIPMENT}/measurement", b"{not json"),
        "outside [-20, 200]": reading(2, 900.0),
        "below the physical minimum": reading(3, -5.0, unit="K"),
        "unknown unit": reading(4, 1.0, unit="furlong"),
        "exceeds 2048": reading(5, 1.0, pad="x" * 3000),
        "unknown topic": Inbound("mqtt", "somewhere/else", b"{}"),
        "unknown equipment": reading(6, equipment="ev-plant/paint/line-9/booth-1"),
        "seq must be": Inbound("mqtt", f"factoryos/{EQUIPMENT}/measurement", b'{"value": 1, "unit": "K"}'),
        "got 'asleep'": Inbound("mqtt", f"factoryos/{EQUIPMENT}/state", b'{"seq": 1, "state": "asleep"}'),
        "got nan": Inbound(
            "mqtt", f"factoryos/{EQUIPMENT}/measurement", b'{"seq": 9, "name": "t", "value": NaN, "unit": "K"}'
        ),
    }
    good = [reading(100 + i) for i in range(20)]
    for message in spb + list(bad.values()) + good:
        pipeline.submit(message)
    assert pipeline.wait_idle()
    reasons = [d.reason for d in letters(store)]
    for expected in bad:
        assert sum(expected in r for r in reasons) == 1, (expected, reasons)
    assert len(reasons) == len(bad)
    assert all(d.raw for d in letters(store))
    assert all(d.channel == "mqtt" for d in letters(store))
    assert len(letters(store)[0].raw) <= 2048
    assert stored(store) == 20 + 1  # the good readings, and the seq-gap message's data, kept
    pipeline.submit(reading(500))  # still going
    assert pipeline.wait_idle()
    pipeline.stop()
    assert stored(store) == 22


def test_readings_stamped_far_from_their_arrival_are_dead_letters_with_a_clock(store):
    """A live ingester's clock window: a device reset to 2000 and one set a year ahead are refused and listed;
    a reading stamped now is stored beside them."""
    pipeline = Pipeline(store, PipelineSettings(rules=Rules(clock=Clock()), max_wait_s=0.01)).start()
    now_ms = int(time.time() * 1000)
    stamped = {1: 946_684_800_000, 2: now_ms + 365 * 86_400_000, 3: now_ms}
    for seq, ts in stamped.items():
        body = {"seq": seq, "ts": ts, "name": "temperature", "value": 60.0, "unit": "degC"}
        pipeline.submit(Inbound("mqtt", f"factoryos/{EQUIPMENT}/measurement", json.dumps(body).encode()))
    assert pipeline.wait_idle()
    pipeline.stop()
    reasons = [d.reason for d in letters(store)]
    assert len(reasons) == 2
    assert "stamped 2000-01-01" in reasons[0]
    assert "days before it arrived" in reasons[0]
    assert "after it arrived" in reasons[1]
    assert "clock" in reasons[1]
    assert stored(store) == 1


def test_a_check_that_fails_dead_letters_its_message_alone_and_ingestion_goes_on(store, monkeypatch):
    """A bug in a check must not stop the decoding thread (the ingester then acked nothing and hung)."""
    pipeline = Pipeline(store, PipelineSettings(max_wait_s=0.01))
    checked = pipeline._check.measurements

    def failing_on_seq_2(rows, accepted, problems):
        if any(row[7] == 2 for row in rows):
            raise OverflowError("cannot convert float infinity to integer")
        checked(rows, accepted, problems)

    monkeypatch.setattr(pipeline._check, "measurements", failing_on_seq_2)
    pipeline.start()
    for seq in (1, 2, 3):
        pipeline.submit(reading(seq))
    assert pipeline.wait_idle()
    pipeline.stop()
    assert [d.reason for d in letters(store)] == [
        "decoder error: OverflowError: cannot convert float infinity to integer"
    ]
    assert stored(store) == 2


def test_dead_letters_are_kept_within_their_cap_while_the_rollups_fail(store, monkeypatch):
    """A refresh of the rollups that fails used to skip the pruning of the dead letters in the same step, and
    in every step after it for as long as it failed."""
    store.set_retention("dead_letters", max_rows=1)
    windows = []

    def failing(start_us: int, end_us: int) -> list:
        windows.append((start_us, end_us))
        raise RuntimeError("rollups failed")

    monkeypatch.setattr(store, "refresh_rollups", failing)
    pipeline = Pipeline(store, PipelineSettings(rollup_every_s=0, max_wait_s=0.01)).start()
    pipeline.submit(reading(1))
    for seq in (2, 3, 4):
        pipeline.submit(reading(seq, value="hot"))
    assert pipeline.wait_idle()
    pipeline.stop()
    assert len(letters(store)) == 1
    assert windows[-1] == ((T0 + 1) * 1000, (T0 + 1) * 1000)  # still pending, tried again


def test_redelivered_messages_are_stored_once(engine):
    store = TelemetryStore(engine)
    pipeline = Pipeline(store).start()
    alarm = Inbound("mqtt", f"factoryos/{EQUIPMENT}/alarm", b'{"seq": 7, "ts": 1795000000000, "code": "E7"}')
    messages = [reading(i) for i in range(50)] + [alarm]
    for message in messages + messages[10:30] + [alarm]:
        pipeline.submit(message)
    pipeline.wait_idle()
    pipeline.submit(messages[0])
    pipeline.stop()
    assert stored(store) == 50
    [event] = store.read(EventKind.ALARM)
    assert event.payload["code"] == "E7"


class FlakyStore:
    """Fails the first writes, then stores; a stand-in for a database that went away for a moment."""

    def __init__(self, store, failures: int) -> None:
        self.store, self.failures, self.writes = store, failures, 0

    def __getattr__(self, name):
        return getattr(self.store, name)

    def write(self, batch):
        self.writes += 1
        if self.writes <= self.failures:
            raise ConnectionError("database unavailable")
        return self.store.write(batch)


def test_messages_are_acked_only_once_stored_and_a_failing_store_is_retried(store):
    acked = []
    flaky = FlakyStore(store, failures=2)
    pipeline = Pipeline(flaky).start()
    for i in range(10):
        message = reading(i)
        pipeline.submit(message._replace(ack=lambda i=i: acked.append((i, stored(store)))))
    assert pipeline.wait_idle()
    pipeline.stop()
    assert pipeline.stats.store_failures == 2
    assert sorted(i for i, _ in acked) == list(range(10))
    assert all(count == 10 for _, count in acked)  # every ack came after its reading was in the database


def test_batched_acks_are_sent_once_per_batch_after_the_store(store):
    sent = []
    pipeline = Pipeline(store, PipelineSettings(batch_size=50, max_wait_s=0.2)).start()

    def send(tokens: list[int]) -> None:
        sent.append((tokens, stored(store)))

    for i in range(50):
        pipeline.submit(reading(i)._replace(ack=Ack(send, i)))
    assert pipeline.wait_idle()
    pipeline.stop()
    assert sent == [(list(range(50)), 50)]
    Ack(sent.append, 7)()
    assert sent[-1] == [7]


class GatedStore(FlakyStore):
    """Holds every write until the gate opens."""

    def __init__(self, store) -> None:
        super().__init__(store, failures=0)
        self.gate = threading.Event()

    def write(self, batch):
        self.gate.wait()
        return self.store.write(batch)


def test_a_slow_store_blocks_the_connector_instead_of_piling_up_messages(store):
    gated = GatedStore(store)
    pipeline = Pipeline(gated, PipelineSettings(queue_size=10, batch_size=5, max_wait_s=0.01)).start()
    submitted = []

    def connector():
        for i in range(100):
            pipeline.submit(reading(i))
            submitted.append(i)

    thread = threading.Thread(target=connector, daemon=True)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive()
    assert len(submitted) < 100
    assert pipeline._queue.qsize() <= 10
    gated.gate.set()
    thread.join(30)
    assert pipeline.wait_idle()
    pipeline.stop()
    assert stored(store) == 100
