"""Order API under load: valid random configurations POSTed to `factoryos serve` on PostgreSQL.

    python benchmarks/api_load.py [--plant FILE] [--workers 2] [--concurrency 32] [--orders 6000]
                                  [--seconds 30] [--retries 0.05] [--out benchmarks/results/api_load.json]

A fresh PostgreSQL database (on $FACTORYOS_TEST_POSTGRES_URL's server) gets the plant and one key per
tenant; uvicorn serves the API with N workers on loopback; a load generator in another process keeps
`--concurrency` requests in flight until `--orders` are sent or `--seconds` pass. Each order has a valid
configuration drawn uniformly (the configurator's sampler) and its own Idempotency-Key; a share
`--retries` of them is sent a second time with the same key, as a client would after a timeout. At the end
the orders in the database are counted: they must equal the distinct orders answered 201 (none lost, none
doubled). Prints one JSON object: orders/s, latency percentiles, statuses, the count check, and the load
average before and after (the figures are only as quiet as the machine). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from factoryos.c2m.configurator import sample
from factoryos.examples import example_plant
from factoryos.model.validate import load_plant
from factoryos.services.tenants import create_key
from factoryos.store.db import make_engine, migrate
from factoryos.store.plants import store_plant

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("FACTORYOS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plant", type=Path, default=example_plant("ev-plant"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--orders", type=int, default=6000)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--retries", type=float, default=0.05, help="Share of orders sent twice with the same key.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "api_load.json")
    args = parser.parse_args()

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
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def run(args: argparse.Namespace, url: str) -> dict:
    plant = load_plant(args.plant)
    engine = make_engine(url)
    migrate(engine)
    store_plant(engine, plant, str(args.plant))
    keys = {tenant: create_key(engine, tenant)[1] for tenant in plant.tenants}
    bodies = _orders(plant, keys, args.orders)
    port = _free_port()
    server = _serve(url, port, args.workers)
    load_before = os.getloadavg()
    try:
        _wait_for(port)
        results = _generate_in_another_process(port, bodies, args)
    finally:
        server.terminate()
        server.wait(timeout=30)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM customer_orders")).scalar_one()
    engine.dispose()
    return _summary(args, plant.site.id, results, stored, load_before)


def _orders(plant, keys: dict[str, str], count: int) -> list[dict]:
    """`count` orders over the plant's products, each with a uniformly drawn valid configuration."""
    rng = random.Random(7)
    products = [pid for pid, p in plant.products.items() if any(c.tenant == p.tenant for c in plant.customers.values())]
    configurations = {pid: sample(plant.products[pid], max(1, count // len(products)) + 1, seed=7) for pid in products}
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
        orders.append({"key": keys[product.tenant], "idempotency": uuid.uuid4().hex, "body": body})
    return orders


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(url: str, port: int, workers: int) -> subprocess.Popen:
    env = os.environ | {
        "FACTORYOS_DATABASE_URL": url,
        "FACTORYOS_API_RATE_PER_SECOND": "1000000",
        "FACTORYOS_API_BURST": "1000000",
    }
    command = [
        sys.executable, "-m", "uvicorn", "factoryos.api.app:app_from_environment", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env)


def _wait_for(port: int, seconds: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the API did not come up on port {port} within {seconds:.0f} s")


def _generate_in_another_process(port: int, bodies: list[dict], args: argparse.Namespace) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_generate, (port, bodies, args.concurrency, args.seconds, args.retries))


def _generate(port: int, bodies: list[dict], concurrency: int, seconds: float, retries: float) -> dict:
    return asyncio.run(_load(port, bodies, concurrency, seconds, retries))


async def _load(port: int, bodies: list[dict], concurrency: int, seconds: float, retries: float) -> dict:
    import httpx

    rng = random.Random(11)
    queue = list(reversed(bodies))
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    accepted: set[str] = set()
    replays_differing = 0
    first_answers: dict[str, dict] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    start = time.perf_counter()
    deadline = start + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal replays_differing
        while queue and time.perf_counter() < deadline:
            order = queue.pop()
            headers = {"Authorization": f"Bearer {order['key']}", "Idempotency-Key": order["idempotency"]}
            sent = time.perf_counter()
            try:
                response = await client.post("/api/v1/orders", json=order["body"], headers=headers)
            except httpx.HTTPError as error:
                statuses[type(error).__name__] = statuses.get(type(error).__name__, 0) + 1
                continue
            latencies.append(time.perf_counter() - sent)
            statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
            if response.status_code != 201:
                continue
            answer = response.json()
            accepted.add(answer["id"])
            known = first_answers.setdefault(order["idempotency"], answer)
            replays_differing += known != answer
            if "replayed" not in order and rng.random() < retries:
                queue.append(order | {"replayed": True})

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {
        "elapsed": elapsed,
        "latencies": latencies,
        "statuses": statuses,
        "accepted_ids": len(accepted),
        "keys_answered": len(first_answers),
        "replays_differing": replays_differing,
    }


def _summary(args: argparse.Namespace, site: str, results: dict, stored: int, load_before) -> dict:
    latencies = sorted(results["latencies"])

    def percentile(p: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2) if latencies else 0.0

    created = results["statuses"].get("201", 0)
    return {
        "plant": site,
        "database": "postgresql",
        "workers": args.workers,
        "concurrency": args.concurrency,
        "requests": len(latencies),
        "seconds": round(results["elapsed"], 2),
        "requests_per_second": round(len(latencies) / results["elapsed"], 1),
        "orders_per_second": round(results["accepted_ids"] / results["elapsed"], 1),
        "latency_ms": {"p50": percentile(0.50), "p90": percentile(0.90), "p99": percentile(0.99), "max": percentile(1)},
        "statuses": results["statuses"],
        "answers_201": created,
        "distinct_orders_answered": results["accepted_ids"],
        "orders_in_database": stored,
        "none_lost_or_doubled": stored == results["accepted_ids"] == results["keys_answered"],
        "replays_with_a_different_answer": results["replays_differing"],
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    main()
