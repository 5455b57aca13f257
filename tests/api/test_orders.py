"""Orders over HTTP: idempotent creation, the lifecycle and its audit, paging, and the answers for bad input."""

from __future__ import annotations

import codecs
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from factoryos.model.orders import ORDER_TRANSITIONS, CustomerOrderState

from .conftest import AT_ONCE

ORDER = {"customer": "acme-shop", "product": "acme-scooter", "quantity": 2, "requested_date": AT_ONCE.isoformat()}


def _all_orders(api, headers) -> list[dict]:
    items, cursor = [], None
    while True:
        params = {"limit": 500} | ({"next": cursor} if cursor else {})
        page = api.client.get("/api/v1/orders", headers=headers, params=params).json()
        items += page["items"]
        cursor = page["next"]
        if cursor is None:
            return items


def test_a_retried_request_returns_the_first_answer_and_places_one_order(api):
    headers = api.acme | {"Idempotency-Key": "order-7f3a"}
    first = api.client.post("/api/v1/orders", headers=headers, json=ORDER)
    again = api.client.post("/api/v1/orders", headers=headers, json=ORDER)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [o["id"] for o in _all_orders(api, api.planner)] == [first.json()["id"]]


def test_the_same_key_for_another_order_is_a_conflict_and_places_nothing(api):
    headers = api.acme | {"Idempotency-Key": "k-1"}
    assert api.client.post("/api/v1/orders", headers=headers, json=ORDER).status_code == 201
    other = api.client.post("/api/v1/orders", headers=headers, json=ORDER | {"quantity": 3})
    assert other.status_code == 409
    assert len(_all_orders(api, api.planner)) == 1


def test_an_idempotency_key_belongs_to_its_tenant(api):
    """Two tenants using the same key string place two orders."""
    acme = api.client.post("/api/v1/orders", headers=api.acme | {"Idempotency-Key": "same"}, json=ORDER)
    brio = api.client.post(
        "/api/v1/orders",
        headers=api.brio | {"Idempotency-Key": "same"},
        json={"customer": "brio-shop", "product": "brio-bike", "quantity": 1, "requested_date": "2027-02-01"},
    )
    assert acme.status_code == brio.status_code == 201
    assert acme.json()["id"] != brio.json()["id"]


def test_the_owners_retry_of_an_order_for_a_partners_product_is_a_replay(api):
    """The owner's planner orders a partner's scooter: the key is the owner's, though the order is the partner's.
    The key was stored under the order's tenant and looked up under the caller's, so every retry was a 503."""
    headers = api.planner | {"Idempotency-Key": "owner-1"}
    first = api.client.post("/api/v1/orders", headers=headers, json=ORDER)
    again = api.client.post("/api/v1/orders", headers=headers, json=ORDER)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(_all_orders(api, api.planner)) == 1
    same_key = api.client.post("/api/v1/orders", headers=api.acme | {"Idempotency-Key": "owner-1"}, json=ORDER)
    assert same_key.status_code == 201  # the partner's own key of that name is another key
    assert same_key.json()["id"] != first.json()["id"]


def test_concurrent_retries_place_one_order(api):
    headers = api.acme | {"Idempotency-Key": "burst"}

    def post(_):
        return api.client.post("/api/v1/orders", headers=headers, json=ORDER)

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(post, range(12)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(_all_orders(api, api.planner)) == 1


def test_every_accepted_order_is_promised_and_the_history_says_so(api):
    placed = api.order(api.acme, quantity=2)
    assert placed["state"] == "promised"
    assert placed["promise"]["date"] == placed["promised_date"]
    assert placed["promise"]["basis"].startswith("capacity and material")
    assert placed["promise"]["constraint"] == "line capacity"
    history = api.client.get(f"/api/v1/orders/{placed['id']}/history", headers=api.acme).json()["items"]
    assert [(h["from"], h["to"]) for h in history] == [(None, "received"), ("received", "promised")]
    assert "acme" in history[0]["who"]


def test_the_lifecycle_is_walked_one_step_at_a_time_with_an_audit_row_per_step(api):
    order = api.order(api.acme)
    path = f"/api/v1/orders/{order['id']}"
    steps = ["released", "in-production", "built", "shipped"]
    for step in steps:
        moved = api.client.post(f"{path}/state", headers=api.planner, json={"state": step, "reason": f"to {step}"})
        assert moved.status_code == 200, moved.text
        assert moved.json()["state"] == step
    history = api.client.get(f"{path}/history", headers=api.acme).json()["items"]
    assert [h["to"] for h in history] == ["received", "promised", *steps]
    for before, after in zip(history, history[1:], strict=False):
        assert after["from"] == before["to"]
        assert CustomerOrderState(after["to"]) in ORDER_TRANSITIONS[CustomerOrderState(after["from"])]
        assert after["at"] >= before["at"]
    assert history[-1]["why"] == "to shipped"
    assert "works" in history[-1]["who"]
    assert "planner" in history[-1]["who"]


def test_steps_the_lifecycle_does_not_allow_are_refused_and_leave_no_trace(api):
    order = api.order(api.acme)
    path = f"/api/v1/orders/{order['id']}"
    assert api.client.post(f"{path}/state", headers=api.planner, json={"state": "built"}).status_code == 409
    assert api.client.post(f"{path}/state", headers=api.planner, json={"state": "released"}).status_code == 200
    assert api.client.post(f"{path}/state", headers=api.planner, json={"state": "in-production"}).status_code == 200
    assert api.client.post(f"{path}/cancel", headers=api.acme, json={"reason": "too late"}).status_code == 409
    history = api.client.get(f"{path}/history", headers=api.planner).json()["items"]
    assert [h["to"] for h in history] == ["received", "promised", "released", "in-production"]


def test_an_order_the_plant_cannot_promise_stays_received_and_cannot_be_marked_promised(api):
    """100,000 scooters do not fit in the promise's two years on a line ramping to about 38 a day: the order is taken,
    received without a date, and the planner cannot mark it promised (it had no date and booked nothing)."""
    order = api.order(api.acme, quantity=100_000)
    assert (order["state"], order["promised_date"]) == ("received", None)
    path = f"/api/v1/orders/{order['id']}"
    refused = api.client.post(f"{path}/state", headers=api.planner, json={"state": "promised"})
    assert refused.status_code == 409
    assert "has no promised date" in refused.text
    skipped = api.client.post(f"{path}/state", headers=api.planner, json={"state": "released"})
    assert skipped.status_code == 409
    assert skipped.json()["detail"].endswith("is received; it can go to cancelled, not released")  # not promised
    history = api.client.get(f"{path}/history", headers=api.planner).json()["items"]
    assert [h["to"] for h in history] == ["received"]


def test_a_partner_cancels_its_order_but_cannot_move_it_and_a_viewer_can_do_neither(api):
    order = api.order(api.acme)
    path = f"/api/v1/orders/{order['id']}"
    assert api.client.post(f"{path}/state", headers=api.acme, json={"state": "released"}).status_code == 403
    assert api.client.post(f"{path}/cancel", headers=api.acme_viewer).status_code == 403
    assert api.client.post("/api/v1/orders", headers=api.acme_viewer, json=ORDER).status_code == 403
    cancelled = api.client.post(f"{path}/cancel", headers=api.acme, json={"reason": "customer withdrew"})
    assert cancelled.json()["state"] == "cancelled"
    last = api.client.get(f"{path}/history", headers=api.acme).json()["items"][-1]
    assert (last["from"], last["to"], last["why"]) == ("promised", "cancelled", "customer withdrew")
    again = api.client.post(f"{path}/cancel", headers=api.acme)
    assert again.status_code == 409
    assert again.json()["detail"] == f"order {order['id']} is cancelled, a final state: it cannot go to cancelled"


def test_pages_cover_every_order_once_in_order(api):
    placed = [api.order(api.acme, quantity=1)["id"] for _ in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"next": cursor} if cursor else {})
        page = api.client.get("/api/v1/orders", headers=api.acme, params=params).json()
        seen += [o["id"] for o in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(placed)
    assert len(seen) == len(set(seen))


def test_filters_by_state_product_and_day(api):
    kept = api.order(api.acme)
    dropped = api.order(api.acme)
    api.client.post(f"/api/v1/orders/{dropped['id']}/cancel", headers=api.acme)
    api.order(api.brio, customer="brio-shop", product="brio-bike")

    def ids(**params):
        return {o["id"] for o in api.client.get("/api/v1/orders", headers=api.planner, params=params).json()["items"]}

    assert ids(state="cancelled") == {dropped["id"]}
    assert ids(product="acme-scooter", state="promised") == {kept["id"]}
    assert len(ids(ordered_from="2027-01-04", ordered_to="2027-01-04")) == 3
    assert ids(ordered_from="2027-01-05") == set()
    assert ids(tenant="acme") == {kept["id"], dropped["id"]}


def test_bad_input_names_the_field_and_what_was_expected(api):
    answer = api.client.post("/api/v1/orders", headers=api.acme, json=ORDER | {"quantity": 0})
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"] == ["body", "quantity"]
    assert "greater than 0" in error["msg"]
    answer = api.client.post("/api/v1/orders", headers=api.acme, json=ORDER | {"requested_date": "soon"})
    assert answer.json()["detail"][0]["loc"] == ["body", "requested_date"]
    answer = api.client.post("/api/v1/orders", headers=api.acme, json=ORDER | {"requested_date": "2026-12-01"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "requested_date"]
    answer = api.client.post("/api/v1/orders", headers=api.acme, json=ORDER | {"customer": "brio-shop"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "customer"]


def test_an_invalid_configuration_names_the_rule_it_breaks(api):
    bad = ORDER | {"options": {"power": "boost", "seat": "none"}}
    answer = api.client.post("/api/v1/orders", headers=api.acme, json=bad)
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"] == ["body", "options"]
    assert error["rules"] == [0]
    assert "bench" in error["msg"]
    answer = api.client.post("/api/v1/orders", headers=api.acme, json=ORDER | {"options": {"power": "warp"}})
    assert answer.status_code == 422
    assert "warp" in answer.json()["detail"][0]["msg"]


def test_every_rejected_order_is_kept_and_listed_for_its_own_tenant(api):
    api.client.post("/api/v1/orders", headers=api.acme, json=ORDER | {"options": {"power": "boost", "seat": "none"}})
    api.client.post("/api/v1/orders", headers=api.acme, json=ORDER | {"quantity": -1})
    api.client.post("/api/v1/orders", headers=api.brio, json=ORDER | {"product": "brio-bike", "quantity": "x"})
    acme = api.client.get("/api/v1/rejected-orders", headers=api.acme).json()["items"]
    brio = api.client.get("/api/v1/rejected-orders", headers=api.brio).json()["items"]
    owner = api.client.get("/api/v1/rejected-orders", headers=api.planner).json()["items"]
    assert len(acme) == 2
    assert len(brio) == 1
    assert len(owner) == 3
    assert {"quantity" in r["reason"] for r in acme} == {True, False}
    assert '"quantity":-1' in "".join(r["raw"] for r in acme).replace(" ", "")


def test_configurations_check_complete_and_promise(api):
    check = api.client.post(
        "/api/v1/configurations/check",
        headers=api.acme,
        json={"product": "acme-scooter", "options": {"power": "boost"}},
    ).json()
    assert not check["valid"]
    assert check["consistent"]
    assert check["open_families"] == ["seat"]
    seat = next(f for f in check["families"] if f["family"] == "seat")
    assert seat["selectable"] == ["bench"]
    assert seat["unavailable"][0]["rules"] == [0]
    completed = api.client.post(
        "/api/v1/configurations/complete",
        headers=api.acme,
        json={"product": "acme-scooter", "options": {"power": "boost"}},
    ).json()
    assert completed["configuration"] == {"power": "boost", "seat": "bench"}
    assert completed["price"] == 1200 + 80
    promise = api.client.post(
        "/api/v1/promise", headers=api.acme, json={"product": "acme-scooter", "quantity": 3}
    ).json()
    assert date.fromisoformat(promise["promise"]["date"]) > date(2027, 1, 4)
    assert api.client.get("/api/v1/orders", headers=api.planner).json()["items"] == []  # a quote places nothing


def test_a_retried_rejected_order_is_kept_once(api):
    bad = ORDER | {"options": {"power": "boost", "seat": "none"}}
    for _ in range(3):
        assert api.client.post("/api/v1/orders", headers=api.acme, json=bad).status_code == 422
    assert len(api.client.get("/api/v1/rejected-orders", headers=api.acme).json()["items"]) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('"quantity": NaN', "NaN is not a JSON number"),
        ('"quantity": -Infinity', "-Infinity is not a JSON number"),
        ('"quantity": 1e400', "1e400 is beyond the range of a number"),
        ('"quantity": 2, "customer": "brio-shop"', "key 'customer' appears twice"),
        ('"quantity": 2, "options": {"seat": "\\ud800"}', "a string holds a lone surrogate escape"),
    ],
)
def test_a_body_json_has_no_reading_for_is_refused_with_what_and_kept(api, body, reason):
    """Where the standard library would take the body in silence (NaN, an overflow to infinity, the last of a key
    given twice) or answer 500 (echoing NaN back), the order is a 422 naming what, and kept with that reason."""
    text = '{"customer": "acme-shop", "product": "acme-scooter", "requested_date": "2027-02-01", ' + body + "}"
    headers = api.acme | {"content-type": "application/json"}
    answer = api.client.post("/api/v1/orders", headers=headers, content=text)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["ctx"]["error"].startswith(reason)
    (kept,) = api.client.get("/api/v1/rejected-orders", headers=api.acme).json()["items"]
    assert reason in kept["reason"]
    assert _all_orders(api, api.planner) == []
    promise = api.client.post("/api/v1/promise", headers=headers, content=text)
    assert promise.status_code == 422


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (codecs.BOM_UTF8 + json.dumps(ORDER).encode(), "starts with a byte-order mark"),
        (json.dumps(ORDER).encode("utf-16"), "is UTF-16 text"),
        (json.dumps(ORDER).encode("utf-32-le"), "is UTF-32-LE text"),
        (json.dumps(ORDER | {"customer": "acme-shop\u00e9"}, ensure_ascii=False).encode("latin-1"), "not UTF-8"),
    ],
)
def test_a_body_not_sent_as_utf8_is_refused_and_kept(api, body, reason):
    answer = api.client.post("/api/v1/orders", headers=api.acme | {"content-type": "application/json"}, content=body)
    assert answer.status_code == 422, answer.text
    (kept,) = api.client.get("/api/v1/rejected-orders", headers=api.acme).json()["items"]
    assert reason in kept["reason"]
    assert _all_orders(api, api.planner) == []


@pytest.mark.parametrize("day", ["2027-02-01T00:00:00Z", "2027-02-01T00:00:00+09:00", 1801440000, "20270201"])
def test_a_requested_day_written_as_anything_but_a_day_is_refused(api, day):
    answer = api.client.post("/api/v1/orders", headers=api.acme, json=ORDER | {"requested_date": day})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][-1] == "requested_date"
    assert "YYYY-MM-DD" in answer.json()["detail"][0]["msg"]
    (kept,) = api.client.get("/api/v1/rejected-orders", headers=api.acme).json()["items"]
    assert "requested_date" in kept["reason"]
    assert _all_orders(api, api.planner) == []


def test_a_body_nested_past_the_parser_is_a_422_kept_as_such(api):
    answer = api.client.post(
        "/api/v1/orders", headers=api.acme | {"content-type": "application/json"}, content="[" * 50_000
    )
    assert answer.status_code == 422
    (kept,) = api.client.get("/api/v1/rejected-orders", headers=api.acme).json()["items"]
    assert "nested deeper" in kept["reason"]


def test_an_order_id_with_a_nul_is_no_order_not_a_database_error(api):
    """PostgreSQL text holds no NUL: such an id answered 503 ("database error"), telling clients to retry."""
    for path in ("/api/v1/orders/CO-%00", "/api/v1/orders/CO-%00/history"):
        answer = api.client.get(path, headers=api.planner)
        assert answer.status_code == 404, answer.text
    assert api.client.post("/api/v1/orders/CO-%00/cancel", headers=api.planner, json={}).status_code == 404


def test_a_cursor_the_api_did_not_give_out_is_a_422_on_the_query(api):
    """It was reported at `body.next`, where no client sent it."""
    answer = api.client.get("/api/v1/orders", headers=api.planner, params={"next": "not-a-cursor"})
    assert answer.status_code == 422
    (item,) = answer.json()["detail"]
    assert item["loc"] == ["query", "next"]
    assert "not a cursor this API gave out" in item["msg"]


def test_a_refused_value_is_echoed_in_short(api):
    """A 60 KB options map is refused (at most 100 families) and answered with its start, not sent back whole."""
    options = {f"family-{n:05d}": f"option-{n:05d}" for n in range(2_000)}
    answer = api.client.post("/api/v1/orders", headers=api.acme, json=ORDER | {"options": options})
    assert answer.status_code == 422
    assert len(answer.content) < 2_000
    (error,) = answer.json()["detail"]
    assert error["loc"] == ["body", "options"]
    assert error["input"].startswith('{"family-00000": "option-00000"')
    assert error["input"].endswith(f"... ({len(json.dumps(options)):,} characters)")
