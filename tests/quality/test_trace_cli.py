"""`factoryos trace` and `factoryos hold` on the hand-built history: the JSON answers, the printed ones, and
one-line errors for an unknown serial, a bad window and a hold without a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from factoryos.cli.trace import _print_forward
from factoryos.quality.genealogy import OrderLink, recall_scope
from factoryos.store.db import make_engine

from .history import MINI, WELD_1, store_history
from .test_cli import run


@pytest.fixture
def db(sqlite_url):
    engine = make_engine(sqlite_url)
    store_history(engine)
    engine.dispose()
    return sqlite_url


def test_trace_a_serial_back_as_json_and_as_text(db, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "trace", "CAR-2", "--json", "--db", db)
    assert code == 0
    document = json.loads(out)
    assert {c["id"] for c in document["components"]} >= {"BODY-2", "STEEL-1B", "STEEL-1"}
    code, out, _ = run(monkeypatch, capsys, "trace", "CAR-2", "--db", db)
    assert code == 0
    assert "STEEL-1B" in out
    assert "electrical-safety: fail" in out


def test_trace_a_lot_and_an_equipment_window_forward(db, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "trace", "--lot", "STEEL-1", "--json", "--db", db)
    assert code == 0
    assert json.loads(out)["units"] == ["CAR-1", "CAR-2"]
    window = ("--from", "2027-01-04T05:00", "--to", "2027-01-04T10:00")
    code, out, _ = run(monkeypatch, capsys, "trace", "--equipment", WELD_1, *window, "--db", db)
    assert code == 0
    assert "2 units: 1 shipped, 1 in stock, 0 in process" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("trace", "CAR-99"), "unknown serial 'CAR-99'"),
        (("trace", "--lot", "X-1"), "unknown lot or serial 'X-1'"),
        (("trace", "--equipment", WELD_1, "--from", "2027-01-05", "--to", "2027-01-04"), "at or before it starts"),
        (("trace", "--equipment", WELD_1, "--from", "noon", "--to", "2027-01-04"), "--from 'noon': expected a time"),
        (("trace", "--equipment", WELD_1), "needs its window"),
        (("trace", "--equipment", "weld-1", "--from", "2027-01-04", "--to", "2027-01-05"), "nothing was ever worked"),
        (("trace", "CAR-1", "--lot", "STEEL-1"), "give one of SERIAL"),
        (("trace", "\udcff\udcfeCAR"), "'\\udcff\\udcfe' in an argument is not UTF-8 text"),  # bytes FF FE
        (("hold", "place", "--lot", "STEEL-1", "--by", "qe"), "needs a reason"),
        (("hold", "release", "7", "--disposition", "use", "--by", "qe"), "no hold 7"),
    ],
)
def test_bad_requests_are_one_line_errors(db, monkeypatch, capsys, args, message):
    code, out, err = run(monkeypatch, capsys, *args, "--db", db)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_place_list_and_release_a_hold(db, monkeypatch, capsys):
    place = ("hold", "place", "--serials", "CAR-1..CAR-3", "--reason", "torque audit", "--by", "qe.smith")
    code, out, _ = run(monkeypatch, capsys, *place, "--json", "--db", db)
    assert code == 0
    hold = json.loads(out)
    assert (hold["scope"], hold["target"], hold["last"]) == ("serials", "CAR-1", "CAR-3")
    code, out, _ = run(monkeypatch, capsys, "hold", "list", "--db", db)
    assert "CAR-1..CAR-3: placed; torque audit" in out
    release = ("hold", "release", str(hold["id"]), "--disposition", "rework", "--by", "mrb", "--note", "re-torque")
    code, out, _ = run(monkeypatch, capsys, *release, "--db", db)
    assert code == 0
    code, out, _ = run(monkeypatch, capsys, "hold", "list", "--json", "--db", db)
    assert json.loads(out) == {"items": []}
    code, out, _ = run(monkeypatch, capsys, "hold", "list", "--all", "--json", "--db", db)
    (kept,) = json.loads(out)["items"]
    assert (kept["disposition"], kept["released_by"], kept["release_note"]) == ("rework", "mrb", "re-torque")
    code, out, _ = run(monkeypatch, capsys, "hold", "list", "--all", "--db", db)
    released = datetime.fromisoformat(kept["released_at"]).astimezone(UTC)
    assert f"released (rework) by mrb, {released:%Y-%m-%d %H:%M:%S} UTC: re-torque; torque audit" in out


def test_placing_a_hold_says_what_it_holds_now_and_when_that_is_nothing(db, monkeypatch, capsys):
    code, out, _ = run(
        monkeypatch, capsys, "hold", "place", "--lot", "STEEL-1", "--reason", "r", "--by", "qe", "--db", db
    )
    assert code == 0
    code, traced, _ = run(monkeypatch, capsys, "trace", "--lot", "STEEL-1", "--json", "--db", db)
    units, shipped = len(json.loads(traced)["units"]), len(json.loads(traced)["recall"]["shipped"])
    assert units > shipped == 1  # CAR-1's order shipped: a hold keeps back only what has not left
    said = " ".join(out.split())
    assert said.endswith(
        f": {units} units in it, 1 unit already shipped (the hold cannot stop them: recall them, `factoryos "
        f"trace`), {units - shipped} held now"
    )
    code, out, _ = run(
        monkeypatch, capsys, "hold", "place", "--lot", "STEEL-2", "--reason", "r", "--by", "qe", "--db", db
    )
    assert " ".join(out.split()).endswith(": 1 unit held now")  # CAR-3, built, in stock
    code, out, _ = run(
        monkeypatch, capsys, "hold", "place", "--lot", "STEEL-9", "--reason", "r", "--by", "qe", "--db", db
    )
    assert code == 0
    assert "no unit is known to contain or pass it yet" in out


def test_a_serial_hold_says_what_it_holds_and_what_already_shipped(db, monkeypatch, capsys):
    """CAR-1's order shipped: a hold on CAR-1..CAR-3 says so, as a lot hold does; a hold on bodies holds the cars
    built from them."""
    known = [k for k in (1, 2, 3) if run(monkeypatch, capsys, "trace", f"CAR-{k}", "--db", db)[0] == 0]
    place = ("hold", "place", "--reason", "r", "--by", "qe", "--db", db)
    code, out, _ = run(monkeypatch, capsys, *place, "--serials", "CAR-1..CAR-3")
    assert code == 0
    assert " ".join(out.split()).endswith(
        f": {len(known)} units in it, 1 unit already shipped (the hold cannot stop them: recall them, `factoryos "
        f"trace`), {len(known) - 1} held now"
    )
    code, out, _ = run(monkeypatch, capsys, *place, "--serials", "BODY-2..BODY-3")
    assert " ".join(out.split()).endswith(": 2 units held now")  # CAR-2 and CAR-3, built from those bodies
    code, out, _ = run(monkeypatch, capsys, *place, "--serials", "SN-9999")
    assert code == 0
    assert out.strip().endswith(": no serial in it is known yet; it holds each one that will be")


def test_an_equipment_hold_names_equipment_of_the_loaded_plant(ev_plant, sqlite_url, monkeypatch, capsys):
    from factoryos.store.db import migrate
    from factoryos.store.plants import store_plant

    engine = make_engine(sqlite_url)
    migrate(engine)
    store_plant(engine, ev_plant, "ev plant")
    window = ("--from", "2027-01-04T05:00", "--to", "2027-01-04T10:00", "--reason", "r", "--by", "qe")
    path = ev_plant.equipment_path(next(iter(ev_plant.work_units())))
    for typo in (path + "-9", path.rsplit("/", 1)[-1]):
        code, _, err = run(monkeypatch, capsys, "hold", "place", "--equipment", typo, *window, "--db", sqlite_url)
        assert code == 1
        assert f"'{typo}' is no equipment of the loaded plant, and nothing was worked on it" in err
    code, out, _ = run(monkeypatch, capsys, "hold", "place", "--equipment", path, *window, "--db", sqlite_url)
    assert code == 0
    assert f"placed on equipment {path}" in out


def test_times_read_on_the_loaded_plant_clock(db, monkeypatch, capsys):
    """A trace and the hold list print times on the loaded plant's clock, its zone named, and a window given
    without a zone is read on that clock too. The mini plant is moved to Chicago, so that its clock is not UTC."""
    from factoryos.model.validate import load_plant
    from factoryos.store.plants import store_plant

    plant = load_plant(MINI)
    clock = ZoneInfo("America/Chicago")
    store_plant(
        make_engine(db),
        plant.model_copy(update={"site": plant.site.model_copy(update={"timezone": clock.key})}),
        "mini.yaml",
    )
    _, out, _ = run(monkeypatch, capsys, "trace", "CAR-2", "--json", "--db", db)
    failed = next(t for t in json.loads(out)["tests"] if t["result"] == "fail")
    _, out, _ = run(monkeypatch, capsys, "trace", "CAR-2", "--db", db)
    assert (
        f"electrical-safety: fail at {datetime.fromisoformat(failed['at']).astimezone(clock):%Y-%m-%d %H:%M:%S} CST"
        in out
    )
    utc_window = ("--from", "2027-01-04T05:00Z", "--to", "2027-01-04T10:00Z")
    site_window = tuple(
        text if text.startswith("--") else f"{datetime.fromisoformat(text).astimezone(clock):%Y-%m-%dT%H:%M}"
        for text in utc_window
    )
    traced = [
        json.loads(run(monkeypatch, capsys, "trace", "--equipment", WELD_1, *window, "--json", "--db", db)[1])
        for window in (utc_window, site_window)
    ]
    assert traced[0]["units"]
    assert traced[0]["units"] == traced[1]["units"]
    hold = ("hold", "place", "--equipment", WELD_1, *site_window, "--reason", "drift", "--by", "qe", "--db", db)
    start = datetime.fromisoformat(site_window[1]).replace(tzinfo=clock)
    assert f"{WELD_1} {start:%Y-%m-%d %H:%M:%S} CST - " in run(monkeypatch, capsys, *hold)[1]
    place = ("hold", "place", "--serials", "CAR-1", "--reason", "audit", "--by", "qe", "--json", "--db", db)
    placed_at = datetime.fromisoformat(json.loads(run(monkeypatch, capsys, *place)[1])["placed_at"])
    _, out, _ = run(monkeypatch, capsys, "hold", "list", "--db", db)
    assert f"(qe, {placed_at.astimezone(clock):%Y-%m-%d %H:%M:%S} CST)" in out


def test_a_forward_trace_prints_its_serials_in_number_order_up_to_the_limit(capsys):
    """A lot in 30 units of one production order: serials in number order (MO15-2 before MO15-10), the first
    `--limit` of each status and how many more; --json keeps them all."""
    serials = [f"MO15-{k}" for k in range(1, 31)]
    links = {serial: OrderLink("CO-1", "built", "MO15", "completed") for serial in reversed(serials)}
    scope = recall_scope(links, open_units=set(), scrapped=set())
    assert scope["in stock"] == serials
    assert [o["serials"] for o in scope["orders"]] == [serials]
    _print_forward({"units": serials, "lots": [], "recall": scope}, limit=20)
    printed = " ".join(capsys.readouterr().out.split())
    assert f"in stock: {', '.join(serials[:20])} and 10 more" in printed
    _print_forward({"units": serials, "lots": [], "recall": scope}, limit=None)
    assert f"{', '.join(serials[:-1])} and {serials[-1]}" in " ".join(capsys.readouterr().out.split())
