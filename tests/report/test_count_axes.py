"""A chart of whole counts never ticks between two counts: on a small plant (a handful of work units a work
center, a few units a day) every count has its tick; on a large one Plotly spaces them."""

from __future__ import annotations

from pathlib import Path

from factoryos.model.validate import load_plant
from factoryos.report.foundation import plant_section
from factoryos.report.html import FEW, count_axis

MINI = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"


def test_few_counts_tick_every_unit_and_many_are_left_to_plotly() -> None:
    assert count_axis("units", FEW)["dtick"] == 1
    assert "dtick" not in count_axis("units", FEW + 1)
    assert count_axis("units", 0)["rangemode"] == "tozero"


def test_a_small_plants_charts_tick_whole_work_units_and_materials() -> None:
    plant = load_plant(MINI)
    structure, materials = plant_section(plant).figures
    assert max(max(bar.x) for bar in structure.data) <= FEW
    assert structure.layout.xaxis.dtick == 1
    assert materials.layout.xaxis.dtick == 1


def test_a_large_plants_materials_are_left_to_plotlys_ticks(ev_plant) -> None:
    _, materials = plant_section(ev_plant).figures
    assert max(materials.data[0].x) > FEW
    assert materials.layout.xaxis.dtick is None
