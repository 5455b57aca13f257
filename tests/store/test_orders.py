"""Orders in the database, on SQLite and PostgreSQL: an import is idempotent and keeps every reject, even
ones whose text a PostgreSQL text column cannot hold; the longest names and ids the schema allows fit."""

from __future__ import annotations

import json
from pathlib import Path

from factoryos.model.validate import load_plant
from factoryos.services.orders import import_order_file, rejected_item, rejected_orders
from factoryos.store.order_desk import keep_rejected, rejected_from
from factoryos.store.orders import list_orders
from factoryos.store.plants import read_plant, store_plant

MINI = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"


def line(**changes) -> bytes:
    order = {
        "id": "WEB-1",
        "customer": "shop",
        "product": "cart",
        "quantity": 1,
        "ordered_at": "2027-01-05T10:00:00Z",
        "due_date": "2027-02-01",
    }
    return json.dumps(order | changes).encode()


def test_an_import_twice_stores_each_order_and_reject_once(engine, tmp_path):
    store_plant(engine, load_plant(MINI), "mini.yaml")
    path = tmp_path / "orders.jsonl"
    nul_product = line(id="WEB-3", product="cart\x00x")
    path.write_bytes(b"\n".join([line(), b"\xc3\x28 not utf-8", nul_product, b"abc\x00", line(id="WEB-2")]))
    first = import_order_file(engine, path)
    second = import_order_file(engine, path)
    assert [r.order.id for r in first.added if r.order] == ["WEB-1", "WEB-2"]
    assert len(first.rejected) == 3
    assert (len(second.added), len(second.rejected)) == (0, 0)
    assert (len(second.unchanged), len(second.already_rejected)) == (2, 3)
    assert [o.id for o in list_orders(engine)] == ["WEB-1", "WEB-2"]
    rejected = {item["line"]: item for item in map(rejected_item, rejected_orders(engine))}
    assert sorted(rejected) == [2, 3, 4]
    assert rejected[4]["raw"] == "abc\x00"
    assert "NUL" in rejected[3]["reason"]


def test_the_longest_names_and_ids_the_plant_file_allows_fit_the_database(engine):
    plant = load_plant(MINI)
    document = plant.model_dump(mode="json")
    long_id = "w" * 64
    area = document["areas"]["shop"]
    area["name"] = "A" * 200
    cell = area["work_centers"]["press-cell"]
    cell["name"] = "C" * 200
    cell["work_units"] = {long_id: cell["work_units"]["press-1"] | {"name": "U" * 200}}
    document["areas"] = {"s" * 64: area}
    area["work_centers"] = {"c" * 64: cell, **{k: v for k, v in area["work_centers"].items() if k != "press-cell"}}
    for window in document["calendars"]["day"]["maintenance"]:
        window["equipment"] = long_id
    document["enterprise"]["name"] = document["site"]["name"] = "E" * 200
    long = type(plant).model_validate(document)
    store_plant(engine, long, "long.yaml")
    assert read_plant(engine) == long


def test_two_imports_at_once_store_each_order_and_reject_once(engine, tmp_path, at_once):
    store_plant(engine, load_plant(MINI), "mini.yaml")
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b"\n".join([line(id=f"WEB-{n}") for n in range(50)] + [b"{broken"]))
    outcomes = at_once(lambda: import_order_file(engine, path))
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(len(o.added) for o in outcomes) == [0, 50]
    assert len(list_orders(engine)) == 50
    assert len(rejected_orders(engine)) == 1


def test_a_tenants_rejected_orders_are_its_own_whatever_the_case_of_another_tenants_id(engine):
    """A source prefix is matched with its case on every database (SQLite's LIKE alone ignores it)."""
    keep_rejected(engine, "api/site/ACME/k1", "unknown product", b'{"product": "x"}')
    keep_rejected(engine, "api/site/acme/k2", "unknown customer", b'{"customer": "y"}')
    assert [r.source for r in rejected_from(engine, "api/site/acme/", 10)] == ["api/site/acme/k2"]
    assert len(rejected_from(engine, "", 10)) == 2
