"""The order desk's pure parts: the page cursor (a parser of client input) and an order's load, checked
against the configurator's own configured build."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from factoryos.c2m.configurator import build, sample
from factoryos.c2m.promise import PlantCapacity
from factoryos.services.order_desk import OrderRejected, decode_cursor, encode_cursor


@given(st.text(max_size=200))
def test_any_cursor_text_is_a_cursor_or_a_located_refusal(text):
    try:
        outcome: object = decode_cursor(text)
    except OrderRejected as error:
        outcome = error.field
    if isinstance(outcome, tuple):
        assert outcome[0].tzinfo is not None
        assert isinstance(outcome[1], str)
    else:
        assert outcome == "next"


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)),
    st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1, max_size=32),
)
def test_a_cursor_decodes_to_what_was_encoded(moment, order_id):
    assert decode_cursor(encode_cursor(moment, order_id)) == (moment, order_id)


def test_a_cursor_naming_a_lone_surrogate_is_refused_not_sent_to_the_database():
    with pytest.raises(OrderRejected) as refused:
        decode_cursor(encode_cursor(datetime(2027, 1, 1, tzinfo=UTC), "CO-\ud800"))
    assert refused.value.field == "next"


@pytest.mark.parametrize(
    "forged",
    [
        ["0001-01-01T00:00:00+05:00", "CO-0"],  # before year 1 in UTC: an OverflowError, answered 500
        ["9999-12-31T23:59:59-05:00", "CO-0"],  # past year 9999 in UTC
        ["2027-01-01T00:00:00+00:00", "CO-\x00"],  # a NUL, which PostgreSQL text cannot hold: answered 503
    ],
)
def test_a_forged_cursor_is_refused_as_no_cursor_this_api_gave_out(forged):
    with pytest.raises(OrderRejected) as refused:
        decode_cursor(base64.urlsafe_b64encode(json.dumps(forged).encode()).decode())
    assert refused.value.field == "next"


def _load_from_build(plant, product_id, configuration):
    """Minutes per work center (or pool of the alternative work centers an operation can be done on, keyed by
    their ids joined with "+") worked out from the configurator's build, independently of PlantCapacity: a paced
    line, or a pool of them, takes one unit per (shortest) takt."""
    configured = build(plant, product_id, configuration)
    material = plant.products[product_id].material
    units = plant.work_units()
    centers = plant.work_centers()
    load: dict[str, float] = {}
    for step in configured.operations:
        quantity = 1.0 if step.material == material else configured.requirements[step.material]
        eligible = sorted({units[unit][1] for unit in plant.eligible_units(step.operation)})
        key = "+".join(eligible)
        takts = [centers[c][1].takt_seconds for c in eligible if centers[c][1].kind == "paced-line"]
        if len(takts) == len(eligible) and all(takts):
            load[key] = max(load.get(key, 0.0), quantity * min(takts) / 60)
        else:
            minutes = step.operation.run_minutes / (step.operation.batch_size or 1)
            load[key] = load.get(key, 0.0) + quantity * minutes
    return load


@pytest.mark.parametrize("plant_name", ["ev_plant", "appliance_plant"])
def test_an_orders_load_agrees_with_the_configured_build(plant_name, request):
    plant = request.getfixturevalue(plant_name)
    capacity = PlantCapacity(plant)
    for product_id, product in plant.products.items():
        for configuration in sample(product, 25, seed=3):
            expected = _load_from_build(plant, product_id, configuration)
            got = capacity.load(product_id, configuration)
            assert got.keys() == expected.keys()
            for center, minutes in expected.items():
                assert got[center] == pytest.approx(minutes, rel=1e-9)
