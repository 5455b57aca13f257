"""The example plants, shipped as package data so that an installed factoryos finds them anywhere."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

FOLDER = Path(str(files(__name__)))


def example_plant(name: str) -> Path:
    """The path of a shipped example plant, by file name (`ev-plant.yaml`) or stem (`ev-plant`)."""
    return FOLDER / (name if name.endswith(".yaml") else f"{name}.yaml")
