"""The forecast as `forecast --json` prints it: strict JSON, whatever the backtest measured."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from factoryos.model.validate import load_plant
from factoryos.services.forecast import forecast_document, forecast_history, generated_history

PLANT = Path(__file__).resolve().parents[1] / "data" / "two-partners-plant.yaml"


def test_a_backtest_of_no_demand_has_no_wape_rather_than_infinity_in_the_json():
    """A model that forecast some units where the backtest's weeks held none has an infinite WAPE: printed as
    `Infinity`, which no strict JSON parser reads. It is null, as for no WAPE at all."""
    run = forecast_history(generated_history(load_plant(PLANT)), 14)
    product, chosen = next(iter(run.forecast.products.items()))
    model = next(iter(chosen.backtest_wape))
    products = dict(run.forecast.products)
    products[product] = dataclasses.replace(chosen, backtest_wape={**chosen.backtest_wape, model: math.inf})
    document = forecast_document(
        dataclasses.replace(run, forecast=dataclasses.replace(run.forecast, products=products))
    )
    text = json.dumps(document, allow_nan=False)
    wapes = next(p for p in json.loads(text)["products"] if p["product"] == product)["backtest_wape"]
    assert wapes[model] is None
    assert all(w is None or w >= 0 for w in wapes.values())
