"""Fixtures for the IoT tests: the broker, a private broker that can be restarted, a store, unique names."""

from __future__ import annotations

import os
import pwd
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from factoryos.iot.mqtt import parse_broker
from factoryos.store.db import make_engine
from factoryos.store.timeseries import TelemetryStore

MQTT_URL = os.environ.get("FACTORYOS_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")


@pytest.fixture
def broker() -> tuple[str, int]:
    host, port = parse_broker(MQTT_URL)
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        pytest.skip(f"no MQTT broker at {MQTT_URL}")
    return host, port


@pytest.fixture
def uid() -> str:
    """A unique token for topics, client ids and sites, so parallel runs do not meet."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def store(sqlite_url) -> TelemetryStore:
    engine = make_engine(sqlite_url)
    yield TelemetryStore(engine)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateBroker:
    """A Mosquitto of our own, with persistence and no queue limit, which a test may restart."""

    def __init__(self, directory: Path, extra: str = "") -> None:
        self.port = free_port()
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {directory}/\nmax_queued_messages 0\nmax_inflight_messages 0\n"
            f"user {pwd.getpwuid(os.getuid()).pw_name}\n"  # as root it would switch to a user who cannot write here
            + extra
        )
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private mosquitto did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: Mosquitto writes its persistence file
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_broker(tmp_path):
    if subprocess.run(["which", "mosquitto"], capture_output=True).returncode:
        pytest.skip("mosquitto is not installed")
    broker = PrivateBroker(tmp_path)
    broker.start()
    yield broker
    broker.stop()
