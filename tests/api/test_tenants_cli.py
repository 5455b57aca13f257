"""`factoryos tenants list|key|keys|revoke` and `serve --help`: a key printed once on the last line, stored only
as its hash, working on the API until revoked."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time

import httpx2
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from factoryos.api.app import create_app
from factoryos.api.settings import ApiSettings

from .conftest import PLANT_FILE


def factoryos(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from factoryos.cli import main; main()", *args], capture_output=True, text=True
    )


def test_tenants_list_keys_and_revoke(sqlite_url):
    assert factoryos("plant", "load", str(PLANT_FILE), "--db", sqlite_url).returncode == 0
    listed = json.loads(factoryos("tenants", "list", "--json", "--db", sqlite_url).stdout)
    assert {(t["id"], t["role"]) for t in listed["items"]} == {
        ("works", "owner"),
        ("acme", "partner"),
        ("brio", "partner"),
    }
    made = factoryos("tenants", "key", "acme", "--db", sqlite_url)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    with create_engine(sqlite_url).connect() as connection:
        stored = connection.execute(text("SELECT id, key_hash, role FROM api_keys")).one()
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert stored.role == "partner"
    assert key not in json.dumps(json.loads(factoryos("tenants", "keys", "--json", "--db", sqlite_url).stdout))

    client = TestClient(create_app(sqlite_url, ApiSettings(key_cache_seconds=0)))
    headers = {"Authorization": f"Bearer {key}"}
    assert [p["id"] for p in client.get("/api/v1/products", headers=headers).json()["items"]] == ["acme-scooter"]
    assert factoryos("tenants", "revoke", stored.id, "--db", sqlite_url).returncode == 0
    assert client.get("/api/v1/products", headers=headers).status_code == 401


def test_a_key_is_revoked_by_its_secret_too_which_is_never_written_back(sqlite_url):
    """A secret pasted in place of the key's id was echoed in the error line, onto the terminal and its logs. It
    revokes its key, without showing it; an unknown secret is not shown either, and a second revocation says
    when the first was."""
    factoryos("plant", "load", str(PLANT_FILE), "--db", sqlite_url)
    key = factoryos("tenants", "key", "brio", "--db", sqlite_url).stdout.strip().splitlines()[-1]
    revoked = factoryos("tenants", "revoke", key, "--db", sqlite_url)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked key key-" in revoked.stdout
    assert key not in revoked.stdout + revoked.stderr
    again = factoryos("tenants", "revoke", key, "--db", sqlite_url)
    assert "was already revoked on" in again.stdout
    unknown = factoryos("tenants", "revoke", key[:-4] + "zzzz", "--db", sqlite_url)
    assert unknown.returncode == 1
    assert "no API key has that secret" in unknown.stderr
    assert key[:-4] not in unknown.stderr


def test_a_partner_gets_no_planner_key_and_unknown_tenants_are_named(sqlite_url):
    factoryos("plant", "load", str(PLANT_FILE), "--db", sqlite_url)
    refused = factoryos("tenants", "key", "acme", "--role", "planner", "--db", sqlite_url)
    assert refused.returncode == 1
    assert "partner" in refused.stderr
    unknown = factoryos("tenants", "key", "nobody", "--db", sqlite_url)
    assert unknown.returncode == 1
    assert "acme" in unknown.stderr
    assert "Traceback" not in unknown.stderr + refused.stderr


def test_serve_has_its_options():
    shown = factoryos("serve", "--help")
    assert shown.returncode == 0
    for option in ("--host", "--port", "--workers", "--db"):
        assert option in shown.stdout


def test_orders_generate_places_count_orders_for_one_tenant_each_promised(sqlite_url):
    factoryos("plant", "load", str(PLANT_FILE), "--db", sqlite_url)
    placed = factoryos("orders", "generate", "--tenant", "brio", "--count", "12", "--db", sqlite_url)
    assert placed.returncode == 0, placed.stderr
    orders = json.loads(factoryos("orders", "list", "--json", "--db", sqlite_url).stdout)["items"]
    assert len(orders) == 12
    assert {o["tenant"] for o in orders} == {"brio"}
    assert {o["state"] for o in orders} == {"promised"}
    with create_engine(sqlite_url).connect() as connection:
        changes = connection.execute(text("SELECT count(*) FROM order_changes")).scalar_one()
    assert changes == 2 * 12
    for stream in (("--days", "3"), ("--start", "2027-01-04")):  # taken in silence, and nothing of them done
        refused = factoryos("orders", "generate", "--count", "2", *stream, "--db", sqlite_url)
        assert refused.returncode == 1
        assert "--days and --start are the stream's" in refused.stderr


def test_serve_serves_the_api_on_the_default_database_of_a_fresh_folder(tmp_path):
    """`factoryos serve` in an empty folder makes the default SQLite database and answers on /docs and
    /openapi.json; a request without a key is 401."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "FACTORYOS_DATABASE_URL"}
    server = subprocess.Popen(
        [sys.executable, "-c", "from factoryos.cli import main; main()", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        document = _get_when_up(f"http://127.0.0.1:{port}/openapi.json")
        assert "/api/v1/orders" in document.json()["paths"]
        assert httpx2.get(f"http://127.0.0.1:{port}/docs").status_code == 200
        assert httpx2.get(f"http://127.0.0.1:{port}/api/v1/products").status_code == 401
        assert (tmp_path / "factoryos.db").is_file()
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get_when_up(url: str) -> httpx2.Response:
    for _ in range(600):
        try:
            return httpx2.get(url, timeout=5)
        except httpx2.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered on {url}")
