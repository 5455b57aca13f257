"""`factoryos plant`: show --json, hostile files refused in one clear error, and two loads at once on one
SQLite file both finish (issue 11, sections 1 and 3)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from factoryos.cli import app
from factoryos.model.validate import load_plant
from factoryos.store.db import make_engine
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
