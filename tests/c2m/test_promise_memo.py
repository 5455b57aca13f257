"""The material check keeps each material's supply and its suppliers' capacity left from one promise to the next
(the order desk reads a new `Commitments` for every batch and mostly finds the same lots bought): a long-lived
`PlantMaterial` must answer exactly what a fresh one answers, whatever came before, for any sequence of
orders, first days and batches."""

from __future__ import annotations

import copy
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.c2m.configurator import sample
from factoryos.c2m.promise import Commitments, PlantMaterial

from .test_promise_supplier_capacity import SMART, START, _plant

ORDERS = st.lists(
    st.tuples(st.integers(1, 6), st.integers(0, 1), st.booleans()),  # quantity, days after START, a new batch
    min_size=1,
    max_size=40,
)


def _plant_buying_in_tens():
    """The chips come in tens, 20 a week: a lot bought for one order covers the next ones, later than a new lot
    could come were the weeks before not full, so orders keep asking for the capacity left."""
    plant = _plant()
    chips = plant.suppliers["chips-inc"].model_copy(update={"order_multiple": 10})
    return plant.model_copy(update={"suppliers": {**plant.suppliers, "chips-inc": chips}})


def _fresh_batch(held: Commitments) -> Commitments:
    """What the order desk reads for the next batch: the same commitments in new objects, nothing memoised."""
    return Commitments(copy.deepcopy(held.taken), copy.deepcopy(held.bought), copy.deepcopy(held.booked))


@settings(max_examples=60, deadline=None)
@given(ORDERS)
def test_a_long_lived_material_check_answers_what_a_fresh_one_does_on_a_capacity_bound_supplier(orders):
    plant = _plant_buying_in_tens()
    kept = PlantMaterial(plant)
    needs = kept.needs("widget", SMART)
    held = Commitments()
    for quantity, later, new_batch in orders:
        held = _fresh_batch(held) if new_batch else held
        start = START + timedelta(days=later)
        warm = kept.check(needs, quantity, start, held)
        assert warm == PlantMaterial(plant).check(needs, quantity, start, _fresh_batch(held))
        held.add(warm.stock, warm.lots)


def test_orders_covered_by_a_lot_bought_before_reuse_the_capacity_left_and_answer_as_a_fresh_check(monkeypatch):
    """Orders of 3 chips: every lot of 10 covers the next two orders, which ask for the capacity left again."""
    plant = _plant_buying_in_tens()
    kept = PlantMaterial(plant)
    needs = kept.needs("widget", SMART)
    computed = []
    capacity = PlantMaterial._capacity
    monkeypatch.setattr(PlantMaterial, "_capacity", lambda self, *a: computed.append(self) or capacity(self, *a))
    held = Commitments()
    for n in range(30):
        held = _fresh_batch(held) if n % 4 == 0 else held
        warm = kept.check(needs, 3, START, held)
        assert warm == PlantMaterial(plant).check(needs, 3, START, _fresh_batch(held))
        held.add(warm.stock, warm.lots)
    assert max(held.bought["chip"]) > START + timedelta(days=60)  # the weeks filled up, one after the other
    assert sum(1 for who in computed if who is kept) < 15  # 30 orders, 25 of which ask what is left


def test_a_long_lived_material_check_answers_what_a_fresh_one_does_over_a_plants_orders(ev_plant):
    """On the EV plant (some 75 stocked parts a car): 400 orders of five cars, in batches of four."""
    kept = PlantMaterial(ev_plant)
    start = ev_plant.first_day()
    products = sorted(ev_plant.products)
    held = Commitments()
    for n in range(400):
        product = products[n % len(products)]
        configuration = sample(ev_plant.products[product], 1, seed=n)[0]
        needs = kept.needs(product, configuration)
        held = _fresh_batch(held) if n % 4 == 0 else held
        warm = kept.check(needs, 5, start, held)
        if n % 5 == 0:
            assert warm == PlantMaterial(ev_plant).check(needs, 5, start, _fresh_batch(held))
        held.add(warm.stock, warm.lots)
    assert held.booked  # suppliers' weeks were booked along the way: the memo was exercised
