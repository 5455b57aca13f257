"""A bought part is either planned (its stock, open orders and suppliers' lead times bind) or supplied on call,
and the promise, MRP and the twin take it the same way. On the partner-ramp plant: a scooter needs one deck,
bought from a supplier 10 days away, none in stock and none on order."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from factoryos.c2m.promise import Commitments, PlantCapacity, PlantMaterial, promise
from factoryos.model.plant import Material, Plant
from factoryos.model.validate import load_plant
from factoryos.planning.mrp import plan as mrp
from factoryos.planning.plant_problem import DemandRow, plant_problem
from factoryos.twin.scenarios import prepare

PLANT = Path(__file__).resolve().parents[1] / "data" / "partner-ramp-plant.yaml"
START = date(2027, 3, 2)  # a Tuesday of the ramp's first month
DECK_LEAD = 10
SCOOTER = {"colour": "black", "battery": "small"}


@pytest.fixture(scope="module")
def planned() -> Plant:
    return load_plant(PLANT)


@pytest.fixture(scope="module")
def on_call(planned) -> Plant:
    deck = planned.materials["deck"].model_copy(update={"on_call": True})
    return planned.model_copy(update={"materials": planned.materials | {"deck": deck}})


def _quote(plant: Plant, quantity: int):
    capacity, material = PlantCapacity(plant), PlantMaterial(plant)
    check = material.check(material.needs("scooter", SCOOTER), quantity, START, Commitments({}))
    return promise(capacity, capacity.load("scooter", SCOOTER), quantity, START, {}, check)


def _mrp(plant: Plant, due: date):
    order = DemandRow("SO-1", "scooter", due, 5, "order", "SO-1", SCOOTER)
    return mrp(plant_problem(plant, START, 60, [order]))


def test_a_planned_part_without_stock_waits_for_its_suppliers_lead_time(planned):
    quote = _quote(planned, 5)
    assert quote.promised >= START + timedelta(days=DECK_LEAD)
    assert "deck" in quote.constraint


def test_a_part_on_call_is_there_at_once_and_the_line_binds(on_call):
    quote = _quote(on_call, 5)
    assert quote.promised < START + timedelta(days=DECK_LEAD)
    assert "deck" not in quote.constraint
    assert quote.stock == {}


def test_mrp_buys_a_planned_part_a_lead_time_ahead_and_never_one_on_call(planned, on_call):
    due = START + timedelta(days=30)
    buys = [o for o in _mrp(planned, due).planned_orders if o.material == "deck"]
    assert sum(o.quantity for o in buys) >= 5
    assert all((o.due - o.release).days >= DECK_LEAD for o in buys)
    called = _mrp(on_call, due)
    assert not [o for o in called.planned_orders if o.material == "deck"]
    assert not [e for e in called.exceptions if e.material == "deck"]


def test_mrp_and_the_promise_agree_that_a_planned_part_due_inside_its_lead_time_is_late(planned, on_call):
    """An order wanted in three days: MRP finds the deck late, the promise dates it a lead time out; on call,
    neither waits for it."""
    soon = START + timedelta(days=3)
    assert any(e.material == "deck" for e in _mrp(planned, soon).exceptions)
    assert _quote(planned, 5).promised > soon
    assert not any(e.material == "deck" for e in _mrp(on_call, soon).exceptions)


def test_the_twin_draws_a_planned_part_and_not_one_on_call(planned, on_call):
    """Three smart days: the material plan buys the decks the twin draws; a deck on call is never drawn."""

    def consumed(plant: Plant) -> dict[str, float]:
        prepared = prepare(plant, "smart", 3, 1)
        prepared.floor.run(prepared.horizon)
        assert prepared.twin.line_side is not None
        return prepared.twin.line_side.consumed

    assert consumed(planned)["deck"] > 0
    assert "deck" not in consumed(on_call)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source": "make", "on_call": True}, "only a bought material is supplied on call"),
        ({"source": "buy", "on_call": True, "safety_stock": 10}, "keeps no safety stock"),
    ],
)
def test_on_call_is_for_a_bought_material_without_safety_stock(fields, message):
    with pytest.raises(ValidationError, match=message):
        Material(kind="component", **fields)
