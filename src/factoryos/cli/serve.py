"""`factoryos serve`: the order API under uvicorn, one process per worker.

uvicorn's own workers share one listening socket and whichever is awake accepts the next connection, so a
client that opens its connections at once (a load balancer, a partner's integration with a keep-alive pool)
can land most of them on one worker while the others idle. On Linux each worker here listens on a socket of
its own on the same port (SO_REUSEPORT), and the kernel spreads new connections over them evenly.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess
from typing import Annotated

import typer
import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from factoryos.cli.common import DbOption, console


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (use PostgreSQL for more than one).", min=1)] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request (costs CPU under load).")] = False,
    db: DbOption = None,
) -> None:
    """Serve the order API (OpenAPI at /docs); keys come from `factoryos tenants key TENANT`."""
    from factoryos.store.db import database_url, make_engine, migrate

    url = database_url(db)
    migrate(make_engine(url))
    os.environ["FACTORYOS_DATABASE_URL"] = url  # the workers build the app from the environment
    console.print(f"factoryos API on http://{host}:{port}/docs ({workers} worker{'s' * (workers > 1)})")
    config = _config(host, port, access_log, workers)
    if workers == 1:
        uvicorn.Server(config).run()
    elif not _balanced_ports():
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        _listening_socket(host, port).close()  # a port in use is refused here, before any worker starts
        _supervise(config, workers)


def _supervise(config: uvicorn.Config, workers: int) -> None:
    """Run `workers` processes on sockets of their own, start another in place of one that dies, and stop
    them all on SIGINT or SIGTERM, or when one could not start the app."""
    stopping = threading.Event()
    previous = {s: signal.signal(s, lambda signum, frame: stopping.set()) for s in (signal.SIGINT, signal.SIGTERM)}
    processes = [_start(config) for _ in range(workers)]
    try:
        while not stopping.is_set():
            for n, process in enumerate(processes):
                process.join(timeout=0.5 / workers)
                if process.exitcode == STARTUP_FAILURE:
                    stopping.set()
                elif process.exitcode is not None and not stopping.is_set():
                    processes[n] = _start(config)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if any(p.exitcode == STARTUP_FAILURE for p in processes):
        raise SystemExit(STARTUP_FAILURE)


def _start(config: uvicorn.Config) -> BaseProcess:
    process = multiprocessing.get_context("spawn").Process(target=_worker, args=(config,))
    process.start()
    return process


def _config(host: str, port: int, access_log: bool, workers: int) -> uvicorn.Config:
    return uvicorn.Config(
        "factoryos.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=access_log,
        loop="uvloop",
        http="httptools",
    )


def _balanced_ports() -> bool:
    """Whether the kernel spreads connections over sockets sharing a port (Linux's SO_REUSEPORT does)."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def _listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` that other workers' sockets may share (not yet listening)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise SystemExit(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def _worker(config: uvicorn.Config) -> None:
    """One worker: the API on a socket of its own; uvicorn stops it gracefully on SIGTERM."""
    uvicorn.Server(config).run(sockets=[_listening_socket(config.host, config.port)])
