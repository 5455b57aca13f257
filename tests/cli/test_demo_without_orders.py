"""A valid plant that gives the demo no orders (no demand in its file, or too little for the days asked) is a
one-line error that says which and what to do, before anything is planned, never a scheduler's message."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.cli.test_cli import factoryos

OPEN_PO = Path(__file__).resolve().parents[1] / "data" / "open-po-plant.yaml"
PARTNER_RAMP = OPEN_PO.with_name("partner-ramp-plant.yaml")


def demo_error(tmp_path: Path, plant: Path, days: int) -> str:
    result = factoryos("demo", "--plant", str(plant), "--days", str(days), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    return line


def test_a_plant_without_demand_says_so(tmp_path) -> None:
    line = demo_error(tmp_path, OPEN_PO, 10)
    assert OPEN_PO.name in line
    assert "no product has a demand" in line


def test_demand_too_small_for_the_days_asks_for_more_days(tmp_path) -> None:
    plant = yaml.safe_load(OPEN_PO.read_text())
    plant["products"]["widget"]["demand"] = {"units_per_day": 0.0001}
    scarce = tmp_path / "scarce.yaml"
    scarce.write_text(yaml.safe_dump(plant))
    line = demo_error(tmp_path, scarce, 1)
    assert "scarce.yaml" in line
    assert "draws no orders in 1 day" in line
    assert "--days" in line


def test_days_past_the_bounds_are_refused_before_anything_runs(tmp_path) -> None:
    result = factoryos("demo", "--plant", str(OPEN_PO), "--days", "100000", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --days must be 1 to 366 (a year of the loop), got 100,000"
    assert not (tmp_path / "factoryos-report").exists()


def test_a_first_ramp_month_too_small_to_draw_orders_says_so(tmp_path) -> None:
    """The demo draws its orders at the share of demand the ramp's first month plans: when that month plans a
    single unit, more days are not the only way out, and the message says what the plant file plans."""
    plant = yaml.safe_load(PARTNER_RAMP.read_text())
    plant["ramp_up"]["months"][0]["target_units"] = 1
    tiny = tmp_path / "tiny-ramp.yaml"
    tiny.write_text(yaml.safe_dump(plant))
    line = demo_error(tmp_path, tiny, 1)
    assert (
        "tiny-ramp.yaml: its ramp-up's first month plans 1.0 units of cargo-bike, scooter"
    )  # safe_dump sorts the products in line
    assert "draw none in 1 day: raise the first month's units or efficiency, or ask for more --days" in line
