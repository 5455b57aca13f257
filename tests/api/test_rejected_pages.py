"""The refused orders are listed a page at a time, newest first, so that every one kept can be reached."""

from __future__ import annotations

from .conftest import make_api


def test_every_refused_order_is_reached_page_by_page_newest_first(engine):
    api = make_api(engine)
    for n in range(7):
        body = {"customer": f"nobody-{n}", "product": "acme-scooter", "quantity": 1, "requested_date": "2027-02-01"}
        assert api.client.post("/api/v1/orders", headers=api.acme, json=body).status_code == 422
    pages, cursor = [], None
    while True:
        params = {"limit": 3} | ({"next": cursor} if cursor else {})
        page = api.client.get("/api/v1/rejected-orders", headers=api.acme, params=params).json()
        pages.append([r["raw"] for r in page["items"]])
        cursor = page["next"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    customers = [next(f"nobody-{n}" for n in range(7) if f'"nobody-{n}"' in raw) for page in pages for raw in page]
    assert customers == [f"nobody-{n}" for n in reversed(range(7))]
    whole = api.client.get("/api/v1/rejected-orders", headers=api.acme).json()
    assert (len(whole["items"]), whole["next"]) == (7, None)


def test_a_cursor_the_api_did_not_give_is_refused(engine):
    api = make_api(engine)
    for cursor in ("abc", "-1", "9" * 40, "１２"):
        answer = api.client.get("/api/v1/rejected-orders", headers=api.acme, params={"next": cursor})
        assert answer.status_code == 422, cursor
        assert "not a cursor this API gave out" in answer.text
