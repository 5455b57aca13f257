"""Order API under load: valid random configurations POSTed to the API on PostgreSQL, measured with wrk.

    python benchmarks/api_load.py [--plant FILE] [--workers 2] [--connections 16] [--seconds 20]
                                  [--replay-every 20] [--out benchmarks/results/api_load.json]

A fresh PostgreSQL database (on $FACTORYOS_TEST_POSTGRES_URL's server) gets the plant and one key per
tenant; `factoryos serve` runs the API with N uvicorn workers on loopback; wrk (Debian's `wrk`, with
benchmarks/api_load.lua) keeps `--connections` requests in flight for a warm-up of 3 s, then for `--seconds`.
Each order has a valid configuration drawn uniformly by the configurator's sampler and its own
Idempotency-Key; every `--replay-every`-th request repeats the previous one's key, as a retrying client
would. At the end the orders in the database are compared with the answers: every order answered 201 is
stored (none lost), every stored order has exactly one Idempotency-Key (none doubled), and the stored orders
no answer named are at most the requests in flight when wrk stopped (it drops their answers).

Besides orders/s and latency, which depend on what else the machine runs, it reports the CPU the server
spends per order (the uvicorn workers' and the database's backends' user + system time over the measured
run, from /proc, divided by the requests answered) and the orders/s that CPU would allow on the machine's
cores if nothing else ran, without and with wrk's own CPU per request; and how many orders one transaction
stored on average. Prints one JSON object and writes it to --out. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import plant_database, write_result
from sqlalchemy import Engine, create_engine, text

from factoryos.c2m.configurator import sample
from factoryos.examples import example_plant
from factoryos.model.plant import Plant
from factoryos.services.tenants import create_key

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "api_load.lua"
POSTGRES_URL = os.environ.get("FACTORYOS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WARM_UP_SECONDS = 3
TICKS = os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plant", type=Path, default=example_plant("ev-plant"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16, help="Requests wrk keeps in flight.")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--replay-every", type=int, default=20, help="Every Nth request repeats the previous key.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "api_load.json")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"factoryos_api_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        result = run(args, url)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
    write_result(result, args.out)


def run(args: argparse.Namespace, url: str) -> dict:
    plant, engine = plant_database(args.plant, url)
    keys = {tenant: create_key(engine, tenant)[1] for tenant in plant.tenants}
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        orders = Path(folder) / "orders.tsv"
        orders.write_text("".join(f"{key}\t{json.dumps(body)}\n" for key, body in _orders(plant, keys, 5000)))
        server = _serve(url, port, args.workers)
        try:
            _wait_for(port)
            warm_up = _wrk(port, orders, args.connections, WARM_UP_SECONDS, args.replay_every, "warm-up")
            workers, backends = _server_processes(server.pid), _backends(engine)
            cpu_before, load_before = _cpu_seconds(workers + backends), os.getloadavg()
            generator_before = _children_cpu_seconds()
            measured = _wrk(port, orders, args.connections, args.seconds, args.replay_every, "measured")
            generator = _children_cpu_seconds() - generator_before
            cpu_after, load_after = _cpu_seconds(workers + backends), os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
    answered = warm_up["ids"] | measured["ids"]
    stored, keys_stored, transactions = _stored(engine)
    engine.dispose()
    requests = measured["requests"]
    server_ms = {
        "uvicorn workers": _per_request(cpu_before, cpu_after, workers, requests),
        "database": _per_request(cpu_before, cpu_after, backends, requests),
    }
    per_order = sum(server_ms.values())
    generator_ms = 1000 * generator / requests if requests else 0.0
    cores = os.cpu_count() or 1
    return {
        "plant": plant.site.id,
        "database": "postgresql",
        "workers": args.workers,
        "connections": args.connections,
        "seconds": measured["seconds"],
        "orders_per_second": round(measured["created"] / measured["seconds"], 1),
        "requests_per_second": round(measured["requests"] / measured["seconds"], 1),
        "latency_ms": measured["latency_ms"],
        "statuses": measured["statuses"],
        "errors": measured["errors"],
        "replays": measured["replayed"],
        "server_cpu_ms_per_request": {k: round(v, 3) for k, v in server_ms.items()},
        f"orders_per_second_the_cpu_allows_on_{cores}_cores": round(1000 * cores / per_order) if per_order else None,
        "load_generator_cpu_ms_per_request": round(generator_ms, 3),
        f"orders_per_second_the_cpu_allows_on_{cores}_cores_with_the_load_generator": round(
            1000 * cores / (per_order + generator_ms)
        )
        if per_order
        else None,
        "orders_per_transaction": round(len(stored) / transactions, 2) if transactions else None,
        "orders_answered_201_warm_up_and_measured": len(answered),
        "orders_in_database": len(stored),
        "answered_but_not_stored": len(answered - stored),
        "stored_without_an_answer_seen": len(stored - answered),
        "none_lost_or_doubled": answered <= stored
        and keys_stored == len(stored)
        and len(stored - answered) <= 2 * args.connections,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": cores,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _orders(plant: Plant, keys: dict[str, str], count: int) -> list[tuple[str, dict]]:
    """`count` orders over the plant's products, each with a uniformly drawn valid configuration."""
    rng = random.Random(7)
    products = [pid for pid, p in plant.products.items() if any(c.tenant == p.tenant for c in plant.customers.values())]
    configurations = {pid: sample(plant.products[pid], count // len(products) + 1, seed=7) for pid in products}
    requested = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    orders = []
    for n in range(count):
        pid = products[n % len(products)]
        product = plant.products[pid]
        customers = [cid for cid, c in plant.customers.items() if c.tenant == product.tenant]
        body = {
            "customer": rng.choice(customers),
            "product": pid,
            "options": configurations[pid][n // len(products)],
            "quantity": 1,
            "requested_date": requested,
        }
        orders.append((keys[product.tenant], body))
    return orders


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(url: str, port: int, workers: int) -> subprocess.Popen:
    env = os.environ | {"FACTORYOS_API_RATE_PER_SECOND": "1000000", "FACTORYOS_API_BURST": "1000000"}
    command = [str(Path(sys.executable).with_name("factoryos")), "serve", "--db", url, "--port", str(port)]
    return subprocess.Popen([*command, "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL)


def _wait_for(port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"GET /openapi.json HTTP/1.0\r\n\r\n")
                if probe.recv(12).endswith(b"200"):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the API did not come up on port {port} within {seconds:.0f} s")


def _wrk(port: int, orders: Path, connections: int, seconds: int, replay_every: int, run: str) -> dict:
    """wrk's result for one run, with the set of order ids answered 201 (`ids`)."""
    answered = orders.with_name(f"{run}.ids")
    env = os.environ | {
        "FACTORYOS_LOAD_ORDERS": str(orders),
        "FACTORYOS_LOAD_IDS": str(answered),
        "FACTORYOS_LOAD_RUN": run,
        "FACTORYOS_LOAD_REPLAY_EVERY": str(replay_every),
    }
    command = [
        "wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(SCRIPT),
        f"http://127.0.0.1:{port}",
    ]  # fmt: skip
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next((x for x in output.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{output}")
    return json.loads(line.removeprefix("RESULT ")) | {"ids": set(answered.read_text().split())}


def _server_processes(pid: int) -> list[int]:
    """The server's process and every process below it (uvicorn's workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").iterdir():
            children = (task / "children").read_text().split()
            todo.extend(int(c) for c in children)
    return found


def _backends(engine: Engine) -> list[int]:
    """The database's server processes serving the API's connections (those open after the warm-up)."""
    with engine.connect() as connection:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [int(pid) for pid in connection.execute(query).scalars()]


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process so far."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return seconds


def _children_cpu_seconds() -> float:
    """User + system CPU seconds of this process's finished children so far (wrk, once it has ended)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _per_request(before: dict[int, float], after: dict[int, float], pids: list[int], requests: int) -> float:
    spent = sum(after[p] - before[p] for p in pids if p in before and p in after)
    return 1000 * spent / requests if requests else 0.0


def _stored(engine: Engine) -> tuple[set[str], int, int]:
    """The ids of the stored orders, how many of them an Idempotency-Key names, and in how many transactions
    they were stored (distinct inserting transaction ids: the order desk places orders arriving together in
    one)."""
    with engine.connect() as connection:
        orders = set(connection.execute(text("SELECT id FROM customer_orders")).scalars())
        keyed = connection.execute(text("SELECT count(DISTINCT order_id) FROM idempotency_keys")).scalar_one()
        transactions = connection.execute(text("SELECT count(DISTINCT xmin::text) FROM customer_orders")).scalar_one()
        return orders, keyed, transactions


if __name__ == "__main__":
    main()
