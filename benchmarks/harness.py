"""What the order-desk benchmarks (api_load.py, promise.py) share: a plant in a fresh database, and the
run's figures written as JSON and printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from factoryos.model.plant import Plant
from factoryos.model.validate import load_plant
from factoryos.store.db import make_engine, migrate
from factoryos.store.plants import store_plant


def plant_database(plant_file: Path, url: str) -> tuple[Plant, Engine]:
    """The plant in `plant_file`, and an engine on the database at `url` migrated and holding that plant."""
    plant = load_plant(plant_file)
    engine = make_engine(url)
    migrate(engine)
    store_plant(engine, plant, str(plant_file))
    return plant, engine


def write_result(result: dict[str, Any], out: Path) -> None:
    """Write `result` to `out` (its folder made if missing) as indented JSON, and print it."""
    shown = json.dumps(result, indent=2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(shown + "\n")
    print(shown)
