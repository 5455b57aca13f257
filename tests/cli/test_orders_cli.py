"""`factoryos orders`: import is idempotent and loses nothing, generate does not double demand, and the
accepted and the rejected are printed as JSON (issue 11, sections 1 and 4)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from factoryos.cli import app
from factoryos.model.plant import Plant
from factoryos.model.validate import load_plant
from factoryos.store.db import make_engine, migrate
from factoryos.store.order_desk import order_changes
from factoryos.store.plants import store_plant

MINI = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'orders.db'}"
    engine = make_engine(url)
    migrate(engine)
    store_plant(engine, load_plant(MINI), str(MINI))
    engine.dispose()
    return url


def order(**changes) -> dict:
    line = {
        "id": "WEB-1",
        "customer": "shop",
        "product": "cart",
        "options": {"size": "small"},
        "quantity": 2,
        "ordered_at": "2027-01-05T10:00:00Z",
        "due_date": "2027-02-01",
    }
    return line | changes


def line(**changes) -> bytes:
    return json.dumps(order(**changes), ensure_ascii=False).encode()


def cli(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def items(*args: str) -> list[dict]:
    return json.loads(cli(*args))["items"]


BAD = {
    2: b"\xff\xfe" + line(id="BAD-1"),
    3: b"\xef\xbb\xbf" + line(id="BAD-2"),
    4: b"[" * 3000 + b"]" * 3000,
    5: line(id="BAD-4").replace(b'"quantity": 2', b'"quantity": 1e400'),
    6: line(id="BAD-5", quantity=True),
    7: line(id="BAD-6", quantity="2"),
    8: line(id="BAD-7\u2028x"),
    9: line(id="BAD-8\x00"),
    10: b'{"id": "BAD-9\x00"}',
    11: line(id="BAD-10").replace(b'"quantity": 2', b'"quantity": 2, "quantity": 3'),
    12: line(id="BAD-11", due_date="2999-01-01"),
    13: line(id="WEB-1", quantity=5),
}
GOOD = {1: line(), 14: line(id="WEB-2"), 16: line(id="WEB-3", quantity=1)}


@pytest.fixture
def order_file(tmp_path) -> Path:
    lines = {**BAD, **GOOD, 15: b"   "}
    path = tmp_path / "orders.jsonl"
    path.write_bytes(b"\n".join(lines[n] for n in sorted(lines)) + b"\n")
    return path


def test_every_good_line_is_kept_and_every_bad_line_is_rejected_with_its_line_reason_and_raw_text(db, order_file):
    cli("orders", "import", str(order_file), "--db", db)
    accepted = items("orders", "list", "--json", "--db", db)
    assert sorted(o["id"] for o in accepted) == ["WEB-1", "WEB-2", "WEB-3"]
    first = next(o for o in accepted if o["id"] == "WEB-1")
    assert (first["product"], first["quantity"], first["due"], first["state"]) == ("cart", 2, "2027-02-01", "received")
    rejected = items("orders", "rejected", "--json", "--db", db)
    assert sorted(r["line"] for r in rejected) == sorted(BAD)
    for reject in rejected:
        assert reject["reason"]
        assert datetime.fromisoformat(reject["received_at"]).utcoffset() == timedelta(0)  # SQLite keeps no zone
        assert reject["file"] == str(order_file.resolve())
        if reject["line"] != 2:
            assert reject["raw"] == BAD[reject["line"]].decode()
    by_line = {r["line"]: r for r in rejected}
    assert "duplicate order id 'WEB-1' (first on line 1)" in by_line[13]["reason"]
    assert "\u2028" in by_line[8]["raw"]
    assert "0xff" in by_line[2]["reason"]
    assert by_line[2]["raw"].startswith("\\xff\\xfe")


def test_importing_the_same_file_twice_changes_nothing(db, order_file):
    cli("orders", "import", str(order_file), "--db", db)
    before = (items("orders", "list", "--json", "--db", db), items("orders", "rejected", "--json", "--db", db))
    output = cli("orders", "import", str(order_file), "--db", db)
    assert "accepted 0 orders, rejected 0" in output
    after = (items("orders", "list", "--json", "--db", db), items("orders", "rejected", "--json", "--db", db))
    assert after == before


def test_an_id_taken_by_a_different_order_is_rejected_and_the_rest_kept(db, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(line() + b"\n")
    second.write_bytes(line(quantity=9) + b"\n" + line(id="WEB-9") + b"\n")
    cli("orders", "import", str(first), "--db", db)
    cli("orders", "import", str(second), "--db", db)
    accepted = {o["id"]: o for o in items("orders", "list", "--json", "--db", db)}
    assert set(accepted) == {"WEB-1", "WEB-9"}
    assert accepted["WEB-1"]["quantity"] == 2
    (reject,) = items("orders", "rejected", "--json", "--db", db)
    assert reject["line"] == 1
    assert "already taken" in reject["reason"]


def test_generating_with_the_same_seed_again_adds_nothing_and_says_so(db):
    made = cli("orders", "generate", "--days", "3", "--seed", "5", "--db", db)
    assert made.startswith("generated")
    count = len(items("orders", "list", "--json", "--db", db))
    again = cli("orders", "generate", "--days", "3", "--seed", "5", "--db", db)
    assert "nothing added" in again
    assert "already stored" in again
    assert len(items("orders", "list", "--json", "--db", db)) == count
    cli("orders", "generate", "--days", "3", "--seed", "6", "--db", db)
    assert len(items("orders", "list", "--json", "--db", db)) > count


def test_generated_ids_do_not_collide_with_imported_ones(db, tmp_path):
    path = tmp_path / "co.jsonl"
    path.write_bytes(line(id="CO0000001") + b"\n")
    cli("orders", "import", str(path), "--db", db)
    cli("orders", "generate", "--days", "2", "--db", db)
    ids = [o["id"] for o in items("orders", "list", "--json", "--db", db)]
    assert len(ids) == len(set(ids)) > 1


def test_limit_applies_to_json_too(db):
    cli("orders", "generate", "--days", "3", "--db", db)
    assert len(items("orders", "list", "--json", "--limit", "2", "--db", db)) == 2


def test_a_file_that_is_no_file_of_orders_is_refused_whole(db, tmp_path):
    """The plant file given by mistake: not a JSON object on any line, so nothing is kept as rejected."""
    result = CliRunner().invoke(app, ["orders", "import", str(MINI), "--db", db])
    assert result.exit_code == 1
    assert "is a JSON object" in str(result.exception)
    assert "not a file of orders" in str(result.exception)
    assert items("orders", "rejected", "--json", "--db", db) == []
    folder = CliRunner().invoke(app, ["orders", "import", str(tmp_path), "--db", db])
    assert "a folder; give the file of orders in it" in str(folder.exception)
    device = CliRunner().invoke(app, ["orders", "import", "/dev/null", "--db", db])
    assert "/dev/null: not a regular file (a folder, a device or a pipe)" in str(device.exception)
    missing = CliRunner().invoke(app, ["orders", "import", str(tmp_path / "none.jsonl"), "--db", db])
    assert "none.jsonl: no such file of orders" in str(missing.exception)
    one_good = tmp_path / "one.jsonl"
    one_good.write_bytes(b"not json\n" + line() + b"\n")
    cli("orders", "import", str(one_good), "--db", db)  # one object is enough: the rest are rejects
    assert len(items("orders", "rejected", "--json", "--db", db)) == 1


def test_an_imported_or_generated_order_has_its_history_from_the_start(db, order_file):
    """As an order placed over the API, one imported or generated has a first row saying how it came in (an
    imported order's history began at its first change)."""
    cli("orders", "import", str(order_file), "--db", db)
    cli("orders", "generate", "--days", "2", "--db", db)
    engine = make_engine(db)
    for order in items("orders", "list", "--json", "--limit", "10000", "--db", db):
        (first, *_) = order_changes(engine, order["id"])
        assert (first.from_state, first.to_state) == (None, "received")
        assert first.actor in ("orders import", "orders generate")
        if first.actor == "orders import":
            assert f"imported from {order_file.resolve()}:" in first.reason


def test_imported_and_generated_orders_wait_received_until_promised_in_the_order_they_came(db, order_file):
    """`orders promise` dates every received order, the earliest arrival no later than those after it of the
    same content, says how many, and finds nothing left the second time."""
    imported = cli("orders", "import", str(order_file), "--db", db)
    assert "`factoryos orders promise` promises them" in imported
    cli("orders", "generate", "--days", "2", "--db", db)
    waiting = items("orders", "list", "--json", "--db", db)
    assert {o["state"] for o in waiting} == {"received"}

    said = cli("orders", "promise", "--db", db)
    assert said.startswith(f"promised {len(waiting):,} orders of {len(waiting):,} received")
    promised = {o["id"]: o for o in items("orders", "list", "--json", "--db", db)}
    assert {o["state"] for o in promised.values()} == {"promised"}
    imported_dates = [promised[f"WEB-{n}"]["promised"] for n in (1, 2, 3)]
    assert imported_dates == sorted(imported_dates)  # WEB-1 came first, then WEB-2, then the smaller WEB-3
    assert cli("orders", "promise", "--db", db).strip() == "no order is waiting for a promise"
    assert items("orders", "promise", "--json", "--db", db) == []


def mini_plant_in(tmp_path, timezone: str) -> tuple[str, Engine, Plant]:
    """A database holding the mini plant moved to `timezone`, so that its site's days are not UTC's."""
    mini = load_plant(MINI)
    plant = mini.model_copy(update={"site": mini.site.model_copy(update={"timezone": timezone})})
    url = f"sqlite:///{tmp_path / 'moved.db'}"
    engine = make_engine(url)
    migrate(engine)
    store_plant(engine, plant, str(MINI))
    return url, engine, plant


def test_orders_are_listed_on_their_site_clock(tmp_path):
    """The mini plant moved to Kolkata (UTC+05:30): an order placed at 10:00 UTC was placed at 15:30 there."""
    db, _, _ = mini_plant_in(tmp_path, "Asia/Kolkata")
    path = tmp_path / "one.jsonl"
    path.write_bytes(line(ordered_at="2027-01-05T10:00:00Z") + b"\n")
    cli("orders", "import", str(path), "--db", db)
    assert "2027-01-05 15:30 IST" in cli("orders", "list", "--db", db)


def test_generating_again_finds_the_stream_stored_on_the_sites_days(tmp_path):
    """The stream is drawn on the site's days: in Auckland a day's first half is UTC's day before, and a repeat
    that looked for the stored stream over UTC's days missed it and stored it a second time."""
    from factoryos.services.orders import generate_order_stream

    _, engine, _ = mini_plant_in(tmp_path, "Pacific/Auckland")
    first = generate_order_stream(engine, 3, 5)
    again = generate_order_stream(engine, 3, 5)
    assert first.orders
    assert not first.already_stored
    assert again.already_stored
    engine.dispose()


def test_orders_placed_now_are_due_their_drawn_lead_time_from_the_sites_today(tmp_path):
    """At 20:00 UTC it is already tomorrow in Auckland: an order placed then is asked for 14 to 28 days (the
    plant's lead times) from the site's today, where it was counted from UTC's and could be asked for 13 days
    after the site's today."""
    from factoryos.services.order_desk import generate_orders
    from factoryos.store.orders import list_orders

    _, engine, plant = mini_plant_in(tmp_path, "Pacific/Auckland")
    now = datetime(2027, 1, 5, 20, tzinfo=UTC)
    generate_orders(engine, 40, 3, now)
    low, high = next(p.demand.lead_time_days for p in plant.products.values() if p.demand)
    leads = {(o.due_date - date(2027, 1, 6)).days for o in list_orders(engine)}
    assert low <= min(leads)
    assert max(leads) <= high
    engine.dispose()


def test_an_order_above_the_products_largest_is_rejected_and_listed(tmp_path):
    """A plant file that bounds one order of a cart at 50 units: a typed 5,000 is refused, saying the bound and
    where it is set, and kept with the rejected lines; 50 itself is taken."""
    plant_file = tmp_path / "plant.yaml"
    plant_file.write_text(
        MINI.read_text().replace("    material: cart\n", "    material: cart\n    max_order_quantity: 50\n")
    )
    url = f"sqlite:///{tmp_path / 'bounded.db'}"
    engine = make_engine(url)
    migrate(engine)
    store_plant(engine, load_plant(plant_file), str(plant_file))
    engine.dispose()
    orders = tmp_path / "orders.jsonl"
    orders.write_bytes(line(id="TYPO-1", quantity=5000) + b"\n" + line(id="FULL-1", quantity=50) + b"\n")
    cli("orders", "import", str(orders), "--db", url)
    assert [o["id"] for o in items("orders", "list", "--json", "--db", url)] == ["FULL-1"]
    [rejected] = items("orders", "rejected", "--json", "--db", url)
    assert rejected["line"] == 1
    assert "5,000 units is more than one order of 'cart' may ask for (50" in rejected["reason"]
    assert "max_order_quantity" in rejected["reason"]
