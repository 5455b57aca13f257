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


def start_ingester(port: int, db: str, uid: str) -> subprocess.Popen:
    args = ["--broker", f"mqtt://127.0.0.1:{port}", "--json-topic", f"t{uid}", "--client-id", f"ing-{uid}"]
    args += ["--share", "", "--db", db]
    return subprocess.Popen(
        [sys.executable, "-c", RUN_INGEST, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_an_ingester_killed_mid_stream_and_restarted_loses_and_doubles_nothing(private_broker, tmp_path, uid):
    db = f"sqlite:///{tmp_path / 'kill.db'}"
    port = private_broker.port
    process = start_ingester(port, db, uid)
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
        process = start_ingester(port, db, uid)
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
