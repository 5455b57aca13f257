"""Faults, on a private Mosquitto with persistence: an ingester killed mid-stream, a broker restarted.
Either way every message is stored exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factoryos.iot.publisher import MqttPublisher
from factoryos.store.db import make_engine
from factoryos.store.telemetry import MeasurementRecord
from factoryos.store.timeseries import TelemetryStore

from .mqtt_helpers import ingester, mqtt_publisher, readings, until

pytestmark = pytest.mark.mqtt

RUN_INGEST = "import typer; from factoryos.cli.iot import ingest; typer.run(ingest)"


def stored(store) -> int:
    with Session(store.engine) as session:
        return session.scalar(select(func.count()).select_from(MeasurementRecord))


def distinct_seqs(store) -> int:
    with Session(store.engine) as session:
        return session.scalar(select(func.count(func.distinct(MeasurementRecord.seq))))


def start_ingester(port: int, db: str, uid: str, *options: str) -> subprocess.Popen:
    """`factoryos ingest` with the options given (the defaults otherwise) on this test's topics."""
    args = ["--broker", f"mqtt://127.0.0.1:{port}", "--json-topic", f"t{uid}", "--db", db, *options]
    return subprocess.Popen(
        [sys.executable, "-c", RUN_INGEST, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_an_ingester_killed_mid_stream_and_restarted_loses_and_doubles_nothing(private_broker, tmp_path, uid):
    db = f"sqlite:///{tmp_path / 'kill.db'}"
    port = private_broker.port
    process = start_ingester(port, db, uid, "--client-id", f"ing-{uid}")
    publisher = mqtt_publisher("127.0.0.1", port)
    try:
        store = TelemetryStore(make_engine(db))
        assert until(lambda: _warm_up(publisher, uid, store), timeout=60)
        stream = threading.Thread(target=publisher.send_all, args=(readings(f"t{uid}", "site", 6000, start=1),))
        stream.start()
        assert until(lambda: stored(store) >= 500)
        process.send_signal(signal.SIGKILL)  # no goodbye: whatever it held unacked is redelivered
        process.wait(10)
        at_kill = stored(store)
        stream.join(60)
        process = start_ingester(port, db, uid, "--client-id", f"ing-{uid}")
        assert until(lambda: stored(store) == 6001, timeout=60)
    finally:
        publisher.close()
        process.terminate()
        process.wait(20)
    assert at_kill < 6001  # it really died mid-stream
    assert stored(store) == distinct_seqs(store) == 6001


def test_a_broker_restart_loses_and_doubles_nothing(private_broker, store, uid):
    port = private_broker.port
    pipeline, connector = ingester(store, "127.0.0.1", port, f"ing-{uid}", prefixes=[f"t{uid}"], expiry=600)
    publisher = mqtt_publisher("127.0.0.1", port, client_id=f"pub-{uid}")
    try:
        stream = threading.Thread(target=publisher.send_all, args=(readings(f"t{uid}", "site", 6000),))
        stream.start()
        assert until(lambda: stored(store) >= 500)
        private_broker.stop()
        at_stop = stored(store)
        private_broker.start()
        stream.join(60)
        assert until(lambda: stored(store) == 6000, timeout=30), (at_stop, stored(store), pipeline.stats)
    finally:
        publisher.close()
        connector.stop()
        pipeline.stop()
    assert at_stop < 6000
    assert stored(store) == distinct_seqs(store) == 6000


def _warm_up(publisher: MqttPublisher, uid: str, store) -> bool:
    """Send reading 0 (again: it is stored once) until the ingester, once subscribed, has stored it."""
    publisher.send_all(readings(f"t{uid}", "site", 1))
    try:
        return stored(store) == 1
    except Exception:  # the ingester has not created the tables yet
        return False


def test_the_default_configuration_loses_nothing_when_the_broker_restarts_and_then_the_ingester_crashes(
    private_broker, tmp_path, uid
):
    """`factoryos ingest` with no options but where to read and write keeps every QoS 1 message when the broker
    restarts mid-stream and the ingester crashes before it could reconnect. (With the shared subscription that
    was the default, Mosquitto 2.0 dropped what arrived for the offline ingester: 87 % of this stream.)"""
    total = 10_000
    db = f"sqlite:///{tmp_path / 'default.db'}"
    port = private_broker.port
    process = start_ingester(port, db, uid)
    publisher = mqtt_publisher("127.0.0.1", port, client_id=f"pub-{uid}")
    try:
        store = TelemetryStore(make_engine(db))
        assert until(lambda: _warm_up(publisher, uid, store), timeout=60)
        stream = threading.Thread(target=publisher.send_all, args=(readings(f"t{uid}", "site", total, start=1),))
        stream.start()
        assert until(lambda: stored(store) >= total // 10)
        private_broker.stop()
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        at_crash = stored(store)
        private_broker.start()
        stream.join(120)
        process = start_ingester(port, db, uid)
        until(lambda: stored(store) == total + 1, timeout=90)
    finally:
        publisher.close()
        process.terminate()
        process.wait(20)
    assert at_crash < total // 2  # most of the stream arrived while the ingester was down
    assert stored(store) == distinct_seqs(store) == total + 1
