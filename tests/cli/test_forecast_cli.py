"""`factoryos forecast` and `factoryos bench forecast` on a plant file, and from stored orders."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_bench_forecast_prints_both_wapes_per_product_and_overall():
    result = invoke("bench", "forecast", "--plant", PLANT, "--days", "84", "--weeks", "2", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    for figures in [*document["products"].values(), document["overall"]]:
        assert figures["wape"] >= 0
        assert figures["seasonal_naive_wape"] >= 0
