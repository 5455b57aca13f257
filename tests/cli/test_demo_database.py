"""`factoryos demo` runs on a database of its own beside its report, made afresh each run, whatever
$FACTORYOS_DATABASE_URL says; a --db that already holds data is refused in one line and left as it was."""

from __future__ import annotations

from pathlib import Path

from factoryos.store.db import make_engine, tables_with_rows
from factoryos.store.orders import list_orders
from tests.cli.test_cli import factoryos

KILN = Path(__file__).resolve().parents[1] / "data" / "kiln-plant.yaml"


def demo_orders(folder: Path) -> list[tuple[str, str, int]]:
    engine = make_engine(f"sqlite:///{folder / 'demo.db'}", create=False)
    orders = [(o.id, o.product, o.quantity) for o in list_orders(engine)]
    engine.dispose()
    return orders


def test_the_demo_keeps_out_of_the_plants_database_and_starts_afresh_each_run(tmp_path) -> None:
    plant_db = f"sqlite:///{tmp_path / 'plant.db'}"
    assert factoryos("plant", "load", str(KILN), cwd=tmp_path, env_db=plant_db).returncode == 0
    engine = make_engine(plant_db, create=False)
    held = tables_with_rows(engine)
    runs = []
    for _ in range(2):
        result = factoryos("demo", "--plant", str(KILN), "--days", "1", cwd=tmp_path, env_db=plant_db)
        assert result.returncode == 0, result.stderr
        runs.append(demo_orders(tmp_path / "factoryos-report"))
    assert runs[0]
    assert runs[1] == runs[0]  # the second run's database holds its own orders, not both runs'
    assert tables_with_rows(engine) == held
    assert not list_orders(engine)
    engine.dispose()


def test_a_db_that_holds_data_is_refused_in_one_line(tmp_path) -> None:
    plant_db = f"sqlite:///{tmp_path / 'plant.db'}"
    assert factoryos("plant", "load", str(KILN), "--db", plant_db, cwd=tmp_path).returncode == 0
    engine = make_engine(plant_db, create=False)
    held = tables_with_rows(engine)
    result = factoryos("demo", "--plant", str(KILN), "--days", "1", "--db", plant_db, cwd=tmp_path)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {plant_db} already holds data (")
    assert "leave out --db" in line
    assert tables_with_rows(engine) == held
    assert not (tmp_path / "factoryos-report").exists()
    engine.dispose()
