"""`factoryos plant`: show --json, hostile files refused in one clear error, and two loads at once on one
SQLite file both finish (issue 11, sections 1 and 3)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from factoryos.cli import app
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.validate import load_plant
from factoryos.store.db import make_engine
from factoryos.store.orders import save_orders
from factoryos.store.plants import read_plant
from factoryos.store.tables import EquipmentRecord, PlantRecord

DATA = Path(__file__).resolve().parents[1] / "data"


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_show_json_prints_the_whole_loaded_plant(tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert invoke("plant", "load", str(DATA / "two-cells.yaml"), "--db", db).exit_code == 0
    shown = invoke("plant", "show", "--json", "--db", db)
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    assert document == load_plant(DATA / "two-cells.yaml").model_dump(mode="json")


def test_show_names_a_lights_out_cells_calendar(tmp_path):
    """A lights-out cell works its calendar (weekdays, with a holiday, here): show says which, not "24/7"."""
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert invoke("plant", "load", str(DATA / "weekday-cell-plant.yaml"), "--db", db).exit_code == 0
    shown = invoke("plant", "show", "--db", db)
    assert shown.exit_code == 0, shown.output
    assert "Mill cell (cell, lights-out, calendar weekdays)" in shown.output
    assert "24/7" not in shown.output


def test_a_hostile_file_is_one_located_error_and_no_database(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}' if i > 1 else '*a'] * 10)}]\n" for i in range(1, 9))
    )
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"source: caf\xe9\n")
    for path, expected in ((bomb, "alias bomb"), (latin, "not UTF-8")):
        result = invoke("plant", "validate", str(path))
        assert result.exit_code == 1
        assert f"{path}:" in result.output
        assert expected in result.output
        loaded = invoke("plant", "load", str(path), "--db", f"sqlite:///{tmp_path / 'never.db'}")
        assert loaded.exit_code == 1
        assert expected in str(loaded.exception)
    assert not (tmp_path / "never.db").exists()


def test_two_loads_at_once_on_one_sqlite_file_both_finish(tmp_path):
    """They raced: one failed with `table ... already exists` or a UNIQUE constraint on plants.site."""
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    command = [sys.executable, "-c", "from factoryos.cli import main; main()", "plant", "load"]
    plant = str(DATA / "mini-plant.yaml")
    runs = [
        subprocess.Popen([*command, plant, "--db", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    assert [code for code, _ in results] == [0, 0, 0], results
    engine = make_engine(db)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(PlantRecord)) == 1
        units = session.scalar(select(func.count()).select_from(EquipmentRecord))
    plant_model = read_plant(engine)
    assert units == len(plant_model.areas) + len(plant_model.work_centers()) + len(plant_model.work_units())


def test_validate_notes_the_bought_parts_with_neither_stock_nor_an_open_order():
    """The partner-ramp plant buys decks and boxes but neither stocks them nor has them on order: valid, with a
    note that promises wait a lead time for them; the kiln plant stocks what it buys and gets no note."""
    noted = invoke("plant", "validate", str(DATA / "partner-ramp-plant.yaml"))
    assert noted.exit_code == 0, noted.output
    assert "note: 2 bought parts with neither stock nor an open order (deck and box)" in " ".join(noted.output.split())
    quiet = invoke("plant", "validate", str(DATA / "kiln-plant.yaml"))
    assert quiet.exit_code == 0
    assert "note" not in quiet.output


def test_validate_notes_the_manned_work_centers_given_no_crew():
    """Without `operators_per_shift` a manned cell is worked by nobody in the twin (no labour, no crew limit):
    valid, with a note naming them; a lights-out cell needs none, and the kiln plant crews its manned ones."""
    noted = invoke("plant", "validate", str(DATA / "two-partners-plant.yaml"))
    assert noted.exit_code == 0, noted.output
    assert "note: 2 manned work centers with no crew (frame-cell and line)" in " ".join(noted.output.split())
    assert "no crew" not in invoke("plant", "validate", str(DATA / "kiln-plant.yaml")).output


def _order(order_id: str, customer: str, product: str, configuration: dict, state: CustomerOrderState):
    tenant = {"works-shop": "works", "brio-shop": "brio"}[customer]
    ordered = datetime(2027, 1, 5, 9, tzinfo=UTC)
    return CustomerOrder(order_id, "shared-site", tenant, customer, product, configuration, 1, ordered,
                         date(2027, 2, 1), state)  # fmt: skip


def test_loading_a_stricter_plant_names_the_orders_still_to_be_built_it_no_longer_fits(tmp_path):
    """An option withdrawn and a new rule: the orders to be built that take the option or break the rule are
    named with why; a cancelled or shipped one, and one that still fits, are not."""
    db = f"sqlite:///{tmp_path / 'p.db'}"
    source = DATA / "two-partners-plant.yaml"
    assert invoke("plant", "load", str(source), "--db", db).exit_code == 0
    small_blue, big_blue = {"size": "small", "colour": "blue"}, {"size": "big", "colour": "blue"}
    save_orders(
        make_engine(db),
        [
            _order("SMALL-BLUE", "works-shop", "cart", small_blue, CustomerOrderState.PROMISED),
            _order("SMALL-BLUE-MADE", "works-shop", "cart", small_blue, CustomerOrderState.IN_PRODUCTION),
            _order("SMALL-BLUE-SHIPPED", "works-shop", "cart", small_blue, CustomerOrderState.SHIPPED),
            _order("BIG-BLUE", "works-shop", "cart", big_blue, CustomerOrderState.RECEIVED),
            _order("BIKE-S", "brio-shop", "brio-bike", {"frame-size": "s"}, CustomerOrderState.RELEASED),
            _order("BIKE-S-CANCELLED", "brio-shop", "brio-bike", {"frame-size": "s"}, CustomerOrderState.CANCELLED),
            _order("BIKE-M", "brio-shop", "brio-bike", {"frame-size": "m"}, CustomerOrderState.RECEIVED),
        ],
    )
    text = source.read_text()
    big_not_red = "      - {when: {size: [big]}, excludes: {colour: [red]}, note: the big cart is not painted red}\n"
    stricter = text.replace(
        big_not_red, big_not_red + "      - {when: {size: [small]}, excludes: {colour: [blue]}, note: small is red}\n"
    ).replace("options: {s: {}, m: {}, l: {}}", "options: {m: {}, l: {}}")
    assert stricter.count("small is red") == 1
    assert "s: {}" not in stricter
    changed = tmp_path / "stricter.yaml"
    changed.write_text(stricter)

    loaded = invoke("plant", "load", str(changed), "--db", db)

    assert loaded.exit_code == 0, loaded.output
    lines = " ".join(loaded.output.split())
    assert "3 orders still to be built no longer fit the plant as loaded" in lines
    assert (
        "cart: the small size excludes the blue colour (small is red): 2 orders (SMALL-BLUE and SMALL-BLUE-MADE)"
        in lines
    )
    assert "brio-bike: the frame-size has no option 's'; expected one of ['m', 'l']: 1 order (BIKE-S)" in lines
    for fits in ("BIG-BLUE", "BIKE-M", "SHIPPED", "CANCELLED"):
        assert fits not in lines
    again = invoke("plant", "load", str(changed), "--db", db)
    assert "nothing changed" in again.output
