"""`factoryos serve --workers N` on Linux: each worker listens on a socket of its own on the port, so the kernel
spreads connections over them; a port already taken is refused with a clear message; SIGTERM stops them all."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_tenants_cli import _get_when_up

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="SO_REUSEPORT spreads connections on Linux")

LISTEN = "0A"
"""The state of a listening socket in /proc/net/tcp."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening_sockets(port: int) -> int:
    """How many sockets listen on `port` (every network namespace's table as this process sees it)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    fields = [row.split() for row in rows]
    return sum(1 for f in fields if int(f[1].split(":")[1], 16) == port and f[3] == LISTEN)


def _serve(port: int, workers: int, db: str, **run) -> subprocess.Popen:
    command = [sys.executable, "-c", "from factoryos.cli import main; main()", "serve", "--port", str(port)]
    return subprocess.Popen([*command, "--workers", str(workers), "--db", db], text=True, **run)


def test_each_worker_listens_on_its_own_socket_and_sigterm_stops_them_all(sqlite_url):
    port = _free_port()
    server = _serve(port, 3, sqlite_url, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert "/api/v1/orders" in _get_when_up(f"http://127.0.0.1:{port}/openapi.json").json()["paths"]
        for _ in range(600):
            if _listening_sockets(port) == 3:
                break
            time.sleep(0.1)
        assert _listening_sockets(port) == 3
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    assert _listening_sockets(port) == 0


def test_a_port_in_use_is_refused_before_any_worker_starts(sqlite_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _serve(port, 2, sqlite_url, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = server.communicate(timeout=120)
    assert server.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in out + err
    assert "Traceback" not in out + err
