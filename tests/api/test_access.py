"""Who may see and do what: every endpoint with two partners' keys, missing and revoked keys, and the
limits at the door (413, 429)."""

from __future__ import annotations

import json

import pytest

from factoryos.api.settings import ApiSettings
from factoryos.services import order_desk
from factoryos.services.tenants import list_keys, revoke_key

TENANTS = {"acme": ("acme-shop", "acme-scooter"), "brio": ("brio-shop", "brio-bike")}


def _bodies(tenant: str) -> dict[str, dict]:
    """A valid body for every POST, aimed at `tenant`'s customer and product."""
    customer, product = TENANTS[tenant]
    return {
        "/api/v1/orders": {"customer": customer, "product": product, "quantity": 1, "requested_date": "2027-02-01"},
        "/api/v1/orders/{order_id}/cancel": {"reason": "not mine"},
        "/api/v1/orders/{order_id}/state": {"state": "released", "reason": "not mine"},
        "/api/v1/configurations/check": {"product": product, "options": {}},
        "/api/v1/configurations/complete": {"product": product, "options": {}},
        "/api/v1/promise": {"product": product, "quantity": 1},
    }


BODIES = _bodies("acme")


def _operations(api):
    for path, methods in api.client.get("/openapi.json").json()["paths"].items():
        for method in methods:
            yield method.upper(), path


@pytest.mark.parametrize(("owner", "intruder"), [("acme", "brio"), ("brio", "acme")])
def test_a_partner_reaches_nothing_of_another_partner_on_any_endpoint(api, owner, intruder):
    """One partner's key, aimed at the other's order and product on every path of the OpenAPI document: a 404
    or 422 that names nothing of the other's beyond what was sent, and lists without the other's orders."""
    customer, product = TENANTS[owner]
    bodies = _bodies(owner)
    theirs, mine = getattr(api, owner), getattr(api, intruder)
    order = api.order(theirs, customer=customer, product=product)
    api.client.post("/api/v1/orders", headers=theirs, json=bodies["/api/v1/orders"] | {"quantity": 0})
    walked = set()
    for method, path in _operations(api):
        url = path.replace("{order_id}", order["id"]).replace("{product_id}", product)
        answer = api.client.request(method, url, headers=mine, json=bodies.get(path))
        walked.add((method, path))
        if "{" in path or method == "POST":
            assert answer.status_code in (404, 422), (method, path, answer.status_code)
        else:
            assert answer.status_code == 200, (method, path, answer.text)
        if path.endswith("/rejected-orders"):  # the intruder's own rejects only, whatever it sent
            assert all(f"/{intruder}/" in r["source"] for r in answer.json()["items"])
            continue
        text = answer.text
        assert order["id"] not in text or answer.status_code == 404 and "no order" in text
        assert customer not in text
        assert f'"tenant":"{owner}"' not in text.replace(" ", "")
    assert len(walked) >= 11
    after = api.client.get(f"/api/v1/orders/{order['id']}", headers=theirs).json()
    assert after["state"] == "promised"  # the intruder's cancel and step did nothing


def test_the_owners_keys_see_every_tenant(api):
    acme = api.order(api.acme)
    brio = api.order(api.brio, customer="brio-shop", product="brio-bike")
    for headers in (api.planner, api.viewer):
        listed = {o["id"] for o in api.client.get("/api/v1/orders", headers=headers).json()["items"]}
        assert listed == {acme["id"], brio["id"]}
        products = {p["id"] for p in api.client.get("/api/v1/products", headers=headers).json()["items"]}
        assert products == {"cart", "acme-scooter", "brio-bike"}
    own = {p["id"] for p in api.client.get("/api/v1/products", headers=api.acme).json()["items"]}
    assert own == {"acme-scooter"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer fos_not-a-key"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}],
)
def test_no_live_key_is_401_on_every_endpoint(api, headers):
    for method, path in _operations(api):
        url = path.replace("{order_id}", "CO-1").replace("{product_id}", "cart")
        answer = api.client.request(method, url, headers=headers, json=BODIES.get(path))
        assert answer.status_code == 401, (method, path)
        assert answer.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("body", [b"{not json", "\u00e9".encode("latin-1"), b'{"quantity": "many"}', b"[]"])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer fos_not-a-key"}])
def test_a_bad_request_without_a_live_key_is_401_before_anything_is_read_of_it(api, headers, body):
    """The key is checked before the body's faults are named: a caller without one learns nothing of the rules,
    and nothing is kept for it."""
    for method, path in _operations(api):
        url = path.replace("{order_id}", "CO-1").replace("{product_id}", "cart") + "?limit=lots"
        answer = api.client.request(method, url, headers=headers | {"content-type": "application/json"}, content=body)
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert api.client.get("/api/v1/rejected-orders", headers=api.planner).json()["items"] == []


def test_a_revoked_key_stops_working_once_the_workers_trust_in_it_ran_out(api):
    moment = [0.0]
    keys = api.client.app.state.keys
    keys.clock = lambda: moment[0]
    assert api.client.get("/api/v1/products", headers=api.brio).status_code == 200
    brio = next(k for k in list_keys(api.engine) if k.tenant == "brio")
    revoke_key(api.engine, brio.id)
    moment[0] = keys.seconds
    assert api.client.get("/api/v1/products", headers=api.brio).status_code == 401


def test_without_a_key_cache_a_revoked_key_stops_working_at_once(api_with):
    api = api_with(ApiSettings(rate_per_second=1e6, burst=10**6, key_cache_seconds=0))
    assert api.client.get("/api/v1/products", headers=api.brio).status_code == 200
    revoke_key(api.engine, next(k for k in list_keys(api.engine) if k.tenant == "brio").id)
    assert api.client.get("/api/v1/products", headers=api.brio).status_code == 401


def test_an_unknown_order_is_404(api):
    assert api.client.get("/api/v1/orders/CO-nothing", headers=api.planner).status_code == 404
    assert api.client.get("/api/v1/orders/CO-nothing/history", headers=api.planner).status_code == 404


def test_a_body_over_the_limit_is_413_before_anything_else(api_with):
    api = api_with(ApiSettings(max_body_bytes=2048, rate_per_second=1e6, burst=10**6))
    big = BODIES["/api/v1/orders"] | {"options": {f"family-{i}": "x" * 40 for i in range(60)}}
    assert len(json.dumps(big)) > 2048
    answer = api.client.post("/api/v1/orders", headers=api.acme, json=big)
    assert answer.status_code == 413
    assert "2,048" in answer.json()["detail"]
    streamed = api.client.post(
        "/api/v1/orders",
        headers=api.acme | {"Content-Type": "application/json"},
        content=iter([b"{" + b" " * 1500, b" " * 1500 + b"}"]),
    )
    assert streamed.status_code == 413
    assert api.client.post("/api/v1/orders", headers=api.acme, json=BODIES["/api/v1/orders"]).status_code == 201
    kept = api.client.get("/api/v1/rejected-orders", headers=api.acme).json()["items"]
    assert [r["reason"].startswith("the body is too large") for r in kept] == [True, True]
    assert all(len(r["raw"].encode()) <= 2048 for r in kept)


def test_oversized_bodies_are_kept_within_the_keys_rate_not_without_end(api_with):
    """Refused before the key is checked, a flood of oversized orders was kept one 64 KiB reject each, past the
    key's burst; now each is counted against the key's bucket, and only those within it are kept."""
    api = api_with(ApiSettings(max_body_bytes=2048, rate_per_second=0.001, burst=3))
    bodies = [BODIES["/api/v1/orders"] | {"options": {f"family-{i}": f"{k}" * 40 for i in range(60)}} for k in range(6)]
    answers = [api.client.post("/api/v1/orders", headers=api.acme, json=big).status_code for big in bodies]
    assert answers == [413] * 6
    owner = api.client.get("/api/v1/rejected-orders", headers=api.planner).json()["items"]
    assert len(owner) == 3


def test_a_key_over_its_rate_gets_429_and_others_go_on(api_with):
    api = api_with(ApiSettings(rate_per_second=0.001, burst=3))
    answers = [api.client.get("/api/v1/products", headers=api.acme).status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    limited = api.client.get("/api/v1/products", headers=api.acme)
    assert int(limited.headers["Retry-After"]) >= 1
    assert api.client.get("/api/v1/products", headers=api.brio).status_code == 200


def test_a_429_says_to_retry_in_the_whole_seconds_its_retry_after_gives(api_with):
    """A bucket a thousandth of a second from its next token: the answer says 1 s, as its Retry-After does (it said
    "retry in 0.00 s")."""
    api = api_with(ApiSettings(rate_per_second=1000, burst=1))
    api.client.app.state.buckets.clock = lambda: 0.0  # no time passes between the two requests
    assert api.client.get("/api/v1/products", headers=api.acme).status_code == 200
    limited = api.client.get("/api/v1/products", headers=api.acme)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json()["detail"].endswith(": retry in 1 s")


def test_a_full_order_desk_answers_503_with_retry_after_and_places_nothing(api, monkeypatch):
    monkeypatch.setattr(order_desk, "MAX_WAITING", 0)
    body = BODIES["/api/v1/orders"]
    refused = api.client.post("/api/v1/orders", headers=api.acme | {"Idempotency-Key": "full"}, json=body)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert "waiting to be placed" in refused.json()["detail"]
    assert api.client.get("/api/v1/orders", headers=api.acme).json()["items"] == []
    monkeypatch.setattr(order_desk, "MAX_WAITING", 2048)
    retried = api.client.post("/api/v1/orders", headers=api.acme | {"Idempotency-Key": "full"}, json=body)
    assert retried.status_code == 201


def test_an_owner_sees_its_own_plants_rejects_and_the_imported_files_not_another_plants(api):
    """Two plants in one database: the owner's planner key listed the other plant's API rejects, raw bodies and
    all. It lists its own plant's (every tenant's) and the imported files'."""
    from factoryos.store import order_desk as desk_store

    desk_store.keep_rejected(api.engine, "api/other-site/rival/k1", "bad options", b'{"secret": "rival"}')
    desk_store.keep_rejected(api.engine, "orders.jsonl:3", "unknown product", b'{"id": "F-3"}')
    assert api.client.post("/api/v1/orders", headers=api.acme, json={"quantity": "two"}).status_code == 422
    owner = api.client.get("/api/v1/rejected-orders", headers=api.planner).json()["items"]
    assert sorted(r["source"].split("/")[0] for r in owner) == ["api", "orders.jsonl:3"]
    assert all("rival" not in r["raw"] for r in owner)
    acme = api.client.get("/api/v1/rejected-orders", headers=api.acme).json()["items"]
    assert [r["source"].split("/")[:3] for r in acme] == [["api", "shared-site", "acme"]]
