"""`factoryos forecast` and `factoryos bench forecast` on a plant file, and from stored orders."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from factoryos.cli import app

DATA = Path(__file__).resolve().parents[1] / "data"
PLANT = str(DATA / "partner-ramp-plant.yaml")


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_forecast_json_gives_every_day_with_its_interval_and_net_units():
    result = invoke("forecast", "--plant", PLANT, "--horizon-days", "14", "--start", "2027-03-01", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["history"] == "generated"
    assert {p["product"] for p in document["products"]} == {"scooter", "cargo-bike"}
    for product in document["products"]:
        assert len(product["days"]) == 14
        for day in product["days"]:
            assert day["lower"] <= day["units"] <= day["upper"]
            assert 0 <= day["net_units"] <= day["units"] + 1e-9


def test_forecast_from_too_few_stored_orders_is_one_clear_line(sqlite_url):
    assert invoke("plant", "load", PLANT, "--db", sqlite_url).exit_code == 0
    assert invoke("orders", "generate", "--days", "20", "--start", "2027-03-01", "--db", sqlite_url).exit_code == 0
    result = invoke("forecast", "--db", sqlite_url)
    assert result.exit_code == 1
    assert "too little order history" in str(result.exception) + result.output


def test_a_forecast_from_past_the_stored_orders_is_refused_not_zero(sqlite_url):
    """Orders placed up to 18 July: a forecast from 2030 would read the years between as no demand at all."""
    assert invoke("plant", "load", PLANT, "--db", sqlite_url).exit_code == 0
    generated = invoke("orders", "generate", "--days", "140", "--start", "2027-03-01", "--db", sqlite_url)
    assert generated.exit_code == 0
    assert invoke("forecast", "--db", sqlite_url, "--json").exit_code == 0  # from the day after the last order
    result = invoke("forecast", "--db", sqlite_url, "--start", "2030-01-01")
    assert result.exit_code == 1
    assert "no order is stored in the" in str(result.exception)
    assert "days before 2030-01-01" in str(result.exception)


def test_bench_forecast_prints_both_wapes_per_product_and_overall():
    result = invoke("bench", "forecast", "--plant", PLANT, "--days", "84", "--weeks", "2", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    for figures in [*document["products"].values(), document["overall"]]:
        assert figures["wape"] >= 0
        assert figures["seasonal_naive_wape"] >= 0


def test_a_plant_without_options_says_so_instead_of_an_empty_attach_rate_table(tmp_path):
    """The partner-ramp plant's products stripped of their options: one configuration each, no rates to show."""

    plant = yaml.safe_load(Path(PLANT).read_text())
    for product in plant["products"].values():
        product.pop("option_families", None)
        product.pop("rules", None)
    bare = tmp_path / "bare.yaml"
    bare.write_text(yaml.safe_dump(plant))
    result = invoke("forecast", "--plant", str(bare), "--horizon-days", "7", "--start", "2027-03-01")
    assert result.exit_code == 0, result.output
    assert "no options: the products are built in one configuration" in result.output
    assert "option attach rates" not in result.output
